// Command bizgraph serves a GraphQL API over the firm's customers, projects
// and personnel in PostgreSQL.
//
//	bizgraph [serve]                 serve the API (the default)
//	bizgraph migrate up|down|status  change or inspect the database schema
//	bizgraph seed --scale S --seed N fill an empty database with generated data
//	bizgraph documents import|list   register trusted documents (persisted queries)
//
// Without DATABASE_URL every command uses an embedded PostgreSQL kept under
// the data directory, which serve migrates and seeds with demo data on first
// start. With DATABASE_URL it uses that database and changes nothing unless
// told to (migrate, seed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/ffcli"
	"go.opentelemetry.io/otel/trace"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/httpapi"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/migrate"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/seed"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/shutdown"
	"github.com/bizgraph/bizgraph/internal/tracing"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

// config holds every setting. Each is a flag and the environment variable
// of the same name in upper snake case (--database-url, DATABASE_URL).
type config struct {
	DatabaseURL   string
	ReplicaURLs   string
	ReplicaMaxLag time.Duration
	Addr          string
	MetricsAddr   string
	DataDir       string
	PGBinDir      string
	DBMaxConns    int
	PageDefault   int
	PageMax       int
	Introspection bool
	Playground    bool
	MaxBodyBytes  int64
	MaxInFlight   int
	QueueTimeout  time.Duration
	Limits        limits.Config
	// FieldSuggestions is unset (auto) unless given: on in demo mode,
	// off against DATABASE_URL.
	FieldSuggestions autoBool
	CORSOrigins      string
	CSRFPrevention   bool
	DemoScale        float64
	LogLevel         string
	LogFormat        string
	// Persisted queries (internal/persisted); see persistedOptions.
	PersistedQueries      string
	PersistedCacheControl string

	// Time and faults (README, "Time, faults and seeing inside").
	RequestTimeout   time.Duration
	WriteTimeout     time.Duration
	IdempotencyTTL   time.Duration
	EventsRetention  time.Duration
	MaxSubscriptions int
	MaxResponseBytes int
	DBAcquireTimeout time.Duration
	ShutdownTimeout  time.Duration
	Auth             authConfig
	Webhooks         webhookConfig
}

// webhookConfig is the WEBHOOK_* settings (README, "Webhooks").
type webhookConfig struct {
	// AllowPrivateNetworks is unset (auto) unless given: allowed in demo
	// mode, whose receivers run beside it, refused with DATABASE_URL.
	AllowPrivateNetworks autoBool
	Concurrency          int
	PerEndpoint          int
	Timeout              time.Duration
	RetryPeriod          time.Duration
	SecretOverlap        time.Duration
}

