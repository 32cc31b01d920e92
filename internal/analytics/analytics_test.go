package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// The package's database is migrated and seeded at the demo scale (0.01,
// seed 1). The expected figures are computed by the tests' own SQL straight
// from time_entries, employees and assignments, in other shapes than the
// package's statements: a path array instead of a recursive walk for the
// subtree, a row per weekday for capacity, a per-entry rate lookup instead
// of the rollup.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// reportCase is one call of a report and the SQL that must give its rows.
type reportCase struct {
	name    string
	args    string // GraphQL arguments
	wantSQL string // expected rows; columns named as the GraphQL fields
	params  []any
	empty   bool // the case is meant to have no rows
}

// subtreeSQL is the departments under $1 (all when NULL) as the tests see
// them: every department's path of ids from the root, kept when the path
// contains $1.
const subtreeSQL = `WITH RECURSIVE paths(id, path) AS (
    SELECT id, ARRAY[id] FROM departments WHERE parent_id IS NULL
    UNION ALL
    SELECT d.id, p.path || d.id FROM departments d JOIN paths p ON d.parent_id = p.id),
tree AS (SELECT id FROM paths WHERE $1::bigint IS NULL OR $1::bigint = ANY(path))`

// globalIDSQL is a department's global id, as store.GlobalID makes it.
const globalIDSQL = `rtrim(translate(encode(convert_to('Department:' || d.id, 'UTF8'), 'base64'), '+/', '-_'), '=')`

// rateSQL is the bill rate of time entry t: its covering assignment's, the
// latest-starting one if several cover it.
const rateSQL = `LEFT JOIN LATERAL (
    SELECT a.bill_rate FROM assignments a
    WHERE a.project_id = t.project_id AND a.employee_id = t.employee_id
      AND t.work_date BETWEEN a.starts_on AND coalesce(a.ends_on, t.work_date)
    ORDER BY a.starts_on DESC LIMIT 1) r ON true`

// The reports' expected rows in plain SQL over the base tables, and the
// fields of the answer they give (named as the GraphQL fields).

// wantHoursByDepartment is hoursByDepartment's rows: $1 department (NULL:
// all), $2 from, $3 to, $4 segment (NULL: all). Capacity from a row per
// weekday, hours from the entries.
var wantHoursByDepartment = subtreeSQL + `,
days AS (SELECT d::date AS day FROM generate_series($2::date, $3::date, '1 day') d WHERE extract(isodow FROM d) < 6),
cap AS (
    SELECT e.department_id, date_trunc('month', days.day)::date AS month, sum(e.weekly_capacity_hours / 5) AS capacity
    FROM employees e JOIN days ON days.day >= e.hired_on AND (e.terminated_on IS NULL OR days.day <= e.terminated_on)
    WHERE e.department_id IN (SELECT id FROM tree)
    GROUP BY 1, 2),
logged AS (
    SELECT e.department_id, date_trunc('month', t.work_date)::date AS month,
           sum(t.hours) AS hours, coalesce(sum(CASE WHEN t.billable THEN t.hours END), 0) AS billable
    FROM time_entries t
    JOIN employees e ON e.id = t.employee_id
    JOIN projects p ON p.id = t.project_id
    JOIN customers c ON c.id = p.customer_id
    WHERE t.work_date BETWEEN $2 AND $3 AND e.department_id IN (SELECT id FROM tree)
      AND ($4::text IS NULL OR c.segment::text = $4)
    GROUP BY 1, 2)
SELECT ` + globalIDSQL + ` AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName",
       coalesce(l.month, c.month) AS month,
       coalesce(l.hours, 0) AS hours, coalesce(l.billable, 0) AS "billableHours",
       round(coalesce(c.capacity, 0), 2) AS "capacityHours",
       CASE WHEN c.capacity > 0 THEN round(coalesce(l.billable, 0) / c.capacity, 4) END AS utilization
FROM logged l FULL JOIN cap c ON c.department_id = l.department_id AND c.month = l.month
JOIN departments d ON d.id = coalesce(l.department_id, c.department_id)
ORDER BY 4, d.code`

const hoursByDepartmentFields = `departmentId departmentCode departmentName month hours billableHours capacityHours utilization`

