package write

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// projectCodes is where a clash of project codes is reported.
var projectCodes = map[string]string{"projects_code_key": "input.code"}

var projects = &spec{table: "projects", typ: "Project", noun: "project", versioned: true, stamped: true,
	refs: map[string]string{"customer_id": "Customer", "manager_id": "Employee"}}

// moves are the status changes a project may make (DOMAIN.md's life of a
// project): completed and cancelled are final.
var moves = map[store.ProjectStatus][]store.ProjectStatus{
	"proposed": {"active", "cancelled"},
	"active":   {"on_hold", "completed", "cancelled"},
	"on_hold":  {"active", "cancelled"},
}

// projectDates checks that a project is due after it starts.
func projectDates(s *set, start time.Time, due *time.Time, field string) {
	if due != nil && !start.IsZero() && due.Before(start) {
		s.problem(field, "is %s, before the project starts on %s", due.Format(time.DateOnly), start.Format(time.DateOnly))
	}
}

// CreateProject adds a project.
func (w *Writer) CreateProject(ctx context.Context, in store.CreateProjectInput) (int64, error) {
	s := newSet("input")
	req(s, "code", "code", in.Code, code)
	s.unique("code", "projects", "code", in.Code, 0)
	req(s, "name", "name", in.Name, name)
	opt(s, "description", "description", in.Description, true, long)
	s.ref("customerId", "customer_id", in.CustomerID, "Customer")
	s.optRef("managerId", "manager_id", in.ManagerID, "Employee")
	if st, ok := in.Status.ValueOK(); ok && st != nil && *st != "proposed" && *st != "active" {
		s.problem("status", "a new project is PROPOSED or ACTIVE, not %s", upper(string(*st)))
	}
	optOr(s, "status", "status", in.Status, "proposed")
	optOr(s, "priority", "priority", in.Priority, "medium")
	opt(s, "budget", "budget", in.Budget, true, money)
	req(s, "currency", "currency", in.Currency, currency)
	req(s, "billingModel", "billing_model", in.BillingModel)
	req(s, "startOn", "start_on", in.StartOn)
	opt(s, "dueOn", "due_on", in.DueOn, true)
	if due, _ := in.DueOn.ValueOK(); due != nil {
		projectDates(s, in.StartOn.Time, &due.Time, "dueOn")
	}
	return w.create(ctx, creation{sp: projects, s: s, event: events.ProjectCreated, uniques: projectCodes})
}

// UpdateProject changes a project; its status moves only as moves allow.
func (w *Writer) UpdateProject(ctx context.Context, in store.UpdateProjectInput) (int64, error) {
	k, err := target(in.ID, "Project")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	opt(s, "code", "code", in.Code, false, code)
	if c, _ := in.Code.ValueOK(); c != nil {
		s.unique("code", "projects", "code", *c, k)
	}
	opt(s, "name", "name", in.Name, false, name)
	opt(s, "description", "description", in.Description, true, long)
	if c, given := in.CustomerID.ValueOK(); given && c == nil {
		s.problem("customerId", "cannot be null")
	}
	s.optRef("customerId", "customer_id", in.CustomerID, "Customer")
	s.optRef("managerId", "manager_id", in.ManagerID, "Employee")
	opt(s, "status", "status", in.Status, false)
	opt(s, "priority", "priority", in.Priority, false)
	opt(s, "budget", "budget", in.Budget, true, money)
	opt(s, "currency", "currency", in.Currency, false, currency)
	opt(s, "billingModel", "billing_model", in.BillingModel, false)
	opt(s, "startOn", "start_on", in.StartOn, false)
	opt(s, "dueOn", "due_on", in.DueOn, true)
	return w.alter(ctx, alteration{sp: projects, key: k, version: &in.Version, s: s, event: events.ProjectUpdated,
		uniques: projectCodes,
		facts: by(func(before row) *policy.Facts {
			return &policy.Facts{ProjectManager: before.int("manager_id")}
		}),
		check: func(before row) {
			if st, _ := in.Status.ValueOK(); st != nil {
				from := store.ProjectStatus(before.str("status"))
				switch to := *st; {
				case to == from:
				case !allowed(moves[from], to):
					s.problem("status", "the project is %s, which moves only to %s", upper(string(from)), uppers(moves[from]))
				case to == "completed":
					s.put("completed_at", time.Now().UTC())
				}
			}
			start, due := before.date("start_on"), before.date("due_on")
			if v, ok := in.StartOn.ValueOK(); ok && v != nil {
				start = v.Time
			}
			if v, ok := in.DueOn.ValueOK(); ok {
				due = time.Time{}
				if v != nil {
					due = v.Time
				}
			}
			if !due.IsZero() {
				field := "dueOn"
				if _, ok := in.DueOn.ValueOK(); !ok {
					field = "startOn"
				}
				projectDates(s, start, &due, field)
			}
		}})
}
