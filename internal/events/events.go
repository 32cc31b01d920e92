// Package events records what happened, for the consumers outside the
// write that caused it: live updates and webhooks (DOMAIN.md, "Events").
// An event is appended in the transaction of its change, so a change that
// rolls back leaves no event and no change commits without one; it carries
// the changed entity's non-sensitive fields only, and a consumer reads the
// rest through the API with its own rights.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
)

// The event types: "<entity>.<what happened>", DOMAIN.md's names. They are
// part of the contract with webhook receivers and subscribers.
const (
	CustomerCreated    = "customer.created"
	CustomerUpdated    = "customer.updated"
	ContactCreated     = "contact.created"
	ContactUpdated     = "contact.updated"
	ContactDeleted     = "contact.deleted"
	ProjectCreated     = "project.created"
	ProjectUpdated     = "project.updated"
	AssignmentCreated  = "assignment.created"
	AssignmentUpdated  = "assignment.updated"
	AssignmentEnded    = "assignment.ended"
	TimeEntryLogged    = "time_entry.logged"
	TimeEntryUpdated   = "time_entry.updated"
	TimeEntryDeleted   = "time_entry.deleted"
	EmployeeHired      = "employee.hired"
	EmployeeUpdated    = "employee.updated"
	EmployeeTerminated = "employee.terminated"
	DepartmentCreated  = "department.created"
	DepartmentUpdated  = "department.updated"

	// Performance reviews.
	ReviewCycleOpened      = "review_cycle.opened"
	ReviewCycleCalibrating = "review_cycle.calibration_started"
	ReviewCycleClosed      = "review_cycle.closed"
	ReviewSelfSubmitted    = "review.self_submitted"
	ReviewManagerSubmitted = "review.manager_submitted"
	ReviewCalibrated       = "review.calibrated"
	ReviewFinalized        = "review.finalized"
)

// The timesheet workflow's events: a week submitted, approved, rejected.
const (
	TimesheetSubmitted = "timesheet.submitted"
	TimesheetApproved  = "timesheet.approved"
	TimesheetRejected  = "timesheet.rejected"
)

// Payroll's events: a month's run created (its payslips computed),
// recomputed, approved, paid. They carry the run, never a payslip's gross
// nor a total.
const (
	PayrollRunCreated    = "payroll_run.created"
	PayrollRunRecomputed = "payroll_run.recomputed"
	PayrollRunApproved   = "payroll_run.approved"
	PayrollRunPaid       = "payroll_run.paid"
)

// The onboarding workflow's events: an onboarding started, one of its
// tasks completed, the onboarding completed (with its last task) or
// cancelled.
const (
	OnboardingStarted       = "onboarding.started"
	OnboardingTaskCompleted = "onboarding_task.completed"
	OnboardingCompleted     = "onboarding.completed"
	OnboardingCancelled     = "onboarding.cancelled"
	// An onboarding template added by hr.
	OnboardingTemplateCreated = "onboarding_template.created"
)

// Customer feedback's event: an answer recorded (not when a re-sent one is
// recognised).
const FeedbackReceived = "feedback.received"

// Channel is the PostgreSQL notification channel a committed event is
// announced on: a wake-up for the listeners, never the event itself.
const Channel = "bizgraph_events"

// Event is one change, as consumers receive it.
type Event struct {
	Type string
	// EntityType and EntityID name the changed entity: its GraphQL type
	// and global id.
	EntityType, EntityID string
	// Actor is who made the change (the identity's subject);
	// ActorEmployeeID their employee id, 0 for none.
	Actor           string
	ActorEmployeeID int64
	RequestID       string
	// Data is the entity's non-sensitive fields after the change (before
	// it, for a deletion), by GraphQL name.
	Data map[string]any
}

// Append adds events to the log in the transaction ctx is bound to, in
// one statement. It refuses to run outside a transaction: an event
// committed apart from its change could outlive a change that rolled back.
func Append(ctx context.Context, db *database.DB, evs ...Event) error {
	return AppendAlong(ctx, db, Along{}, evs...)
}

// Along is a data-modifying statement (an INSERT without RETURNING) with
// its arguments (? placeholders), run as part of the statement that
// appends the events: the write's audit rows, which would otherwise cost a
// statement of their own.
type Along struct {
	SQL  string
	Args []any
}

