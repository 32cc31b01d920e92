package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Performance reviews: ten half-yearly cycles, the last five years of the
// firm's people, at every scale (a firm reviews twice a year however large
// it is; the reviews grow with the employees: DOMAIN.md's 10 cycles and
// about 50,000 reviews at scale 1). The nine past cycles are closed, every
// review finalized; the last one, the first half of 2026 (the seed's last day is its end), is open: its
// reviews are spread over not started, self-assessed and assessed.
//
// They are generated in SQL from the employees just copied, after them:
// each value is a function of the seed and the review's cycle and employee
// (md5, the same on every PostgreSQL), so a seed gives the same reviews at
// every run. A review's reviewer is the employee's manager as seeded (the
// seed knows no history of managers).

const reviewCycles = 10

var reviewTables = []string{"review_cycles", "reviews"}

func seedReviews(ctx context.Context, tx pgx.Tx, seed int64) (map[string]int64, error) {
	rows := map[string]int64{}
	tag, err := tx.Exec(ctx, `
INSERT INTO review_cycles (name, period_start, period_end, status, created_at)
SELECT format('%s H%s review', extract(year FROM s)::int, CASE WHEN extract(month FROM s) = 1 THEN 1 ELSE 2 END),
       s::date, (s + interval '6 months' - interval '1 day')::date, 'open',
       s + interval '6 months' - interval '14 days'
FROM generate_series(date '2026-01-01' - ($1::int - 1) * interval '6 months', date '2026-01-01', interval '6 months') s
ORDER BY s`, reviewCycles)
	if err != nil {
		return nil, fmt.Errorf("seed review cycles: %w", err)
	}
	rows["review_cycles"] = tag.RowsAffected()
	// h(n) is a number 0..2^31-1 drawn from the seed, the review and n.
	tag, err = tx.Exec(ctx, `
WITH r AS (
    SELECT c.id AS cycle_id, c.period_end, c.period_end = (SELECT max(period_end) FROM review_cycles) AS current,
           e.id AS employee_id, e.manager_id,
           ('x' || substr(md5(($1::bigint)::text || ':' || c.id || ':' || e.id), 1, 8))::bit(32)::int & 2147483647 AS h
    FROM review_cycles c
    JOIN employees e ON e.manager_id IS NOT NULL AND e.hired_on <= c.period_end - 60
        AND (e.terminated_on IS NULL OR e.terminated_on > c.period_end)),
s AS (
    SELECT r.*, CASE WHEN NOT current THEN 3 ELSE h % 3 END AS step, 1 + (h / 7) % 5 AS rating FROM r)
INSERT INTO reviews (cycle_id, employee_id, reviewer_id, self_assessment, manager_assessment, rating, status, finalized_at)
SELECT cycle_id, employee_id, manager_id,
       CASE WHEN step >= 1 THEN (ARRAY['Delivered the planned work and helped the team onboard two new colleagues.',
            'A demanding half: the migration shipped late but stable; I want to grow in estimation.',
            'Led the customer workshops and took over the reporting pipeline.',
            'Focused on quality: fewer incidents, better tests, clearer documentation.'])[1 + h % 4] END,
       CASE WHEN step >= 2 THEN (ARRAY['Reliable and thorough; should speak up earlier when plans slip.',
            'Strong technical work and a good mentor; keep the focus on delivery dates.',
            'Met expectations; the next step is owning a workstream end to end.',
            'Exceptional half: customers ask for them by name.'])[1 + (h / 5) % 4] END,
       CASE WHEN step >= 2 THEN rating END,
       (ARRAY['not_started', 'self_submitted', 'manager_submitted', 'finalized'])[1 + step]::review_status,
       CASE WHEN step = 3 THEN period_end + 30 + (h % 20) END
FROM s ORDER BY cycle_id, employee_id`, seed)
	if err != nil {
		return nil, fmt.Errorf("seed reviews: %w", err)
	}
	rows["reviews"] = tag.RowsAffected()
	// Closed last: a closed cycle's reviews can no longer be written.
	if _, err := tx.Exec(ctx, `UPDATE review_cycles SET status = 'closed' WHERE period_end < (SELECT max(period_end) FROM review_cycles)`); err != nil {
		return nil, fmt.Errorf("close the past review cycles: %w", err)
	}
	return rows, nil
}
