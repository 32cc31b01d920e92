package policy_test

import (
	"errors"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// The callers of the cases: a manager (employee 10) with employee 11 in
// their reporting line and 12 outside it; employee 20 a viewer.
var (
	viewer      = &auth.Identity{Subject: "viewer", Roles: []auth.Role{auth.Viewer}, EmployeeID: 20}
	manager     = &auth.Identity{Subject: "manager", Roles: []auth.Role{auth.Manager}, EmployeeID: 10}
	managerNoID = &auth.Identity{Subject: "manager without an employee id", Roles: []auth.Role{auth.Manager}}
	hr          = &auth.Identity{Subject: "hr", Roles: []auth.Role{auth.HR}, EmployeeID: 30}
	analytics   = &auth.Identity{Subject: "analytics", Roles: []auth.Role{auth.Analytics}, EmployeeID: 20}
	admin       = &auth.Identity{Subject: "admin", Roles: []auth.Role{auth.Admin}}
	viewerAndHR = &auth.Identity{Subject: "viewer and hr", Roles: []auth.Role{auth.Viewer, auth.HR}}
	// viewerAbove sits where the manager does but lacks the role: a
	// relation grants only with the roles it names.
	viewerAbove  = &auth.Identity{Subject: "viewer above the line", Roles: []auth.Role{auth.Viewer}, EmployeeID: 10}
	anonymous    *auth.Identity
	everyone     = []*auth.Identity{viewer, manager, managerNoID, hr, analytics, admin, viewerAndHR, viewerAbove, anonymous}
	belowManager = func(m int64) (bool, error) { return m == 10, nil }
)

var (
	inLine     = &policy.Facts{Employee: 11, Below: belowManager}
	outOfLine  = &policy.Facts{Employee: 12, Below: func(int64) (bool, error) { return false, nil }}
	ownEntry   = &policy.Facts{Employee: 20, ProjectManager: 10}
	otherEntry = &policy.Facts{Employee: 21, ProjectManager: 99}
	managed    = &policy.Facts{ProjectManager: 10, Employee: 12}
	notManaged = &policy.Facts{ProjectManager: 99, Employee: 12}
	account    = &policy.Facts{AccountManager: 20}
	noAccount  = &policy.Facts{AccountManager: 99}
)

// allowedTo lists who of everyone may; the others may not.
func allowedTo(ids ...*auth.Identity) map[*auth.Identity]bool {
	m := map[*auth.Identity]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// Role × table × column × action × row, from plain values: the firm's
// rules (DOMAIN.md, "Who reads what" and "Who writes what").
func TestFirm_WhoMayDoWhat(t *testing.T) {
	personnel := allowedTo(hr, admin, viewerAndHR)
	for _, c := range []struct {
		name    string
		action  policy.Action
		table   string
		row     policy.Row
		columns []string
		allowed map[*auth.Identity]bool
	}{
		// Personnel columns: hr and admin on every row, a manager on the
		// rows of their reporting line only; across rows, hr and admin.
		{"salary of someone in the manager's line", policy.Read, "employees", inLine, []string{"salary"}, allowedTo(hr, admin, viewerAndHR, manager)},
		{"salary of someone outside it", policy.Read, "employees", outOfLine, []string{"salary"}, personnel},
		{"home address of someone in the line", policy.Read, "employees", inLine, []string{"home_address"}, allowedTo(hr, admin, viewerAndHR, manager)},
		{"salary without a row", policy.Read, "employees", nil, []string{"salary"}, personnel},
		{"filter or order by salary", policy.ReadAcross, "employees", nil, []string{"salary"}, personnel},
		{"filter by salary on a row in the line", policy.ReadAcross, "employees", inLine, []string{"salary"}, personnel},
		{"sum of salaries", policy.ReadSum, "employees", nil, []string{"salary"}, personnel},
		{"sum of salaries in the line", policy.ReadSum, "employees", inLine, []string{"salary"}, allowedTo(hr, admin, viewerAndHR, manager)},
		{"last name", policy.Read, "employees", outOfLine, []string{"last_name"}, allowedTo(everyone...)},
		{"order by last name", policy.ReadAcross, "employees", nil, []string{"last_name"}, allowedTo(everyone...)},
		{"an employee row", policy.Read, "employees", outOfLine, nil, allowedTo(everyone...)},
		// Bill rates: managers and admins; what they add up to, analytics
		// too.
		{"bill rate", policy.Read, "assignments", notManaged, []string{"bill_rate"}, allowedTo(manager, managerNoID, admin)},
		{"filter by bill rate", policy.ReadAcross, "assignments", nil, []string{"bill_rate"}, allowedTo(manager, managerNoID, admin)},
		{"sum of bill rates", policy.ReadSum, "assignments", nil, []string{"bill_rate"}, allowedTo(manager, managerNoID, admin, analytics)},
		{"an assignment's role", policy.Read, "assignments", notManaged, []string{"role"}, allowedTo(everyone...)},
		{"a table without rules", policy.Read, "audit_events", nil, []string{"field"}, allowedTo(everyone...)},

		// Time entries: everyone at the firm their own; admins all.
		{"log own time", policy.Create, "time_entries", ownEntry, []string{"hours", "work_date"}, allowedTo(viewer, admin)},
		{"log someone else's time", policy.Create, "time_entries", otherEntry, []string{"hours"}, allowedTo(admin)},
		{"correct own time", policy.Update, "time_entries", ownEntry, []string{"hours"}, allowedTo(viewer, admin)},
		{"delete own time", policy.Delete, "time_entries", ownEntry, nil, allowedTo(viewer, admin)},
		// Projects: its manager runs it, but not its budget or customer.
		{"status of a managed project", policy.Update, "projects", managed, []string{"status", "due_on", "priority", "description"}, allowedTo(manager, admin)},
		{"budget of a managed project", policy.Update, "projects", managed, []string{"status", "budget"}, allowedTo(admin)},
		{"customer of a managed project", policy.Update, "projects", managed, []string{"customer_id"}, allowedTo(admin)},
		{"status of another's project", policy.Update, "projects", notManaged, []string{"status"}, allowedTo(admin)},
		{"create a project", policy.Create, "projects", managed, []string{"code", "name"}, allowedTo(admin)},
		{"delete a managed project", policy.Delete, "projects", managed, nil, allowedTo(admin)},
		// Assignments: the project's manager staffs it, bill rate
		// included.
		{"assign to a managed project", policy.Create, "assignments", managed, []string{"employee_id", "bill_rate"}, allowedTo(manager, admin)},
		{"change a bill rate on a managed project", policy.Update, "assignments", managed, []string{"bill_rate"}, allowedTo(manager, admin)},
		{"change a bill rate elsewhere", policy.Update, "assignments", notManaged, []string{"bill_rate"}, allowedTo(admin)},
		{"end an assignment of a managed project", policy.Delete, "assignments", managed, nil, allowedTo(manager, admin)},
		// Employees: hr hires, changes and terminates, sensitive columns
		// included; a manager changes no one, not even their line.
		{"hire", policy.Create, "employees", outOfLine, []string{"first_name", "salary"}, allowedTo(hr, viewerAndHR, admin)},
		{"raise a salary in the line", policy.Update, "employees", inLine, []string{"salary"}, allowedTo(hr, viewerAndHR, admin)},
		{"change a title", policy.Update, "employees", inLine, []string{"title"}, allowedTo(hr, viewerAndHR, admin)},
		{"delete an employee", policy.Delete, "employees", outOfLine, nil, allowedTo(admin)},
		// Customers and contacts: their account manager, whatever their
		// role.
		{"update own account", policy.Update, "customers", account, []string{"website"}, allowedTo(viewer, admin)},
		{"update another account", policy.Update, "customers", noAccount, []string{"website"}, allowedTo(admin)},
		{"delete own account", policy.Delete, "customers", account, nil, allowedTo(admin)},
		{"add a contact to own account", policy.Create, "contacts", account, []string{"name"}, allowedTo(viewer, admin)},
		{"add a contact elsewhere", policy.Create, "contacts", noAccount, []string{"name"}, allowedTo(admin)},
		{"rename a department", policy.Update, "departments", nil, []string{"name"}, allowedTo(admin)},
		{"write a table without rules", policy.Create, "audit_events", nil, nil, allowedTo()},
	} {
		for _, id := range everyone {
			got, err := policy.Firm.Can(id, c.action, c.table, c.row, c.columns...)
			if err != nil {
				t.Fatalf("%s as %s: %v", c.name, subject(id), err)
			}
			if got != c.allowed[id] {
				t.Errorf("%s (%s %s %v) as %s: allowed %v, want %v", c.name, c.action, c.table, c.columns, subject(id), got, c.allowed[id])
			}
		}
	}
}

func subject(id *auth.Identity) string {
	if id == nil {
		return "no one"
	}
	return id.Subject
}

// A row that cannot answer (the reporting-line statement failed) is an
// error, not a refusal and not a grant; rows are asked only when a role
// does not decide.
func TestFirm_RowErrorsAreErrors(t *testing.T) {
	failed := errors.New("statement failed")
	row := &policy.Facts{Employee: 11, Below: func(int64) (bool, error) { return false, failed }}
	if _, err := policy.Firm.Can(manager, policy.Read, "employees", row, "salary"); !errors.Is(err, failed) {
		t.Errorf("manager: err %v, want %v", err, failed)
	}
	if ok, err := policy.Firm.Can(hr, policy.Read, "employees", row, "salary"); !ok || err != nil {
		t.Errorf("hr: %v %v, want allowed without asking the row", ok, err)
	}
}

// What a refused caller is told: what was refused and who may. The read
// refusals are part of the API (clients and tests compare them).
func TestFirm_CheckSaysWhoMay(t *testing.T) {
	for _, c := range []struct {
		id      *auth.Identity
		action  policy.Action
		table   string
		row     policy.Row
		columns []string
		want    string
	}{
		{manager, policy.Read, "employees", outOfLine, []string{"last_name", "salary"},
			"not allowed to read employees.salary: it needs the role hr or admin, or the role manager of someone the employee reports to"},
		{viewer, policy.Read, "assignments", nil, []string{"bill_rate"}, "not allowed to read assignments.bill_rate: it needs the role manager or admin"},
		{viewer, policy.ReadSum, "assignments", nil, []string{"bill_rate"}, "not allowed to sum assignments.bill_rate: it needs the role manager or admin or analytics"},
		{manager, policy.ReadAcross, "employees", inLine, []string{"salary"}, "not allowed to compare employees.salary: it needs the role hr or admin"},
		{manager, policy.Update, "projects", managed, []string{"status", "budget"}, "not allowed to update projects.budget: it needs the role admin"},
		{manager, policy.Update, "projects", notManaged, []string{"status"}, "not allowed to update projects: it needs the role admin, or the role manager managing the project"},
		{viewer, policy.Create, "time_entries", otherEntry, []string{"hours"}, "not allowed to create time_entries: it needs the role admin, or being the employee it concerns"},
		{manager, policy.Delete, "contacts", noAccount, nil, "not allowed to delete contacts: it needs the role admin, or being the customer's account manager"},
		{admin, policy.Delete, "audit_events", nil, nil, "not allowed to delete audit_events: no one may"},
	} {
		err := policy.Firm.Check(c.id, c.action, c.table, c.row, c.columns...)
		var refused *policy.Refused
		if !errors.As(err, &refused) || err.Error() != c.want {
			t.Errorf("%s: %v, want %q", subject(c.id), err, c.want)
		}
	}
	if err := policy.Firm.Check(manager, policy.Update, "projects", managed, "status"); err != nil {
		t.Errorf("allowed: %v", err)
	}
}

// The sensitive columns are those with a read rule, and only those.
func TestFirm_SensitiveColumns(t *testing.T) {
	var got []string
	for table, rules := range policy.Firm {
		for col := range rules.Columns {
			if policy.Firm.Sensitive(table, col) {
				got = append(got, table+"."+col)
			}
		}
	}
	want := map[string]bool{"employees.salary": true, "employees.salary_currency": true, "employees.personal_email": true,
		"employees.phone": true, "employees.birth_date": true, "employees.home_address": true, "assignments.bill_rate": true,
		// The audit of writes keeps the old and new values of the above.
		"write_audit.sensitive_changes": true,
		"reviews.self_assessment":       true, "reviews.manager_assessment": true, "reviews.rating": true,
		"payslips.gross": true}
	if len(got) != len(want) {
		t.Errorf("sensitive columns %v, want %v", got, want)
	}
	for _, col := range got {
		if !want[col] {
			t.Errorf("%s is sensitive, DOMAIN.md does not say so", col)
		}
	}
	if policy.Firm.Sensitive("projects", "budget") {
		t.Error("projects.budget is sensitive: only its writes are guarded")
	}
}
