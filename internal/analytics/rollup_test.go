package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/testdb"
	"github.com/bizgraph/bizgraph/operations"
)

// TestRollup_UpdatesThatMoveNothingWriteNoRollupRows: an UPDATE that
// changes nothing the rollups read (a bulk change of projects' statuses,
// notes on every entry, rows trading their values) leaves both rollups
// untouched, not rewritten to the values they had; one that moves hours
// does write, which shows the count can see writes. The count is this
// transaction's own row writes of the rollup tables
// (pg_stat_xact_user_tables), so other sessions cannot disturb it.
func TestRollup_UpdatesThatMoveNothingWriteNoRollupRows(t *testing.T) {
	ctx := context.Background()
	tx := freshTx(t)
	for _, step := range []struct {
		name, sql string
		moves     bool
	}{
		{"every project's description and status", `
			UPDATE projects SET description = coalesce(description, '') || ' (reviewed)', version = version + 1,
			       status = CASE status WHEN 'active' THEN 'on_hold' ELSE 'active' END::project_status`, false},
		{"every time entry's note", `UPDATE time_entries SET note = 'checked'`, false},
		{"every time entry set to the values it has", `UPDATE time_entries SET hours = hours, billable = billable, work_date = work_date`, false},
		{"two entries of a pair trade their days, hours and billable flags", swapEntriesSQL(`ORDER BY a.employee_id, a.project_id, a.id, b.id LIMIT 1`), false},
		{"everyone's title and status", `UPDATE employees SET title = 'Consultant', status = 'on_leave', version = version + 1`, false},
		{"every customer's name and status", `UPDATE customers SET name = name || ' AB', status = 'active', version = version + 1`, false},
		{"every assignment's role and allocation", `UPDATE assignments SET role = 'Staff', allocation_percent = 50`, false},
		{"every project's budget set to the value it has", `UPDATE projects SET budget = budget`, false},
		{"one project with hours changes budget", `
			UPDATE projects SET budget = coalesce(budget, 0) + 1000 WHERE id = (SELECT min(project_id) FROM time_entries)`, true},
		{"one project with hours changes currency", `
			UPDATE projects SET currency = 'JPY' WHERE id = (SELECT min(project_id) FROM time_entries)`, true},
		{"one entry's hours", `
			UPDATE time_entries SET hours = CASE WHEN hours > 1 THEN hours - 1 ELSE hours + 1 END
			WHERE id = (SELECT min(id) FROM time_entries)`, true},
	} {
		before := rollupWrites(t, tx)
		tag, err := tx.Exec(ctx, step.sql)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if tag.RowsAffected() == 0 {
			t.Fatalf("%s: updated no rows, so it tests nothing", step.name)
		}
		wrote := rollupWrites(t, tx) - before
		switch {
		case !step.moves && wrote != 0:
			t.Errorf("%s (%d rows) wrote %d rollup rows, want none", step.name, tag.RowsAffected(), wrote)
		case step.moves && wrote == 0:
			t.Errorf("%s wrote no rollup rows, want some", step.name)
		}
	}
	// The rows that traded values, and the moves, left sums that add up.
	if diff := rollupDiff(t, tx); diff != "" {
		t.Fatalf("after the updates, the rollup differs from the entries: %s", diff)
	}
}

// rollupWrites is the rows the transaction has inserted, updated and
// deleted in the rollup tables so far.
func rollupWrites(t *testing.T, tx pgx.Tx) int64 {
	t.Helper()
	var n int64
	if err := tx.QueryRow(context.Background(), `
		SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables
		WHERE relname IN ('time_entry_months', 'time_entry_totals', 'time_entry_projects', 'department_changes',
		                  'time_entry_department_months', 'time_entry_segment_months')`).Scan(&n); err != nil {
		t.Fatalf("count rollup writes: %v", err)
	}
	return n
}

