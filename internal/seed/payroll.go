package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Payroll: a run for each of the 24 months up to asOf's (July 2024 to June
// 2026), at every scale (a firm pays monthly however large it is; the
// payslips grow with the employees: DOMAIN.md's about 120,000 at scale 1).
// Each run's payslips are computed by the same function as the API's
// (payroll_compute, migrations/00019_payroll.sql), from the employees and
// the approved weeks just seeded: one statement per run, no randomness, so
// a seed gives the same payslips at every run. The older runs are paid, the
// one before last approved, the latest month a draft: the demo has a draft
// to recompute and approve and an approved run to mark paid. Runs are
// created by one hr subject and approved by another (four eyes).

const payrollMonths = 24

var payrollTables = []string{"payroll_runs", "payslips"}

func seedPayroll(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows := map[string]int64{}
	last := asOf.date()
	tag, err := tx.Exec(ctx, `
INSERT INTO payroll_runs (period_start, period_end, status, created_by, created_at)
SELECT m::date, (m + interval '1 month' - interval '1 day')::date, 'draft', 'seed:payroll-clerk',
       m + interval '1 month' - interval '5 days' + interval '9 hours'
FROM generate_series(date_trunc('month', $1::date) - ($2::int - 1) * interval '1 month', date_trunc('month', $1::date), interval '1 month') m
ORDER BY m`, last, payrollMonths)
	if err != nil {
		return nil, fmt.Errorf("seed payroll runs: %w", err)
	}
	rows["payroll_runs"] = tag.RowsAffected()
	// One statement per run, as the API computes it, oldest first.
	var runs []int64
	r, err := tx.Query(ctx, `SELECT id FROM payroll_runs ORDER BY period_start`)
	if err == nil {
		runs, err = pgx.CollectRows(r, pgx.RowTo[int64])
	}
	if err != nil {
		return nil, fmt.Errorf("read the seeded payroll runs: %w", err)
	}
	var payslips int64
	for _, run := range runs {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM payroll_compute($1)`, run).Scan(&n); err != nil {
			return nil, fmt.Errorf("compute payroll run %d: %w", run, err)
		}
		payslips += n
	}
	rows["payslips"] = payslips
	// Approved, then paid, last: an approved run's payslips are final.
	if _, err := tx.Exec(ctx, `
UPDATE payroll_runs SET status = 'approved', approved_by = 'seed:payroll-approver',
       approved_at = period_end - interval '2 days' + interval '14 hours'
WHERE period_start < date_trunc('month', $1::date)`, last); err != nil {
		return nil, fmt.Errorf("approve the seeded payroll runs: %w", err)
	}
	if _, err := tx.Exec(ctx, `
UPDATE payroll_runs SET status = 'paid', paid_at = period_end + interval '10 hours'
WHERE period_start < date_trunc('month', $1::date) - interval '1 month'`, last); err != nil {
		return nil, fmt.Errorf("pay the seeded payroll runs: %w", err)
	}
	return rows, nil
}
