// Package analytics computes the firm's reporting figures that analytics
// tools fetch every hour (DOMAIN.md, "What the consumers do"): hours and
// utilization by department and month, budget burn per project, revenue by
// customer segment and month, and headcount by department over time.
//
// Every figure is one SQL statement that groups in PostgreSQL; Go only
// checks the arguments and returns the rows. Hours and their value come
// from two rollups of time_entries that migrations/00007_analytics.sql
// keeps correct with triggers: time_entry_months (per employee, project
// and month; budget burn) and time_entry_totals (per department, customer
// segment, currency and month; the monthly reports), so a year of the firm
// reads about 10,000 rows instead of a million entries. Rollups of those
// (time_entry_projects, 00023 and 00025: per project, with its budget used
// in the report's order; time_entry_department_months and
// time_entry_segment_months, 00026) answer the shipped variables with a
// row per figure, and department_changes (00024) holds the changes of
// headcount and capacity per department and month, which the reports add
// up instead of reading every person.
// Figures are per whole calendar month, which is why a range must start on
// the first day of a month and end on the last.
//
// The value of an hour (revenue, burn) is hours × the bill rate of the
// assignment it was logged under: those figures are derived from the
// sensitive bill_rate column and are for roles that may see it.
package analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Reports answers the analytics queries; the GraphQL type Analytics is
// bound to it and each query is a method.
type Reports struct {
	db     *database.DB
	scopes Scopes
}

// Scopes is what the reports ask of the rules (policy.Rules): the rows of
// a table scoped by row that the caller counts, or a refusal.
type Scopes interface {
	CountScope(id *auth.Identity, table string) (cond string, args []any, err error)
}

// New returns the reports over db; scopes decide which rows of the
// workflows' tables a caller's figures count.
func New(db *database.DB, scopes Scopes) *Reports { return &Reports{db: db, scopes: scopes} }

// Limits on what one query may ask for, so an hourly job cannot ask for an
// answer of unbounded size.
const (
	// MaxMonths is the longest range, in calendar months.
	MaxMonths = 120
	// DefaultProjects and MaxProjects bound BudgetBurn's list.
	DefaultProjects = 100
	MaxProjects     = 1000
)

// DepartmentMonthHours is one department's hours in one month.
type DepartmentMonthHours struct {
	DepartmentRef
	Month         store.Date     `gorm:"column:month"`
	Hours         store.Decimal  `gorm:"column:hours"`
	BillableHours store.Decimal  `gorm:"column:billable_hours"`
	CapacityHours store.Decimal  `gorm:"column:capacity_hours"`
	Utilization   *store.Decimal `gorm:"column:utilization"`
}

// ProjectBudgetBurn is how much of one project's budget its hours used.
type ProjectBudgetBurn struct {
	ProjectKey   int64               `gorm:"column:project_id"`
	Code         string              `gorm:"column:code"`
	Name         string              `gorm:"column:name"`
	Status       store.ProjectStatus `gorm:"column:status"`
	Currency     string              `gorm:"column:currency"`
	Budget       *store.Decimal      `gorm:"column:budget"`
	Hours        store.Decimal       `gorm:"column:hours"`
	UnratedHours store.Decimal       `gorm:"column:unrated_hours"`
	Burn         store.Decimal       `gorm:"column:burn"`
	BudgetUsed   *store.Decimal      `gorm:"column:budget_used"`
	Remaining    *store.Decimal      `gorm:"column:remaining"`
	// ContributorCount is how many people's rated hours burn adds up,
	// counted in the same statement as the sums.
	ContributorCount int `gorm:"column:contributors"`
}

// Contributors is how many people's rated hours the amounts add up: a sum
// over too few is withheld from callers who may read only sums.
func (p *ProjectBudgetBurn) Contributors() int { return p.ContributorCount }

// AuditKey is the project's key; a project's burn concerns no one employee.
func (p *ProjectBudgetBurn) AuditKey() (record, employee int64) { return p.ProjectKey, 0 }

