package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// reportingLine is a manager of the demo data and people around them.
type reportingLine struct {
	manager, report, reportsReport, boss int64
	below                                map[int64]bool // everyone below manager, walked down the tree
}

// findReportingLine finds a manager with a boss above and two levels below.
func findReportingLine(t *testing.T) reportingLine {
	t.Helper()
	c, err := pgx.Connect(context.Background(), httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var l reportingLine
	err = c.QueryRow(context.Background(), `SELECT m.id, r.id, rr.id, m.manager_id FROM employees m
		JOIN employees r ON r.manager_id = m.id JOIN employees rr ON rr.manager_id = r.id
		WHERE m.manager_id IS NOT NULL ORDER BY m.id, r.id, rr.id LIMIT 1`).Scan(&l.manager, &l.report, &l.reportsReport, &l.boss)
	if err != nil {
		t.Fatalf("find a manager two levels deep in the demo data: %v", err)
	}
	rows, err := c.Query(context.Background(), `WITH RECURSIVE down AS (
		SELECT id FROM employees WHERE manager_id = $1
		UNION SELECT e.id FROM employees e JOIN down d ON e.manager_id = d.id) SELECT id FROM down`, l.manager)
	if err != nil {
		t.Fatal(err)
	}
	below, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	l.below = map[int64]bool{}
	for _, id := range below {
		l.below[id] = true
	}
	return l
}

// caller is who a case reads as.
type caller struct {
	name       string
	roles      []auth.Role
	employeeID int64
}

func (c caller) identity() *auth.Identity {
	return &auth.Identity{Subject: c.name, Roles: c.roles, EmployeeID: c.employeeID}
}

func callers(l reportingLine) []caller {
	return []caller{
		{"viewer", []auth.Role{auth.Viewer}, 0},
		{"manager", []auth.Role{auth.Manager}, l.manager},
		{"manager without an employee id", []auth.Role{auth.Manager}, 0},
		{"hr", []auth.Role{auth.HR}, 0},
		{"analytics", []auth.Role{auth.Analytics}, 0},
		{"admin", []auth.Role{auth.Admin}, 0},
		{"viewer and hr", []auth.Role{auth.Viewer, auth.HR}, 0},
		{"viewer and manager", []auth.Role{auth.Viewer, auth.Manager}, l.manager},
		{"viewer and analytics", []auth.Role{auth.Viewer, auth.Analytics}, 0},
	}
}

// analyticsOnly reports whether c holds only the analytics role, which
// runs registered operations only: then it checks that text it sends is
// refused (TRUSTED_DOCUMENT_REQUIRED) before anything is read, and the
// caller's other checks do not apply.
func (c caller) analyticsOnly(t *testing.T, as *api) bool {
	t.Helper()
	if len(c.roles) != 1 || c.roles[0] != auth.Analytics {
		return false
	}
	r := as.query(`{ employees(first: 1) { nodes { salary } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "TRUSTED_DOCUMENT_REQUIRED" || (len(r.Data) > 0 && string(r.Data) != "null") {
		t.Fatalf("analytics sending text: %s %+v, want only TRUSTED_DOCUMENT_REQUIRED", r.Data, r.Errors)
	}
	return true
}

// The sensitive fields and their columns (schema.graphqls, @sensitive).
var (
	employeeSensitive = map[string]string{"salary": "salary", "salaryCurrency": "salary_currency",
		"personalEmail": "personal_email", "phone": "phone", "birthDate": "birth_date", "homeAddress": "home_address"}
)

// outcome is what a response says of one field at one path.
func outcome(r response, path ...any) (value json.RawMessage, code string) {
	var data any
	_ = json.Unmarshal(r.Data, &data)
	cur := data
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := cur.(map[string]any)
			cur = m[k]
		case int:
			s, _ := cur.([]any)
			if k < len(s) {
				cur = s[k]
			} else {
				cur = nil
			}
		}
	}
	value, _ = json.Marshal(cur)
	want, _ := json.Marshal(path)
	for _, e := range r.Errors {
		if got, _ := json.Marshal(e.Path); string(got) == string(want) {
			code, _ = e.Extensions["code"].(string)
		}
	}
	return value, code
}

// checkField asserts that the field at path is allowed (no error, and a
// value when nonNull) or denied (null with FORBIDDEN at its path).
func checkField(t *testing.T, r response, allowed, nonNull bool, path ...any) {
	t.Helper()
	v, code := outcome(r, path...)
	switch {
	case allowed && code != "":
		t.Errorf("%v: allowed, but the response has a %s error there", path, code)
	case allowed && nonNull && string(v) == "null":
		t.Errorf("%v: allowed, but null", path)
	case !allowed && (code != "FORBIDDEN" || string(v) != "null"):
		t.Errorf("%v: denied, but value %s with error code %q; want null with FORBIDDEN", path, v, code)
	}
}

// Every role × every sensitive field, against the demo data: hr and admin
// read every employee's personal fields, a manager those of the people
// below them (at any depth) and no one else's, viewers and analytics none;
// bill rates are for managers and admins, and the amounts summed from
// them for the analytics role too. A denied field is null with FORBIDDEN at its path, and the rest
// of the response still comes.
func TestAuthorization_EveryRoleEverySensitiveField(t *testing.T) {
	a := newAPI(t)
	l := findReportingLine(t)
	employees := []struct {
		name   string
		id     int64
		inLine bool
	}{
		{"a direct report", l.report, true},
		{"a report's report", l.reportsReport, true},
		{"the manager's own manager", l.boss, false},
		{"the manager themself", l.manager, false},
	}
	var fields string
	for f := range employeeSensitive {
		fields += " " + f
	}
	employeeQuery := `query($id: ID!) { employee(id: $id) { firstName` + fields + ` } }`
	// Projects whose sums add up enough people that the analytics role
	// gets them (the withheld ones: TestAnalyticsRole_CannotDivideABillRateOutOfProjectBudgetBurn).
	const rateQuery = `query($projects: [ID!]!) { assignments(first: 5) { nodes { role billRate } }
		nodes(ids: $projects) { ... on Project { code hours { logged billableAmount budgetUsed } } } }`
	var projects []any
	for code, n := range contributors(t, a, "billable_amount") {
		if n >= policy.MinContributors && len(projects) < 5 {
			var key int64
			if err := a.db.SQL().QueryRowContext(context.Background(), `SELECT id FROM projects WHERE code = $1`, code).Scan(&key); err != nil {
				t.Fatal(err)
			}
			projects = append(projects, store.GlobalID("Project", key))
		}
	}

	for _, c := range callers(l) {
		t.Run(c.name, func(t *testing.T) {
			as := a.in(t).as(httpapitest.Token(t, c.employeeID, c.roles...))
			if c.analyticsOnly(t, as) {
				return
			}
			id := c.identity()
			for _, e := range employees {
				r := as.query(employeeQuery, map[string]any{"id": store.GlobalID("Employee", e.id)})
				if v, _ := outcome(r, "employee", "firstName"); string(v) == "null" {
					t.Fatalf("%s: the employee's name did not come: %s %+v", e.name, r.Data, r.Errors)
				}
				for f := range employeeSensitive {
					allowed := id.HasAny(auth.HR, auth.Admin) || (id.Has(auth.Manager) && c.employeeID == l.manager && e.inLine)
					checkField(t, r, allowed, f == "salary", "employee", f)
				}
			}
			// In a list every row is decided on its own: the manager's
			// report among people who are not.
			page := []any{store.GlobalID("Employee", l.boss), store.GlobalID("Employee", l.report),
				store.GlobalID("Employee", l.manager), store.GlobalID("Employee", l.reportsReport)}
			r := as.query(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Employee { id lastName salary } } }`,
				map[string]any{"ids": page})
			for i, gid := range page {
				_, key, _ := store.ParseID(gid.(string))
				checkField(t, r, id.HasAny(auth.HR, auth.Admin) || (id.Has(auth.Manager) && c.employeeID == l.manager && l.below[key]),
					true, "nodes", i, "salary")
				checkField(t, r, true, true, "nodes", i, "lastName")
			}
			below := 0
			r = as.query(`{ employees(first: 40) { nodes { id salary } } }`, nil)
			var list struct {
				Employees struct{ Nodes []struct{ ID string } }
			}
			_ = json.Unmarshal(r.Data, &list)
			for i, e := range list.Employees.Nodes {
				_, key, _ := store.ParseID(e.ID)
				if l.below[key] {
					below++
				}
				checkField(t, r, id.HasAny(auth.HR, auth.Admin) || (id.Has(auth.Manager) && c.employeeID == l.manager && l.below[key]),
					true, "employees", "nodes", i, "salary")
			}
			if len(list.Employees.Nodes) != 40 || below == 0 || below == 40 {
				t.Fatalf("the first 40 employees hold %d of %d below the manager: the page proves nothing", below, len(list.Employees.Nodes))
			}
			r = as.query(rateQuery, map[string]any{"projects": projects})
			// The analytics role reads what the rates add up to, not them.
			rates, sums := id.HasAny(auth.Manager, auth.Admin), id.HasAny(auth.Manager, auth.Admin, auth.Analytics)
			for i := range 5 {
				if v, _ := outcome(r, "assignments", "nodes", i, "role"); string(v) == "null" {
					t.Fatalf("assignment %d's role did not come: %s", i, r.Data)
				}
				checkField(t, r, rates, false, "assignments", "nodes", i, "billRate")
				checkField(t, r, sums, true, "nodes", i, "hours", "billableAmount")
				checkField(t, r, sums, false, "nodes", i, "hours", "budgetUsed")
				checkField(t, r, true, true, "nodes", i, "hours", "logged")
			}
		})
	}
}

