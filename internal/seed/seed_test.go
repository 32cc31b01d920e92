package seed_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/seed"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// dbURL is the package's database, seeded once with testSeed at testScale.
var dbURL string

const (
	testSeed  = 42
	testScale = 0.01
)

func TestMain(m *testing.M) {
	os.Exit(testdb.Run(m, testdb.Options{Prepare: func(ctx context.Context, url string) error {
		_, err := seed.Run(ctx, url, seed.Options{Scale: testScale, Seed: testSeed})
		return err
	}}, &dbURL))
}

var tables = []string{"departments", "employees", "customers", "contacts", "projects", "assignments", "time_entries",
	"timesheets", "project_feedback", "payroll_runs", "payslips",
	"onboarding_templates", "onboarding_template_tasks", "onboardings", "onboarding_tasks"}

// fingerprints returns every table's row count and an md5 of its rows in id
// order: equal fingerprints mean byte-identical tables.
func fingerprints(t *testing.T, url string) map[string]string {
	t.Helper()
	conn := connect(t, url)
	fp := map[string]string{}
	for _, table := range tables {
		var n int64
		var sum string
		q := "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY id)) FROM " + table + " t"
		if err := conn.QueryRow(context.Background(), q).Scan(&n, &sum); err != nil {
			t.Fatalf("fingerprint %s: %v", table, err)
		}
		fp[table] = sum
	}
	return fp
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// freshDatabase is a second migrated, empty database, dropped after the test.
func freshDatabase(t *testing.T) string {
	t.Helper()
	url, drop, err := testdb.Create(context.Background(), os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(drop)
	return url
}

func TestRun_SameSeedAndScaleGiveIdenticalTables(t *testing.T) {
	t.Parallel()
	url := freshDatabase(t)
	var out bytes.Buffer
	stats, err := seed.Run(context.Background(), url, seed.Options{Scale: testScale, Seed: testSeed, Progress: &out})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	want, got := fingerprints(t, dbURL), fingerprints(t, url)
	for _, table := range tables {
		if got[table] != want[table] {
			t.Errorf("%s differs between two runs with seed %d", table, testSeed)
		}
		if stats.Rows[table] == 0 {
			t.Errorf("Stats.Rows[%s] = 0", table)
		}
	}
	// Not a terminal, so plain progress lines.
	if !strings.Contains(out.String(), "seed: time_entries 50000/50000\n") {
		t.Errorf("progress output lacks the time_entries line:\n%s", out.String())
	}
}

func TestRun_OtherSeedGivesOtherData(t *testing.T) {
	t.Parallel()
	url := freshDatabase(t)
	if _, err := seed.Run(context.Background(), url, seed.Options{Scale: testScale, Seed: testSeed + 1}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	want, got := fingerprints(t, dbURL), fingerprints(t, url)
	for _, table := range tables {
		if table == "payroll_runs" {
			continue // a run per month whatever the seed: only what it pays differs
		}
		if got[table] == want[table] {
			t.Errorf("%s is the same for seeds %d and %d", table, testSeed, testSeed+1)
		}
	}
}

func TestRun_VolumesFollowTheDomainAtScale(t *testing.T) {
	conn := connect(t, dbURL)
	// DOMAIN.md's scale-1 volumes times testScale, rounded.
	for table, base := range map[string]float64{
		"employees": 5_000, "customers": 20_000, "contacts": 60_000, "projects": 100_000,
		"assignments": 400_000, "time_entries": 5_000_000, "project_feedback": 50_000,
		"onboardings": 1_000,
	} {
		var n int64
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		if want := int64(math.Round(base * testScale)); n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
	for _, c := range []struct {
		name, query string
		check       func(v float64) bool
	}{
		{"departments: at least ten", `SELECT count(*) FROM departments`, func(v float64) bool { return v >= 10 }},
		{"department tree: one root", `SELECT count(*) FROM departments WHERE parent_id IS NULL`, func(v float64) bool { return v == 1 }},
		{"department tree: three levels", `WITH RECURSIVE tree AS (
			SELECT id, 1 AS depth FROM departments WHERE parent_id IS NULL
			UNION ALL SELECT d.id, tree.depth + 1 FROM departments d JOIN tree ON d.parent_id = tree.id)
			SELECT max(depth) FROM tree`, func(v float64) bool { return v == 3 }},
		{"projects skewed: the largest customer has many times the median",
			`SELECT max(n) / percentile_disc(0.5) WITHIN GROUP (ORDER BY n)
			 FROM (SELECT count(*)::float8 AS n FROM projects GROUP BY customer_id) c`,
			func(v float64) bool { return v >= 20 }},
		{"hours: mostly 1 to 8", `SELECT avg((hours BETWEEN 1 AND 8)::int) FROM time_entries`,
			func(v float64) bool { return v >= 0.7 }},
		{"some projects without a manager", `SELECT count(*) FROM projects WHERE manager_id IS NULL`, func(v float64) bool { return v > 0 }},
		{"some projects without a due date", `SELECT count(*) FROM projects WHERE due_on IS NULL`, func(v float64) bool { return v > 0 }},
		{"some open-ended assignments", `SELECT count(*) FROM assignments WHERE ends_on IS NULL`, func(v float64) bool { return v > 0 }},
		{"every enum value of project status used", `SELECT count(DISTINCT status) FROM projects`, func(v float64) bool { return v == 5 }},
		{"every timesheet status used", `SELECT count(DISTINCT status) FROM timesheets`, func(v float64) bool { return v == 4 }},
		{"onboarding templates: one for any department and some per department",
			`SELECT count(*) FILTER (WHERE department_id IS NULL) * 100 + count(*) FILTER (WHERE department_id IS NOT NULL) FROM onboarding_templates`,
			func(v float64) bool { return v >= 102 && v <= 104 }},
		{"onboarding templates: 6 to 10 tasks each, every owner used",
			`SELECT CASE WHEN min(n) >= 6 AND max(n) <= 10 AND (SELECT count(DISTINCT owner) FROM onboarding_template_tasks) = 4 THEN 1 ELSE 0 END
			 FROM (SELECT count(*) AS n FROM onboarding_template_tasks GROUP BY template_id) c`, func(v float64) bool { return v == 1 }},
		{"onboardings: most completed", `SELECT avg((status = 'completed')::int) FROM onboardings`, func(v float64) bool { return v >= 0.6 }},
		{"onboardings under way: at least two, with tasks done and tasks overdue",
			`SELECT count(DISTINCT o.id) FILTER (WHERE t.completed_at IS NOT NULL) * 1000 + count(*) FILTER (WHERE t.completed_at IS NULL AND t.due_on < current_date)
			 FROM onboardings o JOIN onboarding_tasks t ON t.onboarding_id = o.id WHERE o.status = 'in_progress'`,
			func(v float64) bool { return v >= 2000 && int(v)%1000 > 0 }},
		{"timesheets: about two years of weeks per employee (DOMAIN: 520,000 for 5,000)",
			`SELECT count(*)::float8 / (SELECT count(*) FROM employees) FROM timesheets`, func(v float64) bool { return v > 80 && v <= 104 }},
		{"payroll: 24 monthly runs, July 2024 to June 2026",
			`SELECT count(*) FROM payroll_runs WHERE period_start BETWEEN '2024-07-01' AND '2026-06-01'`, func(v float64) bool { return v == 24 }},
		{"payroll: the older runs paid, the one before last approved, the last a draft",
			`SELECT (string_agg(status::text, ' ' ORDER BY period_start DESC) = 'draft approved ' || repeat('paid ', 21) || 'paid')::int FROM payroll_runs`,
			func(v float64) bool { return v == 1 }},
		{"payroll: a payslip per person employed in the month, about one per employee and month (DOMAIN: 120,000 for 5,000)",
			`SELECT count(*)::float8 / (24 * (SELECT count(*) FROM employees)) FROM payslips`, func(v float64) bool { return v > 0.6 && v <= 1 }},
		{"payroll: contractors paid by the hour, for some hours",
			`SELECT count(*) FROM payslips WHERE basis = 'hourly' AND hours > 0`, func(v float64) bool { return v > 0 }},
		{"timesheets: past weeks mostly approved",
			`SELECT avg((status = 'approved')::int) FROM timesheets WHERE week_start < '2026-06-01'`, func(v float64) bool { return v > 0.95 }},
		// The demo's states (issue 16): the workflows' tabs and role
		// buttons need work in progress to act on.
		{"one review cycle in progress, the others closed",
			`SELECT count(*) FILTER (WHERE status = 'open') * 100 + count(*) FILTER (WHERE status <> 'closed') FROM review_cycles`,
			func(v float64) bool { return v == 101 }},
		{"the cycle in progress has reviews not started, self-assessed and assessed, none final",
			`SELECT count(DISTINCT r.status) * 10 + count(*) FILTER (WHERE r.status = 'finalized')
			 FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id WHERE c.status = 'open'`,
			func(v float64) bool { return v == 30 }},
		{"submitted weeks wait for a decision in several managers' lines (direct reports')",
			`SELECT count(DISTINCT e.manager_id) FROM timesheets s JOIN employees e ON e.id = s.employee_id
			 WHERE s.status = 'submitted' AND e.manager_id IS NOT NULL`,
			func(v float64) bool { return v >= 5 }},
		{"self-assessments wait for several reviewers",
			`SELECT count(DISTINCT r.reviewer_id) FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id
			 WHERE c.status = 'open' AND r.status = 'self_submitted'`,
			func(v float64) bool { return v >= 3 }},
	} {
		var v float64
		if err := conn.QueryRow(context.Background(), c.query).Scan(&v); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !c.check(v) {
			t.Errorf("%s: got %v", c.name, v)
		}
	}
}

// TestRun_DataIsConsistent checks the invariants the API and the analytics
// rely on. Each query counts violations.
func TestRun_DataIsConsistent(t *testing.T) {
	conn := connect(t, dbURL)
	for _, c := range []struct{ name, query string }{
		{"everyone but exactly one employee has a manager",
			`SELECT abs(count(*) FILTER (WHERE manager_id IS NULL) - 1) FROM employees`},
		{"every employee reports up to the CEO", `WITH RECURSIVE chain AS (
			SELECT id FROM employees WHERE manager_id IS NULL
			UNION ALL SELECT e.id FROM employees e JOIN chain ON e.manager_id = chain.id)
			SELECT (SELECT count(*) FROM employees) - (SELECT count(*) FROM chain)`},
		{"a manager works in the same department or the one above",
			`SELECT count(*) FROM employees e JOIN employees m ON m.id = e.manager_id JOIN departments d ON d.id = e.department_id
			 WHERE m.department_id <> e.department_id AND m.department_id IS DISTINCT FROM d.parent_id`},
		{"terminated exactly when terminated_on is set, after hired_on",
			`SELECT count(*) FROM employees WHERE (status = 'terminated') <> (terminated_on IS NOT NULL) OR terminated_on <= hired_on`},
		{"every time entry is covered by an assignment of that employee to that project",
			`SELECT count(*) FROM time_entries te WHERE NOT EXISTS (
				SELECT 1 FROM assignments a WHERE a.project_id = te.project_id AND a.employee_id = te.employee_id
				AND te.work_date >= a.starts_on AND (a.ends_on IS NULL OR te.work_date <= a.ends_on))`},
		{"time is logged while employed",
			`SELECT count(*) FROM time_entries te JOIN employees e ON e.id = te.employee_id
			 WHERE te.work_date < e.hired_on OR te.work_date > e.terminated_on`},
		{"time is logged on weekdays from 2018 to 2026",
			`SELECT count(*) FROM time_entries WHERE extract(isodow FROM work_date) > 5
			 OR work_date NOT BETWEEN '2018-01-01' AND '2026-12-31'`},
		{"hours are in (0, 24]", `SELECT count(*) FROM time_entries WHERE hours <= 0 OR hours > 24`},
		{"no time on proposed projects or before a project starts",
			`SELECT count(*) FROM time_entries te JOIN projects p ON p.id = te.project_id
			 WHERE p.status = 'proposed' OR te.work_date < p.start_on`},
		{"completed_at exactly for completed projects, not before the start",
			`SELECT count(*) FROM projects WHERE (status = 'completed') <> (completed_at IS NOT NULL) OR completed_at::date < start_on`},
		{"project codes look like ACME-2026-014",
			`SELECT count(*) FROM projects WHERE code !~ '^[A-Z]{4}-20[0-9]{2}-[0-9]{3,}$'`},
		{"assignments end after they start", `SELECT count(*) FROM assignments WHERE ends_on < starts_on`},
		{"a timesheet is a week the employee was employed in",
			`SELECT count(*) FROM timesheets s JOIN employees e ON e.id = s.employee_id
			 WHERE s.week_start + 6 < e.hired_on OR s.week_start > e.terminated_on`},
		{"a decided week is decided by the employee's manager, after it was submitted; an open one has neither",
			`SELECT count(*) FROM timesheets s JOIN employees e ON e.id = s.employee_id WHERE
			 (s.status IN ('approved', 'rejected')) <> (s.decided_at IS NOT NULL) OR s.decided_by IS DISTINCT FROM
			 (CASE WHEN s.decided_at IS NOT NULL THEN e.manager_id END) OR s.decided_at < s.submitted_at
			 OR (s.status = 'open') <> (s.submitted_at IS NULL) OR (s.status = 'rejected') <> (s.comment IS NOT NULL)`},
		{"feedback is from a contact of the project's customer, while the project ran",
			`SELECT count(*) FROM project_feedback f JOIN projects p ON p.id = f.project_id
			 LEFT JOIN contacts c ON c.id = f.contact_id
			 WHERE (f.contact_id IS NOT NULL AND c.customer_id IS DISTINCT FROM p.customer_id)
			    OR f.received_at::date < p.start_on OR f.received_at::date > coalesce(p.completed_at::date, '2026-06-30')`},
		{"a payslip pays someone employed in its month, in their salary's currency, by their employment type",
			`SELECT count(*) FROM payslips p JOIN payroll_runs r ON r.id = p.run_id JOIN employees e ON e.id = p.employee_id
			 WHERE e.hired_on > r.period_end OR e.terminated_on < r.period_start OR p.currency <> e.salary_currency
			    OR (p.basis = 'hourly') <> (e.employment_type = 'contractor') OR (p.basis = 'salary' AND p.hours <> 0)`},
		{"runs are approved by another subject than their creator, after they were created",
			`SELECT count(*) FROM payroll_runs WHERE approved_by = created_by OR approved_at < created_at OR paid_at < approved_at`},
		{"an onboarding has its template's tasks, due from its start; completed ones all done, by the last",
			`SELECT count(*) FROM onboardings o WHERE
			 (SELECT count(*) FROM onboarding_tasks t WHERE t.onboarding_id = o.id) <> (SELECT count(*) FROM onboarding_template_tasks WHERE template_id = o.template_id)
			 OR EXISTS (SELECT 1 FROM onboarding_tasks t WHERE t.onboarding_id = o.id AND t.due_on < o.starts_on)
			 OR o.status = 'completed' AND (EXISTS (SELECT 1 FROM onboarding_tasks t WHERE t.onboarding_id = o.id AND t.completed_at IS NULL)
			    OR o.completed_at <> (SELECT max(completed_at) FROM onboarding_tasks t WHERE t.onboarding_id = o.id))`},
		{"an onboarding task is completed by its new hire or their manager, or (hr, it) by no one named",
			`SELECT count(*) FROM onboarding_tasks t JOIN onboardings o ON o.id = t.onboarding_id JOIN employees e ON e.id = o.employee_id
			 WHERE t.completed_by IS DISTINCT FROM CASE WHEN t.completed_at IS NULL THEN NULL WHEN t.owner = 'new_hire' THEN e.id
			    WHEN t.owner = 'manager' THEN e.manager_id END`},
		{"customers exist before their projects",
			`SELECT count(*) FROM projects p JOIN customers c ON c.id = p.customer_id WHERE c.created_at > p.created_at`},
		{"updated_at is not before created_at", `SELECT
			(SELECT count(*) FROM employees WHERE updated_at < created_at) +
			(SELECT count(*) FROM customers WHERE updated_at < created_at) +
			(SELECT count(*) FROM projects WHERE updated_at < created_at)`},
		{"exactly one primary contact per customer with contacts",
			`SELECT count(*) FROM (SELECT customer_id FROM contacts GROUP BY customer_id HAVING count(*) FILTER (WHERE is_primary) <> 1) c`},
		{"identity sequences continue after the seeded ids", `SELECT count(*) FROM unnest(ARRAY[` +
			`'departments','employees','customers','contacts','projects','assignments','time_entries']) AS t(name)
			 WHERE pg_sequence_last_value(pg_get_serial_sequence(t.name, 'id')) IS DISTINCT FROM
			       (xpath('/row/max/text()', query_to_xml('SELECT max(id) FROM ' || t.name, false, true, '')))[1]::text::bigint`},
	} {
		var violations int64
		if err := conn.QueryRow(context.Background(), c.query).Scan(&violations); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if violations != 0 {
			t.Errorf("%s: %d violations", c.name, violations)
		}
	}
}

// Seeding drops indexes and foreign keys for speed; they must come back
// exactly as the migrations made them.
func TestRun_LeavesTheSchemaAsMigrated(t *testing.T) {
	t.Parallel()
	const q = `SELECT string_agg(def, E'\n' ORDER BY def) FROM (
		SELECT pg_get_indexdef(indexrelid) || CASE WHEN indisvalid THEN '' ELSE ' INVALID' END AS def
		FROM pg_index WHERE indrelid::regclass::text = ANY($1)
		UNION ALL
		SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || CASE WHEN convalidated THEN '' ELSE ' NOT VALIDATED' END
		FROM pg_constraint WHERE conrelid::regclass::text = ANY($1)) s`
	schema := func(url string) string {
		var s string
		if err := connect(t, url).QueryRow(context.Background(), q, tables).Scan(&s); err != nil {
			t.Fatalf("read schema: %v", err)
		}
		return s
	}
	migrated, seeded := schema(freshDatabase(t)), schema(dbURL)
	if seeded != migrated {
		t.Errorf("schema after seeding:\n%s\nas migrated:\n%s", seeded, migrated)
	}
	if !strings.Contains(seeded, "FOREIGN KEY (employee_id) REFERENCES employees(id)") {
		t.Errorf("schema lacks the foreign keys:\n%s", seeded)
	}
}

func TestRun_RefusesADatabaseWithData(t *testing.T) {
	before := fingerprints(t, dbURL)
	_, err := seed.Run(context.Background(), dbURL, seed.Options{Scale: testScale, Seed: 7})
	if !errors.Is(err, seed.ErrNotEmpty) {
		t.Fatalf("seeding a seeded database: got %v, want ErrNotEmpty", err)
	}
	after := fingerprints(t, dbURL)
	for _, table := range tables {
		if before[table] != after[table] {
			t.Errorf("%s changed although seeding was refused", table)
		}
	}
}

func TestRun_RejectsABadScale(t *testing.T) {
	for _, scale := range []float64{0, -1, math.NaN(), math.Inf(1), 1000} {
		if _, err := seed.Run(context.Background(), "postgres://unused", seed.Options{Scale: scale}); err == nil {
			t.Errorf("scale %v: no error", scale)
		}
	}
}