func (c *webhookConfig) register(fs *flag.FlagSet) {
	fs.Var(&c.AllowPrivateNetworks, "webhook-allow-private-networks", "let webhook endpoints resolve to loopback, private and link-local addresses; auto: in demo mode only")
	fs.IntVar(&c.Concurrency, "webhook-concurrency", 16, "webhook attempts in flight in this process")
	fs.IntVar(&c.PerEndpoint, "webhook-concurrency-per-endpoint", 4, "webhook attempts in flight to one endpoint in this process")
	fs.DurationVar(&c.Timeout, "webhook-timeout", 10*time.Second, "longest a webhook attempt waits for the receiver's answer")
	fs.DurationVar(&c.RetryPeriod, "webhook-retry-period", 72*time.Hour, "how long a failing webhook delivery is retried; an endpoint failing this long without a success is disabled")
	fs.DurationVar(&c.SecretOverlap, "webhook-secret-overlap", 24*time.Hour, "how long a rotated webhook secret still signs beside the new one")
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL of the firm's database; empty: the embedded one under --data-dir")
	fs.StringVar(&c.ReplicaURLs, "database-replica-urls", "", "comma-separated PostgreSQL URLs of read replicas (streaming standbys) of --database-url; queries read from them")
	fs.DurationVar(&c.ReplicaMaxLag, "replica-max-lag", 5*time.Second, "a read replica further behind the primary than this serves no reads until it catches up")
	fs.StringVar(&c.Addr, "addr", "", "address to serve HTTP on; empty: :8080, or 127.0.0.1:8080 in demo mode (the embedded database), whose API is open")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "address to serve Prometheus metrics on (GET /metrics), apart from the API, e.g. 127.0.0.1:9090; empty: not served")
	fs.StringVar(&c.DataDir, "data-dir", ".bizgraph", "directory of the embedded PostgreSQL's data (used without --database-url)")
	fs.StringVar(&c.PGBinDir, "pg-bin-dir", "", "directory with PostgreSQL's initdb and postgres; empty: found on this machine")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", 16, "most connections to PostgreSQL")
	fs.IntVar(&c.PageDefault, "page-size-default", page.DefaultLimits.Default, "page size when a list is asked for without first or last")
	fs.IntVar(&c.PageMax, "page-size-max", page.DefaultLimits.Max, "largest first or last a list accepts")
	fs.BoolVar(&c.Introspection, "introspection", true, "allow schema introspection (the playground's docs)")
	fs.BoolVar(&c.Playground, "playground", true, "serve the GraphiQL playground at /")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted; larger is refused with 413")
	fs.IntVar(&c.MaxInFlight, "max-in-flight", 0, "GraphQL operations executing at once, more wait in line; 0: 4 per CPU")
	fs.DurationVar(&c.QueueTimeout, "queue-timeout", 10*time.Second, "longest wait in line before a request is refused with 503")
	d := limits.Defaults
	fs.IntVar(&c.Limits.Tokens, "max-tokens", d.Tokens, "most tokens in a GraphQL document; more: QUERY_TOO_LARGE")
	fs.IntVar(&c.Limits.DocumentBytes, "max-document-bytes", d.DocumentBytes, "longest GraphQL document in bytes, comments and whitespace included; longer: QUERY_TOO_LARGE, before parsing")
	fs.IntVar(&c.Limits.FilterHops, "max-filter-hops", d.FilterHops, "most relations an operation's filters follow (each a subquery); more: TOO_MANY_FILTER_HOPS")
	fs.IntVar(&c.Limits.Depth, "max-depth", d.Depth, "deepest nesting of fields in an operation; deeper: QUERY_TOO_DEEP")
	fs.IntVar(&c.Limits.Aliases, "max-aliases", d.Aliases, "most aliased fields in an operation; more: TOO_MANY_ALIASES")
	fs.IntVar(&c.Limits.RootFields, "max-root-fields", d.RootFields, "most root fields in an operation; more: TOO_MANY_ROOT_FIELDS")
	fs.IntVar(&c.Limits.Directives, "max-directives", d.Directives, "most directives in an operation; more: TOO_MANY_DIRECTIVES")
	fs.IntVar(&c.Limits.Cost, "max-cost", d.Cost, "most objects an operation may return, lists counted at their page size; more: QUERY_TOO_COMPLEX")
	fs.IntVar(&c.Limits.Batch, "max-batch", d.Batch, "most operations in one batched request (a JSON array); 1: batching off")
	fs.Var(&c.FieldSuggestions, "field-suggestions", `"Did you mean …?" in validation errors: true, false or auto (on in demo mode, off with --database-url)`)
	fs.StringVar(&c.CORSOrigins, "cors-origins", "", "comma-separated origins whose pages may call the API from a browser (* for any); empty: no CORS headers")
	fs.BoolVar(&c.CSRFPrevention, "csrf-prevention", true, "refuse GET requests without a Content-Type or Apollo-Require-Preflight header, which any web page could send")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 30*time.Second, "deadline of a request, and PostgreSQL's statement_timeout of its statements")
	fs.DurationVar(&c.EventsRetention, "events-retention", 7*24*time.Hour, "how long events are kept (how far back live updates and webhooks may resume); 0 keeps them")
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", 1000, "most subscriptions open at once (websockets and event streams); more are refused with OVERLOADED")
	fs.DurationVar(&c.IdempotencyTTL, "idempotency-key-ttl", 24*time.Hour, "how long the answer of a mutation sent with an Idempotency-Key is kept for its retries")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 10*time.Second, "time past --request-timeout a client has to read its answer; then its connection is closed")
	fs.IntVar(&c.MaxResponseBytes, "max-response-bytes", httpapi.DefaultMaxResponseBytes, "largest answer's data in bytes; larger is refused with RESPONSE_TOO_LARGE")
	fs.DurationVar(&c.DBAcquireTimeout, "db-acquire-timeout", 2*time.Second, "longest wait for a free database connection before a request is refused with 503")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "on SIGTERM, how long in-flight requests and pending writes get to finish")
	fs.Float64Var(&c.DemoScale, "demo-scale", 0.01, "scale of the demo data seeded into a new embedded database")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.PersistedQueries, "persisted-queries", "", "off, automatic or trusted (only registered documents run); empty: automatic with the embedded database, trusted with --database-url")
	fs.StringVar(&c.PersistedCacheControl, "persisted-cache-control", persisted.DefaultCacheControl, "Cache-Control of GET answers to persisted queries whose document sets none")
	c.Auth.register(fs)
	c.Webhooks.register(fs)
}

