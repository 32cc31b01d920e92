package analytics

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/store"
)

// DepartmentOnboardingProgress is how the onboardings of one department's
// new hires stand: how many are under way, done or cancelled, and how
// their tasks were done.
type DepartmentOnboardingProgress struct {
	DepartmentRef
	InProgress       int `gorm:"column:in_progress"`
	Completed        int `gorm:"column:completed"`
	Cancelled        int `gorm:"column:cancelled"`
	TasksDoneOnTime  int `gorm:"column:tasks_done_on_time"`
	TasksDoneLate    int `gorm:"column:tasks_done_late"`
	TasksOpenOverdue int `gorm:"column:tasks_open_overdue"`
	TasksOpen        int `gorm:"column:tasks_open"`
}

// OnboardingProgress is the onboarding figures per department of the
// subtree, of the onboardings started in the months from..to (all when
// absent). It reads every onboarding: the schema lets only hr and admin,
// who see them all, run it.
func (r *Reports) OnboardingProgress(ctx context.Context, from, to *store.Date, department *string) ([]*DepartmentOnboardingProgress, error) {
	args, err := r.args(ctx, from, to, false, department)
	return run[DepartmentOnboardingProgress](ctx, r, err, "onboarding progress", onboardingProgressSQL, args)
}

// onboardingProgressSQL counts per department of the new hire (as they
// are now): onboardings by status, and their tasks done on time (on or
// before the day due, in UTC), done late, and open: open tasks count only
// in onboardings under way (a cancelled onboarding's open tasks wait on no
// one), overdue when due before today (UTC, as OnboardingTask.overdue).
const onboardingProgressSQL = subtreeCTE + `,
o AS (
    SELECT o.id, o.status, e.department_id
    FROM onboardings o JOIN employees e ON e.id = o.employee_id
    WHERE e.department_id IN (SELECT id FROM subtree)
      AND (CAST(@from AS date) IS NULL OR o.starts_on >= CAST(@from AS date))
      AND (CAST(@to AS date) IS NULL OR o.starts_on <= CAST(@to AS date))),
tasks AS (
    SELECT o.department_id,
           count(*) FILTER (WHERE (t.completed_at AT TIME ZONE 'UTC')::date <= t.due_on) AS on_time,
           count(*) FILTER (WHERE (t.completed_at AT TIME ZONE 'UTC')::date > t.due_on) AS late,
           count(*) FILTER (WHERE t.completed_at IS NULL AND o.status = 'in_progress') AS open,
           count(*) FILTER (WHERE t.completed_at IS NULL AND o.status = 'in_progress'
                            AND t.due_on < (now() AT TIME ZONE 'UTC')::date) AS overdue
    FROM o JOIN onboarding_tasks t ON t.onboarding_id = o.id
    GROUP BY o.department_id),
counts AS (
    SELECT department_id,
           count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE status = 'completed') AS completed,
           count(*) FILTER (WHERE status = 'cancelled') AS cancelled
    FROM o GROUP BY department_id)
SELECT d.id AS department_id, d.code AS department_code, d.name AS department_name,
       c.in_progress, c.completed, c.cancelled,
       coalesce(t.on_time, 0) AS tasks_done_on_time, coalesce(t.late, 0) AS tasks_done_late,
       coalesce(t.overdue, 0) AS tasks_open_overdue, coalesce(t.open, 0) AS tasks_open
FROM counts c JOIN departments d ON d.id = c.department_id
LEFT JOIN tasks t ON t.department_id = c.department_id
ORDER BY d.code`
