package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/store"
)

// sqlConn opens a plain connection for computing expected answers.
func sqlConn(t testing.TB) *pgx.Conn {
	t.Helper()
	return httpapitest.Conn(t)
}

// Every relation is read for a page of 40 parents at once, so each case
// also checks that batching hands every parent its own rows.
func TestRelations_ToManyMatchPlainSQLForEveryParent(t *testing.T) {
	cases := []struct {
		list, parentType, parentTable string
		rel, childType, childTable    string
		fk                            string
	}{
		{"customers", "Customer", "customers", "projects", "Project", "projects", "customer_id"},
		{"customers", "Customer", "customers", "contacts", "Contact", "contacts", "customer_id"},
		{"projects", "Project", "projects", "team", "Assignment", "assignments", "project_id"},
		{"projects", "Project", "projects", "timeEntries", "TimeEntry", "time_entries", "project_id"},
		{"employees", "Employee", "employees", "directReports", "Employee", "employees", "manager_id"},
		{"employees", "Employee", "employees", "assignments", "Assignment", "assignments", "employee_id"},
		{"employees", "Employee", "employees", "timeEntries", "TimeEntry", "time_entries", "employee_id"},
		{"departments", "Department", "departments", "children", "Department", "departments", "parent_id"},
		{"departments", "Department", "departments", "employees", "Employee", "employees", "department_id"},
	}
	a := newAPI(t)
	conn := sqlConn(t)
	for _, c := range cases {
		t.Run(c.parentType+"."+c.rel, func(t *testing.T) {
			a := a.in(t)
			var got struct {
				List struct {
					Nodes []struct {
						ID  string
						Rel struct {
							TotalCount int
							Nodes      []struct{ ID string }
						}
					}
				}
			}
			a.data(fmt.Sprintf(`{ list: %s(first: 40) { nodes { id rel: %s(first: 3) { totalCount nodes { id } } } } }`,
				c.list, c.rel), nil, &got)

			rows, err := conn.Query(context.Background(), fmt.Sprintf(`
				SELECT p.id,
				       ARRAY(SELECT c.id FROM %[2]s c WHERE c.%[3]s = p.id ORDER BY c.id LIMIT 3),
				       (SELECT count(*) FROM %[2]s c WHERE c.%[3]s = p.id)
				FROM %[1]s p ORDER BY p.id LIMIT 40`, c.parentTable, c.childTable, c.fk))
			if err != nil {
				t.Fatal(err)
			}
			var parents, withChildren int
			for i := 0; rows.Next(); i++ {
				var id, total int64
				var kids []int64
				if err := rows.Scan(&id, &kids, &total); err != nil {
					t.Fatal(err)
				}
				parents++
				if i >= len(got.List.Nodes) {
					t.Fatalf("API returned %d parents, SQL more", len(got.List.Nodes))
				}
				n := got.List.Nodes[i]
				if n.ID != store.GlobalID(c.parentType, id) {
					t.Fatalf("parent %d: id %s, want %s", i, n.ID, store.GlobalID(c.parentType, id))
				}
				var gotKids []string
				for _, k := range n.Rel.Nodes {
					gotKids = append(gotKids, k.ID)
				}
				var wantKids []string
				for _, k := range kids {
					wantKids = append(wantKids, store.GlobalID(c.childType, k))
				}
				if !slices.Equal(gotKids, wantKids) || int64(n.Rel.TotalCount) != total {
					t.Errorf("%s %d: %s = %v (total %d), want %v (total %d)",
						c.parentType, id, c.rel, gotKids, n.Rel.TotalCount, wantKids, total)
				}
				if len(kids) > 0 {
					withChildren++
				}
			}
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
			if parents != len(got.List.Nodes) || parents == 0 {
				t.Fatalf("API returned %d parents, SQL %d", len(got.List.Nodes), parents)
			}
			if withChildren == 0 {
				t.Fatalf("no parent among the first 40 has %s: the case checks nothing", c.rel)
			}
		})
	}
}

