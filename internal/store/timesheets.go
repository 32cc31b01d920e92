package store

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// The timesheet workflow (DOMAIN.md, "Workflows the firm runs on top"): a
// week of an employee's time, submitted by them and approved or rejected
// by a manager in their reporting line. Who sees a week is the rules'
// (internal/policy: the employee, the managers above them, hr, admin); the
// store scopes every list, count and lookup of timesheets by them.

// TimesheetStatus is where a week is in its approval: open, submitted,
// approved or rejected (a rejected week is open to changes again).
type TimesheetStatus string

// Timesheet is one employee's week of time, Monday to Sunday.
type Timesheet struct {
	ID          int64           `gorm:"column:id;primaryKey"`
	EmployeeID  int64           `gorm:"column:employee_id"`
	WeekStart   Date            `gorm:"column:week_start"`
	Status      TimesheetStatus `gorm:"column:status"`
	SubmittedAt *time.Time      `gorm:"column:submitted_at"`
	DecidedByID *int64          `gorm:"column:decided_by"`
	DecidedAt   *time.Time      `gorm:"column:decided_at"`
	Comment     *string         `gorm:"column:comment"`
	member
}

// TableName, PageKey and GlobalID name the Timesheet row: its table, key and global id.
func (Timesheet) TableName() string   { return "timesheets" }
func (t *Timesheet) PageKey() int64   { return t.ID }
func (t *Timesheet) GlobalID() string { return GlobalID("Timesheet", t.ID) }

type (
	TimesheetConnection = page.Connection[*Timesheet]
	TimesheetEdge       = page.Edge[*Timesheet]
)

var timesheetsTable = declare[Timesheet](decl{
	orders: map[string]string{"WEEK_START": "week_start", "STATUS": "status",
		"SUBMITTED_AT": "submitted_at", "DECIDED_AT": "decided_at"},
	toOne: []toOne{
		{field: "employee", fkCol: "employee_id", to: "Employee"},
		{field: "decidedBy", fkCol: "decided_by", to: "Employee"}},
	// A week's entries are found by its employee and its dates.
	fields: map[string]string{"timeEntries": "employee_id"},
	also:   map[string]string{"timeEntries": "week_start"},
})

// Employee is whose week it is.
func (t *Timesheet) Employee() (*Employee, error) { return one[Employee](t, t.set, "employee") }

// DecidedBy is who approved or rejected the week; nil before a decision
// (or when an admin without an employee record decided).
func (t *Timesheet) DecidedBy() (*Employee, error) { return one[Employee](t, t.set, "decidedBy") }

// Timesheets is a page of the person's weeks.
func (e *Employee) Timesheets(first *int, after *string, last *int, before *string, orderBy []*Order, filter *TimesheetFilter) (*TimesheetConnection, error) {
	return many[Timesheet](e.ID, e.set, "timesheets", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// TimeEntries are the hours the employee logged in the week, by work date:
// loaded for every week of the sibling set in one statement.
func (t *Timesheet) TimeEntries() ([]*TimeEntry, error) {
	s := t.set
	v, err := s.load("Timesheet.timeEntries", page.Window{}, func(ctx context.Context) (any, error) {
		return weekEntries(ctx, s.st, s.sel.Child("timeEntries"), s.rows.([]*Timesheet))
	})
	if err != nil {
		return nil, err
	}
	return v.(map[weekOf][]*TimeEntry)[weekOf{t.EmployeeID, t.WeekStart.String()}], nil
}

// weekOf names an employee's week by its Monday.
type weekOf struct {
	employee int64
	monday   string // 2026-11-02
}

// weekEntries reads the time entries of weeks, each week's by work date:
// one range scan per week on (employee_id, work_date, id).
func weekEntries(ctx context.Context, st *Store, sel *Selection, weeks []*Timesheet) (map[weekOf][]*TimeEntry, error) {
	tbl := timeEntriesTable
	cols := tbl.cols(tbl.mask(sel, "employee_id", "work_date"))
	keys := make([]int64, len(weeks))
	for i, w := range weeks {
		keys[i] = w.ID
	}
	where, args := visible(ctx, st.rules, tbl, "true", nil)
	rows, err := scan[TimeEntry](ctx, st, tbl, cols, "SELECT "+cols.sql+` FROM timesheets w
JOIN time_entries t ON t.employee_id = w.employee_id AND t.work_date BETWEEN w.week_start AND w.week_start + 6
WHERE w.id = ANY(`+keysSQL+`) AND `+where+` ORDER BY t.employee_id, t.work_date, t.id`, append([]any{ids(keys)}, args...)...)
	if err != nil {
		return nil, err
	}
	newSet[TimeEntry](ctx, st, tbl, sel, rows)
	out := make(map[weekOf][]*TimeEntry, len(weeks))
	for _, r := range rows {
		k := weekOf{r.EmployeeID, Monday(r.WorkDate.Time).Format(time.DateOnly)}
		out[k] = append(out[k], r)
	}
	return out, nil
}

// Monday is the first day of d's week (ISO weeks, Monday to Sunday, as
// PostgreSQL's date_trunc('week', …) and the timesheets' week_start).
func Monday(d time.Time) time.Time {
	return d.AddDate(0, 0, -(int(d.Weekday())+6)%7)
}