// Filters, orderings and aggregates over a sensitive column reveal it
// across rows, so only a caller who may read it for every row may use
// them: policy.StoreRules.CanReadColumn is that rule, for the store's filters to ask.
// The aggregates (ProjectHours.billableAmount, budgetUsed) are checked
// field by field above.
func TestAuthorization_FiltersAndOrderingsOnSensitiveColumns(t *testing.T) {
	a := newAPI(t)
	l := findReportingLine(t)
	for _, c := range callers(l) {
		t.Run(c.name, func(t *testing.T) {
			ctx := auth.With(context.Background(), c.identity())
			id := c.identity()
			if c.analyticsOnly(t, a.in(t).as(httpapitest.Token(t, c.employeeID, c.roles...))) {
				return
			}
			for f, col := range employeeSensitive {
				if got, want := (policy.StoreRules{}).CanReadColumn(ctx, "employees", col), id.HasAny(auth.HR, auth.Admin); got != want {
					t.Errorf("CanReadColumn(employees.%s) = %v, want %v (field %s)", col, got, want, f)
				}
			}
			if got, want := (policy.StoreRules{}).CanReadColumn(ctx, "assignments", "bill_rate"), id.HasAny(auth.Manager, auth.Admin); got != want {
				t.Errorf("CanReadColumn(assignments.bill_rate) = %v, want %v", got, want)
			}
			if !(policy.StoreRules{}).CanReadColumn(ctx, "employees", "last_name") {
				t.Error("CanReadColumn(employees.last_name) = false: it is not sensitive")
			}
			// Filters and orderings on sensitive columns (salary ranges and
			// order, bill rates), root and nested: refused as FORBIDDEN
			// exactly where CanReadColumn is false, and where allowed they
			// return the rows plain SQL finds, in its order.
			as := a.in(t).as(httpapitest.Token(t, c.employeeID, c.roles...))
			for _, fc := range []struct {
				q, table, col, list string
				sql                 string
				order               string // the list's rows in this order, as plain SQL reads them
			}{
				{`{ employees(first: 100, filter: {salary: {gte: "90000"}}) { nodes { id } } }`, "employees", "salary", "employees",
					`SELECT count(*) FROM (SELECT 1 FROM employees WHERE salary >= 90000 ORDER BY id LIMIT 100) e`, ""},
				{`{ assignments(first: 100, filter: {billRate: {lt: "120"}}) { nodes { id } } }`, "assignments", "bill_rate", "assignments",
					`SELECT count(*) FROM (SELECT 1 FROM assignments WHERE bill_rate < 120 ORDER BY id LIMIT 100) a`, ""},
				{`{ departments(first: 100) { nodes { employees(first: 100, filter: {not: {salary: {lt: "50000"}}}) { nodes { id } } } } }`,
					"employees", "salary", "", "", ""},
				{`{ employees(first: 100, orderBy: [{field: SALARY, direction: DESC}]) { nodes { id } } }`, "employees", "salary", "employees",
					`SELECT count(*) FROM (SELECT 1 FROM employees LIMIT 100) e`, "salary DESC, id DESC"},
				{`{ assignments(first: 100, orderBy: [{field: BILL_RATE, direction: ASC}]) { nodes { id } } }`, "assignments", "bill_rate", "assignments",
					`SELECT count(*) FROM (SELECT 1 FROM assignments LIMIT 100) a`, "bill_rate ASC, id ASC"},
				{`{ departments(first: 100) { nodes { employees(first: 100, orderBy: [{field: SALARY, direction: ASC}]) { nodes { id } } } } }`,
					"employees", "salary", "", "", ""},
				{`{ projects(first: 20) { nodes { team(first: 100, orderBy: [{field: BILL_RATE, direction: DESC}]) { nodes { id } } } } }`,
					"assignments", "bill_rate", "", "", ""},
			} {
				r := as.query(fc.q, nil)
				allowed := (policy.StoreRules{}).CanReadColumn(ctx, fc.table, fc.col)
				if !allowed {
					if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
						t.Errorf("%s: %+v, want FORBIDDEN", fc.q, r.Errors)
					}
					continue
				}
				if len(r.Errors) > 0 {
					t.Errorf("%s: %+v, want rows", fc.q, r.Errors)
					continue
				}
				if fc.sql == "" {
					continue
				}
				var got map[string]struct{ Nodes []struct{ ID string } }
				if err := json.Unmarshal(r.Data, &got); err != nil {
					t.Fatal(err)
				}
				var want int
				if err := sqlConn(t).QueryRow(context.Background(), fc.sql).Scan(&want); err != nil {
					t.Fatal(err)
				}
				if len(got[fc.list].Nodes) != want || want == 0 {
					t.Errorf("%s: %d rows, SQL finds %d", fc.q, len(got[fc.list].Nodes), want)
				}
				if fc.order != "" {
					typ := map[string]string{"employees": "Employee", "assignments": "Assignment"}[fc.table]
					wantIDs := sqlIDs(t, typ, "SELECT id FROM "+fc.table+" ORDER BY "+fc.order+" LIMIT 100")
					gotIDs := make([]string, len(got[fc.list].Nodes))
					for i, n := range got[fc.list].Nodes {
						gotIDs[i] = n.ID
					}
					if !slices.Equal(gotIDs, wantIDs) {
						t.Errorf("%s: rows in another order than SQL's %s\n got %v\nwant %v", fc.q, fc.order, head(gotIDs), head(wantIDs))
					}
				}
			}
		})
	}
}

