package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// The timesheet workflow's rules (DOMAIN.md, "Workflows the firm runs on
// top"): an employee submits their own week; a manager in their reporting
// line approves or rejects it. Both steps update the same row, so who may
// take which step is said by the columns each step sets: the submission's
// time is the employee's, the decision's columns their line's.
var (
	// lineManager is a manager anywhere above the employee, or an admin;
	// never the employee themselves (no one is in their own line).
	lineManager = Grant{Roles: []auth.Role{auth.Admin},
		Via: []Via{{Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
	// personAndLine: a row about a person (a week of their time, their
	// onboarding) is seen by that person, the managers above them, hr and
	// admin; to anyone else it does not exist.
	personAndLine = Grant{Roles: []auth.Role{auth.HR, auth.Admin},
		Via: []Via{{Relation: Self}, {Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
	// timesheetSteps is whoever takes some step on a week: the row's
	// update grant, narrowed per step by the columns below.
	timesheetSteps = Grant{Roles: []auth.Role{auth.Admin},
		Via: []Via{{Relation: Self}, {Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
)

// The table is registered apart from Firm's literal so that each
// workflow's rules stay in a file of their own.
func init() {
	Firm["timesheets"] = Table{
		Rows: &personAndLine,
		Keys: Keys{Employee: "employee_id"},
		Columns: map[string]Column{
			"submitted_at": {Write: own},
			"decided_by":   {Write: lineManager},
			"decided_at":   {Write: lineManager},
			"comment":      {Write: lineManager},
		},
		// A week's row is created by its first submission.
		Create: own, Update: timesheetSteps,
	}
}
