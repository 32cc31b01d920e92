package analytics_test

import (
	"fmt"
	"testing"
)

// wantPayrollCost is payrollCost's rows: $1 department (NULL: all), $2
// and $3 the range; payslips summed per month, department and currency,
// the department found by the tests' subtree.
var wantPayrollCost = subtreeSQL + `
SELECT ` + globalIDSQL + ` AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName",
       r.period_start AS month, upper(r.status::text) AS "runStatus", p.currency,
       count(*) AS payslips, sum(p.gross) AS gross
FROM payslips p
JOIN payroll_runs r ON r.id = p.run_id
JOIN employees e ON e.id = p.employee_id
JOIN departments d ON d.id = e.department_id
WHERE d.id IN (SELECT id FROM tree) AND r.period_start >= $2::date AND r.period_end <= $3::date
GROUP BY d.id, d.code, d.name, r.period_start, r.status, p.currency
ORDER BY month, "departmentCode", currency`

const payrollCostFields = `departmentId departmentCode departmentName month runStatus currency payslips gross`

func TestPayrollCost_MatchesPlainSQL(t *testing.T) {
	parent, leaf := departments(t)
	checkReport(t, "payrollCost", payrollCostFields, []reportCase{
		{name: "the seeded two years, every department", args: `from: "2024-07-01", to: "2026-06-30"`,
			wantSQL: wantPayrollCost, params: []any{nil, "2024-07-01", "2026-06-30"}},
		{name: "a subtree, the draft and approved months", args: fmt.Sprintf(`from: "2026-05-01", to: "2026-06-30", department: %q`, gid(parent)),
			wantSQL: wantPayrollCost, params: []any{parent, "2026-05-01", "2026-06-30"}},
		{name: "a leaf department, one month", args: fmt.Sprintf(`from: "2025-02-01", to: "2025-02-28", department: %q`, gid(leaf)),
			wantSQL: wantPayrollCost, params: []any{leaf, "2025-02-01", "2025-02-28"}},
		{name: "before the first run", args: `from: "2020-01-01", to: "2020-12-31"`,
			wantSQL: wantPayrollCost, params: []any{nil, "2020-01-01", "2020-12-31"}, empty: true},
	})
}