// swapEntriesSQL trades the work date, hours and billable flag of two
// entries of the same employee and project that differ in them, for each
// pair pick chooses (a clause over a and b ordering and limiting pairs; at
// most one pair per employee and project, so no entry is in two pairs).
// The entries' ids keep their values no longer: the rows change, their sums
// do not.
func swapEntriesSQL(pick string) string {
	return `
		WITH pairs AS (
		    SELECT DISTINCT ON (a.employee_id, a.project_id) a.id AS a, b.id AS b
		    FROM time_entries a JOIN time_entries b
		      ON b.employee_id = a.employee_id AND b.project_id = a.project_id AND b.id > a.id
		     AND (b.work_date, b.hours, b.billable) <> (a.work_date, a.hours, a.billable)
		    ` + pick + `),
		swaps(id, other) AS (SELECT a, b FROM pairs UNION ALL SELECT b, a FROM pairs)
		UPDATE time_entries t SET work_date = o.work_date, hours = o.hours, billable = o.billable, note = 'traded'
		FROM swaps s JOIN time_entries o ON o.id = s.other
		WHERE t.id = s.id`
}

// rounds of random writes TestReports_MatchPlainSQLAfterRandomWrites makes.
const rounds = 12

// TestReports_MatchPlainSQLAfterRandomWrites writes the ways the firm does
// (log, correct, move and delete time; move people between departments;
// change bill rates, assignment periods, customers' segments, projects'
// customers, statuses and currencies; edit what the rollups do not read),
// straight in SQL, in rounds of random statements. After each round it runs
// every shipped operation that reports hours or headcount, as an analytics
// tool does (by id, with a token of the analytics role), with the
// variables it is shipped with and with random ones, and compares each
// answer with plain SQL over the base tables.
//
// The writes and variables come from a seed, printed on failure:
// ROLLUP_SEED=<seed> replays the run.
func TestReports_MatchPlainSQLAfterRandomWrites(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ROLLUP_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ROLLUP_SEED=%q: %v", s, err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d: replay with ROLLUP_SEED=%d go test ./internal/analytics/ -run '^%s$'", seed, seed, t.Name())
		}
	})
	ctx := context.Background()
	url := testdb.Fresh(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(seed, 0))
	tool := newAnalyticsTool(t, url)
	w := newWriter(t, conn, rng)
	var log []string
	for round := 1; round <= rounds; round++ {
		writes := w.round(ctx)
		log = append(log, fmt.Sprintf("round %d:\n  %s", round, strings.Join(writes, "\n  ")))
		for _, c := range w.checks() {
			if diff := tool.check(t, conn, c); diff != "" {
				t.Fatalf("after round %d, %s with %v differs from plain SQL: %s\nthe rollups: %s\nwrites so far:\n%s",
					round, c.op, c.args.vars(), diff, or(rollupDiff(t, conn), "as the entries give"), strings.Join(log, "\n"))
			}
		}
	}
	// Once at the end, as it costs a round's reports: what no report
	// shows (the rows' entry counts) is right too.
	if diff := rollupDiff(t, conn); diff != "" {
		t.Fatalf("after %d rounds, the rollup differs from the entries: %s\n%s", rounds, diff, strings.Join(log, "\n"))
	}
}

// or is s, or otherwise when s is empty.
func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// reportArgs are a report's arguments, as stored: a department's key, dates,
// enum values in lower case. Nil is absent.
type reportArgs struct {
	dept     *int64
	from, to *string
	segment  *string
	billable *bool
	status   *string
	first    int
}

// vars are the arguments as an operation's GraphQL variables.
func (a reportArgs) vars() map[string]any {
	v := map[string]any{}
	if a.dept != nil {
		v["department"] = gid(*a.dept)
	}
	for name, s := range map[string]*string{"from": a.from, "to": a.to} {
		if s != nil {
			v[name] = *s
		}
	}
	for name, s := range map[string]*string{"segment": a.segment, "status": a.status} {
		if s != nil {
			v[name] = strings.ToUpper(*s)
		}
	}
	if a.billable != nil {
		v["billable"] = *a.billable
	}
	if a.first != 0 {
		v["first"] = a.first
	}
	return v
}

// shippedCheck is one run of a shipped operation to compare.
type shippedCheck struct {
	op   string
	args reportArgs
}

