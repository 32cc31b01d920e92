package graph_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The workflow page of `make bench` (bench/operations/14_workflow_page): a
// manager's team with their reviews, read as the manager. Its levels: the
// cycle, its reviews (row-scoped to the manager's line), their employee and
// reviewer, and the employee's last weeks (row-scoped too).
const workflowLevels = 5

// workflowPage is the benchmark's document with the page size a variable,
// so that a page of 1 and a full page are the same operation.
func workflowPage(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../bench/operations/14_workflow_page.graphql")
	if err != nil {
		t.Fatal(err)
	}
	q := strings.Replace(string(b), "($cycle: ID!, $after: String)", "($cycle: ID!, $after: String, $first: Int!)", 1)
	return strings.Replace(q, "reviews(first: 50, after: $after)", "reviews(first: $first, after: $after)", 1)
}

// workflowCast is whom and what the page reads, as the benchmark's
// derivations find them: the CEO's direct report with the largest
// reporting line, the review cycle in progress, how many reviews of it
// the line has, and the cursor of the review before the line's last full
// page of 50 (before its second review on a database too small for one).
func workflowCast(t testing.TB, url string) (manager int64, cycle string, reviews int, deep string) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var cycleKey, before int64
	err = c.QueryRow(context.Background(), `
		WITH RECURSIVE line(head, id) AS (
		    SELECT e.id, e.id FROM employees e WHERE e.manager_id = (SELECT id FROM employees WHERE manager_id IS NULL)
		    UNION ALL SELECT l.head, e.id FROM employees e JOIN line l ON e.manager_id = l.id),
		head AS (SELECT head FROM line GROUP BY head ORDER BY count(*) DESC, head LIMIT 1),
		cycle AS (SELECT max(id) AS id FROM review_cycles WHERE status = 'open'),
		mine AS (SELECT r.id, row_number() OVER (ORDER BY r.id DESC) AS n, count(*) OVER () AS total FROM reviews r
		         WHERE r.cycle_id = (SELECT id FROM cycle) AND r.employee_id IN (SELECT l.id FROM line l JOIN head h ON l.head = h.head))
		SELECT (SELECT head FROM head), (SELECT id FROM cycle), (SELECT max(total) FROM mine),
		       (SELECT id FROM mine WHERE n = least(51, total))`).Scan(&manager, &cycleKey, &reviews, &before)
	if err != nil {
		t.Fatal(err)
	}
	return manager, store.GlobalID("ReviewCycle", cycleKey), reviews, page.Encode(page.ByID, []page.Value{page.IntValue(before)})
}

// The workflow page costs one statement per level for a page of one review
// and for a full page, at its first page and its last: the row scope of
// the reviews and of the weeks is part of each level's statement, not a
// statement per row.
func TestStatements_WorkflowPageCostsOnePerLevel(t *testing.T) {
	a := newAPI(t)
	manager, cycle, reviews, deep := workflowCast(t, httpapitest.URL())
	as := a.as(httpapitest.Token(t, manager, auth.Manager))
	q := workflowPage(t)
	full := min(reviews, 50)
	for _, c := range []struct {
		name        string
		first, want int
		after       *string
	}{{"first page of 1", 1, 1, nil}, {"first full page", 50, full, nil}, {"last full page", 50, min(reviews-1, 50), &deep}} {
		t.Run(c.name, func(t *testing.T) {
			var r struct {
				Node struct {
					Name    string
					Reviews struct {
						Nodes []struct {
							Reviewer struct{ LastName string }
							Employee struct {
								LastName   string
								Timesheets struct{ Nodes []struct{ WeekStart string } }
							}
						}
					}
				}
			}
			before := as.db.Statements()
			as.in(t).data(q, map[string]any{"cycle": cycle, "first": c.first, "after": c.after}, &r)
			n := as.db.Statements() - before
			weeks := 0
			for _, v := range r.Node.Reviews.Nodes {
				if v.Reviewer.LastName == "" || v.Employee.LastName == "" {
					t.Fatalf("a review came without its reviewer or employee: %+v", v)
				}
				weeks += len(v.Employee.Timesheets.Nodes)
			}
			t.Logf("%s: %d reviews, %d weeks: %d statements", r.Node.Name, len(r.Node.Reviews.Nodes), weeks, n)
			if got := len(r.Node.Reviews.Nodes); got != c.want || c.want < 1 || full < 5 || weeks == 0 {
				t.Fatalf("%d reviews (of %d in the line) with %d weeks, want %d with weeks: the page proves nothing",
					got, reviews, weeks, c.want)
			}
			if n != workflowLevels {
				t.Errorf("%d statements, want %d (one per level)", n, workflowLevels)
			}
		})
	}
}

// BenchmarkWorkflowPage measures the workflow page as its manager at its
// first page and its last full page (README, "Benchmarks"): keyset pages
// of the manager's line cost the same however deep. Point
// BENCH_DATABASE_URL at a scale-1 database for the figures.
func BenchmarkWorkflowPage(b *testing.B) {
	a := newAPI(b)
	url := httpapitest.URL()
	if u := os.Getenv("BENCH_DATABASE_URL"); u != "" {
		url = u
	}
	manager, cycle, reviews, deep := workflowCast(b, url)
	as := a.as(httpapitest.Token(b, manager, auth.Manager))
	q := workflowPage(b)
	for _, p := range []struct {
		name  string
		after *string
	}{{"page=first", nil}, {fmt.Sprintf("page=last_of_%d_reviews", reviews), &deep}} {
		b.Run(p.name, func(b *testing.B) {
			benchQuery(b, as, map[string]any{"query": q, "variables": map[string]any{"cycle": cycle, "first": 50, "after": p.after}})
		})
	}
}
