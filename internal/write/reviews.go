package write

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Performance reviews (DOMAIN.md, "Workflows the firm runs on top").
//
// A cycle moves OPEN → CALIBRATION → CLOSED (openReviewCycle creates it
// open; closeReviewCycle moves it one step at a time). A review moves
// NOT_STARTED → SELF_SUBMITTED (its employee, while the cycle is open) →
// MANAGER_SUBMITTED (its reviewer, with the rating, while the cycle is
// open) → FINALIZED (hr, during calibration, when hr may also change the
// rating, each change recorded with its reason). A step out of order is a
// problem of input.id naming where the review and its cycle are.

var (
	reviewCycles = &spec{table: "review_cycles", typ: "ReviewCycle", noun: "review cycle"}
	reviews      = &spec{table: "reviews", typ: "Review", noun: "review",
		refs: map[string]string{"cycle_id": "ReviewCycle", "employee_id": "Employee", "reviewer_id": "Employee"}}
	ratingChanges = &spec{table: "review_rating_changes", typ: "ReviewRatingChange", noun: "rating change",
		refs: map[string]string{"review_id": "Review", "employee_id": "Employee"}}
)

var (
	rating     = between(1, 5)
	reviewText = text(20000)
	reason     = text(2000)
)

// OpenReviewCycle creates a cycle, open, with a review for every active
// employee who has a manager, that manager as reviewer: one statement for
// all the reviews. The reviews' creation is audited; the one event is the
// cycle's.
func (w *Writer) OpenReviewCycle(ctx context.Context, in store.OpenReviewCycleInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	req(s, "name", "name", in.Name, name)
	req(s, "periodStart", "period_start", in.PeriodStart)
	req(s, "periodEnd", "period_end", in.PeriodEnd)
	if in.PeriodEnd.Before(in.PeriodStart.Time) {
		s.problem("periodEnd", "is %s, before the period starts on %s", in.PeriodEnd, in.PeriodStart)
	}
	s.put("status", store.ReviewCycleStatus("open"))
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := w.allow(id, policy.Create, reviewCycles, &policy.Facts{}, s.cols); err != nil {
			return err
		}
		if err := w.allow(id, policy.Create, reviews, &policy.Facts{}, []string{"cycle_id", "employee_id", "reviewer_id"}); err != nil {
			return err
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, reviewCycles, s)
		if err != nil {
			return err
		}
		k = rows[0].int("id")
		created, err := w.returning(ctx, tx, "open the reviews of the cycle", `INSERT INTO reviews (cycle_id, employee_id, reviewer_id)
			SELECT ?, e.id, e.manager_id FROM employees e WHERE e.status = 'active' AND e.manager_id IS NOT NULL ORDER BY e.id
			RETURNING to_jsonb(reviews.*)`, []any{k})
		if err != nil {
			return err
		}
		changes := make([]change, len(created))
		for i, r := range created {
			changes[i] = change{after: r}
		}
		if len(changes) > 0 {
			if err := w.record(ctx, tx, id, reviews, "", changes...); err != nil {
				return err
			}
		}
		return w.record(ctx, tx, id, reviewCycles, events.ReviewCycleOpened, change{after: rows[0]})
	})
	return k, err
}

// CloseReviewCycle moves a cycle one step on: an open cycle to
// calibration, a cycle in calibration to closed, once no submitted review
// waits to be finalized (reviews never submitted stay as they are).
func (w *Writer) CloseReviewCycle(ctx context.Context, in store.CloseReviewCycleInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	k, err := target(in.ID, "ReviewCycle")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, reviewCycles, k)
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Update, reviewCycles, &policy.Facts{}, []string{"status"}); err != nil {
			return err
		}
		var event string
		switch status := before.str("status"); status {
		case "open":
			s.put("status", store.ReviewCycleStatus("calibration"))
			event = events.ReviewCycleCalibrating
		case "calibration":
			s.put("status", store.ReviewCycleStatus("closed"))
			event = events.ReviewCycleClosed
			s.fails("id", "submitted reviews of the cycle wait to be finalized: finalize them before the cycle closes",
				`EXISTS (SELECT 1 FROM reviews WHERE cycle_id = ? AND status = 'manager_submitted')`, k)
		default:
			s.problem("id", "the cycle is %s: only an OPEN cycle moves to CALIBRATION, and one in CALIBRATION to CLOSED", upper(status))
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		after, err := w.update(ctx, tx, reviewCycles, k, s)
		if err != nil {
			return err
		}
		return w.record(ctx, tx, id, reviewCycles, event, change{before, after})
	})
}

// SubmitSelfAssessment is the employee's own account of their period,
// given once while the cycle is open.
func (w *Writer) SubmitSelfAssessment(ctx context.Context, in store.SubmitSelfAssessmentInput) (int64, error) {
	s := newSet("input")
	req(s, "text", "self_assessment", in.Text, reviewText)
	s.put("status", store.ReviewStatus("self_submitted"))
	return w.reviewStep(ctx, in.ID, s, events.ReviewSelfSubmitted, func(_ *auth.Identity, r, cycle row) {
		needs(s, r, cycle, "open", "not_started", "the self-assessment is submitted once, by a review NOT_STARTED in an OPEN cycle")
	})
}

