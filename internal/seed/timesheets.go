package seed

import (
	"math/rand/v2"
	"time"
)

// Timesheets: the last two years of weeks of every employee's employment
// (DOMAIN.md: about 520,000 at scale 1; 459,000 are drawn, as people hired
// in the last two years have fewer). Past weeks are
// approved by the employee's manager, a few rejected or never decided; the
// last weeks before asOf are still open or waiting for a decision.

// timesheetWeeks is how many weeks back from asOf's week the sheets go.
const timesheetWeeks = 104

var timesheetColumns = []string{"id", "employee_id", "week_start", "status", "submitted_at", "decided_by", "decided_at", "comment"}

// rejections are what a manager says when sending a week back.
var rejections = []string{
	"Hours on the wrong project, please move them.",
	"Missing Friday: please log the whole week.",
	"Overtime without approval, please check with me.",
	"Billable flag looks wrong for the internal meetings.",
	"Please split the hours by project instead of one entry.",
}

// monday is the Monday of d's week (1970-01-01 was a Thursday).
func (d day) monday() day { return d - day((int(d)+3)%7) }

// employedWeeks returns the first and last Mondays of e's weeks with a
// timesheet: the last two years of their employment (up to asOf, or their
// last week at the firm); first > last when it has none.
func employedWeeks(e *employee) (first, last day) {
	last = asOf.monday()
	if e.terminated != noDay {
		last = min(last, e.terminated.monday())
	}
	first = max(last-7*(timesheetWeeks-1), e.hired.monday())
	return first, last
}

// timesheetCount is how many rows timesheetRows streams.
func timesheetCount(emps []employee) int64 {
	var n int64
	for i := range emps {
		if first, last := employedWeeks(&emps[i]); first <= last {
			n += int64(last-first)/7 + 1
		}
	}
	return n
}

// weekStatus draws a week's status by its age in weeks before asOf's.
func weekStatus(r *rand.Rand, age int) string {
	switch age {
	case 0:
		return "open"
	case 1:
		return [...]string{"submitted", "open", "approved", "rejected"}[pickWeighted(r, []int{55, 25, 15, 5})]
	case 2:
		return [...]string{"approved", "submitted", "rejected", "open"}[pickWeighted(r, []int{70, 20, 5, 5})]
	}
	return [...]string{"approved", "rejected", "submitted"}[pickWeighted(r, []int{985, 10, 5})]
}

// timesheetRows streams the weeks, employee by employee, oldest first.
func timesheetRows(r *rand.Rand, emps []employee) func([]any) bool {
	var id int64
	ei, week, last := -1, day(0), day(-1)
	return func(row []any) bool {
		for week > last {
			if ei+1 >= len(emps) {
				return false
			}
			ei++
			week, last = employedWeeks(&emps[ei])
		}
		e := &emps[ei]
		id++
		status := weekStatus(r, int(asOf.monday()-week)/7)
		var submitted, decided any
		var decidedBy, comment any
		if status != "open" {
			// Friday afternoon, or a few days late.
			at := (week + 4 + day(between(r, 0, 3))).at(between(r, 15*60, 19*60))
			submitted = at
			if status != "submitted" {
				decided = at.Add(time.Duration(between(r, 2, 72)) * time.Hour)
				decidedBy = nullID(e.manager)
				if status == "rejected" {
					comment = pick(r, rejections)
				}
			}
		}
		row[0], row[1], row[2], row[3] = id, e.id, week.date(), status
		row[4], row[5], row[6], row[7] = submitted, decidedBy, decided, comment
		week += 7
		return true
	}
}