// ProjectID is the project's global id.
func (p *ProjectBudgetBurn) ProjectID() string { return store.GlobalID("Project", p.ProjectKey) }

// SegmentMonthRevenue is the value of one customer segment's billable
// hours in one month and currency.
type SegmentMonthRevenue struct {
	Segment       store.CustomerSegment `gorm:"column:segment"`
	Month         store.Date            `gorm:"column:month"`
	Currency      string                `gorm:"column:currency"`
	BillableHours store.Decimal         `gorm:"column:billable_hours"`
	UnratedHours  store.Decimal         `gorm:"column:unrated_hours"`
	Revenue       store.Decimal         `gorm:"column:revenue"`
	// ContributorCount is how many people's rated hours revenue adds up.
	ContributorCount int `gorm:"column:contributors"`
}

// Contributors is how many people's rated hours the revenue adds up.
func (s *SegmentMonthRevenue) Contributors() int { return s.ContributorCount }

// DepartmentMonthHeadcount is one department's people in one month.
type DepartmentMonthHeadcount struct {
	DepartmentRef
	Month               store.Date    `gorm:"column:month"`
	Headcount           int           `gorm:"column:headcount"`
	Hires               int           `gorm:"column:hires"`
	Leavers             int           `gorm:"column:leavers"`
	WeeklyCapacityHours store.Decimal `gorm:"column:weekly_capacity_hours"`
}

// DepartmentRef names the department a row is about (embedded, so its
// columns scan and its fields resolve as the row's own).
type DepartmentRef struct {
	DepartmentKey  int64  `gorm:"column:department_id"`
	DepartmentCode string `gorm:"column:department_code"`
	DepartmentName string `gorm:"column:department_name"`
}

// DepartmentID is the department's global id.
func (d *DepartmentRef) DepartmentID() string { return store.GlobalID("Department", d.DepartmentKey) }

// HoursByDepartment is hours, capacity and utilization per department of
// the subtree (all departments when department is nil) and month.
func (r *Reports) HoursByDepartment(ctx context.Context, from, to store.Date, department *string, segment *store.CustomerSegment) ([]*DepartmentMonthHours, error) {
	args, err := r.args(ctx, &from, &to, true, department, "segment", text(segment))
	return run[DepartmentMonthHours](ctx, r, err, "hours by department", hoursByDepartmentSQL, args)
}

// BudgetBurn is the value of the hours logged against each project, as a
// share of its budget, the most used first.
func (r *Reports) BudgetBurn(ctx context.Context, from, to *store.Date, department *string, segment *store.CustomerSegment,
	billable *bool, status *store.ProjectStatus, first int) ([]*ProjectBudgetBurn, error) {
	if first < 1 || first > MaxProjects {
		return nil, apperr.Invalid("first", "first must be between 1 and %d, got %d", MaxProjects, first)
	}
	args, err := r.args(ctx, from, to, false, department,
		"segment", text(segment), "billable", billable, "status", text(status), "first", first)
	sql := budgetBurnSQL
	switch {
	case from != nil || to != nil || department != nil:
		// a range or a subtree: time_entry_months' rows of it, added up
	case billable == nil:
		sql = budgetBurnLifetimeAllSQL // all hours of the projects' whole lives: time_entry_projects ranks them
	default:
		sql = budgetBurnLifetimeSQL // the projects' whole lives, by everyone: time_entry_projects has them
	}
	return run[ProjectBudgetBurn](ctx, r, err, "budget burn", sql, args)
}

// RevenueBySegment is the value of billable hours per customer segment,
// month and currency.
func (r *Reports) RevenueBySegment(ctx context.Context, from, to store.Date, department *string, segment *store.CustomerSegment) ([]*SegmentMonthRevenue, error) {
	args, err := r.args(ctx, &from, &to, true, department, "segment", text(segment))
	return run[SegmentMonthRevenue](ctx, r, err, "revenue by segment", revenueBySegmentSQL, args)
}

