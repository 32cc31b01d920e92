package store

import (
	"context"
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
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		t.Skip("BENCH_DATABASE_URL is not set")
	}
	ctx := context.Background()
	db, err := database.Open(ctx, url, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ field, col string }{{"DUE_ON", "due_on"}, {"NAME", "name"}} {
		ord, err := orderingOf(projectsTable, List{OrderBy: []*Order{{c.field, "ASC"}}})
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
