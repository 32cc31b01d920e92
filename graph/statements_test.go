package graph_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The page that decides the design (../shared/PERFORMANCE.md): customers →
// projects → team → employee → department. Five relation levels.
const nestedPage = `query Nested($customers: Int!, $after: String) {
  customers(first: $customers, after: $after) {
    nodes {
      name
      projects(first: 10) {
        nodes {
          code
          team(first: 100) {
            nodes {
              role
              employee { firstName lastName department { name } }
            }
          }
        }
      }
    }
  }
}`

const nestedLevels = 5

// orderedNestedPage is nestedPage with every nested list ordered (nullable
// keys and mixed directions included): ordering stays inside each level's
// one statement.
const orderedNestedPage = `query Nested($customers: Int!, $after: String) {
  customers(first: $customers, after: $after) {
    nodes {
      name
      projects(first: 10, orderBy: [{field: DUE_ON, direction: DESC}, {field: NAME, direction: ASC}]) {
        nodes {
          code
          team(first: 100, orderBy: [{field: ENDS_ON, direction: ASC}, {field: ALLOCATION_PERCENT, direction: DESC}]) {
            nodes {
              role
              employee { firstName lastName department { name } }
            }
          }
        }
      }
    }
  }
}`

// staffedCursor is the cursor just before the first customer with a staffed
// project, so that a page of one customer reaches every level.
func staffedCursor(t testing.TB, url string) *string {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var staffed int64
	err = c.QueryRow(context.Background(), `SELECT min(p.customer_id) FROM projects p
		WHERE p.id IN (SELECT project_id FROM assignments)`).Scan(&staffed)
	if err != nil {
		t.Fatal(err)
	}
	if staffed <= 1 {
		return nil
	}
	cur := page.Encode(page.ByID, []page.Value{page.IntValue(staffed - 1)}) // the position just before it; ids need not be dense
	return &cur
}

// statementsFor runs the nested page starting after cursor and returns the
// statements it sent and the team members it returned.
func statementsFor(t *testing.T, a *api, query string, customers int, after *string) (int64, int) {
	t.Helper()
	before := a.db.Statements()
	var r struct {
		Customers struct {
			Nodes []struct {
				Projects struct {
					Nodes []struct {
						Team struct {
							Nodes []struct {
								Employee struct{ Department struct{ Name string } }
							}
						}
					}
				}
			}
		}
	}
	a.data(query, map[string]any{"customers": customers, "after": after}, &r)
	members := 0
	for _, c := range r.Customers.Nodes {
		for _, p := range c.Projects.Nodes {
			for _, m := range p.Team.Nodes {
				if m.Employee.Department.Name == "" {
					t.Fatal("a team member came without a department name")
				}
				members++
			}
		}
	}
	return a.db.Statements() - before, members
}

func TestStatements_NestedPageCostsOnePerLevelAtAnyPageSize(t *testing.T) {
	a := newAPI(t)
	for _, c := range []struct{ name, query string }{{"id order", nestedPage}, {"ordered nested lists", orderedNestedPage}} {
		t.Run(c.name, func(t *testing.T) {
			one, membersOne := statementsFor(t, a.in(t), c.query, 1, staffedCursor(t, httpapitest.URL()))
			forty, membersForty := statementsFor(t, a.in(t), c.query, 40, nil)
			t.Logf("customers(first: 1): %d statements, %d team members; customers(first: 40): %d statements, %d team members",
				one, membersOne, forty, membersForty)
			if membersOne == 0 || membersForty < 10*membersOne {
				t.Fatalf("1 customer brought %d team members, 40 brought %d: the pages are too thin to prove anything", membersOne, membersForty)
			}
			if one != nestedLevels || forty != nestedLevels {
				t.Errorf("customers(first: 1) cost %d statements, customers(first: 40) %d; want %d each (one per level)", one, forty, nestedLevels)
			}
		})
	}
}

