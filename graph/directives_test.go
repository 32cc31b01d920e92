package graph_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// employeeRow is an employee as the directives see one: its key, and
// whether it sits below a manager.
type employeeRow struct {
	id    int64
	below int64 // the manager it sits below; 0 for none
}

func (e employeeRow) InReportingLineOf(manager int64) (bool, error) { return e.below == manager, nil }
func (e employeeRow) AuditKey() (record, employee int64)            { return e.id, e.id }

// fieldContext is where the executor puts the field a directive guards and
// the operation it runs in.
func fieldContext(ctx context.Context, object, field, operation string) context.Context {
	ctx = graphql.WithOperationContext(ctx, &graphql.OperationContext{OperationName: operation})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Object: object,
		Field: graphql.CollectedField{Field: &ast.Field{Name: field}}})
}

// The directives ask the policy with the field's plain values: an allowed
// read resolves and is recorded in the audit log with who, which roles,
// which field, record and employee, which operation and which request; a
// refused one resolves nothing, records nothing and says what it would
// need, word for word as clients have always been told.
func TestDirectives_DecideAndRecordSensitiveReads(t *testing.T) {
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := graph.Directives(policy.New(log))
	subject := fmt.Sprintf("directives-%d", time.Now().UnixNano())
	as := func(roles []auth.Role, employee int64, object, field string) context.Context {
		ctx := auth.With(context.Background(), &auth.Identity{Subject: subject, Roles: roles, EmployeeID: employee})
		return requestid.With(fieldContext(ctx, object, field, "Payroll"), "req-"+string(roles[0]))
	}
	resolved := 0
	next := func(context.Context) (any, error) { resolved++; return "value", nil }
	for _, c := range []struct {
		name      string
		ctx       context.Context
		obj       any
		column    string
		aggregate bool
		refusal   string // "" when allowed
	}{
		{"hr reads a salary", as([]auth.Role{auth.HR, auth.Viewer}, 0, "Employee", "salary"), employeeRow{id: 7}, "employees.salary", false, ""},
		{"a manager reads their report's phone", as([]auth.Role{auth.Manager}, 3, "Employee", "phone"), employeeRow{id: 8, below: 3}, "employees.phone", false, ""},
		{"a manager reads someone else's salary", as([]auth.Role{auth.Manager}, 3, "Employee", "salary"), employeeRow{id: 9, below: 4}, "employees.salary", false,
			"not allowed to read Employee.salary: it needs the role hr or admin, or the role manager of someone the employee reports to"},
		{"a viewer reads a bill rate", as([]auth.Role{auth.Viewer}, 0, "Assignment", "billRate"), nil, "assignments.bill_rate", false,
			"not allowed to read Assignment.billRate: it needs the role manager or admin"},
		{"a viewer reads a billable amount", as([]auth.Role{auth.Viewer}, 0, "ProjectHours", "billableAmount"), nil, "assignments.bill_rate", true,
			"not allowed to read ProjectHours.billableAmount: it needs the role manager or admin or analytics"},
	} {
		before := resolved
		_, err := d.Sensitive(c.ctx, c.obj, next, c.column, c.aggregate)
		var ae *apperr.Error
		switch {
		case c.refusal == "" && (err != nil || resolved != before+1):
			t.Errorf("%s: %v, resolved %d times; want the value", c.name, err, resolved-before)
		case c.refusal != "" && (!errors.As(err, &ae) || ae.Code != apperr.Forbidden || ae.Message != c.refusal || resolved != before):
			t.Errorf("%s: %v (resolved %d times), want FORBIDDEN %q", c.name, err, resolved-before, c.refusal)
		}
	}
	if _, err := d.Sensitive(as([]auth.Role{auth.Admin}, 0, "Employee", "salary"), employeeRow{id: 7}, next, "employees.salry", false); err == nil ||
		err.Error() != `policy: the schema marks a field sensitive by "employees.salry", which has no rule` {
		t.Errorf("a column without a rule: %v", err)
	}
	_, err = d.HasRole(as([]auth.Role{auth.HR}, 0, "Query", "auditEvents"), nil, next, []string{"ADMIN", "MANAGER"})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Message != "not allowed to read Query.auditEvents: it needs the role admin or manager" {
		t.Errorf("hasRole: %v", err)
	}
	if _, err := d.HasRole(as([]auth.Role{auth.Viewer, auth.Manager}, 0, "Query", "auditEvents"), nil, next, []string{"ADMIN", "MANAGER"}); err != nil {
		t.Errorf("hasRole, holding one of the roles: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := log.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, `SELECT roles, coalesce(operation, ''), coalesce(request_id, ''), field, coalesce(employee_id, 0), record_id
		FROM audit_events WHERE subject = $1 ORDER BY field`, subject)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var roles, op, req, field string
		var employee, record int64
		err := r.Scan(&roles, &op, &req, &field, &employee, &record)
		return fmt.Sprintf("%s|%s|%s|%s|%d|%d", roles, op, req, field, employee, record), err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"manager|Payroll|req-manager|Employee.phone|8|8", "hr viewer|Payroll|req-hr|Employee.salary|7|7"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit rows:\n%q\nwant\n%q", got, want)
	}
}

// sumRow is an aggregate's row as the directives see one: how many people
// its sums add up.
type sumRow struct{ people int }

func (s sumRow) Contributors() int { return s.people }

// A sum over one or two people is their values in disguise: the directive
// withholds it (SUPPRESSED, nothing resolved) from a caller who may read
// only sums, and from such a caller also any aggregate that cannot say
// how many people it adds up (fail closed). A caller who may read the
// column itself gets every sum.
func TestDirectives_SuppressSumsOverTooFewPeople(t *testing.T) {
	d := graph.Directives(policy.New(nil))
	as := func(role auth.Role) context.Context {
		return fieldContext(auth.With(context.Background(), &auth.Identity{Subject: "sums", Roles: []auth.Role{role}}),
			"ProjectHours", "billableAmount", "")
	}
	for _, c := range []struct {
		name       string
		role       auth.Role
		row        any
		suppressed bool
	}{
		{"analytics, one person", auth.Analytics, sumRow{1}, true},
		{"analytics, two people", auth.Analytics, sumRow{policy.MinContributors - 1}, true},
		{"analytics, enough people", auth.Analytics, sumRow{policy.MinContributors}, false},
		{"analytics, no one rated (a zero)", auth.Analytics, sumRow{0}, false},
		{"analytics, an aggregate that does not count its people", auth.Analytics, struct{}{}, true},
		{"a manager, one person", auth.Manager, sumRow{1}, false},
		{"an admin, an aggregate that does not count its people", auth.Admin, struct{}{}, false},
	} {
		resolved := false
		next := func(context.Context) (any, error) { resolved = true; return "42.00", nil }
		_, err := d.Sensitive(as(c.role), c.row, next, "assignments.bill_rate", true)
		var ae *apperr.Error
		got := errors.As(err, &ae) && ae.Code == apperr.Suppressed && !resolved
		if got != c.suppressed || (!c.suppressed && (err != nil || !resolved)) {
			t.Errorf("%s: %v, resolved %v; want suppressed %v", c.name, err, resolved, c.suppressed)
		}
	}
}
