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

// The timesheet workflow (DOMAIN.md, "Workflows the firm runs on top"): an
// employee submits a week (OPEN or REJECTED → SUBMITTED); a manager in
// their reporting line approves it (→ APPROVED) or rejects it with a
// comment (→ REJECTED, open to changes again). While a week is SUBMITTED
// or APPROVED its time entries are locked (weekOpen, time.go).

var timesheets = &spec{table: "timesheets", typ: "Timesheet", noun: "timesheet",
	refs: map[string]string{"employee_id": "Employee", "decided_by": "Employee"}}

// The columns each step sets, as the rules judge them (policy: the
// submission's time is the employee's, the decision's columns are their
// line's). A submission also clears the last decision; that follows from
// the step and is not a right of its own.
var (
	submitColumns = []string{"status", "submitted_at"}
	decideColumns = []string{"status", "decided_by", "decided_at", "comment"}
)

// submittable are the states a week is submitted from.
var submittable = []store.TimesheetStatus{"open", "rejected"}

// SubmitTimesheet submits a week of the caller's (an admin's: anyone's)
// time, creating its row when the week has none, and answers its key.
func (w *Writer) SubmitTimesheet(ctx context.Context, in store.SubmitTimesheetInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	employee := whose(s, id, in.EmployeeID, "week")
	monday := in.WeekStart.Time
	if monday.Weekday() != time.Monday {
		s.problem("weekStart", "%s is a %s: a week starts on a Monday", monday.Format(time.DateOnly), monday.Weekday())
	} else if monday.After(time.Now().UTC()) {
		s.problem("weekStart", "the week of %s has not begun: a week is submitted once it has", monday.Format(time.DateOnly))
	}
	if employee != 0 {
		d, sunday := monday.Format(time.DateOnly), monday.AddDate(0, 0, 6).Format(time.DateOnly)
		s.fails("weekStart", "the employee was hired after this week",
			`EXISTS (SELECT 1 FROM employees WHERE id = ? AND hired_on > ?)`, employee, sunday)
		s.fails("weekStart", "the employee left before this week",
			`EXISTS (SELECT 1 FROM employees WHERE id = ? AND terminated_on < ?)`, employee, d)
	}
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := lockWeekTime(ctx, tx, employee, monday); err != nil {
			return err
		}
		before, err := w.lockWeek(ctx, tx, employee, monday)
		if err != nil {
			return err
		}
		action := policy.Create
		if before != nil {
			action = policy.Update
		}
		if err := w.allow(id, action, timesheets, personFacts(ctx, tx, employee), submitColumns); err != nil {
			return err
		}
		if before != nil {
			if st := store.TimesheetStatus(before.str("status")); !allowed(submittable, st) {
				s.problem("weekStart", "the week of %s is %s: only an %s week is submitted",
					monday.Format(time.DateOnly), upper(string(st)), uppers(submittable))
			}
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		now := time.Now().UTC()
		if before == nil {
			s.put("employee_id", employee)
			s.put("week_start", monday.Format(time.DateOnly))
			s.put("status", "submitted")
			s.put("submitted_at", now)
			rows, err := w.insert(ctx, tx, timesheets, s)
			if err != nil {
				return weekTaken(err)
			}
			k = rows[0].int("id")
			return w.record(ctx, tx, id, timesheets, events.TimesheetSubmitted, change{after: rows[0]})
		}
		k = before.int("id")
		s.put("status", "submitted")
		s.put("submitted_at", now)
		// The last rejection belongs to the last submission; the audit
		// keeps it.
		s.put("decided_by", nil)
		s.put("decided_at", nil)
		s.put("comment", nil)
		after, err := w.update(ctx, tx, timesheets, k, s)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, timesheets, events.TimesheetSubmitted, change{before, after})
	})
	return k, err
}

// ApproveTimesheet approves a submitted week.
func (w *Writer) ApproveTimesheet(ctx context.Context, in store.ApproveTimesheetInput) (int64, error) {
	s := newSet("input")
	opt(s, "comment", "comment", in.Comment, true, long)
	return w.decide(ctx, in.ID, s, "approved", events.TimesheetApproved)
}

// RejectTimesheet sends a submitted week back with a comment; its time
// may change again and it may be submitted anew.
func (w *Writer) RejectTimesheet(ctx context.Context, in store.RejectTimesheetInput) (int64, error) {
	s := newSet("input")
	req(s, "comment", "comment", in.Comment, long)
	return w.decide(ctx, in.ID, s, "rejected", events.TimesheetRejected)
}

