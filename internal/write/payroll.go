package write

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Payroll (DOMAIN.md, "Workflows the firm runs on top").
//
// A run moves DRAFT → APPROVED → PAID. createPayrollRun creates a month's
// draft and computes its payslips; recomputePayrollRun computes a draft's
// again; approvePayrollRun approves a draft (an hr or admin caller other
// than its creator: policy.CheckApprover); markPayrollRunPaid pays an
// approved run. A step out of order is a problem of input.id naming where
// the run is. The payslips are computed by the database
// (payroll_compute, migrations/00019_payroll.sql), one statement per run
// whatever the number of people; each is audited as created (its gross
// with the sensitive changes), and the one event is the run's, which
// carries no amount.

var (
	payrollRuns = &spec{table: "payroll_runs", typ: "PayrollRun", noun: "payroll run"}
	payslips    = &spec{table: "payslips", typ: "Payslip", noun: "payslip",
		refs: map[string]string{"run_id": "PayrollRun", "employee_id": "Employee"}}
)

// payslipWrites are the columns payroll_compute sets.
var payslipWrites = []string{"run_id", "employee_id", "basis", "hours", "gross", "currency"}

var monthPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}$`)

// CreatePayrollRun creates the draft run of in.Month and its payslips.
func (w *Writer) CreatePayrollRun(ctx context.Context, in store.CreatePayrollRunInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	start, err := time.Parse("2006-01", in.Month)
	if !monthPattern.MatchString(in.Month) || err != nil {
		s.problem("month", "%.40q is not a month as YYYY-MM, such as 2026-11", in.Month)
	} else {
		s.lookups = append(s.lookups, lookup{field: s.path("month"), named: true,
			message: in.Month + " has a payroll run already (%s): a month has one run; recompute it while it is a DRAFT",
			query:   `SELECT status FROM payroll_runs WHERE period_start = ?`, args: []any{start.Format(time.DateOnly)}})
	}
	s.put("period_start", store.Date{Time: start})
	s.put("period_end", store.Date{Time: start.AddDate(0, 1, -1)})
	s.put("status", store.PayrollRunStatus("draft"))
	s.put("created_by", id.Subject)
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := w.allow(id, policy.Create, payrollRuns, &policy.Facts{}, s.cols); err != nil {
			return err
		}
		if err := w.allowPayslips(id, policy.Create); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, payrollRuns, s)
		if err != nil {
			return uniqueViolation(err, map[string]string{"payroll_runs_period_start_key": s.path("month")})
		}
		k = rows[0].int("id")
		if err := w.computePayslips(ctx, tx, id, k, nil); err != nil {
			return err
		}
		return w.record(ctx, tx, id, payrollRuns, events.PayrollRunCreated, change{after: rows[0]})
	})
	return k, err
}

// RecomputePayrollRun replaces a draft run's payslips by those the data
// gives now.
func (w *Writer) RecomputePayrollRun(ctx context.Context, in store.RecomputePayrollRunInput) (int64, error) {
	return w.runStep(ctx, runStep{gid: in.ID, event: events.PayrollRunRecomputed, status: "draft", rule: "only a DRAFT run is recomputed",
		authorize: func(id *auth.Identity, _ row) error { return w.allowPayslips(id, policy.Delete, policy.Create) },
		also: func(ctx context.Context, tx *database.DB, id *auth.Identity, k int64) error {
			old, err := w.returning(ctx, tx, "remove the run's payslips",
				`DELETE FROM payslips WHERE run_id = ? RETURNING to_jsonb(payslips.*)`, []any{k})
			if err != nil {
				return err
			}
			return w.computePayslips(ctx, tx, id, k, old)
		}})
}

// ApprovePayrollRun approves a draft run; from then on it and its
// payslips no longer change.
func (w *Writer) ApprovePayrollRun(ctx context.Context, in store.ApprovePayrollRunInput) (int64, error) {
	return w.runStep(ctx, runStep{gid: in.ID, event: events.PayrollRunApproved, status: "draft", rule: "only a DRAFT run is approved",
		set: func(id *auth.Identity, s *set) {
			s.put("status", store.PayrollRunStatus("approved"))
			s.put("approved_by", id.Subject)
			s.put("approved_at", time.Now().UTC())
		},
		authorize: func(id *auth.Identity, before row) error {
			err := w.rules.CheckApprover(id, before.str("created_by"))
			var refused *policy.Refused
			if errors.As(err, &refused) {
				return &apperr.Error{Code: apperr.Forbidden, Message: refused.Error()}
			}
			if err != nil {
				return fmt.Errorf("decide the approval of a payroll run: %w", err)
			}
			return nil
		}})
}

// MarkPayrollRunPaid marks an approved run paid.
func (w *Writer) MarkPayrollRunPaid(ctx context.Context, in store.MarkPayrollRunPaidInput) (int64, error) {
	return w.runStep(ctx, runStep{gid: in.ID, event: events.PayrollRunPaid, status: "approved", rule: "only an APPROVED run is marked paid",
		set: func(_ *auth.Identity, s *set) {
			s.put("status", store.PayrollRunStatus("paid"))
			s.put("paid_at", time.Now().UTC())
		},
		authorize: func(id *auth.Identity, _ row) error {
			return w.allow(id, policy.Update, payrollRuns, &policy.Facts{}, []string{"status", "paid_at"})
		}})
}

// runStep is what one step of a run says of itself.
type runStep struct {
	gid, event string
	// status is where the run must be, rule what the refusal says of it.
	status, rule string
	// set puts the columns the step sets on the run (nil: none).
	set func(id *auth.Identity, s *set)
	// authorize asks the rules whether id may take the step on the run.
	authorize func(id *auth.Identity, before row) error
	// also runs after the run's row is written (nil: nothing).
	also func(ctx context.Context, tx *database.DB, id *auth.Identity, k int64) error
}

// runStep is the one path of the steps of a run: lock it, ask the rules,
// check the run is where the step needs it, then write the run's columns,
// do what else the step does, and record the run's event.
func (w *Writer) runStep(ctx context.Context, st runStep) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	k, err := target(st.gid, "PayrollRun")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	if st.set != nil {
		st.set(id, s)
	}
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, payrollRuns, k)
		if err != nil {
			return err
		}
		if err := st.authorize(id, before); err != nil {
			return err
		}
		if now := before.str("status"); now != st.status {
			s.problem("id", "the run of %s is %s: %s", before.str("period_start")[:7], upper(now), st.rule)
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		after := before
		if len(s.cols) > 0 {
			if after, err = w.update(ctx, tx, payrollRuns, k, s); err != nil {
				return err
			}
		}
		if st.also != nil {
			if err := st.also(ctx, tx, id, k); err != nil {
				return err
			}
		}
		return w.record(ctx, tx, id, payrollRuns, st.event, change{before, after})
	})
}

// allowPayslips asks the rules whether id may take actions on payslips
// (computing them creates them; recomputing deletes them first).
func (w *Writer) allowPayslips(id *auth.Identity, actions ...policy.Action) error {
	for _, a := range actions {
		var cols []string
		if a == policy.Create {
			cols = payslipWrites
		}
		if err := w.allow(id, a, payslips, &policy.Facts{}, cols); err != nil {
			return err
		}
	}
	return nil
}

// computePayslips writes run's payslips in one statement (payroll_compute)
// and audits them: old (the payslips it replaces) as deleted, the new ones
// as created. No event: the run's step has its own.
func (w *Writer) computePayslips(ctx context.Context, tx *database.DB, id *auth.Identity, run int64, old []row) error {
	computed, err := w.returning(ctx, tx, "compute the payslips", `SELECT to_jsonb(p) FROM payroll_compute(?) p`, []any{run})
	if err != nil {
		return err
	}
	changes := make([]change, 0, len(old)+len(computed))
	for _, r := range old {
		changes = append(changes, change{before: r})
	}
	for _, r := range computed {
		changes = append(changes, change{after: r})
	}
	if len(changes) == 0 {
		return nil
	}
	return w.record(ctx, tx, id, payslips, "", changes...)
}