// reference is how to get a shipped operation's answer in plain SQL: the
// statement, its parameters from the arguments, and the fields compared
// (paths into the answer's rows, dotted for nested objects). field is
// where the rows are under data (dotted); a connection's rows are its
// nodes, read page by page. withheld are the fields summed from bill rates:
// null for the analytics role in a row whose column people (how many
// people's rated hours they add up) is 1 or 2 (policy.MinContributors).
type reference struct {
	field, sql, fields, withheld string
	params                       func(a reportArgs) []any
	paged                        bool
	// role runs the operation; the analytics role when zero. A report of
	// rows the analytics role may not see (onboardings) is hr's.
	role auth.Role
}

// references covers every shipped operation that reads hours or people;
// the test refuses a shipped operation missing here.
var references = map[string]reference{
	"HoursByDepartment": {field: "analytics.hoursByDepartment", sql: wantHoursByDepartment, fields: hoursByDepartmentFields,
		params: func(a reportArgs) []any { return []any{a.dept, a.from, a.to, a.segment} }},
	"BudgetBurn": {field: "analytics.budgetBurn", sql: wantBudgetBurn, fields: budgetBurnFields, withheld: "burn budgetUsed remaining",
		params: func(a reportArgs) []any { return []any{a.dept, a.from, a.to, a.segment, a.billable, a.status, a.first} }},
	"RevenueBySegment": {field: "analytics.revenueBySegment", sql: wantRevenueBySegment, fields: revenueBySegmentFields, withheld: "revenue",
		params: func(a reportArgs) []any { return []any{a.dept, a.from, a.to, a.segment} }},
	"HeadcountByDepartment": {field: "analytics.headcountByDepartment", sql: wantHeadcountByDepartment, fields: headcountByDepartmentFields,
		params: func(a reportArgs) []any { return []any{a.dept, a.from, a.to} }},
	"ProjectBudgetBurn": {field: "projects", paged: true, sql: `
		SELECT p.code, c.name AS "customer.name", upper(c.segment::text) AS "customer.segment",
		       coalesce(h.logged, 0) AS "hours.logged", coalesce(h.billable, 0) AS "hours.billable",
		       round(coalesce(h.amount, 0), 2) AS "hours.billableAmount",
		       CASE WHEN p.budget > 0 THEN round(coalesce(h.amount, 0) / p.budget, 4) END AS "hours.budgetUsed",
		       p.budget, p.currency, upper(p.status::text) AS status, coalesce(h.people, 0) AS people
		FROM projects p
		JOIN customers c ON c.id = p.customer_id
		LEFT JOIN (
		    SELECT t.project_id, sum(t.hours) AS logged, sum(t.hours) FILTER (WHERE t.billable) AS billable,
		           sum(t.hours * r.bill_rate) FILTER (WHERE t.billable) AS amount,
		           count(DISTINCT t.employee_id) FILTER (WHERE t.billable AND t.hours * r.bill_rate > 0) AS people
		    FROM time_entries t ` + rateSQL + `
		    GROUP BY 1) h ON h.project_id = p.id
		ORDER BY p.id`,
		fields:   `code customer.name customer.segment hours.logged hours.billable hours.billableAmount hours.budgetUsed budget currency status`,
		withheld: `hours.billableAmount hours.budgetUsed`},
	// Feedback is not rolled up, but its segments move with the
	// customers' segments and the projects' customers that the rounds
	// change.
	"NpsBySegment": {field: "analytics.npsBySegment", sql: wantNpsBySegment, fields: npsBySegmentFields,
		params: func(a reportArgs) []any { return []any{a.segment, a.from, a.to} }},
	"OnboardingProgress": {field: "analytics.onboardingProgress", sql: wantOnboardingProgress, fields: onboardingProgressFields,
		params: func(a reportArgs) []any { return []any{a.dept, a.from, a.to} }, role: auth.HR},
	"DepartmentHeadcount": {field: "departments", paged: true, sql: `
		SELECT d.code, d.name, d.cost_center AS "costCenter", p.code AS "parent.code",
		       (SELECT count(*) FROM employees e WHERE e.department_id = d.id) AS "employees.totalCount"
		FROM departments d LEFT JOIN departments p ON p.id = d.parent_id
		ORDER BY d.id`,
		fields: `code name costCenter parent.code employees.totalCount`},
}

