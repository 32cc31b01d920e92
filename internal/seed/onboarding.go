package seed

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
)

// Onboarding: the firm's checklists and its recent hires' onboardings
// (DOMAIN.md: about 1,000 at scale 1, in proportion at other scales: 10 at
// 0.01). One checklist for any department and one for each of the four
// departments with the most people, each of 6 to 10 tasks drawn from a
// common list. The most recently hired people have an onboarding from
// their department's checklist (else the general one), starting on their
// hiring day; most are completed (a quarter of the tasks done late), a few
// cancelled, and the latest tenth (at least two) still under way, some of
// their tasks done and the others open, due by now: the demo shows
// onboardings in progress with tasks overdue.
//
// Like the reviews they are drawn in SQL from the employees just copied,
// every value a function of the seed and the row's keys (md5), so a seed
// gives the same rows at every run.

var onboardingTables = []string{"onboarding_templates", "onboarding_template_tasks", "onboardings", "onboarding_tasks"}

// onboardingCount is how many onboardings scale gives.
func onboardingCount(scale float64) int64 { return max(1, int64(math.Round(1_000*scale))) }

// checklist is the tasks the templates draw from: title, owner, days
// after the start.
const checklist = `(VALUES
    (1, 'Prepare the employment contract and personnel file', 'hr', 0),
    (2, 'Set up laptop, accounts and badge', 'it', 0),
    (3, 'Welcome meeting and introduction to the team', 'manager', 0),
    (4, 'Read the employee handbook and sign the code of conduct', 'new_hire', 2),
    (5, 'Complete security and privacy training', 'new_hire', 5),
    (6, 'Grant access to project tools and repositories', 'it', 3),
    (7, 'Agree on goals for the first 90 days', 'manager', 7),
    (8, 'Enrol in benefits and pension plan', 'hr', 10),
    (9, 'Shadow a project kick-off', 'new_hire', 14),
    (10, 'First week check-in', 'manager', 5),
    (11, 'Register working time and first timesheet', 'new_hire', 7),
    (12, 'Probation review meeting scheduled', 'hr', 21),
    (13, '30-day feedback conversation', 'manager', 30)
) AS c(n, title, owner, offset_days)`