// A manager's reporting line is decided for a whole page of employees in
// one statement, so a page of 40 costs what a page of 1 costs.
func TestStatements_ReportingLineIsOneStatementPerPage(t *testing.T) {
	a := newAPI(t)
	l := findReportingLine(t)
	manager := a.as(httpapitest.Token(t, l.manager, auth.Manager))
	hr := a.as(httpapitest.Token(t, 0, auth.HR))
	count := func(as *api, n int) int64 {
		before := a.db.Statements()
		r := as.query(`query($n: Int!) { employees(first: $n) { nodes { salary phone directReports(first: 5) { nodes { salary } } } } }`,
			map[string]any{"n": n})
		if len(r.Data) == 0 || string(r.Data) == "null" {
			t.Fatalf("no data: %+v", r.Errors)
		}
		return a.db.Statements() - before
	}
	m1, m40, h1, h40 := count(manager, 1), count(manager, 40), count(hr, 1), count(hr, 40)
	t.Logf("manager: %d statements for 1 employee, %d for 40; hr: %d and %d", m1, m40, h1, h40)
	// Two levels of employees; the manager adds one reporting-line
	// statement per level.
	if h1 != 2 || h40 != 2 || m1 != 4 || m40 != 4 {
		t.Errorf("statements: manager %d (1 employee) and %d (40), hr %d and %d; want 4, 4, 2, 2", m1, m40, h1, h40)
	}
}

