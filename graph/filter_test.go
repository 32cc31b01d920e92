package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
)

// sqlValue reads one value of the demo data, to build filters that match
// something.
func sqlValue[T any](t *testing.T, q string, args ...any) T {
	t.Helper()
	var v T
	if err := sqlConn(t).QueryRow(context.Background(), q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// filterCase is one filter and, written independently in plain SQL, the
// rows it must return.
type filterCase struct {
	name       string
	root, typ  string // list field and its type
	filter     string // the filter argument, GraphQL syntax
	table      string
	where      string // the same condition in SQL over table (alias t)
	args       []any
	mayBeEmpty bool // the condition is meant to match nothing
}

// allRows pages through a filtered list forwards and returns its ids and
// its totalCount.
func (a *api) allRows(t *testing.T, root, args string) ([]string, int) {
	t.Helper()
	var ids []string
	total := -1
	get := func(paging string) pageOf {
		var r map[string]pageOf
		a.in(t).data(fmt.Sprintf(`{ %s(%s, %s) { %s } }`, root, paging, args, pageFields), nil, &r)
		p := r[root]
		if total >= 0 && p.TotalCount != total {
			t.Fatalf("totalCount changed between pages: %d, then %d", total, p.TotalCount)
		}
		total = p.TotalCount
		return p
	}
	ids = walk(t, 100, false, get)
	return ids, total
}

func (c filterCase) check(t *testing.T, a *api) {
	t.Helper()
	want := sqlIDs(t, c.typ, "SELECT t.id FROM "+c.table+" t WHERE "+c.where+" ORDER BY t.id", c.args...)
	if len(want) == 0 && !c.mayBeEmpty {
		t.Fatalf("the SQL matches no row of the demo data: the case proves nothing")
	}
	if len(want) > 3000 {
		t.Fatalf("the SQL matches %d rows: too many to page through in a test", len(want))
	}
	got, total := a.allRows(t, c.root, "filter: "+c.filter)
	if !slices.Equal(got, want) {
		t.Fatalf("filter %s: got %d rows, want %d\n got %v\nwant %v", c.filter, len(got), len(want), head(got), head(want))
	}
	if total != len(want) {
		t.Fatalf("filter %s: totalCount %d, want %d", c.filter, total, len(want))
	}
}

func TestFilter_EveryOperatorMatchesPlainSQL(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	// Values taken from the demo data.
	custName := sqlValue[string](t, `SELECT name FROM customers WHERE length(name) > 6 ORDER BY id LIMIT 1`)
	frag := strings.ToUpper(custName[2:5]) // a piece of the middle, in another case
	prefix := strings.ToLower(custName[:3])
	code := sqlValue[string](t, `SELECT code FROM projects ORDER BY id LIMIT 1 OFFSET 7`)
	countries := sqlValue[[]string](t, `SELECT array_agg(DISTINCT country ORDER BY country) FROM (SELECT country FROM customers ORDER BY id LIMIT 3) c`)
	legal := sqlValue[string](t, `SELECT legal_name FROM customers WHERE legal_name IS NOT NULL ORDER BY id LIMIT 1`)
	budget := sqlValue[string](t, `SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY budget)::text FROM projects`)
	dueFrom := sqlValue[string](t, `SELECT percentile_disc(0.4) WITHIN GROUP (ORDER BY due_on)::text FROM projects`)
	dueTo := sqlValue[string](t, `SELECT percentile_disc(0.45) WITHIN GROUP (ORDER BY due_on)::text FROM projects`)
	startOn := sqlValue[string](t, `SELECT start_on::text FROM projects ORDER BY id LIMIT 1 OFFSET 3`)
	created := sqlValue[string](t, `SELECT to_char(percentile_disc(0.95) WITHIN GROUP (ORDER BY created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM customers`)
	workFrom := sqlValue[string](t, `SELECT (max(work_date) - 3)::text FROM time_entries`)
	activeOn := sqlValue[string](t, `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY starts_on)::text FROM assignments`)
	hours := sqlValue[string](t, `SELECT hours::text FROM time_entries GROUP BY hours ORDER BY count(*) LIMIT 1`)
	empID := sqlValue[int64](t, `SELECT id FROM employees WHERE manager_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET 2`)
	mgrID := sqlValue[int64](t, `SELECT manager_id FROM employees WHERE manager_id IS NOT NULL GROUP BY manager_id ORDER BY count(*) DESC, manager_id LIMIT 1`)
	projectIDs := sqlValue[[]int64](t, `SELECT array_agg(id) FROM (SELECT id FROM projects ORDER BY id DESC LIMIT 5) p`)
	gid := func(typ string, id int64) string { return fmt.Sprintf("%q", store.GlobalID(typ, id)) }
	gids := func(typ string, ids []int64) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = gid(typ, id)
		}
		return "[" + strings.Join(s, ", ") + "]"
	}
	// A department with sub-departments, and its subtree worked out here
	// from the parent links (not with the recursive SQL the API uses).
	var deps []struct{ id, parent int64 }
	rows, err := sqlConn(t).Query(ctx, `SELECT id, coalesce(parent_id, 0) FROM departments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d struct{ id, parent int64 }
		if err := rows.Scan(&d.id, &d.parent); err != nil {
			t.Fatal(err)
		}
		deps = append(deps, d)
	}
	top := sqlValue[int64](t, `SELECT p.id FROM departments p WHERE p.parent_id IS NULL
		AND EXISTS (SELECT 1 FROM departments c JOIN departments g ON g.parent_id = c.id WHERE c.parent_id = p.id) ORDER BY p.id LIMIT 1`)
	subtree := []int64{top}
	for i := 0; i < len(subtree); i++ {
		for _, d := range deps {
			if d.parent == subtree[i] {
				subtree = append(subtree, d.id)
			}
		}
	}
	if len(subtree) < 3 {
		t.Fatalf("department %d has a subtree of %d: too small to prove anything", top, len(subtree))
	}

	cases := []filterCase{
		// IDFilter
		{name: "id eq", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{id: {eq: %s}}`, gid("Project", projectIDs[0])), where: "t.id = $1", args: []any{projectIDs[0]}},
		{name: "id in", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{id: {in: %s}}`, gids("Project", projectIDs)), where: "t.id = ANY($1)", args: []any{projectIDs}},
		{name: "id ne", root: "employees", typ: "Employee", table: "employees",
			filter: fmt.Sprintf(`{id: {ne: %s}}`, gid("Employee", empID)), where: "t.id <> $1", args: []any{empID}},
		{name: "relation id isNull", root: "employees", typ: "Employee", table: "employees",
			filter: `{manager: {id: {isNull: true}}}`, where: "t.manager_id IS NULL"},
		{name: "relation id eq", root: "employees", typ: "Employee", table: "employees",
			filter: fmt.Sprintf(`{manager: {id: {eq: %s}}}`, gid("Employee", mgrID)), where: "t.manager_id = $1", args: []any{mgrID}},
		// StringFilter
		{name: "text eq", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{code: {eq: %q}}`, code), where: "t.code = $1", args: []any{code}},
		{name: "text contains ignores case", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{name: {contains: %q}}`, frag), where: "position(lower($1) in lower(t.name)) > 0", args: []any{frag}},
		{name: "text startsWith ignores case", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{name: {startsWith: %q}}`, strings.ToUpper(prefix)), where: "lower(t.name) LIKE $1 || '%'", args: []any{prefix}},
		{name: "text in", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{country: {in: ["%s"]}}`, strings.Join(countries, `", "`)), where: "t.country = ANY($1)", args: []any{countries}},
		{name: "text ne keeps missing values", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{legalName: {ne: %q}, country: {eq: %q}}`, legal, countries[0]),
			where:  "(t.legal_name IS NULL OR t.legal_name <> $1) AND t.country = $2", args: []any{legal, countries[0]}},
		{name: "text isNull", root: "customers", typ: "Customer", table: "customers",
			filter: `{legalName: {isNull: true}}`, where: "t.legal_name IS NULL"},
		{name: "text isNull false", root: "contacts", typ: "Contact", table: "contacts",
			filter: fmt.Sprintf(`{phone: {isNull: false}, name: {startsWith: %q}}`, prefix[:1]),
			where:  "t.phone IS NOT NULL AND lower(t.name) LIKE $1 || '%'", args: []any{prefix[:1]}},
		// IntFilter
		{name: "int range", root: "assignments", typ: "Assignment", table: "assignments",
			filter: `{allocationPercent: {gte: 40, lt: 60}}`, where: "t.allocation_percent >= 40 AND t.allocation_percent < 60"},
		{name: "int gt lte", root: "assignments", typ: "Assignment", table: "assignments",
			filter: `{allocationPercent: {gt: 80, lte: 100}}`, where: "t.allocation_percent > 80 AND t.allocation_percent <= 100"},
		{name: "int in ne", root: "assignments", typ: "Assignment", table: "assignments",
			filter: `{allocationPercent: {in: [25, 50, 75], ne: 50}}`, where: "t.allocation_percent IN (25, 75)"},
		{name: "int eq", root: "assignments", typ: "Assignment", table: "assignments",
			filter: `{allocationPercent: {eq: 50}}`, where: "t.allocation_percent = 50"},
		// DecimalFilter
		{name: "decimal gte", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{budget: {gte: %q}}`, budget), where: "t.budget >= $1::numeric", args: []any{budget}},
		{name: "decimal isNull", root: "projects", typ: "Project", table: "projects",
			filter: `{budget: {isNull: true}}`, where: "t.budget IS NULL"},
		{name: "decimal eq", root: "timeEntries", typ: "TimeEntry", table: "time_entries",
			filter: fmt.Sprintf(`{hours: {eq: %q}}`, hours), where: "t.hours = $1::numeric", args: []any{hours}},
		// DateFilter, DateTimeFilter
		{name: "date range", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{dueOn: {gte: %q, lte: %q}}`, dueFrom, dueTo),
			where:  "t.due_on BETWEEN $1::date AND $2::date", args: []any{dueFrom, dueTo}},
		{name: "date eq", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{startOn: {eq: %q}}`, startOn), where: "t.start_on = $1::date", args: []any{startOn}},
		{name: "date in", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{startOn: {in: [%q, "1999-01-01"]}}`, startOn), where: "t.start_on = $1::date", args: []any{startOn}},
		{name: "date gt lt", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{dueOn: {gt: %q, lt: %q}}`, dueFrom, dueTo),
			where:  "t.due_on > $1::date AND t.due_on < $2::date", args: []any{dueFrom, dueTo}},
		{name: "date isNull", root: "assignments", typ: "Assignment", table: "assignments",
			filter: fmt.Sprintf(`{endsOn: {isNull: true}, startsOn: {gte: %q}}`, activeOn),
			where:  "t.ends_on IS NULL AND t.starts_on >= $1::date", args: []any{activeOn}},
		{name: "datetime gt", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{createdAt: {gt: %q}}`, created), where: "t.created_at > $1::timestamptz", args: []any{created}},
		{name: "datetime lte", root: "customers", typ: "Customer", table: "customers",
			filter: fmt.Sprintf(`{createdAt: {lte: %q}, segment: {eq: ENTERPRISE}}`, created),
			where:  "t.created_at <= $1::timestamptz AND t.segment = 'enterprise'", args: []any{created}},
		// BooleanFilter, enums
		{name: "boolean eq", root: "contacts", typ: "Contact", table: "contacts",
			filter: `{isPrimary: {eq: true}}`, where: "t.is_primary"},
		{name: "enum in", root: "customers", typ: "Customer", table: "customers",
			filter: `{segment: {in: [ENTERPRISE, MID_MARKET]}, status: {ne: CHURNED}}`,
			where:  "t.segment IN ('enterprise', 'mid_market') AND t.status <> 'churned'"},
		{name: "enum eq", root: "projects", typ: "Project", table: "projects",
			filter: `{status: {eq: ON_HOLD}}`, where: "t.status = 'on_hold'"},
		// and / or / not
		{name: "or", root: "projects", typ: "Project", table: "projects",
			filter: `{or: [{status: {eq: CANCELLED}}, {priority: {eq: CRITICAL}}]}`,
			where:  "(t.status = 'cancelled' OR t.priority = 'critical')"},
		{name: "and", root: "projects", typ: "Project", table: "projects",
			filter: `{and: [{status: {eq: ACTIVE}}, {priority: {in: [HIGH, CRITICAL]}}]}`,
			where:  "t.status = 'active' AND t.priority IN ('high', 'critical')"},
		{name: "not includes missing values", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{not: {budget: {lt: %q}}, status: {eq: PROPOSED}}`, budget),
			where:  "(t.budget IS NULL OR t.budget >= $1::numeric) AND t.status = 'proposed'", args: []any{budget}},
		{name: "nested combination", root: "projects", typ: "Project", table: "projects",
			filter: fmt.Sprintf(`{or: [{and: [{status: {eq: ACTIVE}}, {not: {priority: {eq: LOW}}}]}, {code: {eq: %q}}], billingModel: {eq: FIXED_PRICE}}`, code),
			where:  "((t.status = 'active' AND t.priority <> 'low') OR t.code = $1) AND t.billing_model = 'fixed_price'", args: []any{code}},
		{name: "empty or matches nothing", root: "projects", typ: "Project", table: "projects",
			filter: `{or: []}`, where: "false", mayBeEmpty: true},
		// related rows
		{name: "projects of customers in a segment", root: "projects", typ: "Project", table: "projects",
			filter: `{customer: {segment: {eq: ENTERPRISE}}, status: {eq: ACTIVE}}`,
			where:  "t.status = 'active' AND t.customer_id IN (SELECT id FROM customers WHERE segment = 'enterprise')"},
		{name: "employees of a department subtree", root: "employees", typ: "Employee", table: "employees",
			filter: fmt.Sprintf(`{department: {within: %s}}`, gid("Department", top)), where: "t.department_id = ANY($1)", args: []any{subtree}},
		{name: "employees two levels below a manager", root: "employees", typ: "Employee", table: "employees",
			filter: fmt.Sprintf(`{manager: {manager: {id: {eq: %s}}}}`, gid("Employee", mgrID)),
			where:  "t.manager_id IN (SELECT id FROM employees WHERE manager_id = $1)", args: []any{mgrID}, mayBeEmpty: true},
		{name: "assignments active on a date", root: "assignments", typ: "Assignment", table: "assignments",
			filter: fmt.Sprintf(`{activeOn: %q, employee: {status: {eq: ACTIVE}}}`, activeOn),
			where:  "t.starts_on <= $1::date AND coalesce(t.ends_on, 'infinity') >= $1::date AND t.employee_id IN (SELECT id FROM employees WHERE status = 'active')",
			args:   []any{activeOn}},
		{name: "time entries in a date range", root: "timeEntries", typ: "TimeEntry", table: "time_entries",
			filter: fmt.Sprintf(`{workDate: {gte: %q}, billable: {eq: false}}`, workFrom),
			where:  "t.work_date >= $1::date AND NOT t.billable", args: []any{workFrom}},
		{name: "contacts of customers by name", root: "contacts", typ: "Contact", table: "contacts",
			filter: fmt.Sprintf(`{customer: {name: {startsWith: %q}}}`, prefix),
			where:  "t.customer_id IN (SELECT id FROM customers WHERE lower(name) LIKE $1 || '%')", args: []any{prefix}},
		{name: "departments by parent", root: "departments", typ: "Department", table: "departments",
			filter: `{parent: {id: {isNull: true}}}`, where: "t.parent_id IS NULL"},
		{name: "customers by account manager", root: "customers", typ: "Customer", table: "customers",
			filter: `{accountManager: {status: {ne: ACTIVE}}}`,
			where:  "t.account_manager_id IN (SELECT id FROM employees WHERE status <> 'active')", mayBeEmpty: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.check(t, a.in(t))
		})
	}
}

// TestFilter_FilteredOrderedListsPageLikeSQL walks filtered lists in
// orderings with NULLs, both ways, root and nested.
func TestFilter_FilteredOrderedListsPageLikeSQL(t *testing.T) {
	a := newAPI(t)
	for _, c := range []struct {
		name, root, typ, filter, order, sql string
	}{
		{"root, nullable first key", "projects", "Project", `{status: {in: [ACTIVE, ON_HOLD]}, priority: {ne: LOW}}`,
			`[{field: DUE_ON, direction: ASC}]`,
			`SELECT id FROM projects WHERE status IN ('active', 'on_hold') AND priority <> 'low' ORDER BY due_on ASC, id ASC`},
		{"root, related row, descending", "projects", "Project", `{customer: {segment: {in: [SMB]}}}`,
			`[{field: BUDGET, direction: DESC}, {field: NAME, direction: ASC}]`,
			`SELECT p.id FROM projects p JOIN customers c ON c.id = p.customer_id WHERE c.segment = 'smb' ORDER BY p.budget DESC, p.name ASC, p.id ASC`},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := sqlIDs(t, c.typ, c.sql)
			if len(want) < 30 {
				t.Fatalf("only %d rows: too few to page", len(want))
			}
			get := func(args string) pageOf {
				var r map[string]pageOf
				a.in(t).data(fmt.Sprintf(`{ %s(%s, filter: %s, orderBy: %s) { %s } }`, c.root, args, c.filter, c.order, pageFields), nil, &r)
				return r[c.root]
			}
			for _, backward := range []bool{false, true} {
				if got := walk(t, 7, backward, get); !slices.Equal(got, want) {
					t.Fatalf("backward %v: visited %d rows, want %d\n got %v\nwant %v", backward, len(got), len(want), head(got), head(want))
				}
			}
		})
	}
	t.Run("nested", func(t *testing.T) {
		parent := sqlValue[int64](t, `SELECT customer_id FROM projects GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1`)
		want := sqlIDs(t, "Project", `SELECT id FROM projects WHERE customer_id = $1 AND status <> 'cancelled' ORDER BY due_on DESC, id DESC`, parent)
		if len(want) < 6 {
			t.Fatalf("customer %d has %d matching projects: too few to page", parent, len(want))
		}
		get := func(args string) pageOf {
			var r struct{ Node struct{ Projects pageOf } }
			a.in(t).data(fmt.Sprintf(`{ node(id: %q) { ... on Customer { projects(%s, filter: {status: {ne: CANCELLED}}, orderBy: [{field: DUE_ON, direction: DESC}]) { %s } } } }`,
				store.GlobalID("Customer", parent), args, pageFields), nil, &r)
			if r.Node.Projects.TotalCount != len(want) {
				t.Fatalf("totalCount %d, want %d", r.Node.Projects.TotalCount, len(want))
			}
			return r.Node.Projects
		}
		for _, backward := range []bool{false, true} {
			if got := walk(t, 2, backward, get); !slices.Equal(got, want) {
				t.Fatalf("backward %v: got %v, want %v", backward, got, want)
			}
		}
	})
}

// TestFilter_NestedListsCostOneStatementPerLevel: filters on nested lists,
// with related-row conditions, stay inside each level's one statement,
// and two aliases of one relation with different filters each get theirs.
func TestFilter_NestedListsCostOneStatementPerLevel(t *testing.T) {
	a := newAPI(t)
	const q = `query($customers: Int!, $after: String) {
  customers(first: $customers, after: $after) {
    nodes {
      name
      projects(first: 10, filter: {or: [{status: {in: [ACTIVE, COMPLETED]}}, {customer: {segment: {eq: ENTERPRISE}}}]}) {
        nodes {
          code
          team(first: 100, filter: {allocationPercent: {gte: 1}, employee: {status: {ne: TERMINATED}}}) {
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
	// One customer whose page reaches every level through the filters.
	staffed := sqlValue[int64](t, `SELECT min(p.customer_id) FROM projects p
		JOIN assignments a ON a.project_id = p.id JOIN employees e ON e.id = a.employee_id
		WHERE p.status IN ('active', 'completed') AND e.status <> 'terminated'`)
	cursor := page.Encode(page.ByID, []page.Value{page.IntValue(staffed - 1)})
	one, membersOne := statementsFor(t, a.in(t), q, 1, &cursor)
	forty, membersForty := statementsFor(t, a.in(t), q, 40, nil)
	if membersOne == 0 || membersForty <= membersOne {
		t.Fatalf("1 customer brought %d team members, 40 brought %d: the pages are too thin to prove anything", membersOne, membersForty)
	}
	if one != nestedLevels || forty != nestedLevels {
		t.Errorf("customers(first: 1) cost %d statements, customers(first: 40) %d; want %d each", one, forty, nestedLevels)
	}

	// Aliases: two filters of one relation, each its own rows and count.
	var r struct {
		Customers struct {
			Nodes []struct {
				Active, Other struct {
					TotalCount int
					Nodes      []struct{ Status string }
				}
			}
		}
	}
	before := a.db.Statements()
	a.data(`{ customers(first: 30) { nodes {
		active: projects(first: 100, filter: {status: {eq: ACTIVE}}) { totalCount nodes { status } }
		other: projects(first: 100, filter: {status: {ne: ACTIVE}}) { totalCount nodes { status } } } } }`, nil, &r)
	if n := a.db.Statements() - before; n != 3 {
		t.Errorf("two filtered aliases with counts cost %d statements, want 3 (customers, 2 pages with their counts)", n)
	}
	seen := 0
	for _, c := range r.Customers.Nodes {
		for _, p := range c.Active.Nodes {
			seen++
			if p.Status != "ACTIVE" {
				t.Fatalf("alias active returned a %s project", p.Status)
			}
		}
		for _, p := range c.Other.Nodes {
			if p.Status == "ACTIVE" {
				t.Fatal("alias other returned an ACTIVE project")
			}
		}
		if c.Active.TotalCount != len(c.Active.Nodes) || c.Other.TotalCount != len(c.Other.Nodes) {
			t.Fatalf("counts %d/%d for pages of %d/%d", c.Active.TotalCount, c.Other.TotalCount, len(c.Active.Nodes), len(c.Other.Nodes))
		}
	}
	if seen == 0 {
		t.Fatal("no active project on the page: the case proves nothing")
	}
}

func TestFilter_CursorOfAnotherFilterIsRefused(t *testing.T) {
	a := newAPI(t)
	var r struct{ Projects pageOf }
	a.data(`{ projects(first: 2, filter: {status: {eq: ACTIVE}}) { `+pageFields+` } }`, nil, &r)
	cursor := *r.Projects.PageInfo.EndCursor
	// The same filter, from a variable, accepts it.
	var ok struct{ Projects pageOf }
	a.data(`query($c: String, $f: ProjectFilter) { projects(first: 2, after: $c, filter: $f) { `+pageFields+` } }`,
		map[string]any{"c": cursor, "f": map[string]any{"status": map[string]any{"eq": "ACTIVE"}}}, &ok)
	if len(ok.Projects.Nodes) != 2 {
		t.Fatalf("the same filter from a variable gave %d rows, want 2", len(ok.Projects.Nodes))
	}
	for _, q := range []string{
		`query($c: String) { projects(first: 1, after: $c) { nodes { id } } }`,
		`query($c: String) { projects(first: 1, after: $c, filter: {status: {eq: COMPLETED}}) { nodes { id } } }`,
		`query($c: String) { projects(first: 1, after: $c, search: "a", filter: {status: {eq: ACTIVE}}) { nodes { id } } }`,
	} {
		res := a.query(q, map[string]any{"c": cursor})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" ||
			!strings.Contains(res.Errors[0].Message, "cursor of another ordering") {
			t.Errorf("%s: errors %+v, want one BAD_USER_INPUT about the cursor", q, res.Errors)
		}
	}
}

func TestFilter_BadInputIsRefusedClearly(t *testing.T) {
	a := newAPI(t)
	deep := `{status: {eq: ACTIVE}}`
	for range 9 {
		deep = `{not: ` + deep + `}`
	}
	many := make([]string, 1001) // in a variable: a literal this long is over the token limit
	for i := range many {
		many[i] = store.GlobalID("Project", int64(i+1))
	}
	for _, c := range []struct {
		name, q  string
		vars     map[string]any
		code     string
		contains string
	}{
		{"unknown enum value", `{ projects(filter: {status: {eq: FINISHED}}) { nodes { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"unknown field", `{ projects(filter: {salary: {gt: 1}}) { nodes { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"operator of another type", `{ projects(filter: {status: {contains: "act"}}) { nodes { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED", ""},
		{"explicit null operator", `{ projects(filter: {code: {eq: null}}) { nodes { id } } }`, nil, "BAD_USER_INPUT", "isNull"},
		{"null variable operator", `query($c: String) { projects(filter: {code: {eq: $c}}) { nodes { id } } }`, map[string]any{"c": nil}, "BAD_USER_INPUT", "filter.code.eq"},
		{"id of another type", fmt.Sprintf(`{ projects(filter: {id: {eq: %q}}) { nodes { id } } }`, store.GlobalID("Customer", 1)), nil, "BAD_USER_INPUT", "not a Project"},
		{"malformed id", `{ projects(filter: {customer: {id: {in: ["nope"]}}}) { nodes { id } } }`, nil, "BAD_USER_INPUT", "filter.customer.id.in"},
		{"malformed decimal", `{ projects(filter: {budget: {gt: "1e9"}}) { nodes { id } } }`, nil, "", ""},
		{"malformed date", `{ projects(filter: {dueOn: {gt: "2026-02-30"}}) { nodes { id } } }`, nil, "", ""},
		{"too deep", `{ projects(filter: ` + deep + `) { nodes { id } } }`, nil, "BAD_USER_INPUT", "levels"},
		{"too long in list", `query($ids: [ID!]) { projects(filter: {id: {in: $ids}}) { nodes { id } } }`,
			map[string]any{"ids": many}, "BAD_USER_INPUT", "at most 1000"},
		{"lower-case enum in a variable", `query($f: ProjectFilter) { projects(filter: $f) { nodes { id } } }`,
			map[string]any{"f": map[string]any{"status": map[string]any{"eq": "active"}}}, "", ""},
		{"search too long", fmt.Sprintf(`{ projects(search: %q) { nodes { id } } }`, strings.Repeat("x", 201)), nil, "BAD_USER_INPUT", "search"},
		{"huge page", `{ projects(first: 101, filter: {status: {eq: ACTIVE}}) { nodes { id } } }`, nil, "BAD_USER_INPUT", "at most 100"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := a.in(t).query(c.q, c.vars)
			if len(res.Errors) == 0 {
				t.Fatalf("no error; data %s", res.Data)
			}
			e := res.Errors[0]
			code, _ := e.Extensions["code"].(string)
			if c.code != "" && code != c.code {
				t.Fatalf("code %q, want %q: %+v", code, c.code, res.Errors)
			}
			if code != "BAD_USER_INPUT" && code != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("code %q: bad input must be BAD_USER_INPUT or a validation error: %+v", code, res.Errors)
			}
			if !strings.Contains(e.Message, c.contains) {
				t.Fatalf("message %q does not say %q", e.Message, c.contains)
			}
			if strings.Contains(strings.ToLower(e.Message), "select ") || strings.Contains(e.Message, "SQLSTATE") {
				t.Fatalf("the message leaks SQL: %q", e.Message)
			}
		})
	}
}

// TestFilter_SQLInjectionIsJustText sends SQL and LIKE metacharacters
// through every text input: each is matched as literal text (compared
// with the same literal bound in plain SQL), nothing errs but bad input,
// and the tables are intact afterwards.
func TestFilter_SQLInjectionIsJustText(t *testing.T) {
	a := newAPI(t)
	before := sqlValue[int64](t, `SELECT count(*) FROM customers`)
	for _, s := range []string{
		`'; DROP TABLE customers; --`,
		`' OR '1'='1`,
		`%`, `_`, `\`, `%' OR name LIKE '%`,
		`") { id } } #`,
		`a'); SELECT pg_sleep(10); --`,
		"line\nbreak",
		`$1`, `?`, `::text`,
	} {
		t.Run(s, func(t *testing.T) {
			lit := fmt.Sprintf("%q", s)
			checks := []struct{ filter, where string }{
				{`{name: {contains: ` + lit + `}}`, "position(lower($1) in lower(t.name)) > 0"},
				{`{name: {startsWith: ` + lit + `}}`, "starts_with(lower(t.name), lower($1))"},
				{`{name: {eq: ` + lit + `}}`, "t.name = $1"},
				{`{country: {in: [` + lit + `]}}`, "t.country = $1"},
				{`{legalName: {ne: ` + lit + `}, segment: {eq: ENTERPRISE}}`, "t.legal_name IS DISTINCT FROM $1 AND t.segment = 'enterprise'"},
				{`{accountManager: {email: {contains: ` + lit + `}}}`, "t.account_manager_id IN (SELECT id FROM employees WHERE position(lower($1) in lower(email)) > 0)"},
			}
			for _, c := range checks {
				want := sqlIDs(t, "Customer", "SELECT t.id FROM customers t WHERE "+c.where+" ORDER BY t.id", s)
				got, _ := a.in(t).allRows(t, "customers", "filter: "+c.filter)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: got %d rows, want %d", c.filter, len(got), len(want))
				}
			}
			// Search and ids take the text too.
			for _, q := range []string{
				`{ customers(first: 5, search: ` + lit + `) { nodes { id } } }`,
				`{ employees(first: 5, search: ` + lit + `) { nodes { id } } }`,
				`{ projects(first: 5, search: ` + lit + `, filter: {code: {startsWith: ` + lit + `}}) { nodes { id } } }`,
				`{ projects(filter: {id: {eq: ` + lit + `}}) { nodes { id } } }`,
			} {
				res := a.in(t).query(q, nil)
				for _, e := range res.Errors {
					if e.Extensions["code"] != "BAD_USER_INPUT" {
						t.Fatalf("%s: %+v", q, res.Errors)
					}
				}
			}
		})
	}
	if after := sqlValue[int64](t, `SELECT count(*) FROM customers`); after != before {
		t.Fatalf("customers went from %d to %d rows", before, after)
	}
}

func TestSearch_MatchesNamesCodesAndEmailsRankedSensibly(t *testing.T) {
	a := newAPI(t)
	type hit struct {
		ID, Code, Name, Email, EmployeeNumber string
	}
	type conn struct {
		TotalCount int
		Nodes      []hit
	}
	// An exact project code comes first, however many others match.
	code := sqlValue[string](t, `SELECT code FROM projects ORDER BY id LIMIT 1 OFFSET 11`)
	var r struct{ Projects conn }
	a.data(`query($s: String) { projects(first: 10, search: $s) { totalCount nodes { id code name } } }`,
		map[string]any{"s": strings.ToLower(code)}, &r)
	if len(r.Projects.Nodes) == 0 || r.Projects.Nodes[0].Code != code {
		t.Fatalf("search %q: first hit %+v, want the project with that code", code, r.Projects.Nodes)
	}
	// A fragment of a name finds every row containing it (what LIKE finds, at least).
	name := sqlValue[string](t, `SELECT last_name FROM employees WHERE length(last_name) >= 5 ORDER BY id LIMIT 1`)
	frag := strings.ToUpper(name[1:4])
	want := sqlIDs(t, "Employee", `SELECT id FROM employees WHERE lower(first_name || ' ' || last_name || ' ' || email) LIKE '%' || lower($1) || '%' ORDER BY id`, frag)
	var e struct{ Employees conn }
	a.data(`query($s: String) { employees(first: 100, search: $s) { totalCount nodes { id name: lastName } } }`, map[string]any{"s": frag}, &e)
	got := make([]string, len(e.Employees.Nodes))
	for i, n := range e.Employees.Nodes {
		got[i] = n.ID
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			t.Fatalf("search %q misses %s, which contains it", frag, id)
		}
	}
	if e.Employees.TotalCount != len(got) {
		t.Fatalf("totalCount %d, page %d", e.Employees.TotalCount, len(got))
	}
	// An exact email first; a misspelt surname still finds its person.
	email := sqlValue[string](t, `SELECT email FROM employees ORDER BY id LIMIT 1 OFFSET 4`)
	var ex struct{ Employees conn }
	a.data(`query($s: String) { employees(first: 3, search: $s) { nodes { id email } } }`, map[string]any{"s": strings.ToUpper(email)}, &ex)
	if len(ex.Employees.Nodes) == 0 || ex.Employees.Nodes[0].Email != email {
		t.Fatalf("search %q: hits %+v, want that person first", email, ex.Employees.Nodes)
	}
	person := sqlValue[string](t, `SELECT first_name || ' ' || last_name FROM employees WHERE length(last_name) >= 6 ORDER BY id LIMIT 1`)
	typo := person[:len(person)-2] + string(person[len(person)-1]) + string(person[len(person)-2]) // swap the last two letters
	var ty struct {
		Employees struct {
			Nodes []struct{ FirstName, LastName string }
		}
	}
	a.data(`query($s: String) { employees(first: 5, search: $s) { nodes { firstName lastName } } }`, map[string]any{"s": typo}, &ty)
	found := false
	for _, n := range ty.Employees.Nodes {
		found = found || n.FirstName+" "+n.LastName == person
	}
	if !found {
		t.Fatalf("search %q (a typo of %q) did not find them: %+v", typo, person, ty.Employees.Nodes)
	}
	// Ranked results page without repeats or gaps, both ways.
	all, _ := a.allRows(t, "customers", `search: "an"`)
	wantAll := sqlIDs(t, "Customer", `SELECT id FROM customers WHERE lower(name || ' ' || coalesce(legal_name, '') || ' ' || coalesce(website, '')) LIKE '%an%'
		OR word_similarity('an', lower(name || ' ' || coalesce(legal_name, '') || ' ' || coalesce(website, ''))) >= 0.6`)
	if len(wantAll) < 30 || len(all) != len(wantAll) {
		t.Fatalf("search \"an\": %d rows, SQL finds %d", len(all), len(wantAll))
	}
	get := func(args string) pageOf {
		var r map[string]pageOf
		a.data(fmt.Sprintf(`{ customers(%s, search: "an") { %s } }`, args, pageFields), nil, &r)
		return r["customers"]
	}
	for _, backward := range []bool{false, true} {
		got := walk(t, 7, backward, get)
		if !slices.Equal(got, all) {
			t.Fatalf("backward %v: pages of 7 give another list than pages of 100", backward)
		}
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	slices.Sort(wantAll)
	if !slices.Equal(sorted, wantAll) {
		t.Fatal("the ranked list is not the set of matching rows")
	}
}