// gcBudget sets the garbage collector's defaults unless the Go runtime's own
// GOGC or GOMEMLIMIT say otherwise. A GraphQL response allocates many small
// short-lived objects; collecting at 4x the live heap instead of 2x cut the
// nested page's time by a quarter (graph.BenchmarkNestedPage), and the
// memory limit keeps that bounded: near it the collector works harder
// instead of the heap growing.
func gcBudget() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

func main() {
	gcBudget()
	if err := run(context.Background(), os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bizgraph:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var cfg config
	newFlags := func(name string) *flag.FlagSet {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		cfg.register(fs)
		return fs
	}
	opts := []ff.Option{ff.WithEnvVarNoPrefix()}

	serveCmd := &ffcli.Command{
		Name: "serve", ShortUsage: "bizgraph serve [flags]", ShortHelp: "serve the API (the default command)",
		FlagSet: newFlags("serve"), Options: opts,
		Exec: func(ctx context.Context, _ []string) error { return serve(ctx, &cfg) },
	}
	migrateCmd := &ffcli.Command{
		Name: "migrate", ShortUsage: "bizgraph migrate up|down|status [flags]",
		ShortHelp: "apply (up), roll back one (down) or list (status) schema migrations",
		FlagSet:   newFlags("migrate"), Options: opts,
		Exec: func(ctx context.Context, args []string) error { return migrateDB(ctx, &cfg, args) },
	}
	seedFS := newFlags("seed")
	scale := seedFS.Float64("scale", 0.01, "data volume: 1 is a real firm (5 million time entries), 0.01 a demo")
	seedN := seedFS.Int64("seed", 1, "random seed: the same seed and scale give the same data")
	seedCmd := &ffcli.Command{
		Name: "seed", ShortUsage: "bizgraph seed [--scale S] [--seed N] [flags]",
		ShortHelp: "fill an empty, migrated database with generated data",
		FlagSet:   seedFS, Options: opts,
		Exec: func(ctx context.Context, _ []string) error { return seedDB(ctx, &cfg, *scale, *seedN) },
	}
	root := &ffcli.Command{
		Name: "bizgraph", ShortUsage: "bizgraph [serve|migrate|seed|documents|token|apikey] [flags]",
		LongHelp: "A GraphQL API over the firm's customers, projects and personnel.\n" +
			"Every flag can also be set by the environment variable of the same name\n" +
			"in upper case (--database-url: DATABASE_URL).",
		FlagSet: newFlags("bizgraph"), Options: opts,
		Subcommands: append([]*ffcli.Command{serveCmd, migrateCmd, seedCmd, documentsCommand(&cfg, newFlags, opts)},
			authCommands(&cfg, newFlags, opts)...),
		Exec: func(ctx context.Context, _ []string) error { return serve(ctx, &cfg) },
	}
	if err := root.Parse(args); err != nil {
		return err
	}
	return root.Run(ctx)
}

func newLogger(cfg *config) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", cfg.LogLevel)
	}
	o := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, o)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", cfg.LogFormat)
}

