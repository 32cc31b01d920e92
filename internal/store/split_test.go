package store

import (
	"context"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/page"
)

// A list filtered by an enum `in`, read a range per value (splitByValue),
// pages through the same rows in the same order as the plain statement
// orders them: forwards and backwards, ascending and descending, across
// the NULL block of the due dates, with the rest of the filter applied.
func TestSplitByValue_PagesAreThoseOfThePlainOrder(t *testing.T) {
	db := explainDB(t)
	st := New(db, page.DefaultLimits, testRules)
	ctx := context.Background()
	sel := &Selection{Fields: []string{"id"}}
	for _, c := range []struct {
		name   string
		filter Filter
		order  *Order
		sql    string
	}{
		{"by due date", Filter{"status": map[string]any{"in": []any{"ACTIVE", "PROPOSED"}}}, &Order{"DUE_ON", "ASC"},
			"status IN ('active', 'proposed') ORDER BY due_on, id"},
		{"by due date, descending, three values and more filter",
			Filter{"status": map[string]any{"in": []any{"COMPLETED", "ACTIVE", "ON_HOLD", "ACTIVE"}},
				"name": map[string]any{"startsWith": "Project 1"}},
			&Order{"DUE_ON", "DESC"},
			"status IN ('active', 'on_hold', 'completed') AND name ILIKE 'Project 1%' ORDER BY due_on DESC, id DESC"},
		{"by name", Filter{"status": map[string]any{"in": []any{"CANCELLED", "ON_HOLD"}}}, &Order{"NAME", "ASC"},
			"status IN ('cancelled', 'on_hold') ORDER BY name, id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := List{Filter: c.filter, OrderBy: []*Order{c.order}}
			if ord, err := orderingOf(ctx, testRules, projectsTable, l); err != nil || ord.split == nil {
				t.Fatalf("the filter is not read by value (%v)", err)
			}
			var want []int64
			if err := db.Raw("SELECT id FROM projects WHERE " + c.sql).Scan(&want).Error; err != nil {
				t.Fatal(err)
			}
			if len(want) < 500 {
				t.Fatalf("only %d rows: too few to page through", len(want))
			}
			// Forwards in pages of 97 (not a divisor of the lists' sizes).
			var got []int64
			n := 97
			for a := (page.Args{First: &n}); ; {
				conn, err := Page[Project](ctx, st, a, l, sel)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range conn.Nodes() {
					got = append(got, p.ID)
				}
				if !conn.PageInfo().HasNextPage {
					break
				}
				a.After = conn.PageInfo().EndCursor()
			}
			if !slices.Equal(got, want) {
				t.Fatalf("forwards: %d rows, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
			// Backwards from the end, a few pages.
			got = nil
			for a := (page.Args{Last: &n}); len(got) < 5*n; {
				conn, err := Page[Project](ctx, st, a, l, sel)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, p := range conn.Nodes() {
					ids = append(ids, p.ID)
				}
				got = append(ids, got...)
				a.Before = conn.PageInfo().StartCursor()
			}
			if tail := want[len(want)-len(got):]; !slices.Equal(got, tail) {
				t.Fatalf("backwards: first difference at %d of the last %d", firstDiff(got, tail), len(got))
			}
		})
	}
}

func firstDiff(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
