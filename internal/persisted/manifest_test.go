package persisted_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

func TestParseManifest_BothFormats(t *testing.T) {
	apollo := `{"format":"apollo-persisted-query-manifest","version":1,"operations":[
		{"id":"abc","name":"Names","type":"query","body":"query Names { customers { totalCount } }"}]}`
	ops, err := persisted.ParseManifest([]byte(apollo))
	if err != nil || len(ops) != 1 || ops[0].ID != "abc" || ops[0].Name != "Names" || !strings.HasPrefix(ops[0].Body, "query Names") {
		t.Errorf("Apollo manifest: %+v, %v", ops, err)
	}
	// Relay and GraphQL Code Generator: id → text.
	ops, err = persisted.ParseManifest([]byte(`{"b2":"query B { __typename }","a1":"query A { __typename }"}`))
	if err != nil || !slices.Equal([]string{ops[0].ID, ops[1].ID}, []string{"a1", "b2"}) || ops[0].Body != "query A { __typename }" {
		t.Errorf("map manifest: %+v, %v", ops, err)
	}
	for name, bad := range map[string]string{
		"not JSON":       `{`,
		"not an object":  `["query A { x }"]`,
		"other format":   `{"format":"other","version":1,"operations":[]}`,
		"other version":  `{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}`,
		"value not text": `{"a": {"body": "query A { x }"}}`,
		"unknown member": `{"format":"apollo-persisted-query-manifest","version":1,"operations":[],"extra":1}`,
	} {
		if _, err := persisted.ParseManifest([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// An import is checked against the schema and is all or none; an id keeps
// its text forever.
func TestImport_RefusesInvalidDocumentsAndChangedBodies(t *testing.T) {
	store := openStore(t)
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	ctx := context.Background()
	ok := persisted.Operation{ID: "ok-" + t.Name(), Body: doc(t)}
	invalid := persisted.Operation{ID: "bad-" + t.Name(), Body: `{ customers(first: 1) { noSuchField } }`}
	if _, err := store.Import(ctx, schema, []persisted.Operation{ok, invalid}); err == nil {
		t.Fatal("an invalid document was imported")
	}
	if d, err := store.Get(ctx, ok.ID, false); err != nil || d != nil {
		t.Fatalf("a failed import left %+v, %v", d, err)
	}
	res, err := store.Import(ctx, schema, []persisted.Operation{ok})
	if err != nil || res.Added != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	res, err = store.Import(ctx, schema, []persisted.Operation{ok})
	if err != nil || res.Added != 0 || res.Updated != 1 {
		t.Fatalf("import again: %+v, %v; want updated", res, err)
	}
	changed := persisted.Operation{ID: ok.ID, Body: doc(t) + "\n"}
	if _, err := store.Import(ctx, schema, []persisted.Operation{changed}); !errors.Is(err, persisted.ErrChangedBody) {
		t.Fatalf("another text under an id: %v, want ErrChangedBody", err)
	}
	docs, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(docs, func(d *persisted.Document) bool { return d.ID == ok.ID })
	if i < 0 || !docs[i].Trusted || docs[i].Operation != "query" || docs[i].Name != strings.ReplaceAll(t.Name(), "/", "_") {
		t.Errorf("listed: %+v", docs)
	}
}