// target is the database a command works on.
type target struct {
	url      string
	embedded *pgembed.Server
	created  bool // the embedded database was created just now
}

func (t *target) close(log *slog.Logger) {
	if t.embedded == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := t.embedded.Stop(ctx); err != nil {
		log.Error("stop embedded PostgreSQL", "err", err)
	}
}

// openTarget returns DATABASE_URL, or starts the embedded PostgreSQL.
func openTarget(ctx context.Context, cfg *config, log *slog.Logger) (*target, error) {
	if cfg.DatabaseURL != "" {
		return &target{url: cfg.DatabaseURL}, nil
	}
	dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "postgres"))
	if err != nil {
		return nil, fmt.Errorf("--data-dir: %w", err)
	}
	log.Info("starting embedded PostgreSQL (set DATABASE_URL to use your own database)", "data_dir", dir)
	srv, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir, BinDir: cfg.PGBinDir})
	if err != nil {
		return nil, fmt.Errorf("start embedded PostgreSQL: %w", err)
	}
	created, err := srv.CreateDatabase(ctx, "bizgraph")
	if err != nil {
		_ = srv.Stop(context.Background())
		return nil, fmt.Errorf("create embedded database: %w", err)
	}
	return &target{url: srv.URL("bizgraph"), embedded: srv, created: created}, nil
}