func TestRelations_ToOneMatchPlainSQLForEveryChild(t *testing.T) {
	cases := []struct {
		list, typ, table string
		rel, relType, fk string
	}{
		{"customers", "Customer", "customers", "accountManager", "Employee", "account_manager_id"},
		{"contacts", "Contact", "contacts", "customer", "Customer", "customer_id"},
		{"projects", "Project", "projects", "customer", "Customer", "customer_id"},
		{"projects", "Project", "projects", "manager", "Employee", "manager_id"},
		{"employees", "Employee", "employees", "department", "Department", "department_id"},
		{"employees", "Employee", "employees", "manager", "Employee", "manager_id"},
		{"departments", "Department", "departments", "parent", "Department", "parent_id"},
		{"assignments", "Assignment", "assignments", "project", "Project", "project_id"},
		{"assignments", "Assignment", "assignments", "employee", "Employee", "employee_id"},
		{"timeEntries", "TimeEntry", "time_entries", "employee", "Employee", "employee_id"},
		{"timeEntries", "TimeEntry", "time_entries", "project", "Project", "project_id"},
	}
	a := newAPI(t)
	conn := sqlConn(t)
	for _, c := range cases {
		t.Run(c.typ+"."+c.rel, func(t *testing.T) {
			a := a.in(t)
			var got struct {
				List struct {
					Nodes []struct {
						ID  string
						Rel *struct{ ID string }
					}
				}
			}
			a.data(fmt.Sprintf(`{ list: %s(first: 40) { nodes { id rel: %s { id } } } }`, c.list, c.rel), nil, &got)
			rows, err := conn.Query(context.Background(),
				fmt.Sprintf(`SELECT id, %s FROM %s ORDER BY id LIMIT 40`, c.fk, c.table))
			if err != nil {
				t.Fatal(err)
			}
			i, distinct := 0, map[int64]bool{}
			for ; rows.Next(); i++ {
				var id int64
				var fk *int64
				if err := rows.Scan(&id, &fk); err != nil {
					t.Fatal(err)
				}
				if i >= len(got.List.Nodes) {
					t.Fatalf("API returned %d rows, SQL more", len(got.List.Nodes))
				}
				n := got.List.Nodes[i]
				want := "<null>"
				if fk != nil {
					want = store.GlobalID(c.relType, *fk)
					distinct[*fk] = true
				}
				gotID := "<null>"
				if n.Rel != nil {
					gotID = n.Rel.ID
				}
				if n.ID != store.GlobalID(c.typ, id) || gotID != want {
					t.Errorf("%s %d: %s = %s, want %s", c.typ, id, c.rel, gotID, want)
				}
			}
			if i != len(got.List.Nodes) || i == 0 {
				t.Fatalf("API returned %d rows, SQL %d", len(got.List.Nodes), i)
			}
			if len(distinct) < 2 {
				t.Fatalf("the first 40 rows point to %d distinct %s: the case cannot tell rows apart", len(distinct), c.rel)
			}
		})
	}
}

func TestProjectHours_MatchPlainSQL(t *testing.T) {
	a := newAPI(t)
	conn := sqlConn(t)
	var got struct {
		Projects struct {
			Nodes []struct {
				ID    string
				Hours struct {
					Logged, Billable, BillableAmount string
					BudgetUsed                       *string
				}
			}
		}
	}
	a.data(`{ projects(first: 60) { nodes { id hours { logged billable billableAmount budgetUsed } } } }`, nil, &got)
	rows, err := conn.Query(context.Background(), `
		SELECT p.id,
		       coalesce(sum(t.hours), 0)::text,
		       coalesce(sum(t.hours) FILTER (WHERE t.billable), 0)::text,
		       round(coalesce(sum(t.hours * (
		           SELECT a.bill_rate FROM assignments a
		           WHERE a.project_id = t.project_id AND a.employee_id = t.employee_id
		             AND a.starts_on <= t.work_date AND (a.ends_on IS NULL OR a.ends_on >= t.work_date)
		           ORDER BY a.starts_on DESC LIMIT 1)) FILTER (WHERE t.billable), 0), 2)::text,
		       p.budget::text
		FROM (SELECT * FROM projects ORDER BY id LIMIT 60) p
		LEFT JOIN time_entries t ON t.project_id = p.id
		GROUP BY p.id, p.budget ORDER BY p.id`)
	if err != nil {
		t.Fatal(err)
	}
	i, withHours := 0, 0
	for ; rows.Next(); i++ {
		var id int64
		var logged, billable, amount string
		var budget *string
		if err := rows.Scan(&id, &logged, &billable, &amount, &budget); err != nil {
			t.Fatal(err)
		}
		h := got.Projects.Nodes[i].Hours
		if h.Logged != logged || h.Billable != billable || h.BillableAmount != amount {
			t.Errorf("project %d: hours %+v, want logged %s billable %s amount %s", id, h, logged, billable, amount)
		}
		if (budget == nil) != (h.BudgetUsed == nil) {
			t.Errorf("project %d: budgetUsed %v with budget %v", id, h.BudgetUsed, budget)
		}
		if logged != "0" {
			withHours++
		}
	}
	if i != len(got.Projects.Nodes) || withHours == 0 {
		t.Fatalf("compared %d projects (%d with hours) of %d", i, withHours, len(got.Projects.Nodes))
	}
}