// Every allowed read of a sensitive field is in the audit log once the
// server has shut down gracefully (audit.Log.Close, as serve calls it),
// with who, which roles, which operation, which employee and which field;
// denied reads are not; and admins, only admins, read the log through
// auditEvents.
func TestAudit_SensitiveReadsAreRecordedAndReadableByAdmins(t *testing.T) {
	l := findReportingLine(t)
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := httpapitest.NewServer(t, service.Config{Policy: policy.New(log)})
	a := &api{t: t, srv: srv}
	subject := fmt.Sprintf("audit-%d", time.Now().UnixNano())
	mint := func(roles []auth.Role, employee int64) string {
		tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: subject, Roles: roles, EmployeeID: employee, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ids := []any{store.GlobalID("Employee", l.report), store.GlobalID("Employee", l.boss)}
	const q = `query Payroll($ids: [ID!]!) { nodes(ids: $ids) { ... on Employee { firstName salary phone } } }`
	// hr reads both employees' salary and phone: 4 reads. The manager
	// reads both too but may see only their report's: 2 reads, 2 denied.
	if r := a.as(mint([]auth.Role{auth.HR, auth.Viewer}, 0)).query(q, map[string]any{"ids": ids}); len(r.Errors) > 0 {
		t.Fatalf("hr: %+v", r.Errors)
	}
	if r := a.as(mint([]auth.Role{auth.Manager}, l.manager)).query(q, map[string]any{"ids": ids}); len(r.Errors) != 2 {
		t.Fatalf("manager: %d errors, want 2 (the boss's salary and phone): %+v", len(r.Errors), r.Errors)
	}
	srv.Close() // graceful: the requests above have been answered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := log.Close(ctx); err != nil {
		t.Fatal(err)
	}

	admin := newAPI(t).as(httpapitest.Token(t, 0, auth.Admin))
	var got struct {
		AuditEvents struct {
			Nodes []struct {
				Subject, Operation, Field, Employee, Record string
				Roles                                       []string
			}
		}
	}
	admin.data(`{ auditEvents(last: 100) { nodes { subject roles operation field employee record occurredAt requestId } } }`, nil, &got)
	var mine []string
	for _, e := range got.AuditEvents.Nodes {
		if e.Subject != subject {
			continue
		}
		if e.Operation != "Payroll" || e.Employee != e.Record {
			t.Errorf("event %+v: want operation Payroll and the employee as the record", e)
		}
		mine = append(mine, fmt.Sprintf("%v %s %s", e.Roles, e.Field, e.Employee))
	}
	slices.Sort(mine)
	report, boss := store.GlobalID("Employee", l.report), store.GlobalID("Employee", l.boss)
	want := []string{
		"[hr viewer] Employee.phone " + boss, "[hr viewer] Employee.phone " + report,
		"[hr viewer] Employee.salary " + boss, "[hr viewer] Employee.salary " + report,
		"[manager] Employee.phone " + report, "[manager] Employee.salary " + report,
	}
	slices.Sort(want)
	if !slices.Equal(mine, want) {
		t.Errorf("audit events:\n%q\nwant\n%q", mine, want)
	}

	for _, role := range []auth.Role{auth.Viewer, auth.Manager, auth.HR} {
		r := newAPI(t).as(httpapitest.Token(t, 0, role)).query(`{ auditEvents(first: 1) { nodes { field } } customers(first: 1) { nodes { name } } }`, nil)
		checkField(t, r, false, false, "auditEvents")
		checkField(t, r, true, true, "customers", "nodes", 0, "name")
	}
}

