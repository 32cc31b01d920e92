package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/store"
)

// orderKey is one orderBy entry: the GraphQL enum values and, written out
// here independently of the store, the column and direction SQL sorts by.
type orderKey struct{ field, dir string }

// orderedList is one list type's ordering facts as the tests know them: its
// order fields' columns and which may be NULL, a root list, and a nested
// one (a relation field of a parent type over a foreign key).
type orderedList struct {
	typ, table, root string
	columns          map[string]string
	nullable         map[string]bool
	mixed            [][]orderKey // multi-key orderings that mix directions
	parentType, rel  string       // nested list: parent type and its relation field ("" = none)
	fk               string
}

var orderedLists = []orderedList{
	{typ: "Customer", table: "customers", root: "customers",
		columns: map[string]string{"NAME": "name", "COUNTRY": "country", "SEGMENT": "segment", "STATUS": "status",
			"ANNUAL_CONTRACT_VALUE": "annual_contract_value", "CREATED_AT": "created_at"},
		nullable: map[string]bool{"ANNUAL_CONTRACT_VALUE": true},
		mixed:    [][]orderKey{{{"SEGMENT", "DESC"}, {"ANNUAL_CONTRACT_VALUE", "ASC"}}, {{"COUNTRY", "ASC"}, {"NAME", "DESC"}}}},
	{typ: "Contact", table: "contacts", root: "contacts",
		columns:    map[string]string{"NAME": "name", "CREATED_AT": "created_at"},
		mixed:      [][]orderKey{{{"NAME", "ASC"}, {"CREATED_AT", "DESC"}}},
		parentType: "Customer", rel: "contacts", fk: "customer_id"},
	{typ: "Project", table: "projects", root: "projects",
		columns: map[string]string{"CODE": "code", "NAME": "name", "STATUS": "status", "PRIORITY": "priority",
			"BUDGET": "budget", "START_ON": "start_on", "DUE_ON": "due_on", "CREATED_AT": "created_at"},
		nullable: map[string]bool{"BUDGET": true, "DUE_ON": true},
		mixed: [][]orderKey{{{"STATUS", "ASC"}, {"DUE_ON", "DESC"}}, {{"PRIORITY", "DESC"}, {"BUDGET", "ASC"}},
			{{"DUE_ON", "DESC"}, {"BUDGET", "ASC"}, {"NAME", "ASC"}}},
		parentType: "Customer", rel: "projects", fk: "customer_id"},
	{typ: "Employee", table: "employees", root: "employees",
		columns: map[string]string{"EMPLOYEE_NUMBER": "employee_number", "FIRST_NAME": "first_name",
			"LAST_NAME": "last_name", "HIRED_ON": "hired_on", "TERMINATED_ON": "terminated_on", "CREATED_AT": "created_at",
			"SALARY": "salary"},
		nullable:   map[string]bool{"TERMINATED_ON": true},
		mixed:      [][]orderKey{{{"LAST_NAME", "ASC"}, {"FIRST_NAME", "DESC"}}, {{"TERMINATED_ON", "DESC"}, {"HIRED_ON", "ASC"}}},
		parentType: "Department", rel: "employees", fk: "department_id"},
	{typ: "Department", table: "departments", root: "departments",
		columns:    map[string]string{"CODE": "code", "NAME": "name"},
		mixed:      [][]orderKey{{{"NAME", "DESC"}, {"CODE", "ASC"}}},
		parentType: "Department", rel: "children", fk: "parent_id"},
	{typ: "Assignment", table: "assignments", root: "assignments",
		columns: map[string]string{"STARTS_ON": "starts_on", "ENDS_ON": "ends_on", "ALLOCATION_PERCENT": "allocation_percent",
			"BILL_RATE": "bill_rate"},
		nullable:   map[string]bool{"ENDS_ON": true},
		mixed:      [][]orderKey{{{"ALLOCATION_PERCENT", "DESC"}, {"ENDS_ON", "ASC"}}},
		parentType: "Project", rel: "team", fk: "project_id"},
	{typ: "TimeEntry", table: "time_entries", root: "timeEntries",
		columns:    map[string]string{"WORK_DATE": "work_date", "HOURS": "hours", "CREATED_AT": "created_at"},
		mixed:      [][]orderKey{{{"HOURS", "DESC"}, {"WORK_DATE", "ASC"}}},
		parentType: "Project", rel: "timeEntries", fk: "project_id"},
}

