package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The package's database is migrated and seeded at the demo scale.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// api is a running server over the package's database, with its own pool so
// its statement counter sees only its own requests.
type api struct {
	t     testing.TB
	db    *database.DB
	store *store.Store
	h     http.Handler
	srv   *httptest.Server
	// token is sent as the bearer credential; without, requests act as
	// httpapitest.Admin.
	token string
}

func newAPI(t testing.TB) *api {
	t.Helper()
	return newAPIWith(t, policy.StoreRules{})
}

// newAPIWith is newAPI with the store asking rules.
func newAPIWith(t testing.TB, rules store.Rules) *api {
	t.Helper()
	url := httpapitest.URL()
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" && isBenchmark(t) {
		url = u
	}
	db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db, page.Limits{Default: 20, Max: 100}, rules)
	h := service.New(service.Config{DB: db, Store: st,
		Introspection: true, Auth: httpapitest.Authenticator(t, db, httpapitest.Admin),
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	return &api{t: t, db: db, store: st, h: h, srv: srv}
}

// in returns a with failures reported to t (a subtest).
func (a *api) in(t testing.TB) *api {
	c := *a
	c.t = t
	return &c
}

// as returns a sending token with every request.
func (a *api) as(token string) *api {
	c := *a
	c.token = token
	return &c
}

func isBenchmark(t testing.TB) bool { _, ok := t.(*testing.B); return ok }

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// query posts a GraphQL operation and decodes the response.
func (a *api) query(q string, vars map[string]any) response {
	a.t.Helper()
	return a.post(map[string]any{"query": q, "variables": vars})
}

// byID posts a request for the registered document id.
func (a *api) byID(id string, vars map[string]any) response {
	a.t.Helper()
	return a.post(map[string]any{"documentId": id, "variables": vars})
}

// post sends a GraphQL request body and decodes the response.
func (a *api) post(params map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(params)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var r response
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		a.t.Fatalf("decode response (status %d): %v", res.StatusCode, err)
	}
	return r
}

// data runs q, fails the test on any error, and decodes data into out.
func (a *api) data(q string, vars map[string]any, out any) {
	a.t.Helper()
	r := a.query(q, vars)
	if len(r.Errors) > 0 {
		a.t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		a.t.Fatalf("decode data %s: %v", r.Data, err)
	}
}
