package graph_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/store"
)

type pageOf struct {
	TotalCount int
	Edges      []struct{ Cursor string }
	Nodes      []struct{ ID string }
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

const pageFields = `totalCount edges { cursor } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

// walk pages through a connection to its end, forwards or backwards, and
// returns the ids in list order. get fetches one page for the given
// arguments.
func walk(t *testing.T, size int, backward bool, get func(args string) pageOf) []string {
	t.Helper()
	var ids []string
	var cursor *string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		var args string
		switch {
		case !backward && cursor == nil:
			args = fmt.Sprintf("first: %d", size)
		case !backward:
			args = fmt.Sprintf("first: %d, after: %q", size, *cursor)
		case cursor == nil:
			args = fmt.Sprintf("last: %d", size)
		default:
			args = fmt.Sprintf("last: %d, before: %q", size, *cursor)
		}
		p := get(args)
		var pageIDs []string
		for i, n := range p.Nodes {
			pageIDs = append(pageIDs, n.ID)
			if p.Edges[i].Cursor == "" {
				t.Fatalf("edge %d has no cursor", i)
			}
		}
		if len(p.Nodes) > size {
			t.Fatalf("page of %d rows, asked for %d", len(p.Nodes), size)
		}
		if len(p.Nodes) > 0 && (*p.PageInfo.StartCursor != p.Edges[0].Cursor || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor) {
			t.Fatalf("pageInfo cursors do not match the edges")
		}
		if backward {
			ids = append(pageIDs, ids...)
			if pages == 0 && p.PageInfo.HasNextPage {
				t.Fatal("the last page says a next page exists")
			}
			if !p.PageInfo.HasPreviousPage {
				return ids
			}
			cursor = p.PageInfo.StartCursor
		} else {
			ids = append(ids, pageIDs...)
			if pages == 0 && p.PageInfo.HasPreviousPage {
				t.Fatal("the first page says a previous page exists")
			}
			if !p.PageInfo.HasNextPage {
				return ids
			}
			cursor = p.PageInfo.EndCursor
		}
	}
}

func sqlIDs(t *testing.T, typ, q string, args ...any) []string {
	t.Helper()
	rows, err := sqlConn(t).Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, store.GlobalID(typ, id))
	}
	return ids
}

func TestPagination_RootListVisitsEveryRowOnceBothWays(t *testing.T) {
	a := newAPI(t)
	want := sqlIDs(t, "Department", `SELECT id FROM departments ORDER BY id`)
	get := func(args string) pageOf {
		var r struct{ Departments pageOf }
		a.data(fmt.Sprintf(`{ departments(%s) { %s } }`, args, pageFields), nil, &r)
		if r.Departments.TotalCount != len(want) {
			t.Fatalf("totalCount %d, want %d", r.Departments.TotalCount, len(want))
		}
		return r.Departments
	}
	for _, size := range []int{1, 7, len(want), len(want) + 5} {
		for _, backward := range []bool{false, true} {
			t.Run(fmt.Sprintf("size %d backward %v", size, backward), func(t *testing.T) {
				if got := walk(t, size, backward, get); !slices.Equal(got, want) {
					t.Fatalf("visited %d rows %v\nwant %d rows %v", len(got), got, len(want), want)
				}
			})
		}
	}
}

func TestPagination_NestedListVisitsEveryRowOnceBothWays(t *testing.T) {
	a := newAPI(t)
	var customer int64
	if err := sqlConn(t).QueryRow(context.Background(),
		`SELECT customer_id FROM projects GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&customer); err != nil {
		t.Fatal(err)
	}
	want := sqlIDs(t, "Project", `SELECT id FROM projects WHERE customer_id = $1 ORDER BY id`, customer)
	if len(want) < 4 {
		t.Fatalf("the busiest customer has %d projects; the walk needs several pages", len(want))
	}
	get := func(args string) pageOf {
		var r struct{ Customer struct{ Projects pageOf } }
		a.data(fmt.Sprintf(`query($id: ID!) { customer(id: $id) { projects(%s) { %s } } }`, args, pageFields),
			map[string]any{"id": store.GlobalID("Customer", customer)}, &r)
		return r.Customer.Projects
	}
	for _, backward := range []bool{false, true} {
		t.Run(fmt.Sprintf("backward %v", backward), func(t *testing.T) {
			if got := walk(t, 3, backward, get); !slices.Equal(got, want) {
				t.Fatalf("visited %v\nwant %v", got, want)
			}
		})
	}
}

// A page between two cursors holds exactly the rows strictly between them.
func TestPagination_AfterAndBeforeTogetherBoundAWindow(t *testing.T) {
	a := newAPI(t)
	var all struct{ Employees pageOf }
	a.data(`{ employees(first: 10) { `+pageFields+` } }`, nil, &all)
	e := all.Employees.Edges
	var r struct{ Employees pageOf }
	a.data(fmt.Sprintf(`{ employees(after: %q, before: %q) { %s } }`, e[2].Cursor, e[7].Cursor, pageFields), nil, &r)
	var got, want []string
	for _, n := range r.Employees.Nodes {
		got = append(got, n.ID)
	}
	for _, n := range all.Employees.Nodes[3:7] {
		want = append(want, n.ID)
	}
	if !slices.Equal(got, want) || !r.Employees.PageInfo.HasNextPage || !r.Employees.PageInfo.HasPreviousPage {
		t.Fatalf("got %v %+v, want %v with pages on both sides", got, r.Employees.PageInfo, want)
	}
}

func TestPagination_DefaultPageSizeApplies(t *testing.T) {
	a := newAPI(t)
	var r struct{ Projects pageOf }
	a.data(`{ projects { `+pageFields+` } }`, nil, &r)
	if len(r.Projects.Nodes) != 20 || !r.Projects.PageInfo.HasNextPage {
		t.Fatalf("got %d rows (hasNext %v), want the default 20 and more to come", len(r.Projects.Nodes), r.Projects.PageInfo.HasNextPage)
	}
}

func TestPagination_BadArgumentsAreRefusedClearly(t *testing.T) {
	a := newAPI(t)
	otherOrder := base64.RawURLEncoding.EncodeToString([]byte("c1:name:Acme"))
	cases := map[string]struct{ query, argument string }{
		"garbage cursor":        {`{ customers(after: "%%%") { totalCount } }`, "after"},
		"not base64 of ours":    {`{ customers(before: "aGVsbG8") { totalCount } }`, "before"},
		"other ordering":        {fmt.Sprintf(`{ customers(after: %q) { totalCount } }`, otherOrder), "after"},
		"first over the max":    {`{ customers(first: 101) { totalCount } }`, "first"},
		"last over the max":     {`{ customers(last: 1000000) { totalCount } }`, "last"},
		"negative first":        {`{ customers(first: -1) { totalCount } }`, "first"},
		"first and last":        {`{ customers(first: 2, last: 2) { totalCount } }`, "first"},
		"nested garbage cursor": {`{ project: projects(first: 1) { nodes { team(after: "xyz") { totalCount } } } }`, "after"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := a.in(t).query(c.query, nil)
			if len(r.Errors) != 1 {
				t.Fatalf("errors = %+v, want exactly one", r.Errors)
			}
			e := r.Errors[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["argument"] != c.argument || len(e.Path) == 0 {
				t.Fatalf("error = %+v, want BAD_USER_INPUT on argument %q with a path", e, c.argument)
			}
		})
	}
}
