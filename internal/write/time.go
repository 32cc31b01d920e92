package write

import (
	"context"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

var timeEntries = &spec{table: "time_entries", typ: "TimeEntry", noun: "time entry",
	refs: map[string]string{"project_id": "Project", "employee_id": "Employee"}}

var hours = decimal(4, 2, "0", true, "24")

// A logTime request holds at most maxEntries entries whose work dates lie
// within one span of weekDays days: a week's time, logged all or none.
const (
	maxEntries = 50
	weekDays   = 7
)

// LogTime logs entries of time, all or none, and answers their keys in
// the order given.
func (w *Writer) LogTime(ctx context.Context, in store.LogTimeInput) ([]int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var whole apperr.Problems
	switch n := len(in.Entries); {
	case n == 0:
		whole.Add("input.entries", "holds no entry")
	case n > maxEntries:
		whole.Add("input.entries", "holds %d entries, at most %d are logged at once", n, maxEntries)
	}
	if err := whole.Err(); err != nil {
		return nil, err
	}
	sets := make([]*set, len(in.Entries))
	facts := make([]*policy.Facts, len(in.Entries))
	first, last := in.Entries[0].WorkDate.Time, in.Entries[0].WorkDate.Time
	for i, e := range in.Entries {
		s := newSet(fmt.Sprintf("input.entries.%d", i))
		employee := whose(s, id, e.EmployeeID, "time")
		s.put("employee_id", employee)
		s.ref("projectId", "project_id", e.ProjectID, "Project")
		req(s, "workDate", "work_date", e.WorkDate)
		req(s, "hours", "hours", e.Hours, hours)
		req(s, "billable", "billable", e.Billable)
		note := e.Note
		if v, ok := note.ValueOK(); !ok || v == nil {
			note = omitted[string](nil)
			s.put("note", nil)
		}
		opt(s, "note", "note", note, true, long)
		if employee != 0 {
			s.employed("workDate", employee, e.WorkDate.Time)
			s.weekOpen("workDate", employee, e.WorkDate.Time)
		}
		if e.WorkDate.Before(first) {
			first = e.WorkDate.Time
		}
		if e.WorkDate.After(last) {
			last = e.WorkDate.Time
		}
		sets[i], facts[i] = s, &policy.Facts{Employee: employee}
	}
	if last.Sub(first) >= weekDays*24*time.Hour {
		sets[0].problems.Add("input.entries", "spans %s to %s: the entries of one request lie within %d days",
			first.Format(time.DateOnly), last.Format(time.DateOnly), weekDays)
	}
	var keys []int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		for i, s := range sets {
			if err := w.allow(id, policy.Create, timeEntries, facts[i], s.cols); err != nil {
				return err
			}
		}
		if err := verify(ctx, tx, sets...); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, timeEntries, sets...)
		if err != nil {
			return err
		}
		changes := make([]change, len(rows))
		keys = make([]int64, len(rows))
		for i, r := range rows {
			changes[i], keys[i] = change{after: r}, r.int("id")
		}
		return w.record(ctx, tx, id, timeEntries, events.TimeEntryLogged, changes...)
	})
	return keys, err
}

// UpdateTimeEntry corrects a time entry; whose time it is stays.
func (w *Writer) UpdateTimeEntry(ctx context.Context, in store.UpdateTimeEntryInput) (int64, error) {
	k, err := target(in.ID, "TimeEntry")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	if p, given := in.ProjectID.ValueOK(); given && p == nil {
		s.problem("projectId", "cannot be null")
	}
	s.optRef("projectId", "project_id", in.ProjectID, "Project")
	opt(s, "workDate", "work_date", in.WorkDate, false)
	opt(s, "hours", "hours", in.Hours, false, hours)
	opt(s, "billable", "billable", in.Billable, false)
	opt(s, "note", "note", in.Note, true, long)
	return w.alter(ctx, alteration{sp: timeEntries, key: k, s: s, event: events.TimeEntryUpdated,
		facts: by(func(before row) *policy.Facts { return &policy.Facts{Employee: before.int("employee_id")} }),
		check: func(before row) {
			// The entry leaves its week and joins another: both must be open.
			employee, was := before.int("employee_id"), before.date("work_date")
			s.weekOpen("workDate", employee, was)
			if d, _ := in.WorkDate.ValueOK(); d != nil {
				s.employed("workDate", employee, d.Time)
				if !store.Monday(d.Time).Equal(store.Monday(was)) {
					s.weekOpen("workDate", employee, d.Time)
				}
			}
		}})
}

// DeleteTimeEntry deletes a time entry and answers its global id.
func (w *Writer) DeleteTimeEntry(ctx context.Context, in store.DeleteInput) (string, error) {
	id, err := caller(ctx)
	if err != nil {
		return "", err
	}
	k, err := target(in.ID, "TimeEntry")
	if err != nil {
		return "", err
	}
	return in.ID, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, timeEntries, k)
		if err != nil {
			return err
		}
		if err := w.allow(id, policy.Delete, timeEntries, &policy.Facts{Employee: before.int("employee_id")}, nil); err != nil {
			return err
		}
		// The input names the entry, not its date: the problem is at its id.
		s := newSet("input")
		s.weekOpen("id", before.int("employee_id"), before.date("work_date"))
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		if err := w.remove(ctx, tx, timeEntries, k); err != nil {
			return err
		}
		return w.record(ctx, tx, id, timeEntries, events.TimeEntryDeleted, change{before: before})
	})
}
