package store

import (
	"context"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Performance reviews (DOMAIN.md, "Workflows the firm runs on top"): the
// models, their declarations and their relations, kept together so the
// workflows added beside them touch the shared files only to list them.
// Who sees a review at all, and who reads its texts and its rating, the
// rules say (internal/policy/reviews.go); every statement here ANDs their
// row scope.

// ReviewCycleStatus is where a review cycle is: draft, open, calibration,
// closed.
type ReviewCycleStatus string

// ReviewStatus is how far one review has come.
type ReviewStatus string

// ReviewCycle is a round of performance reviews over a period.
type ReviewCycle struct {
	ID          int64             `gorm:"column:id;primaryKey"`
	Name        string            `gorm:"column:name"`
	PeriodStart Date              `gorm:"column:period_start"`
	PeriodEnd   Date              `gorm:"column:period_end"`
	Status      ReviewCycleStatus `gorm:"column:status"`
	CreatedAt   time.Time         `gorm:"column:created_at"`
	member
}

// TableName, PageKey and GlobalID name the ReviewCycle row: its table, key and global id.
func (ReviewCycle) TableName() string   { return "review_cycles" }
func (c *ReviewCycle) PageKey() int64   { return c.ID }
func (c *ReviewCycle) GlobalID() string { return GlobalID("ReviewCycle", c.ID) }

type (
	ReviewCycleConnection = page.Connection[*ReviewCycle]
	ReviewCycleEdge       = page.Edge[*ReviewCycle]
)

// Review is one employee's review in one cycle. SelfAssessment,
// ManagerAssessment and Rating are sensitive.
type Review struct {
	ID                int64        `gorm:"column:id;primaryKey"`
	CycleID           int64        `gorm:"column:cycle_id"`
	EmployeeID        int64        `gorm:"column:employee_id"`
	ReviewerID        int64        `gorm:"column:reviewer_id"`
	SelfAssessment    *string      `gorm:"column:self_assessment"`
	ManagerAssessment *string      `gorm:"column:manager_assessment"`
	Rating            *int         `gorm:"column:rating"`
	Status            ReviewStatus `gorm:"column:status"`
	FinalizedAt       *time.Time   `gorm:"column:finalized_at"`
	member
}

// TableName, PageKey and GlobalID name the Review row: its table, key and global id.
func (Review) TableName() string   { return "reviews" }
func (r *Review) PageKey() int64   { return r.ID }
func (r *Review) GlobalID() string { return GlobalID("Review", r.ID) }

type (
	ReviewConnection = page.Connection[*Review]
	ReviewEdge       = page.Edge[*Review]
)

var (
	reviewCyclesTable = declare[ReviewCycle](decl{
		orders: map[string]string{"NAME": "name", "PERIOD_START": "period_start", "PERIOD_END": "period_end",
			"STATUS": "status", "CREATED_AT": "created_at"},
		toMany: []toMany{{field: "reviews", of: "Review", fkCol: "cycle_id"}},
	})

	reviewsTable = declare[Review](decl{
		orders: map[string]string{"STATUS": "status", "FINALIZED_AT": "finalized_at", "RATING": "rating"},
		// Rating ranges and orderings, for callers who may read every
		// rating (hr, admin); the texts are filtered and ordered by no one.
		acrossRows: []string{"rating"},
		// The rules decide a review's texts and rating from its employee
		// and its status (its employee reads the rating once it is final),
		// so every statement reads both.
		always: []string{"employee_id", "status"},
		toOne: []toOne{
			{field: "cycle", fkCol: "cycle_id", to: "ReviewCycle"},
			{field: "employee", fkCol: "employee_id", to: "Employee"},
			{field: "reviewer", fkCol: "reviewer_id", to: "Employee"}},
	})
)

// Reviews is a page of the cycle's reviews the caller may see.
func (c *ReviewCycle) Reviews(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ReviewFilter) (*ReviewConnection, error) {
	return many[Review](c.ID, c.set, "reviews", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Reviews is a page of the person's reviews the caller may see.
func (e *Employee) Reviews(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ReviewFilter) (*ReviewConnection, error) {
	return many[Review](e.ID, e.set, "reviews", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Cycle is the cycle the review belongs to.
func (r *Review) Cycle() (*ReviewCycle, error) { return one[ReviewCycle](r, r.set, "cycle") }

// Employee is the person reviewed.
func (r *Review) Employee() (*Employee, error) { return one[Employee](r, r.set, "employee") }

// Reviewer is the manager who reviews, named when the cycle opened.
func (r *Review) Reviewer() (*Employee, error) { return one[Employee](r, r.set, "reviewer") }

// Concerns is what the rules ask of a review beyond the reporting line:
// the employee it concerns, its reviewer, and whether it is final.
func (r *Review) Concerns() (employee, reviewer int64, final bool) {
	return r.EmployeeID, r.ReviewerID, r.Status == "finalized"
}

// InReportingLineOf reports whether the reviewed employee sits below
// manager, decided for the reviews of the whole sibling set at once.
func (r *Review) InReportingLineOf(manager int64) (bool, error) {
	s := r.set
	if s == nil {
		return false, fmt.Errorf("review %d was not read through the store", r.ID)
	}
	v, err := s.load("Review.inReportingLineOf", page.Window{}, func(ctx context.Context) (any, error) {
		rows := s.rows.([]*Review)
		employees := make([]int64, len(rows))
		for i, row := range rows {
			employees[i] = row.EmployeeID
		}
		return reportingLine(ctx, s.st, manager, employees)
	})
	if err != nil {
		return false, err
	}
	return v.(map[int64]bool)[r.EmployeeID], nil
}

// AuditKey is the review's key and the employee reviewed, whose texts and
// rating a read reveals.
func (r *Review) AuditKey() (record, employee int64) { return r.ID, r.EmployeeID }
