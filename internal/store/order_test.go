package store

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/page"
)

func TestKeyset_RowValueWhereExactExpandedWithNullsOtherwise(t *testing.T) {
	v := func(s string) page.Value { return page.Value{Text: s, Valid: true} }
	null := page.Value{}
	name := sortKey{Key: page.Key{Name: "NAME", Kind: page.Text}, col: "name", cast: "text"}
	nameDesc := name
	nameDesc.Desc = true
	due := sortKey{Key: page.Key{Name: "DUE_ON", Kind: page.Date, Nullable: true}, col: "due_on", cast: "date"}
	dueDesc := due
	dueDesc.Desc = true
	id := sortKey{Key: page.Key{Name: "ID", Kind: page.Int}, col: "id", cast: "bigint"}
	idDesc := id
	idDesc.Desc = true
	cases := []struct {
		name     string
		keys     []sortKey
		vals     []page.Value
		reversed bool
		sql      string
		args     []any
	}{
		{"id alone", []sortKey{id}, []page.Value{v("5")}, false,
			"t.id > CAST(? AS bigint)", []any{"5"}},
		{"id alone, before", []sortKey{id}, []page.Value{v("5")}, true,
			"t.id < CAST(? AS bigint)", []any{"5"}},
		{"one direction, no NULLs: a row value", []sortKey{name, id}, []page.Value{v("Acme"), v("5")}, false,
			"(t.name, t.id) > (CAST(? AS text), CAST(? AS bigint))", []any{"Acme", "5"}},
		{"descending, before: a row value the other way", []sortKey{nameDesc, idDesc}, []page.Value{v("Acme"), v("5")}, true,
			"(t.name, t.id) > (CAST(? AS text), CAST(? AS bigint))", []any{"Acme", "5"}},
		{"mixed directions: expanded", []sortKey{nameDesc, id}, []page.Value{v("Acme"), v("5")}, false,
			"(t.name <= CAST(? AS text) AND (t.name < CAST(? AS text) OR t.name = CAST(? AS text) AND t.id > CAST(? AS bigint)))",
			[]any{"Acme", "Acme", "Acme", "5"}},
		{"ascending nullable from a value: NULLs follow", []sortKey{due, id}, []page.Value{v("2026-01-02"), v("5")}, false,
			"((t.due_on > CAST(? AS date) OR t.due_on IS NULL) OR t.due_on = CAST(? AS date) AND t.id > CAST(? AS bigint))",
			[]any{"2026-01-02", "2026-01-02", "5"}},
		{"ascending from NULL: only later ids inside the NULL block", []sortKey{due, id}, []page.Value{null, v("5")}, false,
			"(t.due_on IS NULL AND t.id > CAST(? AS bigint))", []any{"5"}},
		{"descending from NULL: every value, and later ids among NULLs", []sortKey{dueDesc, idDesc}, []page.Value{null, v("5")}, false,
			"(t.due_on IS NOT NULL OR t.due_on IS NULL AND t.id < CAST(? AS bigint))", []any{"5"}},
		{"descending nullable from a value: NULLs lie before, a row value drops them", []sortKey{dueDesc, idDesc}, []page.Value{v("2026-01-02"), v("5")}, false,
			"(t.due_on, t.id) < (CAST(? AS date), CAST(? AS bigint))", []any{"2026-01-02", "5"}},
		{"descending, then ascending nullable: expanded", []sortKey{nameDesc, due, id}, []page.Value{v("A"), v("2026-01-02"), v("5")}, false,
			"(t.name <= CAST(? AS text) AND (t.name < CAST(? AS text) OR t.name = CAST(? AS text) AND (t.due_on > CAST(? AS date) OR t.due_on IS NULL) OR t.name = CAST(? AS text) AND t.due_on = CAST(? AS date) AND t.id > CAST(? AS bigint)))",
			[]any{"A", "A", "A", "2026-01-02", "A", "2026-01-02", "5"}},
		{"before a NULL, ascending: every value, and earlier ids among NULLs", []sortKey{due, id}, []page.Value{null, v("5")}, true,
			"(t.due_on IS NOT NULL OR t.due_on IS NULL AND t.id < CAST(? AS bigint))", []any{"5"}},
		{"a NULL second key", []sortKey{name, due, id}, []page.Value{v("A"), null, v("5")}, false,
			"(t.name >= CAST(? AS text) AND (t.name > CAST(? AS text) OR t.name = CAST(? AS text) AND t.due_on IS NULL AND t.id > CAST(? AS bigint)))",
			[]any{"A", "A", "A", "5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args := (&ordering{}).keyset(c.keys, c.vals, c.reversed, nil)
			if sql != c.sql || !slices.Equal(args, c.args) {
				t.Fatalf("keyset =\n %s %v\nwant\n %s %v", sql, args, c.sql, c.args)
			}
		})
	}
}