func TestStatements_NestedPageStaysOnePerLevelUnderConcurrency(t *testing.T) {
	a := newAPI(t)
	const clients, rounds = 16, 3
	before := a.db.Statements()
	var wg sync.WaitGroup
	errs := make(chan string, clients*rounds)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				r := a.query(nestedPage, map[string]any{"customers": 40})
				if len(r.Errors) > 0 {
					errs <- r.Errors[0].Message
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	total := a.db.Statements() - before
	t.Logf("%d requests from %d concurrent clients: %d statements", clients*rounds, clients, total)
	if want := int64(clients * rounds * nestedLevels); total != want {
		t.Errorf("%d concurrent requests cost %d statements, want %d (%d each)", clients*rounds, total, want, nestedLevels)
	}
}

// totalCount is read only when selected, in the statement of its page (at
// the root and nested, for all parents at once), unless a cursor left the
// page empty: then one statement counts apart.
func TestStatements_TotalCountOnlyWhenSelectedAndBatched(t *testing.T) {
	a := newAPI(t)
	count := func(q string, vars map[string]any) int64 {
		before := a.db.Statements()
		var r map[string]any
		a.data(q, vars, &r)
		return a.db.Statements() - before
	}
	without := count(`{ customers(first: 40) { nodes { projects(first: 2) { nodes { id } } } } }`, nil)
	with := count(`{ customers(first: 40) { totalCount nodes { projects(first: 2) { totalCount nodes { id } } } } }`, nil)
	if without != 2 || with != 2 {
		t.Fatalf("statements without totalCount %d, with %d; want 2 and 2", without, with)
	}
	past := page.Encode(page.ByID, []page.Value{page.IntValue(1 << 40)})
	if n := count(`query($after: String) { customers(first: 40) { nodes { projects(first: 2, after: $after) { totalCount nodes { id } } } } }`,
		map[string]any{"after": past}); n != 3 {
		t.Fatalf("nested totalCount past every parent's last row cost %d statements, want 3 (customers, pages, counts)", n)
	}
	if n := count(`query($after: String) { customers(first: 40, after: $after) { totalCount nodes { id } } }`,
		map[string]any{"after": past}); n != 2 {
		t.Fatalf("totalCount past the last customer cost %d statements, want 2 (the page, the count)", n)
	}
}

// TestTotalCount_RootWithItsPageIsExact: a root list's totalCount read with
// its page is the list's count whatever the page shows.
func TestTotalCount_RootWithItsPageIsExact(t *testing.T) {
	a := newAPI(t)
	cancelled := sqlValue[int](t, `SELECT count(*) FROM projects WHERE status = 'cancelled'`)
	all := sqlValue[int](t, `SELECT count(*) FROM projects`)
	if cancelled < 2 {
		t.Fatalf("%d cancelled projects: too few to page", cancelled)
	}
	past := page.Encode(page.ByID, []page.Value{page.IntValue(1 << 40)})
	for _, c := range []struct {
		name, args string
		after      *string
		want       int
	}{
		{"first page of a filter", `first: 1, filter: {status: {eq: CANCELLED}}`, nil, cancelled},
		{"last page of a filter", `last: 1, filter: {status: {eq: CANCELLED}}`, nil, cancelled},
		{"a filter nothing matches", `first: 1, filter: {code: {eq: "no such code"}}`, nil, 0},
		{"past the last row", `first: 1`, &past, all},
	} {
		var r struct {
			Projects struct {
				TotalCount int
				Nodes      []struct{ ID string }
			}
		}
		a.data(`query($after: String) { projects(after: $after, `+c.args+`) { totalCount nodes { id } } }`, map[string]any{"after": c.after}, &r)
		if r.Projects.TotalCount != c.want {
			t.Errorf("%s: totalCount %d, want %d", c.name, r.Projects.TotalCount, c.want)
		}
	}
}

// TestTotalCount_NestedWithItsPageIsExact: a nested totalCount read with the
// page is each parent's count, zero for a parent with no rows, whatever the
// page shows: first rows, a page past a cursor, or no row at all.
func TestTotalCount_NestedWithItsPageIsExact(t *testing.T) {
	a := newAPI(t)
	counts := func(cond string) map[int64]int {
		var m map[int64]int
		if err := json.Unmarshal([]byte(sqlValue[string](t, `SELECT json_object_agg(id, n)::text FROM (
			SELECT c.id, count(p.id) FILTER (WHERE `+cond+`) AS n
			FROM customers c LEFT JOIN projects p ON p.customer_id = c.id GROUP BY c.id) s`)), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	cancelled, all := counts("p.status = 'cancelled'"), counts("true")
	// Cursors are of an ordering, its filter included: those by id alone
	// page the unfiltered list.
	first := page.Encode(page.ByID, []page.Value{page.IntValue(sqlValue[int64](t, `SELECT min(id) FROM projects`))})
	past := page.Encode(page.ByID, []page.Value{page.IntValue(1 << 40)})
	for _, c := range []struct {
		name, filter string
		after        *string
		want         map[int64]int
	}{
		{"cancelled, first page", "{status: {eq: CANCELLED}}", nil, cancelled},
		{"after the first project", "{}", &first, all},
		{"past every project", "{}", &past, all},
	} {
		var r struct {
			Customers struct {
				Nodes []struct {
					ID       string
					Projects struct {
						TotalCount int
						Nodes      []struct{ ID string }
					}
				}
			}
		}
		a.data(`query($after: String) { customers(first: 100) { nodes { id
			projects(first: 1, after: $after, filter: `+c.filter+`) { totalCount nodes { id } } } } }`,
			map[string]any{"after": c.after}, &r)
		zero, some, shown := 0, 0, 0
		for _, cu := range r.Customers.Nodes {
			_, k, err := store.ParseID(cu.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := cu.Projects.TotalCount
			if n != c.want[k] {
				t.Errorf("%s: customer %d has %d projects, totalCount says %d", c.name, k, c.want[k], n)
			}
			if n == 0 {
				zero++
			} else {
				some++
			}
			shown += len(cu.Projects.Nodes)
		}
		switch {
		case c.after == nil && (zero == 0 || some == 0):
			t.Fatalf("%s: %d customers without such projects, %d with: the data proves nothing", c.name, zero, some)
		case c.after == &past && (shown != 0 || some == 0):
			t.Fatalf("%s: %d rows shown, %d customers counted", c.name, shown, some)
		}
	}
}
