package persisted_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/service"
)

// The package's database is migrated and seeded at the demo scale; the
// servers of one test share it as replicas share the firm's database.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// newServer serves the API in mode over the package's database.
func newServer(t *testing.T, mode persisted.Mode) *httptest.Server {
	t.Helper()
	srv, _ := httpapitest.NewServer(t, service.Config{PersistedQueries: persisted.Options{Mode: mode}})
	return srv
}

// doc is a query no other test sends: each test registers documents of
// its own in the shared table.
func doc(t *testing.T) string {
	return `query ` + strings.ReplaceAll(t.Name(), "/", "_") + ` { customers(first: 2) { totalCount nodes { name } } }`
}

// pq is Apollo's extensions.persistedQuery for hash.
func pq(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

// post sends a GraphQL request body as JSON.
func post(t *testing.T, srv *httptest.Server, body map[string]any) httpapitest.Reply {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, string(b))
}

// get sends the request parameters in the URL; maps become JSON text.
func get(t *testing.T, srv *httptest.Server, params map[string]any, header map[string]string) httpapitest.Reply {
	t.Helper()
	v := url.Values{}
	for k, p := range params {
		if s, ok := p.(string); ok {
			v.Set(k, s)
			continue
		}
		b, _ := json.Marshal(p)
		v.Set(k, string(b))
	}
	// As Apollo Client does on GET, a Content-Type: the server refuses GETs
	// a page of another site could send without a CORS preflight.
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return httpapitest.Do(t, "GET", srv.URL+"/graphql?"+v.Encode(), h, "")
}

// wantData fails unless r is a 200 with data and no errors.
func wantData(t *testing.T, r httpapitest.Reply) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 || len(r.Data) == 0 || string(r.Data) == "null" {
		t.Fatalf("want data: status %d, body %.400s", r.Status, r.Body)
	}
}

// wantCode fails unless r's first error has code.
func wantCode(t *testing.T, r httpapitest.Reply, code string) {
	t.Helper()
	if r.Code() != code || len(r.Data) != 0 {
		t.Fatalf("want error %s without data: status %d, body %.400s", code, r.Status, r.Body)
	}
}

// openDB is a connection pool of its own to the package's database.
func openDB(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), httpapitest.URL(), database.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openStore is a Store of its own over the package's database, as a
// command or another replica has.
func openStore(t testing.TB) *persisted.Store { return persisted.NewStore(openDB(t)) }

// importDocs registers documents as a manifest import does.
func importDocs(t *testing.T, ops ...persisted.Operation) {
	t.Helper()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	if _, err := openStore(t).Import(context.Background(), schema, ops); err != nil {
		t.Fatal(err)
	}
}

// httptestServer serves h until the test ends.
func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
