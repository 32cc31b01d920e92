package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
)

// TestExplainDeepOrderedPages prints the plans of the statements rootPage
// sends for the first and the 2,000th page of 50 projects by due date and
// by name (and the 1,000th), on the benchmark database (BENCH_DATABASE_URL; skipped without
// it). A deep page's cursor is the row before it in the same order,
// computed in plain SQL with OFFSET.
func TestExplainDeepOrderedPages(t *testing.T) {
	db := benchDB(t)
	for _, c := range []struct{ field, col string }{{"DUE_ON", "due_on"}, {"NAME", "name"}} {
		ord, err := orderingOf(context.Background(), testRules, projectsTable, List{OrderBy: []*Order{{c.field, "ASC"}}})
		if err != nil {
			t.Fatal(err)
		}
		windows := []page.Window{{Limit: 50, Order: ord.Order}}
		// The 2,000th page, and (for the nullable due date, whose deep page
		// lies in the NULL block) the 1,000th, which starts among dates.
		for _, offset := range []int{99949, 49949} {
			var key *string
			var id int64
			if err := db.Raw("SELECT "+c.col+"::text, id FROM projects ORDER BY "+c.col+", id OFFSET ? LIMIT 1", offset).
				Row().Scan(&key, &id); err != nil {
				t.Fatal(err)
			}
			windows = append(windows, page.Window{Limit: 50, Order: ord.Order, HasAfter: true,
				After: []page.Value{{Text: deref(key), Valid: key != nil}, page.IntValue(id)}})
		}
		sel := &Selection{Fields: []string{"id", "code", "name"}}
		cols := projectsTable.cols(projectsTable.mask(sel, ord.columns()...))
		for _, w := range windows {
			sql, args := rootSQL(ord, cols, w)
			var plan []string
			if err := db.Raw("EXPLAIN (ANALYZE, BUFFERS) "+sql, args...).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			t.Logf("%s after %v:\n%s %v\n%s", c.field, w.After, sql, args, strings.Join(plan, "\n"))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestExplainFilteredAndSearchedPages prints the plans of a filtered deep
// page and of ranked searches on the benchmark database, to check that the
// migrations' indexes serve them (BENCH_DATABASE_URL; skipped without it).
func TestExplainFilteredAndSearchedPages(t *testing.T) {
	db := benchDB(t)
	explain := func(name string, ord *ordering, w page.Window) {
		sel := &Selection{Fields: []string{"id", "name"}}
		cols := ord.selecting(ord.tbl.cols(ord.tbl.mask(sel, ord.columns()...)))
		sql, args := rootSQL(ord, cols, w)
		var plan []string
		if err := db.Raw("EXPLAIN (ANALYZE, BUFFERS) "+sql, args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		t.Logf("%s:\n%s %v\n%s", name, sql, args, strings.Join(plan, "\n"))
	}
	active := List{Filter: Filter{"status": map[string]any{"eq": "ACTIVE"}}, OrderBy: []*Order{{"DUE_ON", "ASC"}}}
	ord, err := orderingOf(context.Background(), testRules, projectsTable, active)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Raw("SELECT count(*) FROM projects WHERE status = 'active'").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	var key *string
	var id int64
	if err := db.Raw("SELECT due_on::text, id FROM projects WHERE status = 'active' ORDER BY due_on, id OFFSET ? LIMIT 1", n-51).
		Row().Scan(&key, &id); err != nil {
		t.Fatal(err)
	}
	explain("active projects by due date, first page", ord, page.Window{Limit: 50, Order: ord.Order})
	explain(fmt.Sprintf("active projects by due date, last page (rows %d..%d)", n-49, n), ord, page.Window{Limit: 50, Order: ord.Order,
		HasAfter: true, After: []page.Value{{Text: deref(key), Valid: key != nil}, page.IntValue(id)}})
	for _, c := range []struct {
		tbl  *table
		term string
	}{{customersTable, "birchview"}, {projectsTable, "BEAC-2022-001"}, {projectsTable, "replatform"}, {employeesTable, "schmit"}} {
		search := c.term
		ord, err := orderingOf(context.Background(), testRules, c.tbl, List{Search: &search})
		if err != nil {
			t.Fatal(err)
		}
		explain(c.tbl.name+" search "+c.term, ord, page.Window{Limit: 20, Order: ord.Order})
	}
}

// benchDB opens the scale-1 benchmark database (BENCH_DATABASE_URL) for the
// test, or skips it without one.
func benchDB(t *testing.T) *database.DB {
	t.Helper()
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		t.Skip("BENCH_DATABASE_URL is not set")
	}
	db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
