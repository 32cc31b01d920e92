package graph_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
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

// totalCount is a statement of its own, and only when selected; nested, it
// is one statement for all parents.
func TestStatements_TotalCountOnlyWhenSelectedAndBatched(t *testing.T) {
	a := newAPI(t)
	count := func(q string) int64 {
		before := a.db.Statements()
		var r map[string]any
		a.data(q, nil, &r)
		return a.db.Statements() - before
	}
	without := count(`{ customers(first: 40) { nodes { projects(first: 2) { nodes { id } } } } }`)
	with := count(`{ customers(first: 40) { totalCount nodes { projects(first: 2) { totalCount nodes { id } } } } }`)
	if without != 2 || with != 4 {
		t.Fatalf("statements without totalCount %d, with %d; want 2 and 4", without, with)
	}
}