// wantBudgetBurn is budgetBurn's rows: $1 department, $2 from, $3 to (NULL:
// open), $4 segment, $5 billable, $6 status (NULL: all), $7 first. Each hour
// valued at its own assignment's rate; only the entries of the projects
// kept are valued.
var wantBudgetBurn = subtreeSQL + `,
burn AS (
    SELECT t.project_id, sum(t.hours) AS hours,
           coalesce(sum(t.hours) FILTER (WHERE r.bill_rate IS NULL), 0) AS unrated,
           coalesce(sum(t.hours * r.bill_rate), 0) AS amount,
           count(DISTINCT t.employee_id) FILTER (WHERE t.hours * r.bill_rate > 0) AS people
    FROM time_entries t
    JOIN employees e ON e.id = t.employee_id
    JOIN projects p ON p.id = t.project_id
    JOIN customers c ON c.id = p.customer_id
    ` + rateSQL + `
    WHERE ($2::date IS NULL OR t.work_date >= $2) AND ($3::date IS NULL OR t.work_date <= $3)
      AND ($5::boolean IS NULL OR t.billable = $5)
      AND e.department_id IN (SELECT id FROM tree)
      AND ($4::text IS NULL OR c.segment::text = $4) AND ($6::text IS NULL OR p.status::text = $6)
    GROUP BY 1)
SELECT p.code, p.name, upper(p.status::text) AS status, p.currency, p.budget, b.hours,
       b.unrated AS "unratedHours", round(b.amount, 2) AS burn,
       CASE WHEN p.budget <> 0 THEN round(b.amount / p.budget, 4) END AS "budgetUsed",
       p.budget - round(b.amount, 2) AS remaining, b.people
FROM burn b JOIN projects p ON p.id = b.project_id
ORDER BY "budgetUsed" DESC NULLS LAST, burn DESC, p.id
LIMIT $7`

const budgetBurnFields = `code name status currency budget hours unratedHours burn budgetUsed remaining`

// wantRevenueBySegment is revenueBySegment's rows: $1 department, $2 from,
// $3 to, $4 segment.
var wantRevenueBySegment = subtreeSQL + `
SELECT upper(c.segment::text) AS segment, date_trunc('month', t.work_date)::date AS month, p.currency,
       sum(t.hours) AS "billableHours",
       coalesce(sum(t.hours) FILTER (WHERE r.bill_rate IS NULL), 0) AS "unratedHours",
       round(coalesce(sum(t.hours * r.bill_rate), 0), 2) AS revenue,
       count(DISTINCT t.employee_id) FILTER (WHERE t.hours * r.bill_rate > 0) AS people
FROM time_entries t
JOIN employees e ON e.id = t.employee_id
JOIN projects p ON p.id = t.project_id
JOIN customers c ON c.id = p.customer_id
` + rateSQL + `
WHERE t.billable AND t.work_date BETWEEN $2 AND $3 AND e.department_id IN (SELECT id FROM tree)
  AND ($4::text IS NULL OR c.segment::text = $4)
GROUP BY c.segment, 2, p.currency
ORDER BY 2, c.segment, p.currency`

const revenueBySegmentFields = `segment month currency billableHours unratedHours revenue`

// wantHeadcountByDepartment is headcountByDepartment's rows: $1 department,
// $2 from, $3 to. A row per person and month.
var wantHeadcountByDepartment = subtreeSQL + `,
ends AS (SELECT (m + interval '1 month' - interval '1 day')::date AS last, m::date AS first
         FROM generate_series($2::date, $3::date, '1 month') m),
employed AS (
    SELECT e.*, ends.first AS month, ends.last
    FROM employees e, ends
    WHERE e.department_id IN (SELECT id FROM tree)
      AND e.hired_on <= ends.last AND coalesce(e.terminated_on, ends.last) >= ends.first)
SELECT ` + globalIDSQL + ` AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName", x.month,
       sum(CASE WHEN coalesce(x.terminated_on, x.last) >= x.last THEN 1 ELSE 0 END) AS headcount,
       sum(CASE WHEN date_trunc('month', x.hired_on) = x.month THEN 1 ELSE 0 END) AS hires,
       sum(CASE WHEN date_trunc('month', x.terminated_on) = x.month THEN 1 ELSE 0 END) AS leavers,
       sum(CASE WHEN coalesce(x.terminated_on, x.last) >= x.last THEN x.weekly_capacity_hours ELSE 0 END) AS "weeklyCapacityHours"
FROM employed x JOIN departments d ON d.id = x.department_id
GROUP BY d.id, x.month
ORDER BY x.month, d.code`

const headcountByDepartmentFields = `departmentId departmentCode departmentName month headcount hires leavers weeklyCapacityHours`

