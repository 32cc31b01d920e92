package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// The grants the firm's tables share (DOMAIN.md, "Who reads what" and "Who
// writes what").
var (
	admin = Grant{Roles: []auth.Role{auth.Admin}}
	// Personnel data: hr and admin for every employee, a manager for the
	// employees in their own reporting line (all levels below them).
	personnel = Grant{Roles: []auth.Role{auth.HR, auth.Admin},
		Via: []Via{{Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
	// People are hired, changed and terminated by hr.
	hrWrites = Grant{Roles: []auth.Role{auth.HR, auth.Admin}}
	// A project's manager staffs it and runs it.
	projectManager = Grant{Roles: []auth.Role{auth.Admin},
		Via: []Via{{Relation: ProjectManager, Roles: []auth.Role{auth.Manager}}}}
	// A customer's account manager keeps it and its contacts, whatever
	// their role.
	accountManager = Grant{Roles: []auth.Role{auth.Admin}, Via: []Via{{Relation: AccountManager}}}
	// Everyone at the firm logs, corrects and deletes their own time (in a
	// week not yet submitted or approved: a validation of the write, not a
	// right).
	own = Grant{Roles: []auth.Role{auth.Admin}, Via: []Via{{Relation: Self}}}

	// Bill rates are read by managers and admins; the analytics role reads
	// what they add up to (the budget burn and revenue figures it is
	// registered for), not the rates. Only the project's manager or an
	// admin sets them.
	billRate = Column{Read: Grant{Roles: []auth.Role{auth.Manager, auth.Admin}}, Sum: []auth.Role{auth.Analytics},
		Write: projectManager}
	personal = Column{Read: personnel, Write: hrWrites}
	// adminSets is a column only an admin sets, whoever else writes its
	// row.
	adminSets = Column{Write: admin}
)

// Firm is the firm's rules, one Table per table. Every row of the firm's
// own tables is visible to every role (no Rows); the workflows' tables
// declare who sees their rows (reviews: reviews.go), and the store scopes
// its lists by it.
var Firm = Rules{
	"departments": {Create: admin, Update: admin, Delete: admin},
	"employees": {
		Keys: Keys{Employee: "id"},
		Columns: map[string]Column{
			"salary":          personal,
			"salary_currency": personal,
			"personal_email":  personal,
			"phone":           personal,
			"birth_date":      personal,
			"home_address":    personal,
		},
		Create: hrWrites, Update: hrWrites, Delete: admin,
	},
	"customers": {
		Keys:   Keys{Customer: "id"},
		Create: admin, Update: accountManager, Delete: admin,
	},
	"contacts": {
		Keys:   Keys{Customer: "customer_id"},
		Create: accountManager, Update: accountManager, Delete: accountManager,
	},
	"projects": {
		Keys: Keys{Project: "id", Customer: "customer_id"},
		// Its manager sets a project's status, dates, description and
		// priority; what it is, for whom and for how much is the admins'.
		Columns: map[string]Column{
			"code":          adminSets,
			"name":          adminSets,
			"customer_id":   adminSets,
			"manager_id":    adminSets,
			"budget":        adminSets,
			"currency":      adminSets,
			"billing_model": adminSets,
		},
		Create: admin, Update: projectManager, Delete: admin,
	},
	"assignments": {
		Keys:    Keys{Employee: "employee_id", Project: "project_id"},
		Columns: map[string]Column{"bill_rate": billRate},
		Create:  projectManager, Update: projectManager, Delete: projectManager,
	},
	"time_entries": {
		Keys:   Keys{Employee: "employee_id", Project: "project_id"},
		Create: own, Update: own, Delete: own,
	},
	// The audit of writes keeps the sensitive columns' old and new values
	// apart; reading them is reading salaries and rates, so it is audited
	// like them. Only the writes themselves add rows.
	"write_audit": {
		Columns: map[string]Column{"sensitive_changes": {Read: admin}},
	},
	// Performance reviews (reviews.go).
	"review_cycles":         {Create: hrWrites, Update: hrWrites},
	"reviews":               reviews,
	"review_rating_changes": {Create: hrWrites},
}
