package analytics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The figures of the firm's workflows (issue 16): customers' NPS per
// segment and quarter, and how far a review cycle has come per department.

// MaxQuarters is the longest range of npsBySegment, in calendar quarters
// (the monthly reports' 120 months).
const MaxQuarters = MaxMonths / 3

// SegmentQuarterNps is the net promoter score of one customer segment's
// answers in one calendar quarter, with the counts it is computed from, so
// a tool can recompute it exactly or add quarters up.
type SegmentQuarterNps struct {
	Segment    store.CustomerSegment `gorm:"column:segment"`
	Quarter    store.Date            `gorm:"column:quarter"`
	Responses  int                   `gorm:"column:responses"`
	Promoters  int                   `gorm:"column:promoters"`
	Passives   int                   `gorm:"column:passives"`
	Detractors int                   `gorm:"column:detractors"`
	Nps        float64               `gorm:"column:nps"`
}

// DepartmentReviewCompletion is where the reviews of one department's
// people stand in a cycle, counted over the reviews the caller may see.
type DepartmentReviewCompletion struct {
	DepartmentRef
	Reviews          int           `gorm:"column:reviews"`
	NotStarted       int           `gorm:"column:not_started"`
	SelfSubmitted    int           `gorm:"column:self_submitted"`
	ManagerSubmitted int           `gorm:"column:manager_submitted"`
	Finalized        int           `gorm:"column:finalized"`
	Completion       store.Decimal `gorm:"column:completion"`
}

// NpsBySegment is the NPS of the answers received in each quarter of the
// range, per segment of the answering project's customer (its segment
// now, as the other reports count people in their department of now).
func (r *Reports) NpsBySegment(ctx context.Context, from, to store.Date, segment *store.CustomerSegment) ([]*SegmentQuarterNps, error) {
	if err := checkQuarters(from, to); err != nil {
		return nil, err
	}
	args := map[string]any{"from": date(&from), "to": date(&to), "segment": text(segment)}
	return run[SegmentQuarterNps](ctx, r, nil, "NPS by segment", npsBySegmentSQL, args)
}

// ReviewCompletion is the reviews of a cycle per department of their
// employee (their department of now) and status. The reviews counted are
// those the caller may see (policy.Rules.CountScope): a manager counts
// their reporting line, hr and admin the firm; a caller who sees none is
// refused.
func (r *Reports) ReviewCompletion(ctx context.Context, cycle string, department *string) ([]*DepartmentReviewCompletion, error) {
	scope, scopeArgs, err := r.scopes.CountScope(auth.From(ctx), "reviews")
	if refused := (*policy.Refused)(nil); errors.As(err, &refused) {
		return nil, &apperr.Error{Code: apperr.Forbidden,
			Message: "reviewCompletion counts the reviews the caller may see, and this caller may see none: seeing reviews needs " + refused.Needs}
	} else if err != nil {
		return nil, err
	}
	cycleKey, err := r.cycleKey(ctx, cycle)
	if err != nil {
		return nil, err
	}
	dept, err := r.departmentKey(ctx, department)
	if err != nil {
		return nil, err
	}
	if scope == "" {
		scope = "true"
	}
	var rows []*DepartmentReviewCompletion
	sql := fmt.Sprintf(reviewCompletionSQL, scope)
	if err := r.db.WithContext(ctx).Raw(sql, append([]any{dept, cycleKey}, scopeArgs...)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("compute review completion of cycle %d: %w", cycleKey, err)
	}
	return rows, nil
}

// checkQuarters accepts a range of whole calendar quarters, for the same
// reason checkMonths accepts whole months.
func checkQuarters(from, to store.Date) error {
	switch {
	case from.Day() != 1 || (from.Month()-1)%3 != 0:
		first := time.Date(from.Year(), from.Month()-(from.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
		return apperr.Invalid("from", "from must be the first day of a quarter (figures are per calendar quarter), such as %s, got %s",
			first.Format(time.DateOnly), from)
	case to.AddDate(0, 0, 1).Day() != 1 || to.Month()%3 != 0:
		last := time.Date(to.Year(), to.Month()+(3-to.Month()%3)%3+1, 0, 0, 0, 0, 0, time.UTC)
		return apperr.Invalid("to", "to must be the last day of a quarter (figures are per calendar quarter), such as %s, got %s",
			last.Format(time.DateOnly), to)
	case to.Before(from.Time):
		return apperr.Invalid("to", "to (%s) is before from (%s)", to, from)
	case months(from, to)/3 > MaxQuarters:
		return apperr.Invalid("to", "at most %d quarters at once, asked for %d", MaxQuarters, months(from, to)/3)
	}
	return nil
}

// cycleKey resolves a review cycle's global id, refusing other types and
// cycles that do not exist (an empty answer would look like a cycle
// without reviews). Cycles themselves are no secret: only their reviews
// are scoped.
func (r *Reports) cycleKey(ctx context.Context, id string) (int64, error) {
	typ, key, err := store.ParseID(id)
	if err != nil || typ != "ReviewCycle" {
		return 0, apperr.Invalid("cycle", "%q is not a review cycle id returned by this API", id)
	}
	var exists bool
	if err := r.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT FROM review_cycles WHERE id = ?)`, key).Scan(&exists).Error; err != nil {
		return 0, fmt.Errorf("look up review cycle %d: %w", key, err)
	}
	if !exists {
		return 0, apperr.Invalid("cycle", "no review cycle has id %q", id)
	}
	return key, nil
}
