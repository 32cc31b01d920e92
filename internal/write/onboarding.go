package write

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The onboarding workflow (DOMAIN.md, "Workflows the firm runs on top").
//
// hr starts a new hire's onboarding from a template (IN_PROGRESS, its
// tasks copied, each due so many days after the start); each task is
// completed once by its owner (policy: taskCompleters), and completing the
// last open one completes the onboarding (→ COMPLETED); hr may cancel one
// in progress (→ CANCELLED). A step out of order is a problem of input.id
// naming where the onboarding and the task are.

var (
	onboardings = &spec{table: "onboardings", typ: "Onboarding", noun: "onboarding",
		refs: map[string]string{"employee_id": "Employee", "template_id": "OnboardingTemplate"}}
	onboardingTasks = &spec{table: "onboarding_tasks", typ: "OnboardingTask", noun: "onboarding task",
		refs: map[string]string{"onboarding_id": "Onboarding", "completed_by": "Employee"}}
)

// completeColumns are what completing a task sets, as the rules judge it.
var completeColumns = []string{"completed_at", "completed_by"}

// StartOnboarding starts the onboarding of an employee who has none in
// progress, from the template given or else the one of their department,
// else the one for any department, and answers its key.
func (w *Writer) StartOnboarding(ctx context.Context, in store.StartOnboardingInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	employee := key(&s.problems, s.path("employeeId"), in.EmployeeID, "Employee")
	if employee != 0 {
		s.put("employee_id", employee)
		s.exists("employeeId", "Employee", employee)
	}
	template := int64(0)
	if gid, _ := in.TemplateID.ValueOK(); gid != nil {
		if template = key(&s.problems, s.path("templateId"), *gid, "OnboardingTemplate"); template != 0 {
			s.exists("templateId", "OnboardingTemplate", template)
		}
	}
	req(s, "startsOn", "starts_on", in.StartsOn)
	if employee != 0 {
		s.lookups = append(s.lookups, lookup{field: s.path("employeeId"), named: true,
			message: "has an onboarding %s already: one at a time; complete or cancel it first",
			query:   `(SELECT status FROM onboardings WHERE employee_id = ? AND status = 'in_progress')`, args: []any{employee}})
		s.fails("employeeId", "has left the firm: no onboarding is started for them",
			`EXISTS (SELECT 1 FROM employees WHERE id = ? AND status = 'terminated')`, employee)
	}
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := w.allow(id, policy.Create, onboardings, personFacts(ctx, tx, employee), s.cols); err != nil {
			return err
		}
		if err := w.allow(id, policy.Create, onboardingTasks, &policy.Facts{}, nil); err != nil {
			return err
		}
		if template == 0 && employee != 0 {
			if template, err = departmentTemplate(ctx, tx, employee); err != nil {
				return err
			}
			if template == 0 {
				s.fails("templateId", "is needed: the employee's department has no template and there is none for any department",
					`EXISTS (SELECT 1 FROM employees WHERE id = ?)`, employee)
			}
		}
		if template != 0 {
			s.put("template_id", template)
			// A template without tasks would start an onboarding that can
			// never complete.
			s.fails("templateId", "has no tasks: an onboarding starts from a checklist with at least one",
				`EXISTS (SELECT 1 FROM onboarding_templates t WHERE t.id = ?
					AND NOT EXISTS (SELECT 1 FROM onboarding_template_tasks WHERE template_id = t.id))`, template)
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		s.put("status", store.OnboardingStatus("in_progress"))
		rows, err := w.insert(ctx, tx, onboardings, s)
		if err != nil {
			return onboardingTaken(err)
		}
		k = rows[0].int("id")
		tasks, err := w.returning(ctx, tx, "copy the template's tasks", `INSERT INTO onboarding_tasks (onboarding_id, title, owner, due_on)
			SELECT ?, title, owner, ?::date + due_offset_days FROM onboarding_template_tasks WHERE template_id = ?
			ORDER BY position RETURNING to_jsonb(onboarding_tasks.*)`, []any{k, in.StartsOn.String(), template})
		if err != nil {
			return err
		}
		changes := make([]change, len(tasks))
		for i, t := range tasks {
			changes[i] = change{after: t}
		}
		// The tasks' creation is audited; the one event is the onboarding's.
		if err := w.record(ctx, tx, id, onboardingTasks, "", changes...); err != nil {
			return err
		}
		return w.record(ctx, tx, id, onboardings, events.OnboardingStarted, change{after: rows[0]})
	})
	return k, err
}

// departmentTemplate is the template for employee's department, else the
// one for any department (the first created of each); 0 when there is none.
func departmentTemplate(ctx context.Context, tx *database.DB, employee int64) (int64, error) {
	var found []int64
	err := tx.WithContext(ctx).Raw(`SELECT t.id FROM employees e JOIN onboarding_templates t
			ON t.department_id = e.department_id OR t.department_id IS NULL
		WHERE e.id = ? ORDER BY t.department_id IS NULL, t.id LIMIT 1`, employee).Scan(&found).Error
	if err != nil {
		return 0, fmt.Errorf("find the template of the employee's department: %w", err)
	}
	if len(found) == 0 {
		return 0, nil
	}
	return found[0], nil
}