func seedOnboarding(ctx context.Context, tx pgx.Tx, seed int64, scale float64) (map[string]int64, error) {
	rows := map[string]int64{}
	steps := []struct {
		table, what, sql string
		args             []any
	}{
		{"onboarding_templates", "templates", `
INSERT INTO onboarding_templates (name, department_id, created_at)
SELECT name, department_id, $1::timestamptz FROM (
    SELECT 'Welcome to the firm' AS name, NULL::bigint AS department_id, 0 AS rank
    UNION ALL
    SELECT * FROM (SELECT d.name || ' onboarding' AS name, d.id AS department_id, row_number() OVER (ORDER BY count(e.id) DESC, d.id) AS rank
                   FROM departments d JOIN employees e ON e.department_id = d.id GROUP BY d.id) x
    WHERE rank <= 4) t
ORDER BY rank`, []any{dateOf(2020, 1, 15).date()}},
		// Each template takes 6 to 10 of the checklist's tasks: the first
		// three (contract, laptop, welcome) always, then a draw.
		{"onboarding_template_tasks", "template tasks", `
WITH t AS (SELECT id, 6 + (('x' || substr(md5($1::bigint || ':template:' || id), 1, 8))::bit(32)::int & 2147483647) % 5 AS n
           FROM onboarding_templates),
picked AS (
    SELECT t.id AS template_id, c.*, row_number() OVER (PARTITION BY t.id ORDER BY
        c.n > 3, md5($1::bigint || ':task:' || t.id || ':' || c.n)) AS k, t.n AS size
    FROM t CROSS JOIN ` + checklist + `)
INSERT INTO onboarding_template_tasks (template_id, position, title, owner, due_offset_days)
SELECT template_id, row_number() OVER (PARTITION BY template_id ORDER BY offset_days, n), title, owner::onboarding_task_owner, offset_days
FROM picked WHERE k <= size ORDER BY template_id, offset_days, n`, []any{seed}},
		// The latest hires, each from their department's template or the
		// general one; all in progress until the tasks say otherwise.
		{"onboardings", "onboardings", `
WITH hires AS (
    SELECT e.id, e.department_id, e.hired_on, row_number() OVER (ORDER BY e.hired_on DESC, e.id DESC) AS recency
    FROM employees e WHERE e.manager_id IS NOT NULL ORDER BY e.hired_on DESC, e.id DESC LIMIT $1)
INSERT INTO onboardings (employee_id, template_id, starts_on, status, created_at)
SELECT h.id,
       coalesce((SELECT t.id FROM onboarding_templates t WHERE t.department_id = h.department_id ORDER BY t.id LIMIT 1),
                (SELECT t.id FROM onboarding_templates t WHERE t.department_id IS NULL ORDER BY t.id LIMIT 1)),
       h.hired_on, 'in_progress', h.hired_on - 7 + time '09:00'
FROM hires h ORDER BY h.hired_on, h.id`, []any{onboardingCount(scale)}},
		// Under way: the latest tenth (at least two), the first 1 to n-1 of
		// their n tasks done (in due order), the others open. Of the
		// others, one in 25 was cancelled after its first three tasks;
		// the rest are done. Done late: 1 in 4, up to 9 days after it was
		// due.
		{"onboarding_tasks", "onboarding tasks", `
WITH o AS (
    SELECT o.id, o.employee_id, o.template_id, o.starts_on,
           row_number() OVER (ORDER BY o.starts_on DESC, o.id DESC) <= greatest(2, count(*) OVER () / 10) AS under_way,
           (('x' || substr(md5($1::bigint || ':onboarding:' || o.id), 1, 8))::bit(32)::int & 2147483647) AS h
    FROM onboardings o),
o2 AS (
    SELECT o.*, o.h % 25 = 0 AS cancelled,
           1 + o.h % greatest(1, (SELECT count(*) FROM onboarding_template_tasks WHERE template_id = o.template_id) - 1) AS done_tasks
    FROM o),
t AS (
    SELECT o.id AS onboarding_id, o.employee_id, tt.title, tt.owner, o.starts_on + tt.due_offset_days AS due_on, tt.position,
           ('x' || substr(md5($1::bigint || ':onboarding task:' || o.id || ':' || tt.position), 1, 8))::bit(32)::int & 2147483647 AS h,
           o.under_way, o.under_way AND tt.position > o.done_tasks OR o.cancelled AND tt.position > 3 AS open
    FROM o2 o JOIN onboarding_template_tasks tt ON tt.template_id = o.template_id),
d AS (SELECT t.*, NOT t.open AS done FROM t)
INSERT INTO onboarding_tasks (onboarding_id, title, owner, due_on, completed_at, completed_by)
SELECT d.onboarding_id, d.title, d.owner, d.due_on,
       CASE WHEN d.done THEN (d.due_on - (d.h / 4) % 3 + CASE WHEN d.h % 4 = 1 THEN 1 + (d.h / 16) % 9 ELSE 0 END)
            + time '08:00' + ((d.h / 64) % 600) * interval '1 minute' END,
       CASE WHEN d.done AND d.owner = 'new_hire' THEN d.employee_id
            WHEN d.done AND d.owner = 'manager' THEN (SELECT manager_id FROM employees WHERE id = d.employee_id) END
FROM d ORDER BY d.onboarding_id, d.position`, []any{seed}},
	}
	for _, s := range steps {
		tag, err := tx.Exec(ctx, s.sql, s.args...)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", s.what, err)
		}
		rows[s.table] = tag.RowsAffected()
	}
	// An onboarding whose every task is done is completed with its last
	// one; one with open tasks before the latest tenth was cancelled.
	if _, err := tx.Exec(ctx, `
UPDATE onboardings o SET status = CASE WHEN x.open = 0 THEN 'completed' ELSE 'cancelled' END::onboarding_status,
       completed_at = CASE WHEN x.open = 0 THEN x.last END
FROM (SELECT onboarding_id, count(*) FILTER (WHERE completed_at IS NULL) AS open, max(completed_at) AS last
      FROM onboarding_tasks GROUP BY onboarding_id) x
WHERE x.onboarding_id = o.id AND (x.open = 0 OR o.id NOT IN (
    SELECT id FROM onboardings ORDER BY starts_on DESC, id DESC LIMIT greatest(2, (SELECT count(*) FROM onboardings) / 10)))`); err != nil {
		return nil, fmt.Errorf("complete and cancel the seeded onboardings: %w", err)
	}
	return rows, nil
}
