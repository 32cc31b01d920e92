package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/operations"
)

// persistedOptions are the persisted-query settings. Without a mode set,
// the embedded (demo) database runs in automatic mode, so the playground
// and any client work as they are; a real database runs trusted: in
// production only operations the frontends and tools registered run, so
// no one can send the API a costly or probing query it has never seen.
func persistedOptions(cfg *config) (persisted.Options, error) {
	mode := persisted.Trusted
	if cfg.DatabaseURL == "" {
		mode = persisted.Automatic
	}
	if cfg.PersistedQueries != "" {
		m, err := persisted.ParseMode(cfg.PersistedQueries)
		if err != nil {
			return persisted.Options{}, fmt.Errorf("--persisted-queries: %w", err)
		}
		mode = m
	}
	return persisted.Options{Mode: mode, CacheControl: cfg.PersistedCacheControl}, nil
}

// documentsCommand is `bizgraph documents import|list`.
func documentsCommand(cfg *config, newFlags func(string) *flag.FlagSet, opts []ff.Option) *ffcli.Command {
	return &ffcli.Command{
		Name: "documents", ShortUsage: "bizgraph documents import [FILE...] | list [flags]",
		ShortHelp: "register trusted documents from manifests (none: the shipped operations/), or list them",
		LongHelp: "import reads Apollo's persisted-query manifest or a JSON map of id to document\n" +
			"(Relay, GraphQL Code Generator), checks every document against the schema and\n" +
			"registers them all as trusted, or none. Without FILE it imports operations/.\n" +
			"list shows every registered document, trusted and automatically persisted.",
		FlagSet: newFlags("documents"), Options: opts,
		Exec: func(ctx context.Context, args []string) error { return documents(ctx, cfg, args) },
	}
}

func documents(ctx context.Context, cfg *config, args []string) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "list") || (args[0] == "list" && len(args) > 1) {
		return errors.New("usage: bizgraph documents import [FILE...] | list")
	}
	return withDatabase(ctx, cfg, func(db *database.DB) error {
		st := persisted.NewStore(db)
		if args[0] == "list" {
			return listDocuments(ctx, st)
		}
		return importDocuments(ctx, st, args[1:])
	})
}

// importDocuments registers the documents of the manifest files, or of the
// shipped operations when there are none.
func importDocuments(ctx context.Context, st *persisted.Store, files []string) error {
	var ops []persisted.Operation
	if len(files) == 0 {
		var err error
		if ops, err = operations.Shipped(); err != nil {
			return fmt.Errorf("read the shipped operations: %w", err)
		}
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		fileOps, err := persisted.ParseManifest(b)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		ops = append(ops, fileOps...)
	}
	res, err := st.Import(ctx, graph.NewExecutableSchema(graph.Config{}).Schema(), ops)
	if err != nil {
		return err
	}
	fmt.Printf("imported %d documents: %d new, %d already registered\n", len(ops), res.Added, res.Updated)
	return nil
}

func listDocuments(ctx context.Context, st *persisted.Store) error {
	docs, err := st.List(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tOPERATION\tNAME\tCACHE-CONTROL\tCREATED")
	for _, d := range docs {
		kind := "automatic"
		if d.Trusted {
			kind = "trusted"
		}
		cc := d.CacheControl
		if cc == "" {
			cc = "(default)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, kind, d.Operation, d.Name, cc, d.CreatedAt.Format("2006-01-02 15:04"))
	}
	return w.Flush()
}

// importShipped registers the shipped operations in the demo database, so
// a trusted-mode demo has them too.
func importShipped(ctx context.Context, url string) error {
	ops, err := operations.Shipped()
	if err != nil {
		return fmt.Errorf("read the shipped operations: %w", err)
	}
	db, err := database.Open(ctx, url, database.Options{MaxOpenConns: 1})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := persisted.NewStore(db).Import(ctx, graph.NewExecutableSchema(graph.Config{}).Schema(), ops); err != nil {
		return fmt.Errorf("import the shipped operations: %w", err)
	}
	return nil
}