// HeadcountByDepartment is the people per department of the subtree and
// month.
func (r *Reports) HeadcountByDepartment(ctx context.Context, from, to store.Date, department *string) ([]*DepartmentMonthHeadcount, error) {
	args, err := r.args(ctx, &from, &to, true, department)
	return run[DepartmentMonthHeadcount](ctx, r, err, "headcount by department", headcountByDepartmentSQL, args)
}

// run sends one report's statement and scans its rows, unless checking
// its arguments already failed with argErr.
func run[T any](ctx context.Context, r *Reports, argErr error, what, sql string, args map[string]any) ([]*T, error) {
	if argErr != nil {
		return nil, argErr
	}
	var rows []*T
	err := r.db.Query(ctx, func(rs pgx.Rows) (err error) {
		rows, err = scanRows[T](rs)
		return err
	}, sql, args)
	if err != nil {
		return nil, fmt.Errorf("compute %s: %w", what, err)
	}
	return rows, nil
}

// args checks the filters every report shares and returns them as the
// statements' named parameters: from and to (NULL when absent and not
// required), dept, the root of the department subtree (NULL: all), and the
// report's own, given as name, value pairs.
func (r *Reports) args(ctx context.Context, from, to *store.Date, required bool, department *string, more ...any) (map[string]any, error) {
	if err := checkMonths(from, to, required); err != nil {
		return nil, err
	}
	dept, err := r.departmentKey(ctx, department)
	if err != nil {
		return nil, err
	}
	args := map[string]any{"from": date(from), "to": date(to), "dept": dept}
	for i := 0; i+1 < len(more); i += 2 {
		args[more[i].(string)] = more[i+1]
	}
	return args, nil
}

// checkMonths accepts a range of whole calendar months: a report per month
// of a range that cut a month short would show a partial month as if whole.
func checkMonths(from, to *store.Date, required bool) error {
	switch {
	case required && from == nil:
		return apperr.Invalid("from", "from is required")
	case required && to == nil:
		return apperr.Invalid("to", "to is required")
	case from != nil && from.Day() != 1:
		return apperr.Invalid("from", "from must be the first day of a month (figures are per calendar month), such as %s, got %s",
			from.AddDate(0, 0, 1-from.Day()).Format(time.DateOnly), from)
	case to != nil && to.AddDate(0, 0, 1).Day() != 1:
		return apperr.Invalid("to", "to must be the last day of a month (figures are per calendar month), such as %s, got %s",
			to.AddDate(0, 1, -to.Day()).Format(time.DateOnly), to)
	case from != nil && to != nil && to.Before(from.Time):
		return apperr.Invalid("to", "to (%s) is before from (%s)", to, from)
	case from != nil && to != nil && months(*from, *to) > MaxMonths:
		return apperr.Invalid("to", "at most %d months at once, asked for %d", MaxMonths, months(*from, *to))
	}
	return nil
}

// months counts the calendar months from the month of a to that of b.
func months(a, b store.Date) int {
	return (b.Year()-a.Year())*12 + int(b.Month()-a.Month()) + 1
}

// departmentKey resolves a department's global id, refusing ids of other
// types and departments that do not exist: an unknown subtree would
// otherwise answer with an empty report that looks like a true zero.
func (r *Reports) departmentKey(ctx context.Context, id *string) (*int64, error) {
	if id == nil {
		return nil, nil
	}
	typ, key, err := store.ParseID(*id)
	if err != nil || typ != "Department" {
		return nil, apperr.Invalid("department", "%q is not a department id returned by this API", *id)
	}
	var exists bool
	if err := r.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT FROM departments WHERE id = ?)`, key).Scan(&exists).Error; err != nil {
		return nil, fmt.Errorf("look up department %d: %w", key, err)
	}
	if !exists {
		return nil, apperr.Invalid("department", "no department has id %q", *id)
	}
	return &key, nil
}

// text is an enum value as a statement parameter, NULL when absent.
func text[T ~string](v *T) any {
	if v == nil {
		return nil
	}
	return string(*v)
}

// date is a date as a statement parameter, NULL when absent.
func date(d *store.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}