// orderings are every single-field ordering both ways and the mixed ones.
func (l orderedList) orderings() [][]orderKey {
	var out [][]orderKey
	fields := make([]string, 0, len(l.columns))
	for f := range l.columns {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		out = append(out, []orderKey{{f, "ASC"}}, []orderKey{{f, "DESC"}})
	}
	return append(out, l.mixed...)
}

// graphQL spells keys as an orderBy literal.
func graphQLOrder(keys []orderKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("{field: %s, direction: %s}", k.field, k.dir)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sqlOrder spells keys as the ORDER BY the API promises: PostgreSQL's
// default NULL placement, and id last in the last key's direction.
func (l orderedList) sqlOrder(keys []orderKey) string {
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, l.columns[k.field]+" "+k.dir)
	}
	return strings.Join(append(parts, "id "+keys[len(keys)-1].dir), ", ")
}

// nulls counts the rows of the list (WHERE cond) whose first key is NULL.
func (l orderedList) nulls(t *testing.T, keys []orderKey, where string, args ...any) int {
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NULL AND %s", l.table, l.columns[keys[0].field], where)
	if err := sqlConn(t).QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const orderPageSize = 7

func TestOrdering_RootListsWalkEveryOrderingLikeSQL(t *testing.T) {
	a := newAPI(t)
	for _, l := range orderedLists {
		for _, keys := range l.orderings() {
			t.Run(l.typ+" "+graphQLOrder(keys), func(t *testing.T) {
				t.Parallel()
				want := sqlIDs(t, l.typ, "SELECT id FROM "+l.table+" ORDER BY "+l.sqlOrder(keys))
				if l.nullable[keys[0].field] && l.nulls(t, keys, "true") < 2*orderPageSize+1 {
					t.Fatalf("too few NULLs for a page to start and end inside them")
				}
				// 7 rows a page, but the big tables at the maximum page size
				// so a walk stays within a few hundred requests.
				size := orderPageSize
				if len(want) > 300*orderPageSize {
					size = 100
				}
				get := func(args string) pageOf {
					var r map[string]pageOf
					a.in(t).data(fmt.Sprintf(`{ %s(%s, orderBy: %s) { %s } }`, l.root, args, graphQLOrder(keys), pageFields), nil, &r)
					return r[l.root]
				}
				for _, backward := range []bool{false, true} {
					if got := walk(t, size, backward, get); !slices.Equal(got, want) {
						t.Fatalf("backward %v: visited %d rows, want %d\n got %v\nwant %v", backward, len(got), len(want), head(got), head(want))
					}
				}
			})
		}
	}
}

func TestOrdering_NestedListsWalkEveryOrderingLikeSQL(t *testing.T) {
	a := newAPI(t)
	for _, l := range orderedLists {
		if l.rel == "" {
			continue
		}
		for _, keys := range l.orderings() {
			t.Run(l.typ+" "+graphQLOrder(keys), func(t *testing.T) {
				t.Parallel()
				// The parent with the most children whose first key is NULL,
				// then with the most children.
				var parent int64
				col := l.columns[keys[0].field]
				err := sqlConn(t).QueryRow(context.Background(), fmt.Sprintf(`SELECT %[1]s FROM %[2]s WHERE %[1]s IS NOT NULL
					GROUP BY %[1]s ORDER BY count(*) FILTER (WHERE %[3]s IS NULL) DESC, count(*) DESC, %[1]s LIMIT 1`,
					l.fk, l.table, col)).Scan(&parent)
				if err != nil {
					t.Fatal(err)
				}
				want := sqlIDs(t, l.typ, "SELECT id FROM "+l.table+" WHERE "+l.fk+" = $1 ORDER BY "+l.sqlOrder(keys), parent)
				// Pages of 7 where the demo data has enough children for three;
				// smaller for the lists the demo scale keeps short, and small
				// enough that a page starts and ends inside the NULL block.
				size := min(orderPageSize, len(want)/3)
				if l.nullable[keys[0].field] {
					size = min(size, (l.nulls(t, keys, l.fk+" = $1", parent)-1)/2)
				}
				if size < 1 {
					t.Fatalf("the chosen parent has %d children: too few to page", len(want))
				}
				get := func(args string) pageOf {
					var r struct{ Node map[string]pageOf }
					a.in(t).data(fmt.Sprintf(`{ node(id: %q) { ... on %s { %s(%s, orderBy: %s) { %s } } } }`,
						store.GlobalID(l.parentType, parent), l.parentType, l.rel, args, graphQLOrder(keys), pageFields), nil, &r)
					return r.Node[l.rel]
				}
				for _, backward := range []bool{false, true} {
					if got := walk(t, size, backward, get); !slices.Equal(got, want) {
						t.Fatalf("backward %v: visited %d rows, want %d\n got %v\nwant %v", backward, len(got), len(want), head(got), head(want))
					}
				}
			})
		}
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 20)] }

