package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// Directives applies the policy to the schema: a field that reveals a
// sensitive column carries @sensitive(column: "table.column"), a field or
// type only some roles may use carries @hasRole(roles: [...]); gqlgen
// calls these around exactly those fields, so the rest of the graph pays
// nothing and no resolver checks a role by hand. A refused field is null
// with a FORBIDDEN error at its path; the rest of the response still
// comes. Every allowed read of a sensitive field is recorded in the audit
// log (p.Record), with the operation and request it came in.
func Directives(p *policy.Policy) DirectiveRoot {
	d := directives{p}
	return DirectiveRoot{Sensitive: d.sensitive, HasRole: d.hasRole}
}

type directives struct{ p *policy.Policy }

// sensitive is @sensitive: obj's field reveals column (or, with aggregate,
// a sum of it over many rows), and is resolved (and its read recorded)
// only if the caller may read it for obj.
func (d directives) sensitive(ctx context.Context, obj any, next graphql.Resolver, column string, aggregate bool) (any, error) {
	table, col, _ := strings.Cut(column, ".")
	if !d.p.Sensitive(table, col) {
		return nil, fmt.Errorf("policy: the schema marks a field sensitive by %q, which has no rule", column)
	}
	action := policy.Read
	if aggregate {
		action = policy.ReadSum
	}
	id := auth.From(ctx)
	// Roles decide most reads; only then is the row asked (its adapter
	// costs an allocation the readers of every row need not pay).
	allowed, err := d.p.Can(id, action, table, nil, col)
	if err != nil {
		return nil, err
	}
	if !allowed {
		row := rowOf(obj)
		var refused *policy.Refused
		if err := d.p.Check(id, action, table, row, col); errors.As(err, &refused) {
			return nil, &apperr.Error{Code: apperr.Forbidden, Message: "not allowed to read " + fieldName(ctx) + ": " + refused.Needs}
		} else if err != nil {
			return nil, err
		}
	}
	if aggregate {
		if err := d.suppress(ctx, id, obj, table, col); err != nil {
			return nil, err
		}
	}
	v, err := next(ctx)
	if err == nil && d.p.Records() {
		d.record(ctx, id, fieldName(ctx), obj, action)
	}
	return v, err
}

// contributed is an aggregate that can say how many people's values its
// sums add up (store.ProjectHours); an aggregate that cannot is withheld
// from callers who may read only sums.
type contributed interface {
	Contributors() int
}

// suppress withholds an aggregate over too few contributors from a caller
// who may read only sums (policy.Suppress): the one place the minimum cell
// size is enforced, for every field marked @sensitive(aggregate: true).
func (d directives) suppress(ctx context.Context, id *auth.Identity, obj any, table, col string) error {
	n := -1
	if c, ok := obj.(contributed); ok {
		n = c.Contributors()
	}
	if !d.p.Suppress(id, table, col, n) {
		return nil
	}
	return &apperr.Error{Code: apperr.Suppressed, Message: fmt.Sprintf(
		"%s is withheld: it adds up the values of fewer than %d people", fieldName(ctx), policy.MinContributors)}
}

// fieldName is the guarded field as the schema names it: Employee.salary.
func fieldName(ctx context.Context) string {
	fc := graphql.GetFieldContext(ctx)
	return fc.Object + "." + fc.Field.Name
}

// inReportingLine is a row that can tell whether the employee it concerns
// sits below a manager, deciding it for all rows read with it at once
// (store.Employee).
type inReportingLine interface {
	InReportingLineOf(manager int64) (bool, error)
}

// concerning is a row that names the employee it concerns, its reviewer
// and whether it is final (store.Review), for the rules that grant a row's
// own employee or its reviewer something.
type concerning interface {
	Concerns() (employee, reviewer int64, final bool)
}

// rowOf is obj as the rules see one row: what it can tell of itself. A
// relation the row cannot answer holds for no one.
func rowOf(obj any) policy.Row {
	f := &policy.Facts{}
	if r, ok := obj.(concerning); ok {
		f.Employee, f.Reviewer, f.Final = r.Concerns()
	}
	if r, ok := obj.(inReportingLine); ok {
		f.Below = r.InReportingLineOf
	}
	return f
}

// audited is a row whose reads can be recorded: its key and the employee
// it concerns.
type audited interface {
	AuditKey() (record, employee int64)
}

// record logs one allowed use of a sensitive field: a read of one row's
// value, or a sum (action ReadSum) whose row may have no key of its own (a
// segment's month, recorded with record 0): a sum reveals the column as
// surely as a read, so it is recorded whether or not its row has one.
func (d directives) record(ctx context.Context, id *auth.Identity, field string, obj any, action policy.Action) {
	e := audit.Event{At: time.Now(), Subject: id.Subject, Roles: id.RoleNames(), Field: field}
	if row, ok := obj.(audited); ok {
		e.RecordID, e.EmployeeID = row.AuditKey()
	} else if action != policy.ReadSum {
		return
	}
	if action == policy.ReadSum {
		e.Use = action.String()
	}
	e.Operation = OperationName(ctx)
	e.RequestID, e.RequestIDClaimed = requestid.From(ctx), requestid.Claimed(ctx)
	d.p.Record(ctx, e)
}

// OperationName is the name of the operation running in ctx as the client
// gave it (its operationName, or the name in its document), "" for none: a
// claim, never checked, which the audit stores marked as claimed. The
// store's uses of sensitive columns are recorded with it too
// (policy.StoreRules.Operation).
func OperationName(ctx context.Context) string {
	if !graphql.HasOperationContext(ctx) {
		return ""
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.OperationName == "" && oc.Operation != nil {
		return oc.Operation.Name
	}
	return oc.OperationName
}

// hasRole is @hasRole: the field resolves only for a caller holding one of
// roles (the schema's Role enum values).
func (d directives) hasRole(ctx context.Context, _ any, next graphql.Resolver, roles []string) (any, error) {
	if policy.HasRole(auth.From(ctx), roles) {
		return next(ctx)
	}
	return nil, &apperr.Error{Code: apperr.Forbidden,
		Message: "not allowed to read " + fieldName(ctx) + ": it needs the role " + strings.ToLower(strings.Join(roles, " or "))}
}
