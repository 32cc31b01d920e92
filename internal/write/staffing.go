package write

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// assignmentStarts is where a second assignment of a pair starting the
// same day is reported.
var assignmentStarts = map[string]string{"assignments_project_id_employee_id_starts_on_key": "input.startsOn"}

var assignments = &spec{table: "assignments", typ: "Assignment", noun: "assignment",
	refs: map[string]string{"project_id": "Project", "employee_id": "Employee"}}

// projectFacts are the facts of a row of the project with key: its manager
// staffs it.
func projectFacts(ctx context.Context, tx *database.DB, project int64) (*policy.Facts, error) {
	var m *int64
	if err := tx.WithContext(ctx).Raw(`SELECT manager_id FROM projects WHERE id = ?`, project).Scan(&m).Error; err != nil {
		return nil, err
	}
	f := &policy.Facts{}
	if m != nil {
		f.ProjectManager = *m
	}
	return f, nil
}

// employed checks that the employee with key worked at the firm on day:
// hired by then, not yet gone.
func (s *set) employed(field string, employee int64, day time.Time) {
	d := day.Format(time.DateOnly)
	s.fails(field, "is before the employee was hired",
		`EXISTS (SELECT 1 FROM employees WHERE id = ? AND hired_on > ?)`, employee, d)
	s.fails(field, "is after the employee left",
		`EXISTS (SELECT 1 FROM employees WHERE id = ? AND terminated_on < ?)`, employee, d)
}

// assignmentDates checks that an assignment ends on or after it starts.
func assignmentDates(s *set, start, end time.Time, field string) {
	if !end.IsZero() && end.Before(start) {
		s.problem(field, "is %s, before the assignment starts on %s", end.Format(time.DateOnly), start.Format(time.DateOnly))
	}
}

// AssignEmployee staffs a project.
func (w *Writer) AssignEmployee(ctx context.Context, in store.AssignEmployeeInput) (int64, error) {
	s := newSet("input")
	s.ref("projectId", "project_id", in.ProjectID, "Project")
	s.ref("employeeId", "employee_id", in.EmployeeID, "Employee")
	req(s, "role", "role", in.Role, short)
	req(s, "allocationPercent", "allocation_percent", in.AllocationPercent, between(1, 100))
	req(s, "startsOn", "starts_on", in.StartsOn)
	opt(s, "endsOn", "ends_on", in.EndsOn, true)
	opt(s, "billRate", "bill_rate", in.BillRate, true, rate)
	if end, _ := in.EndsOn.ValueOK(); end != nil {
		assignmentDates(s, in.StartsOn.Time, end.Time, "endsOn")
	}
	project, _ := s.has("project_id")
	employee, _ := s.has("employee_id")
	p, _ := project.(int64)
	e, _ := employee.(int64)
	if e != 0 {
		s.employed("startsOn", e, in.StartsOn.Time)
	}
	if p != 0 && e != 0 {
		s.fails("startsOn", "the employee already has an assignment to the project starting that day",
			`EXISTS (SELECT 1 FROM assignments WHERE project_id = ? AND employee_id = ? AND starts_on = ?)`, p, e, in.StartsOn)
	}
	return w.create(ctx, creation{sp: assignments, s: s, event: events.AssignmentCreated, uniques: assignmentStarts,
		facts: func(ctx context.Context, tx *database.DB) (*policy.Facts, error) {
			facts, err := projectFacts(ctx, tx, p)
			if err != nil {
				return nil, err
			}
			facts.Employee = e
			return facts, nil
		}})
}

// UpdateAssignment changes an assignment; its project and employee stay.
func (w *Writer) UpdateAssignment(ctx context.Context, in store.UpdateAssignmentInput) (int64, error) {
	s := newSet("input")
	opt(s, "role", "role", in.Role, false, short)
	opt(s, "allocationPercent", "allocation_percent", in.AllocationPercent, false, between(1, 100))
	opt(s, "startsOn", "starts_on", in.StartsOn, false)
	opt(s, "endsOn", "ends_on", in.EndsOn, true)
	opt(s, "billRate", "bill_rate", in.BillRate, true, rate)
	return w.changeAssignment(ctx, in.ID, s, in.StartsOn, in.EndsOn, events.AssignmentUpdated)
}

// EndAssignment ends an assignment on the day given, today by default.
func (w *Writer) EndAssignment(ctx context.Context, in store.EndAssignmentInput) (int64, error) {
	s := newSet("input")
	end := in.EndsOn
	if v, ok := end.ValueOK(); !ok || v == nil {
		today := store.Date{Time: time.Now().UTC().Truncate(24 * time.Hour)}
		end = omitted(&today)
	}
	opt(s, "endsOn", "ends_on", end, false)
	return w.changeAssignment(ctx, in.ID, s, omitted[store.Date](nil), end, events.AssignmentEnded)
}

// changeAssignment is the one path of the updates of an assignment.
func (w *Writer) changeAssignment(ctx context.Context, gid string, s *set, startsOn, endsOn omittable[store.Date], event string) (int64, error) {
	k, err := target(gid, "Assignment")
	if err != nil {
		return 0, err
	}
	return w.alter(ctx, alteration{sp: assignments, key: k, s: s, event: event, uniques: assignmentStarts,
		facts: func(ctx context.Context, tx *database.DB, before row) (*policy.Facts, error) {
			facts, err := projectFacts(ctx, tx, before.int("project_id"))
			if err != nil {
				return nil, err
			}
			facts.Employee = before.int("employee_id")
			return facts, nil
		},
		check: func(before row) {
			start, end := before.date("starts_on"), before.date("ends_on")
			if v, _ := startsOn.ValueOK(); v != nil {
				start = v.Time
				s.employed("startsOn", before.int("employee_id"), start)
			}
			field := "startsOn"
			if v, ok := endsOn.ValueOK(); ok {
				field, end = "endsOn", time.Time{}
				if v != nil {
					end = v.Time
				}
			}
			assignmentDates(s, start, end, field)
		}})
}
