package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
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

// BenchmarkOrderedDeepPage measures projects(first: 50) by due date and by
// name at the first page and at the 2,000th (rows 99,951..100,000 at scale
// 1): keyset pages cost the same however deep. The deep page's cursor is
// made from the row before it, found with plain SQL, not by walking 2,000
// pages.
func BenchmarkOrderedDeepPage(b *testing.B) {
	a := newAPI(b)
	url := httpapitest.URL()
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" {
		url = u
	}
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(context.Background())
	var rows int
	if err := c.QueryRow(context.Background(), `SELECT count(*) FROM projects`).Scan(&rows); err != nil {
		b.Fatal(err)
	}
	const q = `query($after: String) { projects(first: 50, after: $after, orderBy: [{field: %s, direction: ASC}]) {
  nodes { id code name dueOn } pageInfo { endCursor } } }`
	for _, o := range []struct {
		field, col string
		key        page.Key
	}{
		{"DUE_ON", "due_on", page.Key{Name: "DUE_ON", Kind: page.Date, Nullable: true}},
		{"NAME", "name", page.Key{Name: "NAME", Kind: page.Text}},
	} {
		// The 2,000th page of 50, or the last full page of a smaller database.
		offset := min(1999*50, rows-50) - 1
		var key *string
		var id int64
		if err := c.QueryRow(context.Background(), fmt.Sprintf(`SELECT %[1]s::text, id FROM projects
			ORDER BY %[1]s, id OFFSET $1 LIMIT 1`, o.col), offset).Scan(&key, &id); err != nil {
			b.Fatal(err)
		}
		v := page.Value{Valid: key != nil}
		if key != nil {
			v.Text = *key
		}
		deep := page.Encode(page.NewOrder("", o.key), []page.Value{v, page.IntValue(id)})
		for _, p := range []struct {
			name  string
			after *string
		}{{"page=1", nil}, {fmt.Sprintf("page=%d", offset/50+2), &deep}} {
			b.Run(o.field+"/"+p.name, func(b *testing.B) {
				benchQuery(b, a, map[string]any{"query": fmt.Sprintf(q, o.field), "variables": map[string]any{"after": p.after}})
			})
		}
	}
}

func benchQuery(b *testing.B, a *api, req map[string]any) {
	body, _ := json.Marshal(req)
	run := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if a.token != "" {
			req.Header.Set("Authorization", "Bearer "+a.token)
		}
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
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		run()
		took = append(took, time.Since(start))
	}
	b.ReportMetric(float64(a.db.Statements()-before)/float64(b.N), "stmts/op")
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "median-ns/op")
}

// BenchmarkFilteredDeepPage measures a filtered, ordered list (active
// projects by due date, 7,160 rows at scale 1) at its first page and its
// last full page of 50. Its cursor can only come from the API (it signs
// the filter), so the setup walks there once.
func BenchmarkFilteredDeepPage(b *testing.B) {
	a := newAPI(b)
	const q = `query($after: String, $first: Int!) { projects(first: $first, after: $after,
  filter: {status: {eq: ACTIVE}, priority: {in: [MEDIUM, HIGH, CRITICAL, LOW]}}, orderBy: [{field: DUE_ON, direction: ASC}]) {
  nodes { id code name dueOn } pageInfo { endCursor hasNextPage } } }`
	var cursors []*string
	var after *string
	var total int
	for {
		var r struct {
			Projects struct {
				Nodes    []struct{ ID string }
				PageInfo struct {
					EndCursor   *string
					HasNextPage bool
				}
			}
		}
		a.data(q, map[string]any{"after": after, "first": 50}, &r)
		total += len(r.Projects.Nodes)
		if !r.Projects.PageInfo.HasNextPage {
			break
		}
		cursors = append(cursors, after)
		after = r.Projects.PageInfo.EndCursor
	}
	last := len(cursors) - 1 // the last full page (the final one may be short)
	for _, p := range []struct {
		name  string
		after *string
	}{{"page=1", nil}, {fmt.Sprintf("page=%d_of_%d_rows", last+1, total), cursors[last]}} {
		b.Run(p.name, func(b *testing.B) {
			benchQuery(b, a, map[string]any{"query": q, "variables": map[string]any{"after": p.after, "first": 50}})
		})
	}
}
