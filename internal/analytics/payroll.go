package analytics

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/store"
)

// DepartmentMonthPayroll is what one department's people were paid in one
// month and currency: a sum of payslips' gross, a sensitive column, so the
// schema gives it to hr and admin only and audits every answer as a sum.
type DepartmentMonthPayroll struct {
	DepartmentRef
	Month     store.Date             `gorm:"column:month"`
	RunStatus store.PayrollRunStatus `gorm:"column:run_status"`
	Currency  string                 `gorm:"column:currency"`
	Payslips  int                    `gorm:"column:payslips"`
	Gross     store.Decimal          `gorm:"column:gross"`
}

// Contributors is how many people's gross the sum adds up (one payslip
// each): a sum over too few is withheld from callers who may read only
// sums (none may today: hr and admin read every gross).
func (d *DepartmentMonthPayroll) Contributors() int { return d.Payslips }

// PayrollCost is the gross paid per department of the subtree, month and
// currency: one statement over the months' runs.
func (r *Reports) PayrollCost(ctx context.Context, from, to store.Date, department *string) ([]*DepartmentMonthPayroll, error) {
	args, err := r.args(ctx, &from, &to, true, department)
	return run[DepartmentMonthPayroll](ctx, r, err, "payroll cost", payrollCostSQL, args)
}

// payrollCostSQL sums the payslips of the runs of the range (one per
// month, found by the unique period_start) by the people's department of
// today, never across currencies.
var payrollCostSQL = subtreeCTE + `
SELECT d.id AS department_id, d.code AS department_code, d.name AS department_name,
       r.period_start AS month, r.status AS run_status, p.currency,
       count(*) AS payslips, sum(p.gross) AS gross
FROM payroll_runs r
JOIN payslips p ON p.run_id = r.id
JOIN employees e ON e.id = p.employee_id
JOIN departments d ON d.id = e.department_id
WHERE r.period_start BETWEEN CAST(@from AS date) AND CAST(@to AS date)
  AND e.department_id IN (SELECT id FROM subtree)
GROUP BY d.id, d.code, d.name, r.period_start, r.status, p.currency
ORDER BY r.period_start, d.code, p.currency`
