package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchPage is the page of ../shared/PERFORMANCE.md: the first 50 customers,
// each one's first 10 projects, each project's whole team with the
// employee's name and department name.
const benchPage = `{
  customers(first: 50) {
    nodes {
      id name
      projects(first: 10) {
        nodes {
          id code name
          team(first: 100) {
            nodes { role employee { firstName lastName department { name } } }
          }
        }
      }
    }
  }
}`

// BenchmarkNestedPage measures the handler in-process (no network): ns, B
// and allocations per request, and statements per request. Point
// BENCH_DATABASE_URL at a seeded database of the benchmark scale to compare
// with PERFORMANCE.md; otherwise it runs on the test package's demo data.
func BenchmarkNestedPage(b *testing.B) {
	a := newAPI(b)
	body, _ := json.Marshal(map[string]any{"query": benchPage})
	run := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		a.h.ServeHTTP(rec, req)
		return rec
	}
	first := run()
	if first.Code != http.StatusOK || bytes.Contains(first.Body.Bytes(), []byte(`"errors"`)) {
		b.Fatalf("status %d: %.300s", first.Code, first.Body.String())
	}
	b.SetBytes(int64(first.Body.Len()))
	b.ReportAllocs()
	before := a.db.Statements()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(a.db.Statements()-before)/float64(b.N), "stmts/op")
}