// refusedToAnalytics are the shipped queries the analytics role may not
// run: reviewCompletion counts the reviews the caller may see, and it sees
// none (TestAnalyticsRole_RunsTheShippedOperations); no round writes
// reviews either.
var refusedToAnalytics = map[string]bool{"ReviewCompletion": true}

// analyticsTool sends the shipped operations to the API over a database as
// an analytics tool does: registered, by id, with the analytics role.
type analyticsTool struct {
	url    string
	tokens map[auth.Role]string
	ids    map[string]string // operation name → document id
}

func newAnalyticsTool(t *testing.T, dbURL string) *analyticsTool {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbURL, database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	ops, err := operations.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := persisted.NewStore(db).Import(ctx, graph.NewExecutableSchema(graph.Config{}).Schema(), ops); err != nil {
		t.Fatalf("register the shipped operations: %v", err)
	}
	srv := httptest.NewServer(service.New(service.Config{DB: db, PageLimits: page.Limits{Default: 20, Max: 100},
		Auth: httpapitest.Authenticator(t, db, nil), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	tool := &analyticsTool{url: srv.URL, ids: map[string]string{}, tokens: map[auth.Role]string{
		auth.Analytics: httpapitest.Token(t, 0, auth.Analytics), auth.HR: httpapitest.Token(t, 0, auth.HR)}}
	for _, op := range ops {
		if op.Type == "mutation" || op.Name == "PayrollCost" {
			// The shipped writes are not reports; payroll cost reads no
			// hours and is hr's (TestPayrollCost_MatchesPlainSQL).
			continue
		}
		if refusedToAnalytics[op.Name] {
			continue
		}
		if _, ok := references[op.Name]; !ok {
			t.Fatalf("shipped operation %s has no plain SQL to compare with: add it to references", op.Name)
		}
		tool.ids[op.Name] = op.ID
	}
	return tool
}

// check runs c through the API and its reference through conn, and tells
// how they differ ("" when they agree).
func (a *analyticsTool) check(t *testing.T, conn querier, c shippedCheck) string {
	t.Helper()
	ref := references[c.op]
	var got []map[string]any
	vars := c.args.vars()
	for {
		data := a.run(t, c.op, vars)
		rows := at(data, ref.field)
		if !ref.paged {
			decode(t, rows, &got)
			break
		}
		var list struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []map[string]any
		}
		decode(t, rows, &list)
		for _, n := range list.Nodes {
			got = append(got, flatten("", n, map[string]any{}))
		}
		if !list.PageInfo.HasNextPage {
			break
		}
		vars = map[string]any{"after": list.PageInfo.EndCursor}
	}
	var params []any
	if ref.params != nil {
		params = ref.params(c.args)
	}
	want := queryRows(t, conn, ref.sql, params...)
	for _, row := range want {
		if n := canonical(row["people"]); n == "1" || n == "2" {
			for _, f := range strings.Fields(ref.withheld) {
				row[f] = nil
			}
		}
	}
	return rowsDiff(got, want, ref.fields)
}

// run sends the shipped operation op by id and returns its data, failing
// the test on any error but a SUPPRESSED figure (null in the data, which
// check compares).
func (a *analyticsTool) run(t *testing.T, op string, vars map[string]any) json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"documentId": a.ids[op], "variables": vars})
	role := references[op].role
	if role == "" {
		role = auth.Analytics
	}
	r := httpapitest.Do(t, "POST", a.url+"/graphql",
		map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + a.tokens[role]}, string(body))
	if r.Status != 200 {
		t.Fatalf("%s %v: status %d, errors %+v", op, vars, r.Status, r.Errors)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "SUPPRESSED" {
			t.Fatalf("%s %v: errors %+v", op, vars, r.Errors)
		}
	}
	return r.Data
}

