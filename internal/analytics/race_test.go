package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/testdb"
)

// TestRollups_ExactUnderConcurrentWrites: a statement that changes what an
// hour is worth or where it counts (or a project's budget, whose share
// time_entry_projects keeps), and one that logs hours it concerns,
// in concurrent transactions, each committing in either order: the
// rollups equal a rebuild from the base tables afterwards (migration
// 00016; before it, the entries kept the old rate or department).
func TestRollups_ExactUnderConcurrentWrites(t *testing.T) {
	url := testdb.Fresh(t)
	ctx := context.Background()
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(ctx) })
		return c
	}
	check := connect()
	// A rated assignment whose period holds a day its employee worked on.
	var assignment, project, employee, other int64
	var day time.Time
	if err := check.QueryRow(ctx, `SELECT a.id, a.project_id, a.employee_id, greatest(a.starts_on, e.hired_on)
		FROM assignments a JOIN employees e ON e.id = a.employee_id
		WHERE a.bill_rate IS NOT NULL AND (a.ends_on IS NULL OR a.ends_on >= greatest(a.starts_on, e.hired_on))
		ORDER BY a.id LIMIT 1`).Scan(&assignment, &project, &employee, &day); err != nil {
		t.Fatal(err)
	}
	if err := check.QueryRow(ctx, `SELECT min(id) FROM departments WHERE id <> (SELECT department_id FROM employees WHERE id = $1)`,
		employee).Scan(&other); err != nil {
		t.Fatal(err)
	}
	// A project without hours, whose first hours the budget case logs
	// (time_entry_projects has no row of it to lock until then).
	var fresh int64
	if err := check.QueryRow(ctx, `SELECT min(p.id) FROM projects p
		WHERE NOT EXISTS (SELECT FROM time_entries t WHERE t.project_id = p.id)`).Scan(&fresh); err != nil || fresh == 0 {
		t.Fatalf("find a project without hours: %d, %v", fresh, err)
	}
	log := `INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable) VALUES ($1, $2, $3, 3, true)`
	for _, c := range []struct {
		name, change string
		args         []any
		project      int64 // the hours' project; zero: the rate's
	}{
		{"a rate", `UPDATE assignments SET bill_rate = bill_rate + 10 WHERE id = $1`, []any{assignment}, 0},
		{"a department", `UPDATE employees SET department_id = $2 WHERE id = $1`, []any{employee, other}, 0},
		{"a budget", `UPDATE projects SET budget = coalesce(budget, 0) + 1000 WHERE id = $1`, []any{project}, 0},
		{"the budget of a project without hours", `UPDATE projects SET budget = coalesce(budget, 0) + 1000 WHERE id = $1`, []any{fresh}, fresh},
	} {
		for _, changeFirst := range []bool{true, false} {
			first, second := connect(), connect()
			logged := project
			if c.project != 0 {
				logged = c.project
			}
			firstSQL, firstArgs, secondSQL, secondArgs := c.change, c.args, log, []any{employee, logged, day}
			if !changeFirst {
				firstSQL, firstArgs, secondSQL, secondArgs = secondSQL, secondArgs, firstSQL, firstArgs
			}
			tx1, err := first.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx1.Exec(ctx, firstSQL, firstArgs...); err != nil {
				t.Fatal(err)
			}
			tx2, err := second.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var pid uint32
			if err := tx2.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := tx2.Exec(ctx, secondSQL, secondArgs...); done <- err }()
			// The second statement either finishes (it need not wait) or
			// waits for the first transaction's lock; then the first commits.
			var finished, returned bool
			var secondErr error
			for !finished {
				select {
				case secondErr = <-done:
					finished, returned = true, true
				default:
					var waiting bool
					if err := check.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)`, pid).Scan(&waiting); err != nil {
						t.Fatal(err)
					}
					if waiting {
						finished = true
					}
				}
			}
			if err := tx1.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if !returned {
				select {
				case secondErr = <-done:
				case <-time.After(time.Minute):
					t.Fatalf("%s (change first: %v): the second statement still waits after the first committed", c.name, changeFirst)
				}
			}
			if secondErr != nil {
				t.Fatal(secondErr)
			}
			if err := tx2.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if diff := rollupsVersusRebuild(t, check); diff != "" {
				t.Errorf("%s changed with hours logged concurrently (change first: %v): the rollups differ from a rebuild:\n%s", c.name, changeFirst, diff)
			}
			if diff := rollupDiff(t, check); diff != "" {
				t.Errorf("%s changed with hours logged concurrently (change first: %v): %s", c.name, changeFirst, diff)
			}
		}
	}
}

// rollupsVersusRebuild compares the rollups with what a rebuild from the
// base tables makes, in a transaction rolled back afterwards.
func rollupsVersusRebuild(t *testing.T, c *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var diff string
	for _, q := range []string{
		`CREATE TEMP TABLE months_then ON COMMIT DROP AS TABLE time_entry_months`,
		`CREATE TEMP TABLE totals_then ON COMMIT DROP AS TABLE time_entry_totals`,
		`SELECT time_entry_months_rebuild()`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err = tx.QueryRow(ctx, `SELECT coalesce(string_agg(d, E'\n'), '') FROM (
		(SELECT 'months, kept:  ' || m::text AS d FROM (TABLE months_then EXCEPT ALL TABLE time_entry_months) m)
		UNION ALL (SELECT 'months, truth: ' || m::text FROM (TABLE time_entry_months EXCEPT ALL TABLE months_then) m)
		UNION ALL (SELECT 'totals, kept:  ' || m::text FROM (TABLE totals_then EXCEPT ALL TABLE time_entry_totals) m)
		UNION ALL (SELECT 'totals, truth: ' || m::text FROM (TABLE time_entry_totals EXCEPT ALL TABLE totals_then) m)) d`).Scan(&diff)
	if err != nil {
		t.Fatal(err)
	}
	return diff
}