// wantOnboardingProgress counts each department's new hires' onboardings
// (started in the range) and their tasks one by one.
var wantOnboardingProgress = subtreeSQL + `,
o AS (
    SELECT o.*, e.department_id FROM onboardings o JOIN employees e ON e.id = o.employee_id
    WHERE e.department_id IN (SELECT id FROM tree)
      AND o.starts_on >= coalesce($2::date, '-infinity') AND o.starts_on <= coalesce($3::date, 'infinity'))
SELECT ` + globalIDSQL + ` AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName",
       (SELECT count(*) FROM o WHERE o.department_id = d.id AND o.status = 'in_progress') AS "inProgress",
       (SELECT count(*) FROM o WHERE o.department_id = d.id AND o.status = 'completed') AS completed,
       (SELECT count(*) FROM o WHERE o.department_id = d.id AND o.status = 'cancelled') AS cancelled,
       (SELECT count(*) FROM o JOIN onboarding_tasks t ON t.onboarding_id = o.id WHERE o.department_id = d.id
           AND date_trunc('day', t.completed_at AT TIME ZONE 'UTC') <= t.due_on) AS "tasksDoneOnTime",
       (SELECT count(*) FROM o JOIN onboarding_tasks t ON t.onboarding_id = o.id WHERE o.department_id = d.id
           AND date_trunc('day', t.completed_at AT TIME ZONE 'UTC') > t.due_on) AS "tasksDoneLate",
       (SELECT count(*) FROM o JOIN onboarding_tasks t ON t.onboarding_id = o.id WHERE o.department_id = d.id
           AND o.status = 'in_progress' AND t.completed_at IS NULL AND t.due_on < timezone('UTC', now())::date) AS "tasksOpenOverdue",
       (SELECT count(*) FROM o JOIN onboarding_tasks t ON t.onboarding_id = o.id WHERE o.department_id = d.id
           AND o.status = 'in_progress' AND t.completed_at IS NULL) AS "tasksOpen"
FROM departments d WHERE EXISTS (SELECT 1 FROM o WHERE o.department_id = d.id)
ORDER BY d.code`

const onboardingProgressFields = `departmentId departmentCode departmentName inProgress completed cancelled tasksDoneOnTime tasksDoneLate tasksOpenOverdue tasksOpen`

func TestHoursByDepartment_MatchesPlainSQL(t *testing.T) {
	parent, leaf := departments(t)
	checkReport(t, "hoursByDepartment", hoursByDepartmentFields, []reportCase{
		{name: "a year, every department", args: `from: "2025-07-01", to: "2026-06-30"`,
			wantSQL: wantHoursByDepartment, params: []any{nil, "2025-07-01", "2026-06-30", nil}},
		{name: "a subtree", args: fmt.Sprintf(`from: "2025-01-01", to: "2025-12-31", department: %q`, gid(parent)),
			wantSQL: wantHoursByDepartment, params: []any{parent, "2025-01-01", "2025-12-31", nil}},
		{name: "a leaf department, enterprise customers", args: fmt.Sprintf(`from: "2024-01-01", to: "2026-06-30", department: %q, segment: ENTERPRISE`, gid(leaf)),
			wantSQL: wantHoursByDepartment, params: []any{leaf, "2024-01-01", "2026-06-30", "enterprise"}},
		{name: "one month, SMB customers", args: `from: "2026-03-01", to: "2026-03-31", segment: SMB`,
			wantSQL: wantHoursByDepartment, params: []any{nil, "2026-03-01", "2026-03-31", "smb"}},
		{name: "before the firm existed", args: `from: "1990-01-01", to: "1990-12-31"`,
			wantSQL: wantHoursByDepartment, params: []any{nil, "1990-01-01", "1990-12-31", nil}, empty: true},
	})
}

func TestBudgetBurn_MatchesPlainSQL(t *testing.T) {
	parent, _ := departments(t)
	checkReport(t, "budgetBurn", budgetBurnFields, []reportCase{
		{name: "all time, the default 100", args: ``,
			wantSQL: wantBudgetBurn, params: []any{nil, nil, nil, nil, nil, nil, 100}},
		{name: "a year, billable hours of active projects", args: `from: "2025-07-01", to: "2026-06-30", billable: true, status: ACTIVE, first: 1000`,
			wantSQL: wantBudgetBurn, params: []any{nil, "2025-07-01", "2026-06-30", nil, true, "active", 1000}},
		{name: "non-billable hours of a subtree at mid-market customers", args: fmt.Sprintf(`billable: false, department: %q, segment: MID_MARKET, first: 50`, gid(parent)),
			wantSQL: wantBudgetBurn, params: []any{parent, nil, nil, "mid_market", false, nil, 50}},
		{name: "from a month on, open-ended", args: `from: "2026-01-01", first: 7`,
			wantSQL: wantBudgetBurn, params: []any{nil, "2026-01-01", nil, nil, nil, nil, 7}},
		{name: "no hours in range", args: `from: "1990-01-01", to: "1990-01-31"`,
			wantSQL: wantBudgetBurn, params: []any{nil, "1990-01-01", "1990-01-31", nil, nil, nil, 100}, empty: true},
	})
}

