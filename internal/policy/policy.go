// Package policy decides who may read and write what, in one place and
// from plain values: who (an *auth.Identity), what (a table, a column and,
// for rules that depend on the row, the row's facts), and which Action.
// It knows nothing of GraphQL: the executor's directives (graph), the
// store's filters, orderings and row scopes (store.Rules, answered by
// StoreRules), and later the writes, events and webhooks all ask it.
//
// The rules are data: Firm holds one Table per table of the firm's
// database (firm.go), each saying who sees its rows, who reads and writes
// its guarded columns, and who creates, updates and deletes its rows. A
// column with a read rule is sensitive; there is no other list of them.
//
// A refused action is an error that says who may (Check, Refused); every
// allowed read of a sensitive column is recorded in the
// audit log (Record).
package policy

import (
	"context"
	"slices"
	"strings"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
)

// Action is what a caller does with a table, a column or a row.
type Action int

const (
	// Read is reading a column of one row (or, with no column, seeing the
	// row at all).
	Read Action = iota
	// ReadAcross is using a column across rows: a filter, an ordering or
	// a comparison reveals it for every row it passes over, so only a
	// caller who may read it on every row may do it.
	ReadAcross
	// ReadSum is reading a figure summed from a column over many rows
	// (@sensitive(aggregate: true)), never the column's own values.
	ReadSum
	// Create, Update and Delete are the writes of a row; Create and
	// Update name the columns they set.
	Create
	Update
	Delete
	// Sync is creating or updating rows from an external system, keyed by
	// that system's id (sync.go).
	Sync
)

var actionNames = [...]string{Read: "read", ReadAcross: "compare", ReadSum: "sum", Create: "create", Update: "update", Delete: "delete", Sync: "sync"}

func (a Action) String() string { return actionNames[a] }

// writes reports whether a is a write.
func (a Action) writes() bool { return a >= Create }

// Relation is how a row relates to an employee: the caller's own employee
// record, when the rules grant something per row rather than per role.
type Relation int

const (
	// Self: the row concerns the employee (their record, their time
	// entries, their review).
	Self Relation = iota + 1
	// ReportingLine: the employee the row concerns sits below the
	// employee in the reporting line, at any depth.
	ReportingLine
	// ProjectManager: the row's project is managed by the employee.
	ProjectManager
	// AccountManager: the row's customer has the employee as account
	// manager.
	AccountManager
	// Reviewer: the row (a review) names the employee as its reviewer.
	Reviewer
	// SelfFinal: the row concerns the employee and is final (a review
	// once finalized: its employee reads the rating only then).
	SelfFinal
)

// relationText says who holds a relation, for the refusal a caller sees:
// "of" follows the roles that need the relation, "being" stands alone.
var relationText = map[Relation]struct{ of, being string }{
	Self:           {"as the employee it concerns", "the employee it concerns"},
	ReportingLine:  {"of someone the employee reports to", "someone the employee reports to"},
	ProjectManager: {"managing the project", "the project's manager"},
	AccountManager: {"managing the customer's account", "the customer's account manager"},
	Reviewer:       {"as the review's reviewer", "the review's reviewer"},
	SelfFinal:      {"as the employee it concerns, once it is final", "the employee it concerns, once it is final"},
}

// Row is what a rule asks of the one row it decides for: whether the row
// stands in a relation to an employee (the caller's). A row answers only
// the relations its table's rules name; Facts answers from plain values.
type Row interface {
	Related(rel Relation, employee int64) (bool, error)
}

// Facts is a row as the rules see it, from plain values: what a write
// knows of the row it loaded, or an event of the entity it carries.
type Facts struct {
	// Employee is the employee the row concerns (an employee's own id,
	// the author of a time entry); 0 for none.
	Employee int64
	// ProjectManager is the manager of the row's project; 0 for none.
	ProjectManager int64
	// AccountManager is the account manager of the row's customer; 0 for
	// none.
	AccountManager int64
	// Reviewer is the reviewer the row names (a review's); 0 for none.
	Reviewer int64
	// Final reports whether the row is final (a finalized review).
	Final bool
	// Kind is the row's kind, for a table whose rows are written by kind
	// (Table.UpdateByKind): an onboarding task's owner.
	Kind string
	// Below reports whether Employee sits below manager in the reporting
	// line; nil when unknown (then no one's line holds the row). The store
	// decides it for a page of rows at once (store.Employee).
	Below func(manager int64) (bool, error)
}