// at is the value at a dotted path of a JSON object.
func at(data json.RawMessage, path string) json.RawMessage {
	for _, name := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return nil
		}
		data = obj[name]
	}
	return data
}

// flatten adds the leaves of the object v to into, keyed by their dotted
// paths under prefix.
func flatten(prefix string, v map[string]any, into map[string]any) map[string]any {
	for k, x := range v {
		if m, ok := x.(map[string]any); ok {
			flatten(prefix+k+".", m, into)
		} else {
			into[prefix+k] = x
		}
	}
	return into
}

// writer makes random writes and random report arguments from its rng,
// over the keys the seeded database starts with (employees, projects,
// customers and departments are never deleted).
type writer struct {
	t                                     *testing.T
	conn                                  *pgx.Conn
	rng                                   *rand.Rand
	employees, projects, customers, depts []int64
	currencies                            []string
	eng                                   int64
	segments, statuses                    []string
}

func newWriter(t *testing.T, conn *pgx.Conn, rng *rand.Rand) *writer {
	t.Helper()
	w := &writer{t: t, conn: conn, rng: rng,
		segments: []string{"smb", "mid_market", "enterprise"},
		statuses: []string{"proposed", "active", "on_hold", "completed", "cancelled"}}
	ctx := context.Background()
	for _, k := range []struct {
		sql  string
		into *[]int64
	}{
		{`SELECT id FROM employees ORDER BY id`, &w.employees},
		{`SELECT id FROM projects ORDER BY id`, &w.projects},
		{`SELECT id FROM customers ORDER BY id`, &w.customers},
		{`SELECT id FROM departments ORDER BY id`, &w.depts},
	} {
		rows, _ := conn.Query(ctx, k.sql)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			t.Fatalf("%s: %d rows, %v", k.sql, len(ids), err)
		}
		*k.into = ids
	}
	rows, _ := conn.Query(ctx, `SELECT DISTINCT currency FROM projects ORDER BY 1`)
	var err error
	if w.currencies, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	// The department of the shipped subtree variant (bench/operations/10_*).
	if err := conn.QueryRow(ctx, `SELECT id FROM departments WHERE code = 'ENG'`).Scan(&w.eng); err != nil {
		t.Fatalf("find department ENG: %v", err)
	}
	return w
}

// pick is a random element of s.
func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// some is a random fraction of a table's rows, by id: id % m = r, with m
// between lo and hi.
func (w *writer) some(lo, hi int) (m, r int64) {
	m = int64(lo + w.rng.IntN(hi-lo+1))
	return m, w.rng.Int64N(m)
}

// day is a random date: mostly in the year the shipped operations report
// (July 2025 to June 2026), otherwise anywhere in the data's years.
func (w *writer) day() time.Time {
	if w.rng.IntN(3) > 0 {
		return time.Date(2025, 7, 1+w.rng.IntN(365), 0, 0, 0, 0, time.UTC)
	}
	return time.Date(2018, 1, 1+w.rng.IntN(9*365), 0, 0, 0, 0, time.UTC)
}

// write is one kind of statement: what it does and how to make one.
type write struct {
	name string
	make func(w *writer) (sql string, args []any)
}