func TestRevenueBySegment_MatchesPlainSQL(t *testing.T) {
	parent, leaf := departments(t)
	checkReport(t, "revenueBySegment", revenueBySegmentFields, []reportCase{
		{name: "a year, every segment", args: `from: "2025-07-01", to: "2026-06-30"`,
			wantSQL: wantRevenueBySegment, params: []any{nil, "2025-07-01", "2026-06-30", nil}},
		{name: "a subtree's enterprise revenue", args: fmt.Sprintf(`from: "2024-01-01", to: "2025-12-31", department: %q, segment: ENTERPRISE`, gid(parent)),
			wantSQL: wantRevenueBySegment, params: []any{parent, "2024-01-01", "2025-12-31", "enterprise"}},
		{name: "a leaf department", args: fmt.Sprintf(`from: "2026-01-01", to: "2026-06-30", department: %q`, gid(leaf)),
			wantSQL: wantRevenueBySegment, params: []any{leaf, "2026-01-01", "2026-06-30", nil}},
		{name: "after the last entry", args: `from: "2030-01-01", to: "2030-12-31"`,
			wantSQL: wantRevenueBySegment, params: []any{nil, "2030-01-01", "2030-12-31", nil}, empty: true},
	})
}

func TestHeadcountByDepartment_MatchesPlainSQL(t *testing.T) {
	parent, leaf := departments(t)
	checkReport(t, "headcountByDepartment", headcountByDepartmentFields, []reportCase{
		{name: "two years, every department", args: `from: "2024-07-01", to: "2026-06-30"`,
			wantSQL: wantHeadcountByDepartment, params: []any{nil, "2024-07-01", "2026-06-30"}},
		{name: "a subtree over ten years", args: fmt.Sprintf(`from: "2016-07-01", to: "2026-06-30", department: %q`, gid(parent)),
			wantSQL: wantHeadcountByDepartment, params: []any{parent, "2016-07-01", "2026-06-30"}},
		{name: "a leaf department, one month", args: fmt.Sprintf(`from: "2026-02-01", to: "2026-02-28", department: %q`, gid(leaf)),
			wantSQL: wantHeadcountByDepartment, params: []any{leaf, "2026-02-01", "2026-02-28"}},
		{name: "before anyone was hired", args: `from: "1990-01-01", to: "1990-12-31"`,
			wantSQL: wantHeadcountByDepartment, params: []any{nil, "1990-01-01", "1990-12-31"}, empty: true},
	})
}

func TestReports_RefuseBadInput(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	project := store.GlobalID("Project", 1)
	missing := store.GlobalID("Department", 987654)
	for _, c := range []struct {
		name, query, argument string
	}{
		{"from after to", `hoursByDepartment(from: "2026-02-01", to: "2026-01-31") { month }`, "to"},
		{"from not the first of a month", `revenueBySegment(from: "2026-01-02", to: "2026-01-31") { month }`, "from"},
		{"to not the last of a month", `headcountByDepartment(from: "2026-01-01", to: "2026-01-30") { month }`, "to"},
		{"to not the last of February", `hoursByDepartment(from: "2024-02-01", to: "2024-02-28") { month }`, "to"},
		{"more than 120 months", `headcountByDepartment(from: "2000-01-01", to: "2010-01-31") { month }`, "to"},
		{"an unknown department", fmt.Sprintf(`hoursByDepartment(from: "2026-01-01", to: "2026-01-31", department: %q) { month }`, missing), "department"},
		{"a project's id as department", fmt.Sprintf(`revenueBySegment(from: "2026-01-01", to: "2026-01-31", department: %q) { month }`, project), "department"},
		{"a malformed department id", `headcountByDepartment(from: "2026-01-01", to: "2026-01-31", department: "not an id") { month }`, "department"},
		{"burn's from after to", `budgetBurn(from: "2026-03-01", to: "2026-02-28") { code }`, "to"},
		{"no projects asked for", `budgetBurn(first: 0) { code }`, "first"},
		{"too many projects asked for", `budgetBurn(first: 1001) { code }`, "first"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, srv.URL, `{ analytics { `+c.query+` } }`)
			if r.Status != 200 || r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["argument"] != c.argument {
				t.Fatalf("got status %d, errors %+v; want 200, BAD_USER_INPUT on %q", r.Status, r.Errors, c.argument)
			}
			// The figures valued at bill rates are nullable fields (a
			// caller without the role gets null for them alone): their
			// error nulls just the field.
			if string(r.Data) != "null" && strings.Contains(string(r.Data), "[") {
				t.Errorf("data = %s, want no rows", r.Data)
			}
		})
	}
	t.Run("a date that is no date", func(t *testing.T) {
		r := post(t, srv.URL, `{ analytics { hoursByDepartment(from: "2026-13-01", to: "2026-12-31") { month } } }`)
		if r.Code() != "BAD_USER_INPUT" {
			t.Fatalf("got %+v, want BAD_USER_INPUT", r.Errors)
		}
	})
	t.Run("a required range left out", func(t *testing.T) {
		r := post(t, srv.URL, `{ analytics { revenueBySegment(from: "2026-01-01") { month } } }`)
		if r.Code() != "GRAPHQL_VALIDATION_FAILED" {
			t.Fatalf("got %+v, want GRAPHQL_VALIDATION_FAILED", r.Errors)
		}
	})
}