func serve(ctx context.Context, cfg *config) error {
	log, err := newLogger(cfg)
	if err != nil {
		return err
	}
	if cfg.PageDefault < 1 || cfg.PageMax < cfg.PageDefault {
		return fmt.Errorf("--page-size-default (%d) must be at least 1 and at most --page-size-max (%d)", cfg.PageDefault, cfg.PageMax)
	}
	pqOpts, err := persistedOptions(cfg)
	if err != nil {
		return err
	}
	for _, l := range []struct {
		flag string
		v    int
	}{{"max-tokens", cfg.Limits.Tokens}, {"max-document-bytes", cfg.Limits.DocumentBytes},
		{"max-filter-hops", cfg.Limits.FilterHops}, {"max-depth", cfg.Limits.Depth}, {"max-aliases", cfg.Limits.Aliases},
		{"max-root-fields", cfg.Limits.RootFields}, {"max-directives", cfg.Limits.Directives},
		{"max-cost", cfg.Limits.Cost}, {"max-batch", cfg.Limits.Batch}} {
		if l.v < 1 {
			return fmt.Errorf("--%s must be at least 1, got %d", l.flag, l.v)
		}
	}
	ln, err := net.Listen("tcp", listenAddr(cfg))
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	defer ln.Close()

	t, err := openTarget(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer t.close(log)
	if t.embedded != nil {
		if err := prepareDemo(ctx, t, cfg, log); err != nil {
			return err
		}
	}
	tp, err := tracing.FromEnv(ctx)
	if err != nil {
		return err
	}
	var tracer trace.Tracer
	if tp != nil {
		tracer = tp.Tracer(tracing.Name)
		log.Info("tracing: exporting spans over OTLP (OTEL_EXPORTER_OTLP_*)")
	}

	// The pool connects on demand: a database that is down at start (or
	// later) makes requests fail with UNAVAILABLE and /readyz answer 503
	// until it is back, while the process stays up and /healthz answers.
	dbOpts := database.Options{MaxOpenConns: cfg.DBMaxConns,
		StatementTimeout: cfg.RequestTimeout, AcquireTimeout: cfg.DBAcquireTimeout, Tracer: tracer}
	db, err := database.New(t.url, dbOpts)
	if err != nil {
		return err
	}
	defer db.Close()
	// Replicas' pools are opened like the primary's.
	replicas, err := openReplicas(cfg, db, dbOpts, log)
	if err != nil {
		return err
	}
	demo := t.embedded != nil
	sec, err := setupSecurity(ctx, cfg, t, db, log)
	if err != nil {
		return err
	}
	m := metrics.New()
	// One listening connection for the whole server feeds every
	// subscription (internal/live).
	feed := live.New(live.Config{URL: t.url, DB: db, Retention: cfg.EventsRetention, Log: log})
	listening, stopListening := context.WithCancel(ctx)
	defer stopListening()
	go feed.Run(listening)
	// Webhooks are delivered by every replica; the writes of each enqueue
	// them in their transaction (internal/webhook).
	hooks := webhook.New(db, sec.policy.Rules, webhook.Config{
		AllowPrivateNetworks: cfg.Webhooks.AllowPrivateNetworks.or(demo), Concurrency: cfg.Webhooks.Concurrency,
		PerEndpoint: cfg.Webhooks.PerEndpoint, Timeout: cfg.Webhooks.Timeout, RetryPeriod: cfg.Webhooks.RetryPeriod,
		SecretOverlap: cfg.Webhooks.SecretOverlap, Log: log})
	if err := hooks.Start(ctx, t.url); err != nil {
		return err
	}
	srv := &http.Server{
		Handler: service.New(service.Config{DB: db, Webhooks: hooks, PageLimits: page.Limits{Default: cfg.PageDefault, Max: cfg.PageMax},
			Log: log, Introspection: cfg.Introspection,
			Playground: cfg.Playground, MaxBodyBytes: cfg.MaxBodyBytes,
			MaxInFlight: cfg.MaxInFlight, QueueTimeout: cfg.QueueTimeout, PersistedQueries: pqOpts,
			Limits: cfg.Limits, FieldSuggestions: cfg.FieldSuggestions.or(demo),
			CORSOrigins: splitList(cfg.CORSOrigins), DisableCSRFPrevention: !cfg.CSRFPrevention,
			RequestTimeout: cfg.RequestTimeout, WriteTimeout: cfg.WriteTimeout, IdempotencyKeyTTL: cfg.IdempotencyTTL, MaxResponseBytes: cfg.MaxResponseBytes, Metrics: m, Tracer: tracer,
			Auth: sec.auth, Policy: sec.policy, PlaygroundRoles: sec.roles, Replicas: replicas,
			Live: feed, MaxSubscriptions: cfg.MaxSubscriptions}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	// What stopping does, in order. Parts holding pending writes add
	// their flush here in the Flush phase.
	var stopping shutdown.Sequence
	// Subscribers are told to go away first (websockets closed with 1001,
	// event streams ended without complete), so they reconnect elsewhere
	// and resume; an event committed meanwhile is read from the table
	// there. The HTTP server does not wait for hijacked websockets.
	stopping.Add(shutdown.Drain, "live: close subscriptions", feed.Shutdown)
	stopping.Add(shutdown.Drain, "http: finish in-flight requests", srv.Shutdown)
	// After the requests: a write drained there still enqueues its
	// webhooks, which the next process delivers.
	stopping.Add(shutdown.Drain, "webhooks: finish attempts in flight", hooks.Stop)
	stopping.Add(shutdown.Drain, "live: stop listening", func(context.Context) error { stopListening(); return nil })
	if cfg.MetricsAddr != "" {
		// The metrics show every caller's operations and errors: they are
		// served to the operators' scraper on an address of their own,
		// never on the API's port.
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		stopping.Add(shutdown.Release, "metrics: stop serving", msrv.Shutdown)
		log.Info("serving metrics", "metrics", "http://"+displayAddr(mln.Addr())+"/metrics")
	}
	// The drained requests' reads of sensitive fields are stored before
	// the process ends.
	stopping.Add(shutdown.Flush, "audit: store pending records", sec.audit.Close)
	if tp != nil {
		stopping.Add(shutdown.Flush, "tracing: export pending spans", tp.Shutdown)
	}
	stopping.Add(shutdown.Release, "database pool", func(context.Context) error { return db.Close() })
	if replicas != nil {
		stopChecks := replicas.Start(ctx)
		stopping.Add(shutdown.Drain, "read replicas: stop checking", func(context.Context) error { stopChecks(); return nil })
		stopping.Add(shutdown.Release, "read replicas' pools", func(context.Context) error { return replicas.Close() })
	}

	if cfg.EventsRetention > 0 {
		pruning, stopPruning := context.WithCancel(ctx)
		go events.Retain(pruning, db, cfg.EventsRetention, time.Hour, log)
		stopping.Add(shutdown.Drain, "events: stop pruning", func(context.Context) error { stopPruning(); return nil })
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	base := "http://" + displayAddr(ln.Addr())
	if cfg.Playground && pqOpts.Mode == persisted.Trusted {
		log.Warn("the playground sends text, which trusted mode refuses; set PERSISTED_QUERIES=automatic to explore")
	}
	if cfg.Playground {
		log.Info("serving; open the playground", "playground", base+"/", "graphql", base+"/graphql")
	} else {
		log.Info("serving", "graphql", base+"/graphql")
	}
	go awaitDatabase(ctx, db, t, log)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	if err := stopping.Run(ctx, cfg.ShutdownTimeout, log); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// openReplicas opens the pools of DATABASE_REPLICA_URLS, as the primary's
// (dbOpts); nil without any. They read only the firm's database, so the
// embedded one (demo mode) has none.
func openReplicas(cfg *config, primary *database.DB, dbOpts database.Options, log *slog.Logger) (*replica.Set, error) {
	urls := splitList(cfg.ReplicaURLs)
	if len(urls) == 0 {
		return nil, nil
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("--database-replica-urls needs --database-url: the embedded database has no replicas")
	}
	if cfg.ReplicaMaxLag <= 0 {
		return nil, fmt.Errorf("--replica-max-lag must be above 0, got %s", cfg.ReplicaMaxLag)
	}
	return replica.Open(primary, urls, dbOpts, replica.Options{MaxLag: cfg.ReplicaMaxLag, Log: log})
}

// autoBool is a boolean setting whose default depends on the mode: "auto"
// (or unset) until true or false is given.
type autoBool struct{ v *bool }

func (b *autoBool) String() string {
	if b == nil || b.v == nil {
		return "auto"
	}
	return strconv.FormatBool(*b.v)
}

func (b *autoBool) Set(s string) error {
	if s == "auto" {
		b.v = nil
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true, false or auto")
	}
	b.v = &v
	return nil
}

// IsBoolFlag lets the flag stand alone for true (--field-suggestions).
func (b *autoBool) IsBoolFlag() bool { return true }

// or is the setting, or auto when it was left unset.
func (b autoBool) or(auto bool) bool {
	if b.v == nil {
		return auto
	}
	return *b.v
}

// splitList splits a comma-separated setting, dropping empty items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// awaitDatabase waits, with backoff, until the database answers, saying so
// in the log, then checks its migrations.
func awaitDatabase(ctx context.Context, db *database.DB, t *target, log *slog.Logger) {
	err := db.WaitReachable(ctx, func(attempt int, err error) {
		log.Warn("database unreachable; serving /readyz as 503 and retrying", "attempt", attempt, "err", err)
	})
	if err != nil {
		return // shutting down
	}
	log.Info("database reachable; ready")
	if t.embedded == nil {
		if err := checkMigrated(ctx, t.url, log); err != nil {
			log.Warn("could not check the database's migrations", "err", err)
		}
	}
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") || strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost:" + s[strings.LastIndex(s, ":")+1:]
	}
	return s
}

// prepareDemo migrates the embedded database and seeds it on first start.
func prepareDemo(ctx context.Context, t *target, cfg *config, log *slog.Logger) error {
	m, err := migrate.Open(t.url)
	if err != nil {
		return err
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		return err
	}
	if err := importShipped(ctx, t.url); err != nil {
		return err
	}
	if t.created {
		log.Info("seeding demo data (first start only)", "scale", cfg.DemoScale)
	}
	// Seeding runs in one transaction and refuses a database with data, so
	// a first start that was interrupted is simply seeded again.
	_, err = seed.Run(ctx, t.url, seed.Options{Scale: cfg.DemoScale, Seed: 1, Progress: os.Stderr})
	if errors.Is(err, seed.ErrNotEmpty) {
		return nil
	}
	return err
}

// checkMigrated refuses to serve a database without the schema, and warns
// about pending migrations without applying them.
func checkMigrated(ctx context.Context, url string, log *slog.Logger) error {
	m, err := migrate.Open(url)
	if err != nil {
		return err
	}
	defer m.Close()
	pending, err := m.Pending(ctx)
	if err != nil {
		return fmt.Errorf("check migrations: %w", err)
	}
	if pending {
		log.Warn("the database has pending migrations; run `bizgraph migrate up` to apply them")
	}
	return nil
}

// withDatabase runs a command's work f on the database the settings name
// (the embedded one, started for the command, when DATABASE_URL is empty).
func withDatabase(ctx context.Context, cfg *config, f func(*database.DB) error) error {
	log, err := newLogger(cfg)
	if err != nil {
		return err
	}
	t, err := openTarget(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer t.close(log)
	db, err := database.Open(ctx, t.url, database.Options{MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	return f(db)
}

func migrateDB(ctx context.Context, cfg *config, args []string) error {
	log, err := newLogger(cfg)
	if err != nil {
		return err
	}
	if len(args) != 1 || (args[0] != "up" && args[0] != "down" && args[0] != "status") {
		return errors.New("usage: bizgraph migrate up|down|status")
	}
	t, err := openTarget(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer t.close(log)
	m, err := migrate.Open(t.url)
	if err != nil {
		return err
	}
	defer m.Close()
	switch args[0] {
	case "up":
		res, err := m.Up(ctx)
		for _, r := range res {
			fmt.Printf("applied %s (%s)\n", migrate.Name(r.Source), r.Duration.Round(time.Millisecond))
		}
		if err == nil && len(res) == 0 {
			fmt.Println("up to date")
		}
		return err
	case "down":
		r, err := m.Down(ctx)
		if r != nil {
			fmt.Printf("rolled back %s\n", migrate.Name(r.Source))
		}
		return err
	default:
		return m.Status(ctx, os.Stdout)
	}
}

func seedDB(ctx context.Context, cfg *config, scale float64, n int64) error {
	log, err := newLogger(cfg)
	if err != nil {
		return err
	}
	if scale <= 0 || scale > 100 {
		return fmt.Errorf("--scale must be above 0 and at most 100, got %g", scale)
	}
	t, err := openTarget(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer t.close(log)
	stats, err := seed.Run(ctx, t.url, seed.Options{Scale: scale, Seed: n, Progress: os.Stderr})
	if err != nil {
		return err
	}
	fmt.Printf("seeded scale %g with seed %d in %s\n", scale, n, stats.Duration.Round(time.Millisecond))
	return nil
}

// listenAddr is --addr, or by default every interface against DATABASE_URL
// and only this machine's loopback in demo mode, where requests without
// credentials are let through and the playground hands out admin tokens.
func listenAddr(cfg *config) string {
	switch {
	case cfg.Addr != "":
		return cfg.Addr
	case cfg.DatabaseURL == "":
		return "127.0.0.1:8080"
	default:
		return ":8080"
	}
}