func TestOrdering_CursorOfAnotherOrderingIsRefused(t *testing.T) {
	a := newAPI(t)
	var r struct{ Projects pageOf }
	a.data(`{ projects(first: 1, orderBy: [{field: DUE_ON, direction: ASC}]) { `+pageFields+` } }`, nil, &r)
	cursor := *r.Projects.PageInfo.EndCursor
	for _, q := range []string{
		`query($c: String) { projects(first: 1, after: $c, orderBy: [{field: DUE_ON, direction: DESC}]) { nodes { id } } }`,
		`query($c: String) { projects(first: 1, after: $c) { nodes { id } } }`,
		`query($c: String) { projects(last: 1, before: $c, orderBy: [{field: NAME, direction: ASC}]) { nodes { id } } }`,
		`query($c: String) { customers(first: 1) { nodes { projects(first: 1, after: $c, orderBy: [{field: START_ON, direction: ASC}]) { nodes { id } } } } }`,
	} {
		res := a.query(q, map[string]any{"c": cursor})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" ||
			!strings.Contains(res.Errors[0].Message, "cursor of another ordering") {
			t.Errorf("%s: errors %+v, want one BAD_USER_INPUT about another ordering", q, res.Errors)
		}
	}
}

func TestOrdering_UnknownFieldOrDirectionFailsValidation(t *testing.T) {
	a := newAPI(t)
	for _, c := range []struct {
		q    string
		vars map[string]any
	}{
		{`{ projects(orderBy: [{field: SALARY, direction: ASC}]) { nodes { id } } }`, nil},
		{`{ projects(orderBy: [{field: NAME, direction: UP}]) { nodes { id } } }`, nil},
		{`{ customers { nodes { projects(orderBy: [{field: SEGMENT, direction: ASC}]) { nodes { id } } } } }`, nil},
		{`query($o: [ProjectOrder!]) { projects(orderBy: $o) { nodes { id } } }`,
			map[string]any{"o": []any{map[string]any{"field": "SALARY", "direction": "ASC"}}}},
		{`query($o: [ProjectOrder!]) { projects(orderBy: $o) { nodes { id } } }`,
			map[string]any{"o": []any{map[string]any{"field": "NAME", "direction": "UP"}}}},
	} {
		res := a.query(c.q, c.vars)
		if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s %v: errors %+v, want GRAPHQL_VALIDATION_FAILED", c.q, c.vars, res.Errors)
		}
	}
	// gqlparser compares enum values in variables case-insensitively; the
	// store still takes only the exact value, as bad input.
	res := a.query(`query($o: [ProjectOrder!]) { projects(orderBy: $o) { nodes { id } } }`,
		map[string]any{"o": []any{map[string]any{"field": "NAME", "direction": "asc"}}})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("direction asc: errors %+v, want BAD_USER_INPUT", res.Errors)
	}
}