// checkReport runs each case through the API and compares its rows, in
// order, with the case's SQL. Numbers compare as exact decimals (the API's
// "12.50" equals SQL's 12.5).
func checkReport(t *testing.T, field, fields string, cases []reportCase) {
	t.Helper()
	srv, _ := httpapitest.NewServer(t, service.Config{})
	conn := connect(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := ""
			if c.args != "" {
				args = "(" + c.args + ")"
			}
			r := post(t, srv.URL, fmt.Sprintf(`{ analytics { %s%s { %s } } }`, field, args, fields))
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			var data struct {
				Analytics map[string][]map[string]any `json:"analytics"`
			}
			decode(t, r.Data, &data)
			got := data.Analytics[field]
			want := queryRows(t, conn, c.wantSQL, c.params...)
			if c.empty != (len(want) == 0) {
				t.Fatalf("the case's SQL gives %d rows; the case means to test %s", len(want),
					map[bool]string{true: "no rows", false: "some rows"}[c.empty])
			}
			if diff := rowsDiff(got, want, fields); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

// rowsDiff tells how the rows got differ from want, in order, on fields
// (names of the rows' keys, space-separated): a different count of rows,
// or the first row with a field that differs; "" when they agree.
func rowsDiff(got, want []map[string]any, fields string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, want %d\nfirst got:  %v\nfirst want: %v", len(got), len(want), first(got), first(want))
	}
	for i := range want {
		for _, f := range strings.Fields(fields) {
			if canonical(got[i][f]) != canonical(want[i][f]) {
				return fmt.Sprintf("row %d, %s = %v, want %v\ngot:  %v\nwant: %v", i, f, got[i][f], want[i][f], got[i], want[i])
			}
		}
	}
	return ""
}

// queryRows runs sql and returns its rows as JSON objects, numbers kept as
// their text.
func queryRows(t *testing.T, conn querier, sql string, params ...any) []map[string]any {
	t.Helper()
	var raw []byte
	err := conn.QueryRow(context.Background(),
		`SELECT coalesce(jsonb_agg(to_jsonb(q) ORDER BY n), '[]') FROM (SELECT *, row_number() OVER () AS n FROM (`+sql+`) s) q`,
		params...).Scan(&raw)
	if err != nil {
		t.Fatalf("expected rows: %v", err)
	}
	var rows []map[string]any
	decode(t, raw, &rows)
	return rows
}

// canonical is a field's value for comparison: exact decimals in lowest
// terms, everything else as printed.
func canonical(v any) string {
	s := fmt.Sprint(v)
	if v == nil {
		return "null"
	}
	if r, ok := new(big.Rat).SetString(s); ok {
		return r.RatString()
	}
	return s
}

func first(rows []map[string]any) any {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

func decode(t *testing.T, raw []byte, out any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		t.Fatalf("decode %.300s: %v", raw, err)
	}
}

func post(t *testing.T, url, query string) httpapitest.Reply {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	return httpapitest.Do(t, "POST", url+"/graphql", map[string]string{"Content-Type": "application/json"}, string(body))
}

func connect(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// departments picks a department with departments below it (not the root,
// so the subtree is a true part) and a leaf, both with people.
func departments(t *testing.T) (parent, leaf int64) {
	t.Helper()
	conn := connect(t)
	err := conn.QueryRow(context.Background(), `
		SELECT (SELECT min(d.id) FROM departments d WHERE d.parent_id IS NOT NULL
		          AND EXISTS (SELECT FROM departments c WHERE c.parent_id = d.id)),
		       (SELECT min(d.id) FROM departments d WHERE NOT EXISTS (SELECT FROM departments c WHERE c.parent_id = d.id)
		          AND EXISTS (SELECT FROM employees e WHERE e.department_id = d.id))`).Scan(&parent, &leaf)
	if err != nil {
		t.Fatalf("pick departments: %v", err)
	}
	return parent, leaf
}

func gid(department int64) string { return store.GlobalID("Department", department) }

// TestRollup_FollowsChanges edits time entries, assignments and the
// dimensions (department, segment, currency) the ways an application
// would, and after each statement compares both rollups with the sums
// recomputed from scratch. It writes to a database of its own
// (testdb.Fresh), so neither its rows nor the locks its UPDATEs and
// TRUNCATE take reach the tests reading the seeded data beside it.
func TestRollup_FollowsChanges(t *testing.T) {
	ctx := context.Background()
	tx := freshTx(t)
	// A staffed pair with hours and a rate, and an employee never staffed
	// on that project (whose hours are unrated).
	var project, employee, stranger int64
	if err := tx.QueryRow(ctx, `
		SELECT a.project_id, a.employee_id,
		       (SELECT min(e.id) FROM employees e WHERE NOT EXISTS (
		           SELECT FROM assignments x WHERE x.project_id = a.project_id AND x.employee_id = e.id))
		FROM assignments a
		WHERE a.bill_rate IS NOT NULL AND EXISTS (
		    SELECT FROM time_entries t WHERE t.project_id = a.project_id AND t.employee_id = a.employee_id)
		ORDER BY a.id LIMIT 1`).Scan(&project, &employee, &stranger); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ name, sql string }{
		{"insert entries, rated and unrated, in one statement", `
			INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable)
			SELECT employee_id, project_id, work_date + 1, 1.25, NOT billable FROM time_entries
			WHERE project_id = $1 AND employee_id = $2
			UNION ALL SELECT $3, $1, DATE '2026-03-02', 7.5, true`},
		{"change hours and the billable flag", `
			UPDATE time_entries SET hours = hours / 2, billable = NOT billable
			WHERE project_id = $1 AND employee_id = $2 AND id % 3 = 0`},
		{"move entries to another month and project", `
			UPDATE time_entries SET work_date = work_date - 40,
			       project_id = (SELECT min(id) FROM projects WHERE id <> $1)
			WHERE project_id = $1 AND employee_id = $2 AND id % 3 = 1`},
		{"delete a whole month of a pair", `
			DELETE FROM time_entries WHERE (employee_id, project_id, date_trunc('month', work_date)) = (
			    SELECT employee_id, project_id, date_trunc('month', work_date) FROM time_entries
			    WHERE project_id = $1 AND employee_id = $2 ORDER BY id LIMIT 1)`},
		{"raise a bill rate", `UPDATE assignments SET bill_rate = bill_rate + 10 WHERE project_id = $1 AND employee_id = $2`},
		{"stage a later assignment over the same days at another rate", `
			INSERT INTO assignments (project_id, employee_id, role, allocation_percent, starts_on, ends_on, bill_rate)
			SELECT project_id, employee_id, role, allocation_percent, starts_on + 20, ends_on, bill_rate * 2
			FROM assignments WHERE project_id = $1 AND employee_id = $2 ORDER BY starts_on LIMIT 1`},
		{"staff the stranger, so their hours get a rate", `
			INSERT INTO assignments (project_id, employee_id, role, allocation_percent, starts_on, bill_rate)
			VALUES ($1, $3, 'Reviewer', 10, DATE '2026-01-01', 99.5)`},
		{"end an assignment early", `
			UPDATE assignments SET ends_on = starts_on + 30 WHERE project_id = $1 AND employee_id = $2 AND starts_on = (
			    SELECT min(starts_on) FROM assignments WHERE project_id = $1 AND employee_id = $2)`},
		{"drop an assignment", `DELETE FROM assignments WHERE project_id = $1 AND employee_id = $3`},
		{"move the employee to another department", `
			UPDATE employees SET department_id = (SELECT max(id) FROM departments WHERE id <> employees.department_id)
			WHERE id = $2`},
		{"re-segment the project's customer", `
			UPDATE customers SET segment = CASE segment WHEN 'smb' THEN 'enterprise' ELSE 'smb' END::customer_segment
			WHERE id = (SELECT customer_id FROM projects WHERE id = $1)`},
		{"move the project to another customer and currency", `
			UPDATE projects SET currency = 'JPY', customer_id = (SELECT max(id) FROM customers WHERE id <> projects.customer_id)
			WHERE id = $1`},
		{"rename everyone: updates that move nothing", `UPDATE employees SET title = coalesce(title, '') || ' '`},
	} {
		// The keys are the database's own integers, spelt into the text
		// because not every step uses all three.
		sql := strings.NewReplacer("$1", fmt.Sprint(project), "$2", fmt.Sprint(employee), "$3", fmt.Sprint(stranger)).Replace(step.sql)
		if _, err := tx.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if diff := rollupDiff(t, tx); diff != "" {
			t.Fatalf("after %s, the rollup differs from the entries: %s", step.name, diff)
		}
	}
	if _, err := tx.Exec(ctx, `TRUNCATE time_entries`); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM time_entry_months) + (SELECT count(*) FROM time_entry_totals)`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("after TRUNCATE time_entries the rollups have %d rows (%v), want 0", left, err)
	}
}

// freshTx is a transaction on a database of the test's own
// (testdb.Fresh), rolled back when the test ends.
func freshTx(t *testing.T) pgx.Tx {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testdb.Fresh(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(ctx) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(ctx) })
	return tx
}

// querier is a session or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// rollupDiff is the first row of a rollup that the entries (or people) do not
// give, or the first sum of theirs a rollup lacks; "" when they agree.
func rollupDiff(t *testing.T, tx querier) string {
	t.Helper()
	var diff string
	err := tx.QueryRow(context.Background(), `
		WITH fine AS (
		    SELECT date_trunc('month', t.work_date)::date AS month, t.employee_id, t.project_id, count(*) AS entries,
		           sum(t.hours) AS hours, sum(CASE WHEN t.billable THEN t.hours ELSE 0 END) AS billable_hours,
		           sum(coalesce(t.hours * r.bill_rate, 0)) AS amount,
		           sum(CASE WHEN t.billable THEN coalesce(t.hours * r.bill_rate, 0) ELSE 0 END) AS billable_amount,
		           sum(CASE WHEN r.bill_rate IS NULL THEN t.hours ELSE 0 END) AS unrated_hours,
		           sum(CASE WHEN r.bill_rate IS NULL AND t.billable THEN t.hours ELSE 0 END) AS billable_unrated_hours
		    FROM time_entries t `+rateSQL+`
		    GROUP BY 1, 2, 3),
		have AS (
		    SELECT month, employee_id, project_id, entries, hours, billable_hours, amount, billable_amount,
		           unrated_hours, billable_unrated_hours FROM time_entry_months),
		want_totals AS (
		    SELECT f.month, e.department_id, c.segment, p.currency, sum(f.entries) AS entries, sum(f.hours) AS hours,
		           sum(f.billable_hours) AS billable_hours, sum(f.billable_amount) AS billable_amount,
		           sum(f.billable_unrated_hours) AS billable_unrated_hours,
		           count(DISTINCT f.employee_id) FILTER (WHERE f.billable_amount > 0) AS people
		    FROM fine f, employees e, projects p, customers c
		    WHERE e.id = f.employee_id AND p.id = f.project_id AND c.id = p.customer_id
		    GROUP BY 1, 2, 3, 4),
		have_totals AS (
		    SELECT month, department_id, segment, currency, entries, hours, billable_hours, billable_amount,
		           billable_unrated_hours, people FROM time_entry_totals),
		-- time_entry_totals' two rollups (a group whose rows went keeps a
		-- row of zeros).
		want_department_months AS (
		    SELECT month, department_id, sum(entries) AS entries, sum(hours) AS hours, sum(billable_hours) AS billable_hours
		    FROM want_totals GROUP BY 1, 2),
		have_department_months AS (
		    SELECT month, department_id, entries, hours, billable_hours FROM time_entry_department_months
		    WHERE (entries, hours, billable_hours) <> (0, 0, 0)),
		want_segment_months AS (
		    SELECT month, segment, currency, sum(entries) AS entries, sum(billable_hours) AS billable_hours,
		           sum(billable_unrated_hours) AS billable_unrated_hours, sum(billable_amount) AS billable_amount,
		           sum(people) AS people
		    FROM want_totals GROUP BY 1, 2, 3),
		have_segment_months AS (
		    SELECT month, segment, currency, entries, billable_hours, billable_unrated_hours, billable_amount, people
		    FROM time_entry_segment_months
		    WHERE (entries, billable_hours, billable_unrated_hours, billable_amount, people) <> (0, 0, 0, 0, 0)),
		want_projects AS (
		    SELECT project_id, sum(entries) AS entries, sum(hours) AS hours, sum(billable_hours) AS billable_hours,
		           sum(amount) AS amount, sum(billable_amount) AS billable_amount, sum(unrated_hours) AS unrated_hours,
		           sum(billable_unrated_hours) AS billable_unrated_hours,
		           count(DISTINCT employee_id) FILTER (WHERE amount > 0) AS contributors,
		           count(DISTINCT employee_id) FILTER (WHERE billable_amount > 0) AS billable_contributors,
		           count(DISTINCT employee_id) FILTER (WHERE amount - billable_amount > 0) AS nonbillable_contributors,
		           round(sum(amount) / nullif(p.budget, 0), 4) AS budget_used
		    FROM fine f JOIN projects p ON p.id = f.project_id GROUP BY f.project_id, p.budget),
		have_projects AS (
		    SELECT project_id, entries, hours, billable_hours, amount, billable_amount, unrated_hours,
		           billable_unrated_hours, contributors, billable_contributors, nonbillable_contributors, budget_used
		    FROM time_entry_projects),
		-- department_changes as its rows rebuilt from the people give it
		-- (whether those rows are right the reports' comparisons tell);
		-- a department and month netting to zero may keep a row of zeros.
		want_changes AS (
		    SELECT c.department_id, c.month, sum(c.head) AS head, sum(c.weekly_capacity) AS weekly_capacity,
		           sum(c.hires) AS hires, sum(c.leavers) AS leavers, sum(c.full_capacity) AS full_capacity,
		           sum(c.partial_capacity) AS partial_capacity
		    FROM employees e, department_changes_of(e.department_id, e.hired_on, e.terminated_on, e.weekly_capacity_hours) c
		    GROUP BY 1, 2),
		have_changes AS (
		    SELECT department_id, month, head, weekly_capacity, hires, leavers, full_capacity, partial_capacity
		    FROM department_changes)
		SELECT coalesce(
		    (SELECT 'time_entry_months has ' || h::text FROM (SELECT * FROM have EXCEPT SELECT * FROM fine) h LIMIT 1),
		    (SELECT 'the entries give ' || w::text FROM (SELECT * FROM fine EXCEPT SELECT * FROM have) w LIMIT 1),
		    (SELECT 'time_entry_totals has ' || h::text FROM (SELECT * FROM have_totals EXCEPT SELECT * FROM want_totals) h LIMIT 1),
		    (SELECT 'the entries give ' || w::text FROM (SELECT * FROM want_totals EXCEPT SELECT * FROM have_totals) w LIMIT 1),
		    (SELECT 'time_entry_department_months has ' || h::text
		     FROM (SELECT * FROM have_department_months EXCEPT SELECT * FROM want_department_months) h LIMIT 1),
		    (SELECT 'the entries give ' || w::text
		     FROM (SELECT * FROM want_department_months EXCEPT SELECT * FROM have_department_months) w LIMIT 1),
		    (SELECT 'time_entry_segment_months has ' || h::text
		     FROM (SELECT * FROM have_segment_months EXCEPT SELECT * FROM want_segment_months) h LIMIT 1),
		    (SELECT 'the entries give ' || w::text
		     FROM (SELECT * FROM want_segment_months EXCEPT SELECT * FROM have_segment_months) w LIMIT 1),
		    (SELECT 'time_entry_projects has ' || h::text FROM (SELECT * FROM have_projects EXCEPT SELECT * FROM want_projects) h LIMIT 1),
		    (SELECT 'the entries give ' || w::text FROM (SELECT * FROM want_projects EXCEPT SELECT * FROM have_projects) w LIMIT 1),
		    (SELECT 'department_changes has ' || h::text FROM (SELECT * FROM have_changes EXCEPT SELECT * FROM want_changes) h
		     WHERE (h.head, h.weekly_capacity, h.hires, h.leavers, h.full_capacity, h.partial_capacity) <> (0, 0, 0, 0, 0, 0) LIMIT 1),
		    (SELECT 'the people give ' || w::text FROM (SELECT * FROM want_changes EXCEPT SELECT * FROM have_changes) w
		     WHERE (w.head, w.weekly_capacity, w.hires, w.leavers, w.full_capacity, w.partial_capacity) <> (0, 0, 0, 0, 0, 0) LIMIT 1),
		    '')`).Scan(&diff)
	if err != nil {
		t.Fatalf("compare the rollup: %v", err)
	}
	return diff
}