// writes are the kinds of writes a round draws from. Each keeps to the
// tables' constraints (hours in (0, 24], one assignment of a pair per
// start day), so every statement succeeds.
var writes = []write{
	{"log time", func(w *writer) (string, []any) {
		n := 1 + w.rng.IntN(12)
		var emps, projs []int64
		var days []time.Time
		var hours []string
		var billable []bool
		for range n {
			emps, projs = append(emps, pick(w.rng, w.employees)), append(projs, pick(w.rng, w.projects))
			days = append(days, w.day())
			hours = append(hours, fmt.Sprintf("%d.%02d", w.rng.IntN(10), 25*(1+w.rng.IntN(3))))
			billable = append(billable, w.rng.IntN(3) > 0)
		}
		return `INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::numeric[], $5::boolean[])`,
			[]any{emps, projs, days, hours, billable}
	}},
	{"log time on staffed pairs", func(w *writer) (string, []any) {
		m, r := w.some(100, 1000)
		return `INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable)
			SELECT employee_id, project_id, starts_on + $3::int, 2.5, $4 FROM assignments WHERE id % $1 = $2`,
			[]any{m, r, w.rng.IntN(200), w.rng.IntN(2) == 0}
	}},
	{"correct hours", func(w *writer) (string, []any) {
		m, r := w.some(500, 5000)
		return `UPDATE time_entries SET hours = (((hours * 4)::int + $3) % 96 + 1) / 4.0 WHERE id % $1 = $2`,
			[]any{m, r, 1 + w.rng.IntN(20)}
	}},
	{"flip billable", func(w *writer) (string, []any) {
		m, r := w.some(500, 5000)
		return `UPDATE time_entries SET billable = NOT billable WHERE id % $1 = $2`, []any{m, r}
	}},
	{"move work dates", func(w *writer) (string, []any) {
		m, r := w.some(500, 5000)
		return `UPDATE time_entries SET work_date = work_date + $3::int WHERE id % $1 = $2`, []any{m, r, w.rng.IntN(121) - 60}
	}},
	{"move entries to another project", func(w *writer) (string, []any) {
		m, r := w.some(1000, 10000)
		return `UPDATE time_entries SET project_id = $3 WHERE id % $1 = $2`, []any{m, r, pick(w.rng, w.projects)}
	}},
	{"move entries to another employee", func(w *writer) (string, []any) {
		m, r := w.some(1000, 10000)
		return `UPDATE time_entries SET employee_id = $3 WHERE id % $1 = $2`, []any{m, r, pick(w.rng, w.employees)}
	}},
	{"delete entries", func(w *writer) (string, []any) {
		m, r := w.some(500, 5000)
		return `DELETE FROM time_entries WHERE id % $1 = $2`, []any{m, r}
	}},
	{"correct a few of a month's entries, noting all", func(w *writer) (string, []any) {
		m, r := w.some(5, 50)
		d := w.day()
		return `UPDATE time_entries SET note = 'reviewed',
			    hours = CASE WHEN id % $1 = $2 THEN (((hours * 4)::int + 1) % 96 + 1) / 4.0 ELSE hours END
			WHERE work_date BETWEEN $3 AND $3::date + 30`, []any{m, r, d}
	}},
	{"entries of a pair trade days and hours", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		return swapEntriesSQL(`WHERE a.id % $1 = $2 ORDER BY a.employee_id, a.project_id, a.id, b.id`), []any{m, r}
	}},
	{"move people to another department", func(w *writer) (string, []any) {
		return `UPDATE employees SET department_id = $2, version = version + 1 WHERE id = ANY($1)`,
			[]any{[]int64{pick(w.rng, w.employees), pick(w.rng, w.employees)}, pick(w.rng, w.depts)}
	}},
	{"hire people", func(w *writer) (string, []any) {
		n := 1 + w.rng.IntN(4)
		var depts []int64
		var hired []time.Time
		var capacity []string
		for range n {
			depts, hired = append(depts, pick(w.rng, w.depts)), append(hired, w.day())
			capacity = append(capacity, fmt.Sprintf("%d.%02d", 10+w.rng.IntN(31), 25*w.rng.IntN(4)))
		}
		return `INSERT INTO employees (employee_number, first_name, last_name, email, department_id, employment_type, status,
			    hired_on, terminated_on, weekly_capacity_hours)
			SELECT 'R-' || n, 'Random', 'Hire', 'random.hire.' || n || '@example.com', d, 'full_time', 'active', h,
			       CASE WHEN n % 3 = 0 THEN h + (n % 400)::int END, c
			FROM unnest($1::bigint[], $2::date[], $3::numeric[]) WITH ORDINALITY u(d, h, c, i),
			     LATERAL (SELECT $4::bigint * 10 + i AS n) k`,
			[]any{depts, hired, capacity, w.rng.Int64N(1 << 40)}
	}},
	{"change weekly capacities", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		return `UPDATE employees SET weekly_capacity_hours = 10 + (weekly_capacity_hours + $3::int) % 31, version = version + 1
			WHERE id % $1 = $2`, []any{m, r, 1 + w.rng.IntN(10)}
	}},
	{"correct hire dates", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		return `UPDATE employees SET hired_on = least(hired_on + $3::int, coalesce(terminated_on, hired_on + $3::int)), version = version + 1
			WHERE id % $1 = $2`, []any{m, r, w.rng.IntN(121) - 60}
	}},
	{"terminate or rehire someone", func(w *writer) (string, []any) {
		return `UPDATE employees SET terminated_on = CASE WHEN terminated_on IS NULL THEN greatest(hired_on, $2::date) END WHERE id = $1`,
			[]any{pick(w.rng, w.employees), w.day()}
	}},
	{"change bill rates", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		var rate *string
		if w.rng.IntN(4) > 0 {
			s := fmt.Sprintf("%d.%02d", 50+w.rng.IntN(200), w.rng.IntN(100))
			rate = &s
		}
		return `UPDATE assignments SET bill_rate = $3::numeric WHERE id % $1 = $2`, []any{m, r, rate}
	}},
	{"change assignment periods", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		// Not onto another assignment's start day of the same pair, as
		// it was before the statement: so no two rows ever collide.
		return `UPDATE assignments a SET starts_on = a.starts_on + $3::int,
			    ends_on = CASE WHEN $4::int > 0 THEN a.starts_on + $3::int + $4::int END
			WHERE id % $1 = $2 AND NOT EXISTS (
			    SELECT FROM assignments b WHERE b.project_id = a.project_id AND b.employee_id = a.employee_id
			      AND b.starts_on = a.starts_on + $3::int)`,
			[]any{m, r, w.rng.IntN(181) - 90, w.rng.IntN(400) - 100}
	}},
	{"staff people on projects they logged time on", func(w *writer) (string, []any) {
		m, r := w.some(2000, 20000)
		return `INSERT INTO assignments (project_id, employee_id, role, allocation_percent, starts_on, ends_on, bill_rate)
			SELECT project_id, employee_id, 'Reviewer', 20, work_date - $3::int,
			       CASE WHEN $4 THEN work_date + 60 END, CASE WHEN id % 5 > 0 THEN 80 + id % 100 END
			FROM time_entries WHERE id % $1 = $2
			ON CONFLICT DO NOTHING`, []any{m, r, w.rng.IntN(90), w.rng.IntN(2) == 0}
	}},
	{"end staffings", func(w *writer) (string, []any) {
		m, r := w.some(100, 1000)
		return `DELETE FROM assignments WHERE id % $1 = $2`, []any{m, r}
	}},
	{"re-segment customers", func(w *writer) (string, []any) {
		m, r := w.some(10, 60)
		return `UPDATE customers SET segment = $3::customer_segment, version = version + 1 WHERE id % $1 = $2`,
			[]any{m, r, pick(w.rng, w.segments)}
	}},
	{"move projects to another customer", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		return `UPDATE projects SET customer_id = $3, version = version + 1 WHERE id % $1 = $2`, []any{m, r, pick(w.rng, w.customers)}
	}},
	{"change project statuses", func(w *writer) (string, []any) {
		m, r := w.some(10, 200)
		return `UPDATE projects SET status = $3::project_status, version = version + 1 WHERE id % $1 = $2`,
			[]any{m, r, pick(w.rng, w.statuses)}
	}},
	{"change project budgets", func(w *writer) (string, []any) {
		m, r := w.some(20, 200)
		var budget *string
		if w.rng.IntN(5) > 0 {
			s := fmt.Sprintf("%d.%02d", w.rng.IntN(500000), w.rng.IntN(100))
			budget = &s
		}
		return `UPDATE projects SET budget = $3::numeric, version = version + 1 WHERE id % $1 = $2`, []any{m, r, budget}
	}},
	{"change project currencies", func(w *writer) (string, []any) {
		m, r := w.some(50, 500)
		return `UPDATE projects SET currency = $3 WHERE id % $1 = $2`, []any{m, r, pick(w.rng, w.currencies)}
	}},
	{"edit what no report reads", func(w *writer) (string, []any) {
		return pick(w.rng, []string{
			`UPDATE projects SET description = coalesce(description, '') || '.', priority = 'high'`,
			`UPDATE time_entries SET note = coalesce(note, '') || '.' WHERE id % 3 = 0`,
			`UPDATE customers SET industry = 'Services', status = 'active'`,
			`UPDATE assignments SET allocation_percent = 1 + allocation_percent % 100`,
		}), nil
	}},
}

