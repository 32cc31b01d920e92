package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// Payroll's rules (DOMAIN.md, "Workflows the firm runs on top"): hr runs
// payroll (creates, recomputes, approves, marks paid), and a run is
// approved by an hr caller other than its creator (CheckApprover). A
// payslip is seen by its employee, hr and admin; to anyone else, their
// managers included, it does not exist. Its gross is read by the same
// people and audited like a salary.
//
// The runs themselves are seen by everyone at the firm: a run's month,
// status and who ran it are the firm's calendar of pay, known to every
// employee, and an employee reaches their own payslip through its run;
// what a run pays is in its payslips, scoped above.
var (
	payslipReaders = Grant{Roles: []auth.Role{auth.HR, auth.Admin}, Via: []Via{{Relation: Self}}}

	payrollRuns = Table{Create: hrWrites, Update: hrWrites}
	payslips    = Table{
		Rows:    &payslipReaders,
		Keys:    Keys{Employee: "employee_id"},
		Columns: map[string]Column{"gross": {Read: payslipReaders}},
		// A draft's payslips are computed (created) and recomputed
		// (deleted, then created) by whoever runs payroll; never updated.
		Create: hrWrites, Delete: hrWrites,
	}
)

func init() {
	Firm["payroll_runs"] = payrollRuns
	Firm["payslips"] = payslips
}

// CheckApprover refuses the approval of a payroll run created by
// createdBy (a subject) to anyone who may not update runs, and to its
// creator whatever their role: a run is approved by a second person (four
// eyes), an admin included.
func (r Rules) CheckApprover(id *auth.Identity, createdBy string) error {
	cols := []string{"status", "approved_by", "approved_at"}
	if err := r.Check(id, Update, "payroll_runs", nil, cols...); err != nil {
		return err
	}
	if id.Subject == createdBy {
		return &Refused{Action: Update, Table: "payroll_runs", Column: "approved_by",
			Needs: "a payroll run is approved by an hr or admin caller other than its creator, and you created it"}
	}
	return nil
}