// decide moves the submitted week gid names to the state to, as the
// caller decided, with what s sets.
func (w *Writer) decide(ctx context.Context, gid string, s *set, to store.TimesheetStatus, event string) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	k, err := target(gid, "Timesheet")
	if err != nil {
		return 0, err
	}
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, timesheets, k)
		if err != nil {
			return err
		}
		facts := personFacts(ctx, tx, before.int("employee_id"))
		// A week the caller may not see does not exist for them: NOT_FOUND,
		// as for a read, rather than a refusal that tells it is there.
		if ok, err := w.rules.Can(id, policy.Read, timesheets.table, facts); err != nil || !ok {
			if err != nil {
				return fmt.Errorf("decide who sees timesheet %d: %w", k, err)
			}
			return apperr.New(apperr.NotFound, "no %s has the id %s", timesheets.noun, gid)
		}
		if err := w.allow(id, policy.Update, timesheets, facts, decideColumns); err != nil {
			return err
		}
		if st := before.str("status"); st != "submitted" {
			s.problem("id", "the week of %s is %s: only a SUBMITTED week is %s", before.str("week_start"), upper(st), to)
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		s.put("status", to)
		s.put("decided_by", nullable(id.EmployeeID))
		s.put("decided_at", time.Now().UTC())
		after, err := w.update(ctx, tx, timesheets, k, s)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, timesheets, event, change{before, after})
	})
}

// lockWeek reads and locks the employee's week starting on monday; nil
// when it has no row yet.
func (w *Writer) lockWeek(ctx context.Context, tx *database.DB, employee int64, monday time.Time) (row, error) {
	rows, err := w.returning(ctx, tx, "lock the week", `SELECT to_jsonb(t) FROM timesheets t
		WHERE employee_id = ? AND week_start = ? FOR UPDATE`, []any{employee, monday.Format(time.DateOnly)})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// weekFacts are a week of employee as the rules see it: whose it is, and
// whether a manager is above them (asked in the write's transaction).
func personFacts(ctx context.Context, tx *database.DB, employee int64) *policy.Facts {
	return &policy.Facts{Employee: employee, Below: func(manager int64) (bool, error) {
		below, err := store.ReportingLine(ctx, tx, manager, []int64{employee})
		return below[employee], err
	}}
}

// weekTaken is the answer to a first submission that a concurrent one of
// the same week beat to the insert.
func weekTaken(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return apperr.New(apperr.Conflict, "the week was submitted by another request at the same time; read it again")
	}
	return err
}

// whose is the employee an input names in field employeeId, the caller's
// own when it names none; 0, with a problem, when there is none. what is
// what the employee's is (a week, the time).
func whose(s *set, id *auth.Identity, o omittable[string], what string) int64 {
	employee := id.EmployeeID
	if gid, _ := o.ValueOK(); gid != nil {
		employee = key(&s.problems, s.path("employeeId"), *gid, "Employee")
		if employee != 0 {
			s.exists("employeeId", "Employee", employee)
		}
	} else if employee == 0 {
		s.problem("employeeId", "the caller is not an employee: name whose %s this is", what)
	}
	return employee
}

// weekOpen checks that the week of day is open to changes of employee's
// time: not SUBMITTED or APPROVED (a rejected week opens again). It holds
// the week's lock shared until the write commits (weekLock), so that a
// submission of the week, which takes it exclusively, waits for the time
// written before it, and time written after it sees the submission: no
// entry slips into a week as it is submitted, whether or not the week has
// a row yet.
func (s *set) weekOpen(field string, employee int64, day time.Time) {
	monday := store.Monday(day).Format(time.DateOnly)
	s.lookups = append(s.lookups, lookup{field: s.path(field), named: true,
		message: "falls in the week of " + monday + ", which is %s: the time of a submitted or approved week is locked",
		query: `(SELECT CASE WHEN w.status IN ('submitted', 'approved') THEN w.status END
			FROM (SELECT pg_advisory_xact_lock_shared(` + weekLock + `)) l
			LEFT JOIN timesheets w ON w.employee_id = ? AND w.week_start = ?)`,
		args: []any{employee, monday, employee, monday}})
}

// weekLock is the key of the transaction-scoped advisory lock of one
// employee's week (arguments: the employee, the week's Monday): the
// two-integer key space, apart from the idempotency keys' one-bigint one.
const weekLock = `hashtext('timesheet ' || ?::bigint), ((?::date - date '1970-01-05') / 7)::int`

// lockWeekTime takes the week's lock exclusively until the transaction
// ends: time being written into the week is written first, and no more
// is written until the submission commits (weekOpen).
func lockWeekTime(ctx context.Context, tx *database.DB, employee int64, monday time.Time) error {
	if err := tx.WithContext(ctx).Exec(`SELECT pg_advisory_xact_lock(`+weekLock+`)`, employee, monday.Format(time.DateOnly)).Error; err != nil {
		return fmt.Errorf("lock the time of the week: %w", err)
	}
	return nil
}