// Related answers rel from the facts.
func (f *Facts) Related(rel Relation, employee int64) (bool, error) {
	switch rel {
	case Self:
		return f.Employee != 0 && f.Employee == employee, nil
	case ReportingLine:
		if f.Below == nil {
			return false, nil
		}
		return f.Below(employee)
	case ProjectManager:
		return f.ProjectManager != 0 && f.ProjectManager == employee, nil
	case AccountManager:
		return f.AccountManager != 0 && f.AccountManager == employee, nil
	case Reviewer:
		return f.Reviewer != 0 && f.Reviewer == employee, nil
	case SelfFinal:
		return f.Final && f.Employee != 0 && f.Employee == employee, nil
	}
	return false, nil
}

// Grant is who holds a right: the roles that hold it on every row, and
// those who hold it on the rows related to them.
type Grant struct {
	Roles []auth.Role
	Via   []Via
}

// Via grants a right on a row to a caller whose employee record stands in
// Relation to the row and who holds one of Roles (none listed: any role
// of an employee, but analytics).
type Via struct {
	Relation Relation
	Roles    []auth.Role
}

// employeeRoles are the roles a person at the firm holds; the analytics
// role is a tool's, never a person's, and writes nothing.
var employeeRoles = []auth.Role{auth.Viewer, auth.Manager, auth.HR, auth.Admin}