// SubmitManagerAssessment is the reviewer's assessment and rating, given
// once, after the self-assessment, while the cycle is open.
func (w *Writer) SubmitManagerAssessment(ctx context.Context, in store.SubmitManagerAssessmentInput) (int64, error) {
	s := newSet("input")
	req(s, "text", "manager_assessment", in.Text, reviewText)
	req(s, "rating", "rating", in.Rating, rating)
	s.put("status", store.ReviewStatus("manager_submitted"))
	return w.reviewStep(ctx, in.ID, s, events.ReviewManagerSubmitted, func(_ *auth.Identity, r, cycle row) {
		needs(s, r, cycle, "open", "self_submitted", "the assessment is submitted once, after the self-assessment (SELF_SUBMITTED), in an OPEN cycle")
	})
}

// CalibrateRating changes a submitted rating during calibration; the
// change is recorded with its reason (review_rating_changes), which only
// hr and admin create.
func (w *Writer) CalibrateRating(ctx context.Context, in store.CalibrateRatingInput) (int64, error) {
	s := newSet("input")
	req(s, "rating", "rating", in.Rating, rating)
	reason(s, "reason", in.Reason) // kept with the change, not on the review
	return w.reviewStep(ctx, in.ID, s, events.ReviewCalibrated, func(id *auth.Identity, r, cycle row) {
		needs(s, r, cycle, "calibration", "manager_submitted", "ratings are calibrated once submitted (MANAGER_SUBMITTED) and before they are final, while the cycle is in CALIBRATION")
		if r.int("rating") == int64(in.Rating) {
			s.problem("rating", "the rating is %d already", in.Rating)
		}
	}, func(ctx context.Context, tx *database.DB, id *auth.Identity, before row) error {
		h := newSet("input")
		h.put("review_id", before.int("id"))
		h.put("old_rating", nullable(before.int("rating")))
		h.put("new_rating", in.Rating)
		h.put("reason", in.Reason)
		h.put("changed_by", id.Subject)
		h.put("employee_id", nullable(id.EmployeeID))
		_, err := w.insert(ctx, tx, ratingChanges, h)
		return err
	})
}

// FinalizeReview makes a submitted review final during calibration: its
// employee then reads the rating.
func (w *Writer) FinalizeReview(ctx context.Context, in store.FinalizeReviewInput) (int64, error) {
	s := newSet("input")
	s.put("status", store.ReviewStatus("finalized"))
	s.put("finalized_at", time.Now().UTC())
	return w.reviewStep(ctx, in.ID, s, events.ReviewFinalized, func(_ *auth.Identity, r, cycle row) {
		needs(s, r, cycle, "calibration", "manager_submitted", "a review is finalized once its assessment is submitted (MANAGER_SUBMITTED), while the cycle is in CALIBRATION")
	})
}

// needs reports, at input.id, a review or cycle not where the step needs
// it, naming where they are.
func needs(s *set, r, cycle row, cycleStatus, reviewStatus, rule string) {
	if c, st := cycle.str("status"), r.str("status"); c != cycleStatus || st != reviewStatus {
		s.problem("id", "the review is %s and its cycle %s: %s", upper(st), upper(c), rule)
	}
}

// reviewStep is the one path of the steps of a review: lock it, share-lock
// its cycle (so that the cycle does not move on meanwhile), ask the rules
// (a caller who may neither see nor write the review is told it does not
// exist), check the step against where the review and its cycle are, then
// write and record; also runs in the same transaction after the write.
func (w *Writer) reviewStep(ctx context.Context, gid string, s *set, event string,
	validate func(id *auth.Identity, r, cycle row), also ...func(ctx context.Context, tx *database.DB, id *auth.Identity, before row) error) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	k, err := target(gid, "Review")
	if err != nil {
		return 0, err
	}
	return k, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, reviews, k)
		if err != nil {
			return err
		}
		cycles, err := w.returning(ctx, tx, "read the review's cycle", `SELECT to_jsonb(c) FROM review_cycles c WHERE id = ? FOR SHARE`,
			[]any{before.int("cycle_id")})
		if err != nil {
			return err
		}
		facts := w.reviewFacts(ctx, tx, before)
		if err := w.allow(id, policy.Update, reviews, facts, s.cols); err != nil {
			if seen, _ := w.rules.Can(id, policy.Read, reviews.table, facts); !seen {
				return apperr.New(apperr.NotFound, "no review has the id %s", gid)
			}
			return err
		}
		if len(also) > 0 {
			if err := w.allow(id, policy.Create, ratingChanges, facts, nil); err != nil {
				return err
			}
		}
		validate(id, before, cycles[0])
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		after, err := w.update(ctx, tx, reviews, k, s)
		if err != nil {
			return err
		}
		for _, f := range also {
			if err := f(ctx, tx, id, before); err != nil {
				return err
			}
		}
		return w.record(ctx, tx, id, reviews, event, change{before, after})
	})
}

// reviewFacts is a review as the rules see it: its employee and whether
// they sit below a manager (as any of a person's rows: personFacts), its
// reviewer, and whether it is final.
func (w *Writer) reviewFacts(ctx context.Context, tx *database.DB, r row) *policy.Facts {
	f := personFacts(ctx, tx, r.int("employee_id"))
	f.Reviewer, f.Final = r.int("reviewer_id"), r.str("status") == "finalized"
	return f
}
