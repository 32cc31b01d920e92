// Package policy decides what a caller may read, in one place. The schema
// declares it: a field that reveals a sensitive column carries
// @sensitive(column: "table.column"), a field only some roles may use
// carries @hasRole(roles: [...]); gqlgen calls the directives below around
// exactly those fields, so the rest of the graph pays nothing and no
// resolver checks a role by hand.
//
// The rules (DOMAIN.md, "Who reads what"):
//
//   - employees' salary, salary currency, personal email, phone, birth date
//     and home address: hr and admin for every employee; a manager for the
//     employees in their own reporting line (all levels below them);
//   - assignments' bill rate, and what is computed from it (a project's
//     billable amount and budget used): manager and admin;
//   - everything else: every role.
//
// A denied field is null with a FORBIDDEN error at its path; the rest of
// the response still comes. Every allowed read of a sensitive field is
// recorded in the audit log.
package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
)

// rule is who reads a sensitive column.
type rule struct {
	// everyRow are the roles that read the column of every row.
	everyRow []auth.Role
	// reportingLine lets a manager read it for the employees below them.
	reportingLine bool
	// aggregates are the further roles that read figures summed from the
	// column over many rows (@sensitive(aggregate: true)), never the
	// column's own values.
	aggregates []auth.Role
}

var (
	personnel = rule{everyRow: []auth.Role{auth.HR, auth.Admin}, reportingLine: true}
	// The analytics role reads what bill rates add up to (the budget burn
	// and revenue figures it is registered for), not the rates.
	rates = rule{everyRow: []auth.Role{auth.Manager, auth.Admin}, aggregates: []auth.Role{auth.Analytics}}
)

// rules are the sensitive columns, by "table.column". A column not listed
// is not sensitive.
var rules = map[string]rule{
	"employees.salary":          personnel,
	"employees.salary_currency": personnel,
	"employees.personal_email":  personnel,
	"employees.phone":           personnel,
	"employees.birth_date":      personnel,
	"employees.home_address":    personnel,
	"assignments.bill_rate":     rates,
}

// CanReadColumn reports whether the caller in ctx may read table.column of
// every row: what a filter, an ordering or an aggregate over the column
// needs, since each reveals the column across rows. A manager's right to
// their reporting line is per row, so it does not count here.
func CanReadColumn(ctx context.Context, table, column string) bool {
	r, ok := rules[table+"."+column]
	return !ok || auth.From(ctx).HasAny(r.everyRow...)
}

// IsSensitive reports whether table.column is guarded at all.
func IsSensitive(table, column string) bool {
	_, ok := rules[table+"."+column]
	return ok
}

// Policy enforces the rules and records the reads it allows.
type Policy struct {
	audit *audit.Log
}

// New returns the policy; reads are recorded in log (nil: not recorded,
// for tests that are not about the audit).
func New(log *audit.Log) *Policy { return &Policy{audit: log} }

// inReportingLine is a row that can tell whether it sits below a manager,
// deciding it for all rows read with it at once (store.Employee).
type inReportingLine interface {
	InReportingLineOf(manager int64) (bool, error)
}

// audited is a row whose reads can be recorded: its key and the employee
// it concerns.
type audited interface {
	AuditKey() (record, employee int64)
}

// Sensitive is the @sensitive directive: obj's field reveals column (or,
// with aggregate, a sum of it over many rows), and is resolved (and its
// read recorded) only if the caller may read it for obj.
func (p *Policy) Sensitive(ctx context.Context, obj any, next graphql.Resolver, column string, aggregate bool) (any, error) {
	r, ok := rules[column]
	if !ok {
		return nil, fmt.Errorf("policy: the schema marks a field sensitive by %q, which has no rule", column)
	}
	id := auth.From(ctx)
	allowed := id.HasAny(r.everyRow...) || (aggregate && id.HasAny(r.aggregates...))
	if !allowed && r.reportingLine && id.Has(auth.Manager) && id.EmployeeID != 0 {
		if row, ok := obj.(inReportingLine); ok {
			var err error
			if allowed, err = row.InReportingLineOf(id.EmployeeID); err != nil {
				return nil, err
			}
		}
	}
	fc := graphql.GetFieldContext(ctx)
	field := fc.Object + "." + fc.Field.Name
	if !allowed {
		return nil, &apperr.Error{Code: apperr.Forbidden, Message: "not allowed to read " + field + ": " + who(r, aggregate)}
	}
	v, err := next(ctx)
	if err == nil {
		p.record(ctx, id, field, obj)
	}
	return v, err
}

// who says who may read a column, for the error a denied caller sees.
func who(r rule, aggregate bool) string {
	roles := r.everyRow
	if aggregate {
		roles = append(slices.Clip(roles), r.aggregates...)
	}
	names := make([]string, len(roles))
	for i, role := range roles {
		names[i] = string(role)
	}
	s := "it needs the role " + strings.Join(names, " or ")
	if r.reportingLine {
		s += ", or the role manager of someone the employee reports to"
	}
	return s
}

func (p *Policy) record(ctx context.Context, id *auth.Identity, field string, obj any) {
	if p.audit == nil {
		return
	}
	row, ok := obj.(audited)
	if !ok {
		return
	}
	e := audit.Event{At: time.Now(), Subject: id.Subject, Roles: id.RoleNames(), Field: field}
	e.RecordID, e.EmployeeID = row.AuditKey()
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		e.Operation = oc.OperationName
		if e.Operation == "" && oc.Operation != nil {
			e.Operation = oc.Operation.Name
		}
	}
	e.RequestID = RequestID(ctx)
	p.audit.Record(e)
}

// HasRole is the @hasRole directive: the field resolves only for a caller
// holding one of roles (the schema's Role enum values).
func (p *Policy) HasRole(ctx context.Context, _ any, next graphql.Resolver, roles []string) (any, error) {
	id := auth.From(ctx)
	for _, name := range roles {
		if r, ok := auth.ParseRole(name); ok && id.Has(r) {
			return next(ctx)
		}
	}
	fc := graphql.GetFieldContext(ctx)
	return nil, &apperr.Error{Code: apperr.Forbidden,
		Message: fmt.Sprintf("not allowed to read %s.%s: it needs the role %s", fc.Object, fc.Field.Name,
			strings.ToLower(strings.Join(roles, " or ")))}
}

type requestIDKey struct{}

// WithRequestID puts the request's id where the audit finds it (the HTTP
// layer sets it).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the request id set by WithRequestID.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}