// onboardingTaken is the answer to a start that a concurrent one for the
// same employee beat to the insert (the index allowing one in progress).
func onboardingTaken(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "onboardings_one_in_progress" {
		var p apperr.Problems
		p.Add("input.employeeId", "has an onboarding IN_PROGRESS already: one at a time; complete or cancel it first")
		return p
	}
	return err
}

// CompleteOnboardingTask completes an open task of an onboarding in
// progress as its owner and, when it was the last open one, the
// onboarding; it answers the keys of the task and its onboarding.
func (w *Writer) CompleteOnboardingTask(ctx context.Context, in store.CompleteOnboardingTaskInput) (task, onboarding int64, err error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, 0, err
	}
	k, err := target(in.ID, "OnboardingTask")
	if err != nil {
		return 0, 0, err
	}
	s := newSet("input")
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, onboardingTasks, k)
		if err != nil {
			return err
		}
		// The onboarding is locked too, so that two of its last tasks
		// completed at once are serialised and the second sees the first:
		// exactly one completes the onboarding.
		o, err := w.lock(ctx, tx, onboardings, before.int("onboarding_id"))
		if err != nil {
			return err
		}
		onboarding = o.int("id")
		facts := personFacts(ctx, tx, o.int("employee_id"))
		facts.Kind = before.str("owner")
		if err := w.allowSeen(id, onboardingTasks, facts, completeColumns, in.ID); err != nil {
			return err
		}
		switch status := o.str("status"); {
		case status != "in_progress":
			s.problem("id", "the onboarding is %s: only tasks of an onboarding IN_PROGRESS are completed", upper(status))
		case before["completed_at"] != nil:
			s.problem("id", "the task is COMPLETED already (at %s): a task is completed once", before.str("completed_at"))
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		now := time.Now().UTC()
		s.put("completed_at", now)
		s.put("completed_by", nullable(id.EmployeeID))
		after, err := w.update(ctx, tx, onboardingTasks, k, s)
		if err != nil {
			return err
		}
		if err := w.record(ctx, tx, id, onboardingTasks, events.OnboardingTaskCompleted, change{before, after}); err != nil {
			return err
		}
		var open bool
		if err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM onboarding_tasks WHERE onboarding_id = ? AND completed_at IS NULL)`,
			onboarding).Scan(&open).Error; err != nil {
			return fmt.Errorf("find the onboarding's open tasks: %w", err)
		}
		if open {
			return nil
		}
		// The last task completes the onboarding, whoever completed it: a
		// consequence of the step, not a right of its own (policy).
		done := newSet("input")
		done.put("status", store.OnboardingStatus("completed"))
		done.put("completed_at", now)
		oAfter, err := w.update(ctx, tx, onboardings, onboarding, done)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, onboardings, events.OnboardingCompleted, change{o, oAfter})
	})
	return k, onboarding, err
}

// CancelOnboarding stops an onboarding in progress; its open tasks stay
// as they are. The reason goes with the cancellation's audit row and event
// (DOMAIN.md gives the onboarding no column for it).
func (w *Writer) CancelOnboarding(ctx context.Context, in store.CancelOnboardingInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	k, err := target(in.ID, "Onboarding")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	why, _ := in.Reason.ValueOK()
	if why != nil {
		reason(s, "reason", *why)
	}
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, onboardings, k)
		if err != nil {
			return err
		}
		facts := personFacts(ctx, tx, before.int("employee_id"))
		if err := w.allowSeen(id, onboardings, facts, []string{"status"}, in.ID); err != nil {
			return err
		}
		if status := before.str("status"); status != "in_progress" {
			s.problem("id", "the onboarding is %s: only an onboarding IN_PROGRESS is cancelled", upper(status))
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		s.put("status", store.OnboardingStatus("cancelled"))
		after, err := w.update(ctx, tx, onboardings, k, s)
		if err != nil {
			return err
		}
		if why != nil {
			after["reason"] = *why
		}
		return w.record(ctx, tx, id, onboardings, events.OnboardingCancelled, change{before, after})
	})
}

// allowSeen is allow for an update of a row the caller names by gid: a
// caller who may neither see nor write it is told it does not exist
// (NOT_FOUND, as a read would), one who sees it but may not write it is
// refused (FORBIDDEN).
func (w *Writer) allowSeen(id *auth.Identity, sp *spec, facts *policy.Facts, columns []string, gid string) error {
	err := w.allow(id, policy.Update, sp, facts, columns)
	if err == nil {
		return nil
	}
	if seen, rerr := w.rules.Can(id, policy.Read, sp.table, facts); rerr != nil {
		return fmt.Errorf("decide who sees %s: %w", sp.noun, rerr)
	} else if !seen {
		return apperr.New(apperr.NotFound, "no %s has the id %.40s", sp.noun, gid)
	}
	return err
}
