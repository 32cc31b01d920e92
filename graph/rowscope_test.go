package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// hiddenDepartment are the real rules, except that the people of one
// department, and their staffings, are not visible to anyone: the shape row
// visibility will take (a review or a payslip that "does not exist" for
// others).
type hiddenDepartment struct {
	policy.StoreRules
	department int64
}

func (h hiddenDepartment) RowScope(_ context.Context, table string) (string, []any) {
	switch table {
	case "employees":
		return "t.department_id <> ?", []any{h.department}
	case "assignments":
		return "NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = t.employee_id AND e.department_id = ?)", []any{h.department}
	}
	return "", nil
}

// A row the rules scope out is absent from every path that reads rows: root
// pages and their totalCount, nested pages and their totalCount (one
// statement for all parents), node(id), nodes(ids:), employee(id:) and
// to-one relations; and scoping costs no statement.
func TestRowScope_HiddenRowsAreAbsentFromEveryPath(t *testing.T) {
	// The department whose people manage the most people elsewhere, so a
	// to-one relation leads into it from visible rows.
	var dept, hidden, report int64
	err := sqlConn(t).QueryRow(context.Background(), `SELECT m.department_id, m.id, r.id FROM employees m
		JOIN employees r ON r.manager_id = m.id AND r.department_id <> m.department_id
		ORDER BY count(*) OVER (PARTITION BY m.department_id) DESC, m.id, r.id LIMIT 1`).Scan(&dept, &hidden, &report)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPIWith(t, hiddenDepartment{department: dept})
	emp := func(id int64) string { return store.GlobalID("Employee", id) }
	visibleIDs := func(t *testing.T, q string, args ...any) []string { return sqlIDs(t, "Employee", q, args...) }
	count := func(t *testing.T, q string, args ...any) int {
		var n int
		if err := sqlConn(t).QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	type conn struct {
		TotalCount int
		Nodes      []struct {
			ID      string
			Manager *struct{ ID string }
		}
	}
	ids := func(c conn) []string {
		out := make([]string, len(c.Nodes))
		for i, n := range c.Nodes {
			out[i] = n.ID
		}
		return out
	}

	t.Run("root page and totalCount", func(t *testing.T) {
		var r struct{ Employees, InDepartment conn }
		a.in(t).data(fmt.Sprintf(`{ employees(first: 100) { totalCount nodes { id } }
			inDepartment: employees(first: 100, filter: {department: {id: {eq: %q}}}) { totalCount nodes { id } } }`,
			store.GlobalID("Department", dept)), nil, &r)
		want := visibleIDs(t, "SELECT id FROM employees WHERE department_id <> $1 ORDER BY id LIMIT 100", dept)
		if got := ids(r.Employees); !slices.Equal(got, want) {
			t.Errorf("employees: %v, want %v", head(got), head(want))
		}
		if want := count(t, "SELECT count(*) FROM employees WHERE department_id <> $1", dept); r.Employees.TotalCount != want {
			t.Errorf("totalCount %d, want %d", r.Employees.TotalCount, want)
		}
		if r.InDepartment.TotalCount != 0 || len(r.InDepartment.Nodes) != 0 {
			t.Errorf("the hidden department's people came: %+v", r.InDepartment)
		}
	})

	t.Run("nested pages and their totalCount", func(t *testing.T) {
		var r struct {
			Departments struct {
				Nodes []struct {
					ID        string
					Employees conn
				}
			}
		}
		a.in(t).data(`{ departments(first: 100) { nodes { id employees(first: 100) { totalCount nodes { id } } } } }`, nil, &r)
		sawHidden := false
		for _, d := range r.Departments.Nodes {
			_, key, _ := store.ParseID(d.ID)
			want := visibleIDs(t, "SELECT id FROM employees WHERE department_id = $1 AND department_id <> $2 ORDER BY id LIMIT 100", key, dept)
			if got := ids(d.Employees); !slices.Equal(got, want) {
				t.Errorf("department %d: %v, want %v", key, head(got), head(want))
			}
			if want := count(t, "SELECT count(*) FROM employees WHERE department_id = $1 AND department_id <> $2", key, dept); d.Employees.TotalCount != want {
				t.Errorf("department %d: totalCount %d, want %d", key, d.Employees.TotalCount, want)
			}
			sawHidden = sawHidden || key == dept
		}
		if !sawHidden {
			t.Fatal("the hidden department was not among the parents: the case proves nothing")
		}
	})

	t.Run("node, nodes and employee by id", func(t *testing.T) {
		var r struct {
			Node     *struct{ ID string }
			Employee *struct{ ID string }
			Nodes    []*struct{ ID string }
		}
		a.in(t).data(`query($h: ID!, $v: ID!) { node(id: $h) { id } employee(id: $h) { id } nodes(ids: [$h, $v]) { id } }`,
			map[string]any{"h": emp(hidden), "v": emp(report)}, &r)
		if r.Node != nil || r.Employee != nil {
			t.Errorf("the hidden employee came by id: node %+v, employee %+v", r.Node, r.Employee)
		}
		if len(r.Nodes) != 2 || r.Nodes[0] != nil || r.Nodes[1] == nil || r.Nodes[1].ID != emp(report) {
			t.Errorf("nodes: %s, want [null, the visible employee]", mustJSON(r.Nodes))
		}
	})

	t.Run("to-one relations", func(t *testing.T) {
		var r struct {
			Node *struct{ Manager *struct{ ID string } }
		}
		a.in(t).data(`query($v: ID!) { node(id: $v) { ... on Employee { manager { id } } } }`, map[string]any{"v": emp(report)}, &r)
		if r.Node == nil || r.Node.Manager != nil {
			t.Errorf("%s: the hidden manager came", mustJSON(r.Node))
		}
		// For a page of parents at once: the manager comes exactly when visible.
		var page struct{ Employees conn }
		a.in(t).data(`{ employees(first: 100) { nodes { id manager { id } } } }`, nil, &page)
		withManager := map[string]bool{}
		for _, id := range visibleIDs(t, `SELECT e.id FROM employees e JOIN employees m ON m.id = e.manager_id
			WHERE e.department_id <> $1 AND m.department_id <> $1`, dept) {
			withManager[id] = true
		}
		for _, n := range page.Employees.Nodes {
			if got := n.Manager != nil; got != withManager[n.ID] {
				t.Errorf("employee %s: manager came %v, want %v", n.ID, got, withManager[n.ID])
			}
		}
	})

	t.Run("to-one relations below a nested page", func(t *testing.T) {
		// Each department's people with their manager and the manager's
		// department: relations read for the rows of a nested page, two
		// levels deep, come exactly when visible.
		var r struct {
			Departments struct {
				Nodes []struct {
					Employees struct {
						Nodes []struct {
							ID      string
							Manager *struct {
								ID         string
								Department *struct{ ID string }
							}
						}
					}
				}
			}
		}
		a.in(t).data(`{ departments(first: 100) { nodes { employees(first: 100) { nodes { id manager { id department { id } } } } } } }`, nil, &r)
		withManager := map[string]bool{}
		for _, id := range visibleIDs(t, `SELECT e.id FROM employees e JOIN employees m ON m.id = e.manager_id
			WHERE e.department_id <> $1 AND m.department_id <> $1`, dept) {
			withManager[id] = true
		}
		seen, managed, sawReport := 0, 0, false
		for _, d := range r.Departments.Nodes {
			for _, n := range d.Employees.Nodes {
				seen++
				sawReport = sawReport || n.ID == emp(report)
				if got := n.Manager != nil; got != withManager[n.ID] {
					t.Errorf("employee %s: manager came %v, want %v", n.ID, got, withManager[n.ID])
				}
				if n.Manager != nil {
					managed++
					if n.Manager.Department == nil {
						t.Errorf("employee %s: the manager's department did not come", n.ID)
					}
				}
			}
		}
		if seen == 0 || managed == 0 || managed == seen {
			t.Fatalf("%d people, %d with a manager: the case proves nothing", seen, managed)
		}
		if !sawReport {
			// report's manager is the hidden one: it must be among the rows read.
			t.Fatal("the employee whose manager is hidden was not read: the case proves nothing")
		}
	})

	t.Run("statements per level unchanged", func(t *testing.T) {
		for _, q := range []string{nestedPage, orderedNestedPage} {
			if n, members := statementsFor(t, a.in(t), q, 40, nil); n != nestedLevels || members == 0 {
				t.Errorf("nested page: %d statements for %d team members, want %d", n, members, nestedLevels)
			}
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