// BenchmarkSensitiveFields is a page of 100 employees with four plain
// fields, and with four sensitive ones instead: what the policy costs
// where it applies (fields without a directive pay nothing). A manager's
// page adds the reporting-line statement; errors for the rows outside it
// are part of the answer.
func BenchmarkSensitiveFields(b *testing.B) {
	a := newAPI(b)
	c, err := pgx.Connect(context.Background(), httpapitest.URL())
	if err != nil {
		b.Fatal(err)
	}
	var manager int64 // the head of the firm: every row after theirs is in their line
	err = c.QueryRow(context.Background(), `SELECT id FROM employees WHERE manager_id IS NULL ORDER BY id LIMIT 1`).Scan(&manager)
	c.Close(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, fields, token string }{
		{"plain fields as admin", "firstName lastName email title", ""},
		{"sensitive fields as admin", "salary phone birthDate homeAddress", ""},
		{"sensitive fields as hr", "salary phone birthDate homeAddress", httpapitest.Token(b, 0, auth.HR)},
		{"sensitive fields as manager", "salary phone birthDate homeAddress", httpapitest.Token(b, manager, auth.Manager)},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchQuery(b, a.as(c.token), map[string]any{
				"query":     `query($after: String) { employees(first: 100, after: $after) { nodes { ` + c.fields + ` } } }`,
				"variables": map[string]any{"after": page.Encode(page.ByID, []page.Value{page.IntValue(manager)})}})
		})
	}
}

// The analytics figures valued at bill rates (budget burn, revenue) answer
// only roles that may see bill rates; the hours beside them answer
// everyone. (The analytics role itself runs them as registered operations:
// internal/httpapi's TestAuth_AnalyticsRoleIsTrustedOnly.)
func TestAuthorization_AnalyticsValuedAtBillRates(t *testing.T) {
	a := newAPI(t)
	const q = `{ analytics {
		hoursByDepartment(from: "2026-01-01", to: "2026-06-30") { month hours }
		budgetBurn(first: 3) { code burn }
		revenueBySegment(from: "2026-01-01", to: "2026-06-30") { month revenue } } }`
	for _, c := range []struct {
		role  auth.Role
		rates bool
	}{{auth.Viewer, false}, {auth.HR, false}, {auth.Manager, true}, {auth.Admin, true}} {
		r := a.in(t).as(httpapitest.Token(t, 0, c.role)).query(q, nil)
		for _, f := range []string{"budgetBurn", "revenueBySegment"} {
			checkField(t, r, c.rates, true, "analytics", f)
		}
		if v, _ := outcome(r, "analytics", "hoursByDepartment"); len(v) < 3 || string(v) == "null" {
			t.Errorf("%s: hoursByDepartment %s, want rows", c.role, v)
		}
	}
}