// AppendAlong is Append that also runs along in the same statement.
func AppendAlong(ctx context.Context, db *database.DB, along Along, evs ...Event) error {
	if len(evs) == 0 {
		return nil
	}
	if !database.InTransaction(ctx) {
		return errors.New("append events: not in a transaction; an event commits with its change")
	}
	rows, err := json.Marshal(toRows(evs))
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	// The same statement wakes the live feeds (internal/live) of every
	// replica: PostgreSQL delivers a NOTIFY only when its transaction
	// commits, and nothing for one that rolls back. The notification
	// carries nothing: the listeners read the table, their truth. It also
	// answers the transaction's id, which names its events for the hook.
	// The same statement also asks the hook's condition (whether any
	// webhook endpoint would receive the events), so that a write with
	// no one to tell pays no statement for the hook.
	var out struct {
		Tx       string
		Notified bool
		Hooked   bool
	}
	h := hook.Load()
	when := "false"
	if h != nil {
		when = h.when
	}
	with, args := "WITH ", []any{}
	if along.SQL != "" {
		// A data-modifying CTE runs whether or not the query reads it.
		with, args = "WITH along AS ("+along.SQL+"),\n", along.Args
	}
	err = db.WithContext(ctx).Raw(with+`appended AS (
		INSERT INTO events (type, entity_type, entity_id, actor, actor_employee_id, request_id, data)
		SELECT type, entity_type, entity_id, actor, actor_employee_id, request_id, data
		FROM jsonb_to_recordset(?::jsonb) AS e(type text, entity_type text, entity_id text, actor text,
			actor_employee_id bigint, request_id text, data jsonb)
		RETURNING id)
		SELECT pg_current_xact_id()::text AS tx, pg_notify(?, '')::text IS NULL AS notified, `+when+` AS hooked
		FROM (SELECT count(*) FROM appended) AS n`, append(args, string(rows), Channel)...).Scan(&out).Error
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	if h != nil && out.Hooked && database.FirstInTransaction(ctx, hookKey{}) {
		if err := h.fn(ctx, out.Tx); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	return nil
}

// Hook is told, in the transaction, of the first events a write
// transaction appends, once per transaction: tx is the transaction's id
// (the events' tx column), which names all of its events once it commits.
// Webhooks (internal/webhook) enqueue their fan-out with it, so a write that
// rolls back sends nothing and one that commits cannot lose its deliveries.
type Hook func(ctx context.Context, tx string) error

// hook is process-wide: the process has one event log to follow, and a hook
// joins whichever transaction it is called in.
var hook atomic.Pointer[installedHook]

type installedHook struct {
	fn   Hook
	when string
}

type hookKey struct{}

// SetHook installs h (nil: none) for the transactions that append events
// from now on. when is an SQL condition, asked in the statement that
// appends the events: h is called only when it holds (webhooks: an
// endpoint that is not disabled exists), in the first such statement of
// the transaction; "" is "true".
func SetHook(h Hook, when string) {
	if h == nil {
		hook.Store(nil)
		return
	}
	if when == "" {
		when = "true"
	}
	hook.Store(&installedHook{fn: h, when: "(" + when + ")"})
}

type row struct {
	Type            string         `json:"type"`
	EntityType      string         `json:"entity_type"`
	EntityID        string         `json:"entity_id"`
	Actor           string         `json:"actor"`
	ActorEmployeeID *int64         `json:"actor_employee_id"`
	RequestID       *string        `json:"request_id"`
	Data            map[string]any `json:"data"`
}

func toRows(evs []Event) []row {
	out := make([]row, len(evs))
	for i, e := range evs {
		out[i] = row{Type: e.Type, EntityType: e.EntityType, EntityID: e.EntityID, Actor: e.Actor, Data: e.Data}
		if e.ActorEmployeeID != 0 {
			out[i].ActorEmployeeID = &e.ActorEmployeeID
		}
		if e.RequestID != "" {
			out[i].RequestID = &e.RequestID
		}
		if out[i].Data == nil {
			out[i].Data = map[string]any{}
		}
	}
	return out
}

// Prune deletes up to batch events that occurred before cutoff, oldest
// first, and says how many went. Replicas pruning at once skip each
// other's rows instead of waiting on them.
func Prune(ctx context.Context, db *database.DB, cutoff time.Time, batch int) (int64, error) {
	res := db.WithContext(ctx).Exec(`DELETE FROM events WHERE id = ANY (ARRAY(
		SELECT id FROM events WHERE occurred_at < ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED))`, cutoff, batch)
	if res.Error != nil {
		return 0, fmt.Errorf("prune events: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// pruneBatch bounds one pruning statement, so that it holds its locks
// briefly however far behind the pruning is.
const pruneBatch = 10_000

// Retain keeps the events of the last retention: every interval (and at
// once) it prunes what is older, in batches, until ctx ends. The events
// feed live updates and webhooks, which read them within minutes; the
// retention is how far back a consumer may resume.
func Retain(ctx context.Context, db *database.DB, retention, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		var total int64
		for {
			n, err := Prune(ctx, db, time.Now().Add(-retention), pruneBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.WarnContext(ctx, "events: pruning failed; trying again later", "err", err)
				}
				break
			}
			if total += n; n < pruneBatch {
				break
			}
		}
		if total > 0 {
			log.InfoContext(ctx, "events: pruned", "events", total, "older_than", retention.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Types are every event type a write appends: what a webhook endpoint may
// subscribe to.
var Types = []string{
	CustomerCreated, CustomerUpdated, ContactCreated, ContactUpdated, ContactDeleted,
	ProjectCreated, ProjectUpdated, AssignmentCreated, AssignmentUpdated, AssignmentEnded,
	TimeEntryLogged, TimeEntryUpdated, TimeEntryDeleted, EmployeeHired, EmployeeUpdated, EmployeeTerminated,
	DepartmentCreated, DepartmentUpdated,
	ReviewCycleOpened, ReviewCycleCalibrating, ReviewCycleClosed,
	ReviewSelfSubmitted, ReviewManagerSubmitted, ReviewCalibrated, ReviewFinalized,
	TimesheetSubmitted, TimesheetApproved, TimesheetRejected,
	PayrollRunCreated, PayrollRunRecomputed, PayrollRunApproved, PayrollRunPaid,
	OnboardingStarted, OnboardingTaskCompleted, OnboardingCompleted, OnboardingCancelled, OnboardingTemplateCreated,
	FeedbackReceived,
}
