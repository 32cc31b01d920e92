package persisted_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/httpapi"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// BenchmarkOperationOverhead is the server's work before execution begins
// (gqlgen's CreateOperationContext: find the document, parse, validate,
// coerce variables) for the playground's customer page, a 40-line
// operation, sent four ways to an executor set up as httpapi sets it up:
//
//   - text/uncached: the text, parsed and validated every time (what every
//     request would cost without a query cache);
//   - text/cached: the text again, found in the executor's LRU by its text
//     (what a repeated text costs: the map hashes the whole text);
//   - persisted/hash: Apollo's hash alone, found in the persisted store's
//     LRU, whose entry carries the parsed and validated document;
//   - persisted/documentId: the same by documentId.
//
// The database is not touched on any of these paths once warm.
func BenchmarkOperationOverhead(b *testing.B) {
	query := playground.Examples[0].Query
	hash := persisted.HashText(query)
	schema := graph.NewExecutableSchema(graph.Config{})
	if _, err := openStore(b).Import(context.Background(), schema.Schema(),
		[]persisted.Operation{{ID: "bench-customer-page", Body: query}, {ID: hash, Body: query}}); err != nil {
		b.Fatal(err)
	}
	newExecutor := func(cache graphql.Cache[*ast.QueryDocument]) *executor.Executor {
		e := executor.New(schema)
		e.Use(persisted.New(openStore(b), persisted.Options{Mode: persisted.Automatic}))
		e.SetQueryCache(persisted.QueryCache(cache))
		return e
	}
	// Decoded request members are read, never changed: one for all runs.
	apq := map[string]any{"persistedQuery": map[string]any{"version": 1.0, "sha256Hash": hash}}
	cached := newExecutor(lru.New[*ast.QueryDocument](1000))
	uncached := newExecutor(graphql.NoCache[*ast.QueryDocument]{})
	for _, c := range []struct {
		name   string
		exec   *executor.Executor
		ctx    context.Context
		params func() *graphql.RawParams
	}{
		{"text/uncached", uncached, context.Background(), func() *graphql.RawParams { return &graphql.RawParams{Query: query} }},
		{"text/cached", cached, context.Background(), func() *graphql.RawParams { return &graphql.RawParams{Query: query} }},
		{"persisted/hash", cached, context.Background(), func() *graphql.RawParams { return &graphql.RawParams{Extensions: apq} }},
		{"persisted/documentId", cached, persisted.WithDocumentID(context.Background(), "bench-customer-page"),
			func() *graphql.RawParams { return &graphql.RawParams{} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			run := func() {
				// As gqlgen's handler starts every request.
				ctx := graphql.StartOperationTrace(c.ctx)
				if _, errs := c.exec.CreateOperationContext(ctx, c.params()); errs != nil {
					b.Fatal(errs)
				}
			}
			run() // warm the caches
			b.ReportAllocs()
			for b.Loop() {
				run()
			}
		})
	}
}

// BenchmarkRequestOverhead is the whole server's work on a request except
// executing it: the real handler (middleware, GraphQL-over-HTTP transport,
// executor, error and cache headers) on the customer page with its root
// field skipped (@skip(if: true)), so that nothing reaches the database and
// what is left is reading the request, finding, parsing and validating the
// document, and writing the answer. Sent as text (cached after the first
// time; "text/new" changes a comment each time, as a client whose text is
// not in the cache), and as a persisted query by POST and GET.
func BenchmarkRequestOverhead(b *testing.B) {
	// The root field's arguments close on a line of their own: "  }) {".
	query := strings.Replace(playground.Examples[0].Query, "\n  }) {\n", "\n  }) @skip(if: true) {\n", 1)
	if query == playground.Examples[0].Query {
		b.Fatal("the playground's first example no longer has its root field's arguments end with \"  }) {\"")
	}
	hash := persisted.HashText(query)
	db := openDB(b)
	h := httpapi.New(httpapi.Config{Auth: httpapitest.Authenticator(b, db, httpapitest.Admin), DB: db, Store: store.New(db, page.Limits{}, policy.StoreRules{})})
	apq := `{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}`
	postBody := func(members string) func(int) *http.Request {
		return func(int) *http.Request {
			r := httptest.NewRequest("POST", "/graphql", strings.NewReader(members))
			r.Header.Set("Content-Type", "application/json")
			return r
		}
	}
	getURL := func(params url.Values) func(int) *http.Request {
		target := "/graphql?" + params.Encode()
		return func(int) *http.Request {
			r := httptest.NewRequest("GET", target, nil)
			r.Header.Set("Apollo-Require-Preflight", "true") // CSRF prevention
			return r
		}
	}
	text, _ := json.Marshal(query)
	// Register the hash: the one request that sends both.
	if w := serve(h, postBody(`{"query":`+string(text)+`,"extensions":`+apq+`}`)(0)); w.Code != http.StatusOK {
		b.Fatalf("register: %d %s", w.Code, w.Body)
	}
	for _, c := range []struct {
		name string
		req  func(i int) *http.Request
	}{
		{"text/new/POST", func(i int) *http.Request {
			q, _ := json.Marshal("# " + strconv.Itoa(i) + "\n" + query)
			return postBody(`{"query":` + string(q) + `}`)(i)
		}},
		{"text/cached/POST", postBody(`{"query":` + string(text) + `}`)},
		{"text/cached/GET", getURL(url.Values{"query": {query}})},
		{"persisted/POST", postBody(`{"extensions":` + apq + `}`)},
		{"persisted/GET", getURL(url.Values{"extensions": {apq}})},
	} {
		b.Run(c.name, func(b *testing.B) {
			if w := serve(h, c.req(-1)); w.Code != http.StatusOK || w.Body.String() != `{"data":{}}` {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				serve(h, c.req(i))
			}
		})
	}
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