func TestOrderingOf_TieBreakerFollowsTheLastKey(t *testing.T) {
	ord, err := orderingOf(context.Background(), testRules, projectsTable, List{OrderBy: []*Order{{"STATUS", "ASC"}, {"DUE_ON", "DESC"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ord.orderBy("t", false); got != "t.status ASC, t.due_on DESC, t.id DESC" {
		t.Fatalf("ORDER BY %s", got)
	}
	if got := ord.orderBy("t", true); got != "t.status DESC, t.due_on ASC, t.id ASC" {
		t.Fatalf("reversed ORDER BY %s", got)
	}
	if ord.keys[0].cast != "project_status" || !ord.keys[1].Nullable || ord.keys[1].Kind != page.Date {
		t.Fatalf("keys %+v", ord.keys)
	}
	if _, err := orderingOf(context.Background(), testRules, projectsTable, List{OrderBy: []*Order{{"SALARY", "ASC"}}}); err == nil {
		t.Fatal("an unknown field was accepted")
	}
}

func TestPageSQL_NullableFirstKeyReadUpwardsIsTwoIndexRanges(t *testing.T) {
	ord, err := orderingOf(context.Background(), testRules, projectsTable, List{OrderBy: []*Order{{"DUE_ON", "ASC"}}})
	if err != nil {
		t.Fatal(err)
	}
	cols := projectsTable.cols(projectsTable.mask(&Selection{Fields: []string{"id"}}, ord.columns()...))
	day := page.Value{Text: "2026-01-02", Valid: true}
	cases := []struct {
		name string
		w    page.Window
		sql  string
		args []any
	}{
		{"first page: one range", page.Window{Limit: 2, Order: ord.Order},
			"SELECT t.id, t.due_on FROM projects t WHERE true ORDER BY t.due_on ASC, t.id ASC LIMIT ?", []any{3}},
		{"after a date: the later dates, then the NULL block", page.Window{Limit: 2, Order: ord.Order, HasAfter: true,
			After: []page.Value{day, page.IntValue(5)}},
			"SELECT * FROM ((SELECT t.id, t.due_on FROM projects t WHERE true AND (t.due_on, t.id) > (CAST(? AS date), CAST(? AS bigint)) ORDER BY t.due_on ASC, t.id ASC LIMIT ?) UNION ALL " +
				"(SELECT t.id, t.due_on FROM projects t WHERE true AND t.due_on IS NULL ORDER BY t.due_on ASC, t.id ASC LIMIT ?)) t ORDER BY t.due_on ASC, t.id ASC LIMIT ?",
			[]any{"2026-01-02", "5", 3, 3, 3}},
		{"after a NULL: one range in the NULL block", page.Window{Limit: 2, Order: ord.Order, HasAfter: true,
			After: []page.Value{{}, page.IntValue(5)}},
			"SELECT t.id, t.due_on FROM projects t WHERE true AND (t.due_on IS NULL AND t.id > CAST(? AS bigint)) ORDER BY t.due_on ASC, t.id ASC LIMIT ?",
			[]any{"5", 3}},
		{"before a date, backwards: one range below it", page.Window{Limit: 2, Order: ord.Order, Backward: true, HasBefore: true,
			Before: []page.Value{day, page.IntValue(5)}},
			"SELECT t.id, t.due_on FROM projects t WHERE true AND (t.due_on, t.id) < (CAST(? AS date), CAST(? AS bigint)) ORDER BY t.due_on DESC, t.id DESC LIMIT ?",
			[]any{"2026-01-02", "5", 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args := ord.pageSQL(cols, "true", c.w)
			if sql != c.sql || !slices.Equal(args, c.args) {
				t.Fatalf("pageSQL =\n %s %v\nwant\n %s %v", sql, args, c.sql, c.args)
			}
		})
	}
}

// TestOrder_SchemaAndStoreAgree checks every XOrderField enum of the schema
// against the table's declared orderings, both ways: a value the schema
// offers is one the store orders by, and an ordering the store declares is
// offered (or it is dead).
func TestOrder_SchemaAndStoreAgree(t *testing.T) {
	for _, tbl := range tables {
		def := testSchema.Types[tbl.typeName+"OrderField"]
		if def == nil {
			t.Errorf("the schema has no %sOrderField", tbl.typeName)
			continue
		}
		inSchema := map[string]bool{}
		for _, v := range def.EnumValues {
			inSchema[v.Name] = true
			if _, ok := tbl.orders[v.Name]; !ok {
				t.Errorf("%s.%s: the store cannot order %s by it", def.Name, v.Name, tbl.name)
			}
		}
		for name := range tbl.orders {
			if !inSchema[name] {
				t.Errorf("the store orders %s by %s, which %s does not offer", tbl.name, name, def.Name)
			}
		}
	}
}

// Siblings ask for their list with arguments gqlgen parsed for each of
// them, so equal lists arrive as different pointers: List.same must say
// what reflect.DeepEqual says, without its allocations.
func TestList_SameAsDeepEqual(t *testing.T) {
	s := func(v string) *string { return &v }
	status := func(v string) *ProjectFilter {
		st := ProjectStatus(v)
		return &ProjectFilter{Status: graphql.OmittableOf(&ProjectStatusFilter{Eq: graphql.OmittableOf(&st)})}
	}
	lists := []List{
		{},
		{OrderBy: []*Order{}},
		{OrderBy: []*Order{{Field: "NAME", Direction: "ASC"}}},
		{OrderBy: []*Order{{Field: "NAME", Direction: "ASC"}}},
		{OrderBy: []*Order{{Field: "NAME", Direction: "DESC"}}},
		{OrderBy: []*Order{{Field: "NAME", Direction: "ASC"}, {Field: "CODE", Direction: "ASC"}}},
		{OrderBy: []*Order{nil}},
		{Filter: (*ProjectFilter)(nil)},
		{Filter: status("ACTIVE")},
		{Filter: status("ACTIVE")},
		{Filter: status("PLANNED")},
		{Search: s("acme")},
		{Search: s("acme")},
		{Search: s("acne")},
	}
	for i, a := range lists {
		for j, b := range lists {
			if got, want := a.same(b), reflect.DeepEqual(a, b); got != want {
				t.Errorf("lists %d and %d: same %v, reflect.DeepEqual %v", i, j, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { lists[2].same(lists[3]) }); n != 0 {
		t.Errorf("same allocates %v times", n)
	}
}
