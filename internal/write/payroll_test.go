package write_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

const (
	createRun    = `mutation($in: CreatePayrollRunInput!) { createPayrollRun(input: $in) { run { id status periodStart periodEnd createdBy payslips { totalCount } } } }`
	recomputeRun = `mutation($in: RecomputePayrollRunInput!) { recomputePayrollRun(input: $in) { run { id status } } }`
	approveRun   = `mutation($in: ApprovePayrollRunInput!) { approvePayrollRun(input: $in) { run { id status approvedBy } } }`
	payRun       = `mutation($in: MarkPayrollRunPaidInput!) { markPayrollRunPaid(input: $in) { run { id status paidAt } } }`
)

// resetPayroll removes the runs and payslips a test made when it ends,
// approved and paid ones included (the guard triggers are set aside for
// it: session_replication_role), before resetAfter restores the employees
// and time they point at.
func (a *api) resetPayroll() {
	maxRun := a.int(`SELECT coalesce(max(id), 0) FROM payroll_runs`)
	a.t.Cleanup(func() {
		_, err := a.db.Exec(context.Background(), fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
			DELETE FROM payslips WHERE run_id > %[1]d; DELETE FROM payroll_runs WHERE id > %[1]d; COMMIT`, maxRun))
		if err != nil {
			a.t.Errorf("remove the test's payroll runs: %v", err)
		}
	})
}

// runFixture makes the run of month (YYYY-MM) in status, computed,
// created by createdBy, and answers its key.
func (a *api) runFixture(month, status, createdBy string) int64 {
	a.t.Helper()
	run := a.int(`INSERT INTO payroll_runs (period_start, period_end, created_by)
		VALUES ($1::date, ($1::date + interval '1 month' - interval '1 day')::date, $2) RETURNING id`, month+"-01", createdBy)
	a.int(`SELECT count(*) FROM payroll_compute($1)`, run)
	if status != "draft" {
		a.int(`UPDATE payroll_runs SET status = 'approved', approved_by = 'fixture-approver', approved_at = now() WHERE id = $1 RETURNING id`, run)
	}
	if status == "paid" {
		a.int(`UPDATE payroll_runs SET status = 'paid', paid_at = now() WHERE id = $1 RETURNING id`, run)
	}
	return run
}

// runRow is a run and its payslips as text, to tell whether they changed.
func (a *api) runRow(run int64) string {
	var s string
	a.one(&s, `SELECT row(r.*)::text || coalesce((SELECT string_agg(row(p.*)::text, ',' ORDER BY p.id) FROM payslips p WHERE p.run_id = r.id), '')
		FROM payroll_runs r WHERE r.id = $1`, run)
	return s
}

// payPeople are the people TestPayroll_EveryPayslipByTheRule pays in
// September 2026 (30 days), each a case of the rule, with the gross and
// hours worked out by hand; "" for no payslip.
var payPeople = []struct {
	name, kind, hired, terminated, salary string
	gross, hours                          string
}{
	{"full-time", "full_time", "2020-01-01", "", "60000.00", "5000.00", "0.00"},
	{"part-time", "part_time", "2021-03-01", "", "30000.00", "2500.00", "0.00"},
	// 15 of 30 days: 72,000 / 12 × 15 / 30.
	{"joiner mid-month", "full_time", "2026-09-16", "", "72000.00", "3000.00", "0.00"},
	// 10 of 30 days, the last day included: 4,000 × 10 / 30 = 1,333.333…
	{"leaver mid-month", "full_time", "2019-01-01", "2026-09-10", "48000.00", "1333.33", "0.00"},
	// 29 of 30 days: 55,555.55 × 29 / 360 = 4,475.308…
	{"joiner on the 2nd", "part_time", "2026-09-02", "", "55555.55", "4475.31", "0.00"},
	// 10 € an hour: 7.5 (Sep 1, of a week approved that began in August)
	// + 8 (Sep 22) + 4.25 (Sep 30, of a week approved that ends in October).
	{"contractor", "contractor", "2024-01-01", "", "20800.00", "197.50", "19.75"},
	// 0.125 an hour, one approved hour: 0.125 is a tie, half-even 0.12
	// (round() would say 0.13).
	{"contractor at a tie", "contractor", "2024-01-01", "", "260.00", "0.12", "1.00"},
	{"contractor without approved hours", "contractor", "2024-01-01", "", "41600.00", "0.00", "0.00"},
	{"no salary", "full_time", "2020-01-01", "", "", "", ""},
	{"hired after the month", "full_time", "2026-10-05", "", "50000.00", "", ""},
	{"left before the month", "full_time", "2020-01-01", "2026-08-31", "50000.00", "", ""},
}

// payTime is the contractors' time around September 2026 and the status
// of the week of each entry (weeks start on Mondays: Aug 31, Sep 7, 14,
// 21, 28).
var payTime = []struct {
	person      string
	day, hours  string
	weekStatus  string
	countedInto string // the month whose pay counts it, "" none
}{
	{"contractor", "2026-08-31", "8.00", "approved", "2026-08"},
	{"contractor", "2026-09-01", "7.50", "approved", "2026-09"},
	{"contractor", "2026-09-08", "8.00", "submitted", ""},
	{"contractor", "2026-09-15", "6.00", "rejected", ""},
	{"contractor", "2026-09-22", "8.00", "approved", "2026-09"},
	{"contractor", "2026-09-30", "4.25", "approved", "2026-09"},
	{"contractor", "2026-10-01", "8.00", "approved", "2026-10"},
	{"contractor at a tie", "2026-09-09", "1.00", "approved", "2026-09"},
	{"contractor without approved hours", "2026-09-10", "8.00", "open", ""},
	{"contractor without approved hours", "2026-09-17", "8.00", "submitted", ""},
}

// payFixture creates payPeople and payTime and answers the people's keys
// by name.
func (a *api) payFixture() map[string]int64 {
	a.t.Helper()
	people := map[string]int64{}
	dept := a.int(`SELECT min(id) FROM departments`)
	project := a.int(`SELECT min(id) FROM projects`)
	for i, p := range payPeople {
		people[p.name] = a.int(`INSERT INTO employees (employee_number, first_name, last_name, email, department_id,
			employment_type, status, hired_on, terminated_on, weekly_capacity_hours, salary, salary_currency)
			VALUES ($1, 'Pay', $2, $3, $4, $5::employment_type, CASE WHEN $7 = '' THEN 'active' ELSE 'terminated' END::employee_status,
				$6::date, nullif($7, '')::date, 40, nullif($8, '')::numeric, CASE WHEN $8 <> '' THEN 'EUR' END) RETURNING id`,
			fmt.Sprintf("PAY-%03d", i), p.name, fmt.Sprintf("pay%d@example.com", i), dept, p.kind, p.hired, p.terminated, p.salary)
	}
	for _, e := range payTime {
		k := people[e.person]
		a.int(`INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable) VALUES ($1, $2, $3::date, $4::numeric, true) RETURNING id`,
			k, project, e.day, e.hours)
		a.int(`INSERT INTO timesheets (employee_id, week_start, status, submitted_at, decided_at)
			VALUES ($1, date_trunc('week', $2::date)::date, $3::timesheet_status,
				CASE WHEN $3 <> 'open' THEN now() END, CASE WHEN $3 IN ('approved', 'rejected') THEN now() END)
			ON CONFLICT (employee_id, week_start) DO UPDATE SET status = excluded.status RETURNING id`, k, e.day, e.weekStatus)
	}
	return people
}

// independentMismatches counts the payslips of run that differ from the
// pay rule computed here, apart from payroll_compute: days employed counted
// day by day, approved hours found by each entry's week, the exact amount
// rounded half-even from its cents; and the people paid that have no
// payslip, or the payslips of people not to be paid.
func (a *api) independentMismatches(run int64) int64 {
	return a.int(`
WITH r AS (SELECT id, period_start AS s, period_end AS e, period_end - period_start + 1 AS days_of_month FROM payroll_runs WHERE id = $1),
paid AS (
    SELECT e.id AS employee_id, e.salary, e.salary_currency AS currency,
           CASE WHEN e.employment_type = 'contractor' THEN 'hourly' ELSE 'salary' END AS basis,
           CASE WHEN e.employment_type = 'contractor' THEN (
               SELECT coalesce(sum(t.hours), 0) FROM time_entries t
               WHERE t.employee_id = e.id AND t.work_date >= r.s AND t.work_date <= r.e
                 AND EXISTS (SELECT 1 FROM timesheets w WHERE w.employee_id = e.id AND w.status = 'approved'
                             AND t.work_date >= w.week_start AND t.work_date < w.week_start + 7))
           ELSE 0 END AS hours,
           (SELECT count(*) FROM generate_series(r.s, r.e, interval '1 day') d
            WHERE d::date >= e.hired_on AND (e.terminated_on IS NULL OR d::date <= e.terminated_on)) AS days,
           r.days_of_month
    FROM employees e CROSS JOIN r
    WHERE e.salary IS NOT NULL AND e.salary_currency IS NOT NULL
      AND EXISTS (SELECT 1 FROM generate_series(r.s, r.e, interval '1 day') d
                  WHERE d::date >= e.hired_on AND (e.terminated_on IS NULL OR d::date <= e.terminated_on))),
exact AS (
    SELECT *, 100 * CASE WHEN basis = 'hourly' THEN hours * salary / 2080
                         ELSE salary * days / (12 * days_of_month) END AS cents FROM paid),
want AS (
    SELECT employee_id, basis, hours, currency,
           (floor(cents) + CASE WHEN cents - floor(cents) > 0.5 THEN 1
                                WHEN cents - floor(cents) < 0.5 THEN 0
                                ELSE mod(floor(cents), 2) END) / 100 AS gross
    FROM exact)
SELECT count(*) FROM want w FULL JOIN (SELECT * FROM payslips WHERE run_id = $1) p USING (employee_id)
WHERE p.id IS NULL OR w.employee_id IS NULL OR p.gross <> w.gross OR p.hours <> w.hours
   OR p.basis::text <> w.basis OR p.currency <> w.currency`, run)
}

// TestPayroll_EveryPayslipByTheRule: hr creates September 2026's run, and
// every payslip (the firm's people and the cases made for it: full- and
// part-time, joiners and a leaver mid-month, contractors with approved,
// unapproved and straddling weeks, a tie) equals the independent
// computation in SQL numeric to the cent, and the cases equal the amounts
// worked out by hand. So do the 24 seeded runs, checked first (before the
// test's people join the firm).
func TestPayroll_EveryPayslipByTheRule(t *testing.T) {
	a := newAPI(t)
	a.resetPayroll()
	// The seeded runs, computed by the seed with the same function.
	var seeded []int64
	rows, err := a.db.Query(context.Background(), `SELECT id FROM payroll_runs ORDER BY id`)
	if err == nil {
		for rows.Next() {
			var k int64
			_ = rows.Scan(&k)
			seeded = append(seeded, k)
		}
		err = rows.Err()
	}
	if err != nil || len(seeded) != 24 {
		t.Fatalf("seeded runs %v: %v; want 24", seeded, err)
	}
	for _, k := range seeded {
		if n := a.independentMismatches(k); n != 0 {
			t.Errorf("seeded run %d: %d payslips differ from the independent computation", k, n)
		}
	}
	people := a.payFixture()
	hr := caller{"hr", 0, []auth.Role{auth.HR}}
	a.ok(hr, createRun, in(map[string]any{"month": "2026-09"}))
	run := a.int(`SELECT id FROM payroll_runs WHERE period_start = '2026-09-01'`)
	if n := a.independentMismatches(run); n != 0 {
		t.Errorf("%d payslips of September 2026 differ from the independent computation", n)
	}
	for _, p := range payPeople {
		var got string
		a.one(&got, `SELECT coalesce((SELECT gross::text || ' ' || hours::text || ' ' || basis::text || ' ' || currency
			FROM payslips WHERE run_id = $1 AND employee_id = $2), '')`, run, people[p.name])
		want := ""
		if p.gross != "" {
			want = p.gross + " " + p.hours + " " + map[bool]string{true: "hourly", false: "salary"}[p.kind == "contractor"] + " EUR"
		}
		if got != want {
			t.Errorf("%s: payslip %q, want %q", p.name, got, want)
		}
	}
	if n := a.int(`SELECT count(*) FROM payslips WHERE run_id = $1`, run); n < 50 {
		t.Errorf("the run has %d payslips: the firm's people are missing", n)
	}
}

// TestPayroll_RoundsHalfEven: the rounding function's ties go to the even
// cent, other values to the nearest, negative ones too.
func TestPayroll_RoundsHalfEven(t *testing.T) {
	a := newAPI(t)
	for v, want := range map[string]string{
		"0.125": "0.12", "0.135": "0.14", "0.145": "0.14", "0.1251": "0.13", "0.1249": "0.12", "1.005": "1.00",
		"2.675": "2.68", "-0.125": "-0.12", "-0.135": "-0.14", "1333.335": "1333.34", "1333.345": "1333.34", "7": "7.00",
	} {
		var got string
		a.one(&got, `SELECT round_half_even($1::numeric, 2)::text`, v)
		if got != want {
			t.Errorf("round_half_even(%s, 2) = %s, want %s", v, got, want)
		}
	}
	for v, want := range map[string]string{"0.5": "0", "1.5": "2", "2.5": "2", "-2.5": "-2", "-3.5": "-4", "2.5000001": "3"} {
		var got string
		a.one(&got, `SELECT round_half_even($1::numeric, 0)::text`, v)
		if got != want {
			t.Errorf("round_half_even(%s, 0) = %s, want %s", v, got, want)
		}
	}
}

// TestPayroll_HappyPath: hr creates a month's run, recomputes it after a
// contractor's week is approved (their payslip grows), admin approves it
// (not its creator), hr marks it paid; each step leaves its event, none
// with an amount, and the write audit keeps the gross apart. The approved
// and paid run then refuses every direct SQL change of it and its payslips.
func TestPayroll_HappyPath(t *testing.T) {
	a := newAPI(t)
	a.resetPayroll()
	people := a.payFixture()
	hr, admin := caller{"hr", 0, []auth.Role{auth.HR}}, caller{"admin", 0, []auth.Role{auth.Admin}}
	contractor := people["contractor"]

	d := a.ok(hr, createRun, in(map[string]any{"month": "2026-09"}))
	run := d["createPayrollRun"].(map[string]any)["run"].(map[string]any)
	payslips := a.int(`SELECT count(*) FROM payslips WHERE run_id = (SELECT id FROM payroll_runs WHERE period_start = '2026-09-01')`)
	if run["status"] != "DRAFT" || run["periodStart"] != "2026-09-01" || run["periodEnd"] != "2026-09-30" || run["createdBy"] != "test-hr" ||
		run["payslips"].(map[string]any)["totalCount"] != float64(payslips) {
		t.Fatalf("created %v, want a DRAFT of September by test-hr with its %d payslips", run, payslips)
	}
	id := run["id"].(string)
	key := a.int(`SELECT id FROM payroll_runs WHERE period_start = '2026-09-01'`)
	gross := func() string {
		var g string
		a.one(&g, `SELECT gross::text FROM payslips WHERE run_id = $1 AND employee_id = $2`, key, contractor)
		return g
	}
	if g := gross(); g != "197.50" {
		t.Fatalf("the contractor's gross %s, want 197.50", g)
	}
	// The week of Sep 7 is approved after the run was made: recomputing
	// pays its 8 hours.
	if _, err := a.db.Exec(context.Background(), `UPDATE timesheets SET status = 'approved' WHERE employee_id = $1 AND week_start = '2026-09-07'`, contractor); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		who         caller
		query, want string
	}{
		{hr, recomputeRun, "DRAFT"},
		{admin, approveRun, "APPROVED"},
		{hr, payRun, "PAID"},
	}
	for _, s := range steps {
		d := a.ok(s.who, s.query, in(map[string]any{"id": id}))
		for _, payload := range d {
			if got := payload.(map[string]any)["run"].(map[string]any)["status"]; got != s.want {
				t.Errorf("%s: status %v, want %s", s.query[:30], got, s.want)
			}
		}
	}
	if g := gross(); g != "277.50" {
		t.Errorf("the contractor's gross after recomputing %s, want 277.50", g)
	}
	var approvedBy string
	a.one(&approvedBy, `SELECT approved_by || ' ' || (approved_at IS NOT NULL)::text || ' ' || (paid_at IS NOT NULL)::text FROM payroll_runs WHERE id = $1`, key)
	if approvedBy != "test-admin true true" {
		t.Errorf("approved by, approved, paid: %q", approvedBy)
	}

	var types string
	a.one(&types, `SELECT string_agg(type, ' ' ORDER BY id) FROM events`)
	if want := "payroll_run.created payroll_run.recomputed payroll_run.approved payroll_run.paid"; types != want {
		t.Errorf("events %q, want %q", types, want)
	}
	if n := a.int(`SELECT count(*) FROM events WHERE entity_id <> $1 OR data::text ~ '197\.5|277\.5|gross|total'`, id); n != 0 {
		t.Errorf("%d events name something else than the run, or carry an amount", n)
	}
	if n := a.int(`SELECT count(*) FROM events WHERE data->>'status' IS NULL OR data->>'periodStart' <> '2026-09-01'`); n != 0 {
		t.Errorf("%d events lack the run's status and period", n)
	}
	// Each payslip is audited as created (twice: created, recomputed) and
	// deleted once, its gross kept apart with the sensitive changes.
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'payslips' AND action = 'create'`); n != 2*payslips {
		t.Errorf("%d payslips audited as created, want %d", n, 2*payslips)
	}
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'payslips' AND action = 'delete'`); n != payslips {
		t.Errorf("%d payslips audited as deleted, want %d", n, payslips)
	}
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'payslips' AND (changes ? 'gross' OR NOT sensitive_changes ? 'gross')`); n != 0 {
		t.Errorf("%d audit rows of payslips carry the gross outside sensitive_changes", n)
	}
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'payroll_runs'`); n != 4 {
		t.Errorf("%d audit rows of the run, want 4", n)
	}

	// Paid: the database itself refuses any change, whoever sends it.
	a.immutable(t, key, contractor, "paid")
	// Approved, not paid yet: the same, but for being marked paid.
	approved := a.runFixture("2026-12", "approved", "fixture-hr")
	a.immutable(t, approved, contractor, "approved")
	if _, err := a.db.Exec(context.Background(), `UPDATE payroll_runs SET status = 'paid', paid_at = now() WHERE id = $1`, approved); err != nil {
		t.Errorf("marking an approved run paid in SQL: %v", err)
	}
	if _, err := a.db.Exec(context.Background(), `UPDATE payroll_runs SET status = 'approved', paid_at = NULL WHERE id = $1`, approved); err == nil {
		t.Error("a paid run went back to approved")
	}
}

// immutable checks that every direct SQL change of run (in status) and
// its payslips fails and changes nothing.
func (a *api) immutable(t *testing.T, run, employee int64, status string) {
	t.Helper()
	before := a.runRow(run)
	for _, stmt := range []string{
		`UPDATE payslips SET gross = gross + 1 WHERE run_id = $1`,
		`UPDATE payslips SET hours = 0 WHERE run_id = $1 AND $2::bigint IS NOT NULL`,
		`DELETE FROM payslips WHERE run_id = $1`,
		`INSERT INTO payslips (run_id, employee_id, basis, hours, gross, currency) VALUES ($1, $2, 'salary', 0, 1, 'EUR')`,
		`UPDATE payroll_runs SET created_by = 'someone' WHERE id = $1`,
		`UPDATE payroll_runs SET status = 'draft', approved_by = NULL, approved_at = NULL, paid_at = NULL WHERE id = $1`,
		`DELETE FROM payroll_runs WHERE id = $1`,
		`SELECT count(*) FROM payroll_compute($1)`,
	} {
		args := []any{run}
		if strings.Contains(stmt, "$2") {
			args = append(args, employee)
		}
		_, err := a.db.Exec(context.Background(), stmt, args...)
		if err == nil || !strings.Contains(err.Error(), "approved or paid") && !strings.Contains(err.Error(), "is "+status) {
			t.Errorf("%s on a %s run: %v, want it refused", stmt, status, err)
		}
	}
	if after := a.runRow(run); after != before {
		t.Errorf("the %s run changed", status)
	}
}

// TestPayroll_StepsOutOfOrder: every step taken where the run is not is
// BAD_USER_INPUT at input.id naming where it is, and writes nothing; so is
// a second run for a month.
func TestPayroll_StepsOutOfOrder(t *testing.T) {
	a := newAPI(t)
	a.resetPayroll()
	admin := caller{"admin", 0, []auth.Role{auth.Admin}}
	for i, tc := range []struct {
		name, status, query, says string
	}{
		{"recomputing an approved run", "approved", recomputeRun, "is APPROVED: only a DRAFT run is recomputed"},
		{"recomputing a paid run", "paid", recomputeRun, "is PAID: only a DRAFT run is recomputed"},
		{"approving an approved run", "approved", approveRun, "is APPROVED: only a DRAFT run is approved"},
		{"approving a paid run", "paid", approveRun, "is PAID: only a DRAFT run is approved"},
		{"paying a draft", "draft", payRun, "is DRAFT: only an APPROVED run is marked paid"},
		{"paying a paid run", "paid", payRun, "is PAID: only an APPROVED run is marked paid"},
	} {
		run := a.runFixture(fmt.Sprintf("2030-%02d", i+1), tc.status, "fixture-hr")
		before := a.runRow(run)
		auditN, eventN := a.trail()
		r := a.do(admin, tc.query, in(map[string]any{"id": gid("PayrollRun", run)}))
		if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.id"}) || !strings.Contains(r.Errors[0].Message, tc.says) {
			t.Errorf("%s: %v %s; want BAD_USER_INPUT at input.id saying %q", tc.name, got, r.Body, tc.says)
		}
		if a.runRow(run) != before {
			t.Errorf("%s: the run changed", tc.name)
		}
		if au, ev := a.trail(); au != auditN || ev != eventN {
			t.Errorf("%s: the trail grew (audit %d → %d, events %d → %d)", tc.name, auditN, au, eventN, ev)
		}
	}
	runs := a.int(`SELECT count(*) FROM payroll_runs`)
	for month, says := range map[string]string{
		"2030-01": "2030-01 has a payroll run already (APPROVED)",
		"2026-13": `"2026-13" is not a month as YYYY-MM`,
		"Nov 26":  `"Nov 26" is not a month as YYYY-MM`,
	} {
		r := a.do(admin, createRun, in(map[string]any{"month": month}))
		if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.month"}) || !strings.Contains(r.Errors[0].Message, says) {
			t.Errorf("createPayrollRun of %q: %v %s; want BAD_USER_INPUT at input.month saying %q", month, got, r.Body, says)
		}
	}
	if n := a.int(`SELECT count(*) FROM payroll_runs`); n != runs {
		t.Errorf("refused creations left %d runs, want %d", n, runs)
	}
	r := a.do(admin, recomputeRun, in(map[string]any{"id": gid("Review", 1)}))
	if r.Code() != "NOT_FOUND" {
		t.Errorf("recomputing a review's id: %s; want NOT_FOUND", r.Body)
	}
}

// TestPayroll_EveryRoleEveryStep: the steps are hr's and admin's; the
// approval never its creator's, whatever their role. Everyone else is
// refused and nothing is written.
func TestPayroll_EveryRoleEveryStep(t *testing.T) {
	a := newAPI(t)
	a.resetPayroll()
	c := reviewCallers(a)
	allowed := []string{"hr", "admin"}
	month := 0
	for _, tc := range []struct {
		name, status, query, event string
		createdBy                  string
	}{
		{"createPayrollRun", "", createRun, "payroll_run.created", ""},
		{"recomputePayrollRun", "draft", recomputeRun, "payroll_run.recomputed", "fixture-hr"},
		{"approvePayrollRun", "draft", approveRun, "payroll_run.approved", "fixture-hr"},
		{"markPayrollRunPaid", "approved", payRun, "payroll_run.paid", "fixture-hr"},
	} {
		for _, who := range c.all() {
			month++
			m := fmt.Sprintf("%d-%02d", 2031+month/12, 1+month%12)
			input := map[string]any{"month": m}
			var run int64
			if tc.status != "" {
				run = a.runFixture(m, tc.status, tc.createdBy)
				input = map[string]any{"id": gid("PayrollRun", run)}
			}
			runs := a.int(`SELECT count(*) FROM payroll_runs`)
			before := ""
			if run != 0 {
				before = a.runRow(run)
			}
			auditN, eventN := a.trail()
			r := a.do(who, tc.query, in(input))
			if slices.Contains(allowed, who.name) {
				var typ string
				if r.Code() == "" {
					a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
				}
				if r.Code() != "" || typ != tc.event {
					t.Errorf("%s by %s: %s; want it done, with the event %s (got %q)", tc.name, who.name, r.Body, tc.event, typ)
				}
				continue
			}
			if code := r.Code(); code != "FORBIDDEN" && !(who.name == "analytics" && code == "TRUSTED_DOCUMENT_REQUIRED") {
				t.Errorf("%s by %s: %s; want FORBIDDEN", tc.name, who.name, r.Body)
			}
			if run != 0 && a.runRow(run) != before || a.int(`SELECT count(*) FROM payroll_runs`) != runs {
				t.Errorf("%s by %s: refused, but something was written", tc.name, who.name)
			}
			if au, ev := a.trail(); au != auditN || ev != eventN {
				t.Errorf("%s by %s: refused, but the trail grew", tc.name, who.name)
			}
		}
	}
	// Four eyes: the creator may not approve, be they hr or admin; another
	// hr caller may.
	for _, creator := range []caller{c.hr, c.admin} {
		month++
		d := a.ok(creator, createRun, in(map[string]any{"month": fmt.Sprintf("%d-%02d", 2031+month/12, 1+month%12)}))
		id := d["createPayrollRun"].(map[string]any)["run"].(map[string]any)["id"].(string)
		r := a.do(creator, approveRun, in(map[string]any{"id": id}))
		if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "other than its creator, and you created it") {
			t.Errorf("approval by its creator (%s): %s; want FORBIDDEN saying so", creator.name, r.Body)
		}
		second := a.send(secondHR(t), approveRun, in(map[string]any{"id": id}))
		if second.Code() != "" || !strings.Contains(string(second.Data), `"approvedBy":"test-hr-2"`) {
			t.Errorf("approval by a second hr caller: %s", second.Body)
		}
	}
}

// secondHR is a token of an hr caller other than test-hr.
func secondHR(t *testing.T) string {
	t.Helper()
	tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: "test-hr-2", Roles: []auth.Role{auth.HR}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPayroll_Visibility is the matrix of who sees a payslip (its
// employee, their manager, the manager above, a peer, hr, admin,
// analytics) through node(id), its gross, the lists of the employee and
// the run with their totalCount, filters and orderings, with the audit
// rows of the gross read. The runs themselves are everyone's.
func TestPayroll_Visibility(t *testing.T) {
	a, log := newAuditedAPI(t)
	a.resetPayroll()
	c := reviewCallers(a)
	if _, err := a.db.Exec(context.Background(), `UPDATE employees SET salary = 66000, salary_currency = 'EUR', employment_type = 'full_time' WHERE id = $1`, c.employee.employee); err != nil {
		t.Fatal(err)
	}
	run := a.runFixture("2026-11", "draft", "fixture-hr")
	slip := a.int(`SELECT id FROM payslips WHERE run_id = $1 AND employee_id = $2`, run, c.employee.employee)
	all := a.int(`SELECT count(*) FROM payslips WHERE run_id = $1`, run)
	sees := map[string]bool{"employee": true, "hr": true, "admin": true}
	vars := map[string]any{"id": gid("Payslip", slip), "e": gid("Employee", c.employee.employee), "r": []string{gid("PayrollRun", run)}}
	for _, who := range c.all() {
		r := a.do(who, `query($id: ID!) { node(id: $id) { ... on Payslip { id gross hours currency basis employee { id } run { id } } } }`, vars)
		var d struct {
			Node *struct {
				Gross *string
			}
		}
		_ = json.Unmarshal(r.Data, &d)
		switch {
		case who.name == "analytics":
			if d.Node != nil || r.Code() == "" {
				t.Errorf("analytics reads a payslip: %s", r.Body)
			}
			continue
		case !sees[who.name]:
			if d.Node != nil || len(r.Errors) > 0 {
				t.Errorf("%s: node(id) of a payslip %s; want null without an error (it does not exist)", who.name, r.Body)
			}
		case d.Node == nil || d.Node.Gross == nil || *d.Node.Gross != "5500.00" || len(r.Errors) > 0:
			t.Errorf("%s: node(id) %s; want the payslip with its gross 5500.00", who.name, r.Body)
		}
		// Lists and counts: the employee's payslips and the run's, as the
		// caller sees them; the run itself is everyone's.
		r = a.do(who, `query($e: ID!, $r: [ID!]) {
			employee(id: $e) { payslips(filter: { run: { id: { in: $r } } }) { totalCount nodes { gross } } }
			payrollRuns(filter: { id: { in: $r } }) { totalCount nodes { status payslips(filter: { employee: { id: { eq: $e } } }) { totalCount } } } }`, vars)
		want := map[bool]string{
			true:  `{"employee":{"payslips":{"totalCount":1,"nodes":[{"gross":"5500.00"}]}},"payrollRuns":{"totalCount":1,"nodes":[{"status":"DRAFT","payslips":{"totalCount":1}}]}}`,
			false: `{"employee":{"payslips":{"totalCount":0,"nodes":[]}},"payrollRuns":{"totalCount":1,"nodes":[{"status":"DRAFT","payslips":{"totalCount":0}}]}}`,
		}[sees[who.name]]
		if string(r.Data) != want || len(r.Errors) > 0 {
			t.Errorf("%s: lists %s\nwant %s", who.name, r.Body, want)
		}
		// The run's payslips: hr and admin see all, anyone else their own
		// at most (a manager is paid in the run too).
		var own int64
		a.one(&own, `SELECT count(*) FROM payslips WHERE run_id = $1 AND employee_id = $2`, run, who.employee)
		r = a.do(who, `query($r: [ID!]) { payrollRuns(filter: { id: { in: $r } }) { nodes { payslips { totalCount } } } }`, vars)
		wantCount := own
		if who.name == "hr" || who.name == "admin" {
			wantCount = all
		}
		if !strings.Contains(string(r.Data), fmt.Sprintf(`{"totalCount":%d}`, wantCount)) {
			t.Errorf("%s: the run's payslips %s; want %d", who.name, r.Body, wantCount)
		}
		// Filters and orderings by gross: only for who may read every
		// gross (hr, admin); the rest are refused, whatever they see.
		r = a.do(who, `query($r: [ID!]) { payrollRuns(filter: { id: { in: $r } }) { nodes {
			payslips(filter: { gross: { eq: "5500.00" } }, orderBy: [{ field: GROSS, direction: DESC }]) { totalCount } } } }`, vars)
		if who.name == "hr" || who.name == "admin" {
			if !strings.Contains(string(r.Data), `"totalCount":`) || strings.Contains(string(r.Data), `"totalCount":0`) || len(r.Errors) > 0 {
				t.Errorf("%s: filtered by gross %s; want the payslips of 5500.00", who.name, r.Body)
			}
		} else if r.Code() != "FORBIDDEN" {
			t.Errorf("%s: filtered by gross %s; want FORBIDDEN", who.name, r.Body)
		}
	}

	// Every read of a gross is in the audit log, with the payslip and the
	// employee paid; a filter by it as a compare.
	got := a.auditUses(log, "Payslip", "payslips", []int64{slip}, c.employee.employee)
	for _, want := range []string{"test-viewer Payslip.gross read true true", "test-hr Payslip.gross read true true",
		"test-admin Payslip.gross read true true", "test-hr payslips.gross compare", "test-admin payslips.gross compare"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit rows %q lack %q", got, want)
		}
	}
	if strings.Contains(got, "test-manager") {
		t.Errorf("a manager's read of a gross was recorded: %q", got)
	}
}

// TestPayroll_ComputingARunIsOneStatement: creating a run costs the same
// statements for a month of few people as for one of many: its payslips
// are one INSERT … SELECT, not a statement per person.
func TestPayroll_ComputingARunIsOneStatement(t *testing.T) {
	a := newAPI(t)
	a.resetPayroll()
	hr := caller{"hr", 0, []auth.Role{auth.HR}}
	cost := func(month string) (int64, int64) {
		before := a.pool.Statements()
		a.ok(hr, `mutation($in: CreatePayrollRunInput!) { createPayrollRun(input: $in) { run { id } } }`, in(map[string]any{"month": month}))
		return a.pool.Statements() - before, a.int(`SELECT count(*) FROM payslips p JOIN payroll_runs r ON r.id = p.run_id WHERE r.period_start = $1::date`, month+"-01")
	}
	first := a.int(`SELECT date_part('year', min(hired_on))::bigint FROM employees`)
	few, fewSlips := cost(fmt.Sprintf("%d-12", first))
	many, manySlips := cost("2026-08")
	t.Logf("%d payslips: %d statements; %d payslips: %d statements", fewSlips, few, manySlips, many)
	if fewSlips >= manySlips || fewSlips == 0 {
		t.Fatalf("the months have %d and %d payslips: the demo data cannot tell", fewSlips, manySlips)
	}
	if few != many {
		t.Errorf("a run of %d payslips cost %d statements, one of %d cost %d: the payslips are written per person", fewSlips, few, manySlips, many)
	}
}