// Scalars keep PostgreSQL's exact values: numeric as its text, dates as ISO.
func TestScalars_DecimalAndDatesRoundTripExactly(t *testing.T) {
	a := newAPI(t)
	conn := sqlConn(t)
	var id int64
	var budget, startOn, createdAt string
	err := conn.QueryRow(context.Background(), `SELECT id, budget::text, start_on::text,
		to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
		FROM projects WHERE budget IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id, &budget, &startOn, &createdAt)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Project struct{ Budget, StartOn, CreatedAt, Status string }
	}
	a.data(`query($id: ID!) { project(id: $id) { budget startOn createdAt status } }`,
		map[string]any{"id": store.GlobalID("Project", id)}, &got)
	p := got.Project
	if p.Budget != budget || p.StartOn != startOn || len(p.CreatedAt) < 19 || p.CreatedAt[:19] != createdAt {
		t.Errorf("got %+v, want budget %s startOn %s createdAt %s…", p, budget, startOn, createdAt)
	}
	if !slices.Contains([]string{"PROPOSED", "ACTIVE", "ON_HOLD", "COMPLETED", "CANCELLED"}, p.Status) {
		t.Errorf("status %q is not a GraphQL enum value", p.Status)
	}
}

func TestNodes_LookupByGlobalID(t *testing.T) {
	a := newAPI(t)
	var first struct {
		Customers, Projects struct{ Nodes []struct{ ID, Name string } }
	}
	a.data(`{ customers(first: 2) { nodes { id name } } projects(first: 1) { nodes { id name } } }`, nil, &first)
	c0, c1, p0 := first.Customers.Nodes[0], first.Customers.Nodes[1], first.Projects.Nodes[0]

	var got struct {
		Node  struct{ Name string }
		Nodes []*struct {
			Typename string `json:"__typename"`
			Name     string
		}
		Customer *struct{ Name string }
	}
	a.data(`query($a: ID!, $b: ID!, $p: ID!, $missing: ID!) {
		node(id: $a) { ... on Customer { name } }
		nodes(ids: [$p, $missing, $b]) { __typename ... on Customer { name } ... on Project { name } }
		customer(id: $missing) { name }
	}`, map[string]any{"a": c0.ID, "b": c1.ID, "p": p0.ID, "missing": store.GlobalID("Customer", 1<<40)}, &got)
	if got.Node.Name != c0.Name {
		t.Errorf("node(%s) = %q, want %q", c0.ID, got.Node.Name, c0.Name)
	}
	if len(got.Nodes) != 3 || got.Nodes[0] == nil || got.Nodes[0].Name != p0.Name || got.Nodes[0].Typename != "Project" ||
		got.Nodes[1] != nil || got.Nodes[2] == nil || got.Nodes[2].Name != c1.Name {
		t.Errorf("nodes = %+v, want [%s, null, %s] in the order asked", got.Nodes, p0.Name, c1.Name)
	}
	if got.Customer != nil {
		t.Errorf("customer(missing) = %+v, want null", got.Customer)
	}
}

func TestNodes_MalformedOrMistypedIDIsBadUserInput(t *testing.T) {
	a := newAPI(t)
	var first struct {
		Projects struct{ Nodes []struct{ ID string } }
	}
	a.data(`{ projects(first: 1) { nodes { id } } }`, nil, &first)
	for name, q := range map[string]string{
		"malformed":  `{ node(id: "not-an-id") { id } }`,
		"wrong type": fmt.Sprintf(`{ customer(id: %q) { id } }`, first.Projects.Nodes[0].ID),
		"no type":    fmt.Sprintf(`{ node(id: %q) { id } }`, "Tm9wZToxMg"), // "Nope:12"
	} {
		t.Run(name, func(t *testing.T) {
			r := a.in(t).query(q, nil)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
				t.Fatalf("errors = %+v, want one BAD_USER_INPUT", r.Errors)
			}
		})
	}
}

var _ = json.Marshal