// holds reports whether the identity holds the grant for row (nil: a
// decision for every row, where only Roles count).
func (g Grant) holds(id *auth.Identity, row Row) (bool, error) {
	if id.HasAny(g.Roles...) {
		return true, nil
	}
	if row == nil || id == nil || id.EmployeeID == 0 {
		return false, nil
	}
	for _, v := range g.Via {
		if !id.HasAny(v.roles()...) {
			continue
		}
		if ok, err := row.Related(v.Relation, id.EmployeeID); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (v Via) roles() []auth.Role {
	if len(v.Roles) == 0 {
		return employeeRoles
	}
	return v.Roles
}

// needs says who holds the grant, for the refusal a caller sees; extra
// are further roles (the sums' readers).
func (g Grant) needs(extra ...auth.Role) string {
	roles := append(slices.Clip(g.Roles), extra...)
	var b strings.Builder
	if len(roles) > 0 {
		b.WriteString("the role " + joinRoles(roles))
	}
	for _, v := range g.Via {
		if b.Len() > 0 {
			b.WriteString(", or ")
		}
		if len(v.Roles) == 0 {
			b.WriteString("being " + relationText[v.Relation].being)
		} else {
			b.WriteString("the role " + joinRoles(v.Roles) + " " + relationText[v.Relation].of)
		}
	}
	if b.Len() == 0 {
		return "no one may"
	}
	return "it needs " + b.String()
}

func joinRoles(roles []auth.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// Column is who reads and writes one guarded column.
type Column struct {
	// Read is who reads the column's values; a column with a read rule is
	// sensitive. The zero Grant: the column is read as the row is.
	Read Grant
	// Sum are the further roles that read figures summed from the column
	// over many rows, never its own values.
	Sum []auth.Role
	// Write is who sets the column when creating or updating a row, on top
	// of the table's grant for the write. The zero Grant: whoever may
	// write the row.
	Write Grant
}

func (c Column) sensitive() bool { return len(c.Read.Roles) > 0 || len(c.Read.Via) > 0 }
func (c Column) guardsWrites() bool {
	return len(c.Write.Roles) > 0 || len(c.Write.Via) > 0
}

// Table is the rules of one table.
type Table struct {
	// Rows is who sees a row at all; nil: every row, to every role. A row
	// a caller may not see does not exist for them (the store leaves it
	// out of every list, count and lookup: Scope).
	Rows *Grant
	// Keys name the columns that relate a row to an employee, for the
	// store's row scope (Scope).
	Keys Keys
	// Columns are the guarded columns; a column not listed is read by
	// whoever sees the row and written by whoever writes it.
	Columns map[string]Column
	// Create, Update and Delete are who writes rows; the zero Grant: no
	// one.
	Create, Update, Delete Grant
	// Sync is who creates and updates rows from an external system by its
	// id (sync.go); the zero Grant: no one.
	Sync Grant
	// UpdateByKind replaces Update for a table whose rows are written by
	// different people by their kind (an onboarding task by its owner):
	// the grant of each kind, the row's facts naming its kind (Facts.Kind).
	// A kind not listed, or a row that names none, is written by no one.
	UpdateByKind map[string]Grant
}

// Keys are the columns of a table that carry its rows' relations.
type Keys struct {
	// Employee is the column naming the employee a row concerns (Self,
	// ReportingLine).
	Employee string
	// Project and Customer name the row's project (ProjectManager) and
	// customer (AccountManager).
	Project, Customer string
	// Reviewer names the row's reviewer (Reviewer).
	Reviewer string
	// Final is the SQL condition over the row aliased "t" that holds when
	// the row is final (SelfFinal), e.g. "t.status = 'finalized'".
	Final string
	// Of names the row this one belongs to, for a table whose rows are
	// seen by whoever sees that row (an onboarding task: its onboarding);
	// its scope is then that table's (Scope).
	Of *Parent
}

// Parent is the table a row belongs to and the column holding its key.
type Parent struct{ Table, Key string }

// Rules are the rules of every table, by table name.
type Rules map[string]Table

// Sensitive reports whether table.column has a read rule.
func (r Rules) Sensitive(table, column string) bool {
	c, ok := r[table].Columns[column]
	return ok && c.sensitive()
}

// Can reports whether id may take action on table: for a read, of the
// named columns (none: of the row itself); for a write, of the row with the
// named columns set. row is the row decided for; nil for an action over
// many rows (ReadAcross, ReadSum), where only grants on every row count.
// Whether a given row is visible at all (Table.Rows) is decided when row is
// given; over many rows the store's Scope has already left out the others.
// A table without rules is read by everyone and written by no one.
func (r Rules) Can(id *auth.Identity, action Action, table string, row Row, columns ...string) (bool, error) {
	_, ok, err := r.decide(id, action, table, row, columns)
	return ok, err
}

// Check is Can for a caller that refuses what is not allowed (a write
// before it validates anything, a directive): nil when allowed; a *Refused
// naming what was refused (the row, or the first column) and who may; or
// the error of a row that could not answer.
func (r Rules) Check(id *auth.Identity, action Action, table string, row Row, columns ...string) error {
	col, ok, err := r.decide(id, action, table, row, columns)
	if err != nil || ok {
		return err
	}
	return &Refused{Action: action, Table: table, Column: col, Needs: r.needs(action, table, col, row)}
}

// Refused is an action the rules do not allow.
type Refused struct {
	Action Action
	Table  string
	// Column is the column refused; "" when the row itself is.
	Column string
	// Needs says who may, as the refused caller is told: "it needs the
	// role hr or admin, or the role manager of someone the employee
	// reports to".
	Needs string
}

func (e *Refused) Error() string {
	what := e.Table
	if e.Column != "" {
		what += "." + e.Column
	}
	return "not allowed to " + e.Action.String() + " " + what + ": " + e.Needs
}

// decide is Can, naming the column it refused ("" for the row).
func (r Rules) decide(id *auth.Identity, action Action, table string, row Row, columns []string) (refused string, ok bool, err error) {
	t, known := r[table]
	if !known {
		return "", !action.writes(), nil
	}
	if action.writes() {
		if ok, err := t.grant(action, row).holds(id, row); err != nil || !ok {
			return "", ok, err
		}
		for _, col := range columns {
			if c := t.Columns[col]; c.guardsWrites() {
				if ok, err := c.Write.holds(id, row); err != nil || !ok {
					return col, ok, err
				}
			}
		}
		return "", true, nil
	}
	if t.Rows != nil && row != nil {
		if ok, err := t.Rows.holds(id, row); err != nil || !ok {
			return "", ok, err
		}
	}
	for _, col := range columns {
		c := t.Columns[col]
		if !c.sensitive() {
			continue
		}
		switch action {
		case ReadAcross:
			ok = id.HasAny(c.Read.Roles...)
		case ReadSum:
			if ok = id.HasAny(c.Sum...); !ok {
				ok, err = c.Read.holds(id, row)
			}
		default:
			ok, err = c.Read.holds(id, row)
		}
		if err != nil || !ok {
			return col, ok, err
		}
	}
	return "", true, nil
}

// needs says who may take action on table.column (column "": on a row) of
// row.
func (r Rules) needs(action Action, table, column string, row Row) string {
	t := r[table]
	c := t.Columns[column]
	switch {
	case action.writes() && c.guardsWrites():
		return c.Write.needs()
	case action.writes():
		return t.grant(action, row).needs()
	case column == "" && t.Rows != nil:
		return t.Rows.needs()
	case action == ReadAcross:
		return Grant{Roles: c.Read.Roles}.needs()
	case action == ReadSum:
		return c.Read.needs(c.Sum...)
	}
	return c.Read.needs()
}

// grant is who may take write action a on row.
func (t Table) grant(a Action, row Row) Grant {
	switch a {
	case Create:
		return t.Create
	case Update:
		if t.UpdateByKind != nil {
			if f, ok := row.(*Facts); ok {
				return t.UpdateByKind[f.Kind]
			}
			return Grant{}
		}
		return t.Update
	case Delete:
		return t.Delete
	case Sync:
		return t.Sync
	}
	return Grant{}
}

// Policy is the firm's rules as the executor applies them: it decides, and
// records the sensitive reads it allows in the audit log.
type Policy struct {
	Rules
	audit *audit.Log
}

// New returns the firm's rules (Firm); the reads they allow are recorded in
// log (nil: not recorded, for tests that are not about the audit).
func New(log *audit.Log) *Policy { return &Policy{Rules: Firm, audit: log} }

// Records reports whether allowed reads are recorded (New had a log), so
// that a caller builds no event for nothing.
func (p *Policy) Records() bool { return p.audit != nil }

// MinContributors is the fewest people whose values a sum must add up
// before a caller who may read only sums (ReadSum, not ReadAcross) gets
// it exactly: below it, the sum is one or two persons' values in disguise
// (a project billed by one person: billableAmount / billable hours is
// their rate).
const MinContributors = 3

// Suppress reports whether a sum of table.column over contributors
// people must be withheld from id: when id may not read the column on
// every row (ReadAcross) and one or more but too few contributed. A sum of
// no one's values (0: nothing rated was added) is zero and tells no one's.
// contributors < 0 means the sum cannot say, which withholds it from such
// callers (fail closed): an aggregate that does not count its people is
// not answered to them at all.
func (r Rules) Suppress(id *auth.Identity, table, column string, contributors int) bool {
	if ok, _ := r.Can(id, ReadAcross, table, nil, column); ok {
		return false
	}
	return contributors != 0 && contributors < MinContributors
}

// StoreRules is what the store asks (store.Rules), recording its allowed
// uses of sensitive columns in the same audit log as the fields' reads.
func (p *Policy) StoreRules() StoreRules { return StoreRules{Rules: p.Rules, Audit: p.audit} }

// Record stores one allowed read of a sensitive field in the audit log
// (captured instead, in a context that captures: audit.Capture).
func (p *Policy) Record(ctx context.Context, e audit.Event) { p.audit.Record(ctx, e) }

// HasRole reports whether id holds one of roles, named as the schema's Role
// enum names them (@hasRole).
func HasRole(id *auth.Identity, roles []string) bool {
	for _, name := range roles {
		if r, ok := auth.ParseRole(name); ok && id.Has(r) {
			return true
		}
	}
	return false
}
