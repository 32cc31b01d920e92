package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
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
	benchQuery(b, newAPI(b), map[string]any{"query": benchPage})
}

// BenchmarkNestedQuery is the statement test's 5-level query for a page of
// 1 customer and of 40: its latency in-process at both page sizes.
func BenchmarkNestedQuery(b *testing.B) {
	a := newAPI(b)
	url := httpapitest.URL()
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" {
		url = u
	}
	after := staffedCursor(b, url)
	for _, n := range []int{1, 40} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			vars := map[string]any{"customers": n}
			if n == 1 {
				vars["after"] = after
			}
			benchQuery(b, a, map[string]any{"query": nestedPage, "variables": vars})
		})
	}
}

func benchQuery(b *testing.B, a *api, req map[string]any) {
	body, _ := json.Marshal(req)
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