// round makes two to six random writes, each its own statement, all in
// one transaction, and returns what they were.
func (w *writer) round(ctx context.Context) []string {
	w.t.Helper()
	tx, err := w.conn.Begin(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	var done []string
	for range 2 + w.rng.IntN(5) {
		k := pick(w.rng, writes)
		sql, args := k.make(w)
		tag, err := tx.Exec(ctx, sql, args...)
		done = append(done, fmt.Sprintf("%s %v: %d rows", k.name, args, tag.RowsAffected()))
		if err != nil {
			w.t.Fatalf("%s: %v\n%s", k.name, err, strings.Join(done, "\n"))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		w.t.Fatal(err)
	}
	return done
}

// checks are the shipped operations to run after a round: each with the
// variables it ships with (bench/operations), the analytics reports also
// with random ones.
func (w *writer) checks() []shippedCheck {
	year := reportArgs{from: ptr("2025-07-01"), to: ptr("2026-06-30")}
	checks := []shippedCheck{
		{"HoursByDepartment", year},
		{"HoursByDepartment", reportArgs{from: year.from, to: year.to, dept: &w.eng, segment: ptr("enterprise")}},
		{"BudgetBurn", reportArgs{status: ptr("active"), first: 100}},
		{"RevenueBySegment", year},
		{"HeadcountByDepartment", reportArgs{from: ptr("2016-07-01"), to: ptr("2026-06-30")}},
		{"ProjectBudgetBurn", reportArgs{}},
		{"DepartmentHeadcount", reportArgs{}},
		{"NpsBySegment", year},
		{"NpsBySegment", reportArgs{from: ptr("2016-07-01"), to: ptr("2026-06-30"), segment: ptr("enterprise")}},
		{"OnboardingProgress", reportArgs{}},
	}
	for _, op := range []string{"HoursByDepartment", "BudgetBurn", "RevenueBySegment", "HeadcountByDepartment", "OnboardingProgress"} {
		checks = append(checks, shippedCheck{op, w.randomArgs(op)})
	}
	return checks
}

// randomArgs are random valid arguments of a report: whole months, at
// most two years of them (BudgetBurn's range may be open at either end).
func (w *writer) randomArgs(op string) reportArgs {
	var a reportArgs
	first := time.Date(2018, time.Month(1+w.rng.IntN(9*12)), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1+w.rng.IntN(24), -1)
	a.from, a.to = ptr(first.Format(time.DateOnly)), ptr(last.Format(time.DateOnly))
	if w.rng.IntN(2) == 0 {
		a.dept = ptr(pick(w.rng, w.depts))
	}
	if op != "HeadcountByDepartment" && op != "OnboardingProgress" && w.rng.IntN(2) == 0 {
		a.segment = ptr(pick(w.rng, w.segments))
	}
	if op == "BudgetBurn" {
		if w.rng.IntN(3) == 0 {
			a.from = nil
		}
		if w.rng.IntN(3) == 0 {
			a.to = nil
		}
		if w.rng.IntN(3) == 0 { // a project's whole life: time_entry_projects
			a.from, a.to, a.dept = nil, nil, nil
		}
		if b := w.rng.IntN(3); b < 2 {
			a.billable = ptr(b == 0)
		}
		if w.rng.IntN(2) == 0 {
			a.status = ptr(pick(w.rng, w.statuses))
		}
		a.first = pick(w.rng, []int{1, 5, 20, 100, 1000})
	}
	return a
}

func ptr[T any](v T) *T { return &v }
