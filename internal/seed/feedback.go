package seed

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
)

// Customer feedback: DOMAIN.md's 50,000 answers at scale 1, in proportion
// at other scales (500 at 0.01). Each answer is about a project that had
// started by asOf, given between its start and its completion (or asOf),
// by one of its customer's contacts (one in five anonymous), mostly from
// the survey tool; scores lean positive as real NPS surveys do (about +15).
//
// Like the reviews they are generated in SQL after the projects and
// contacts are copied: every value is a function of the seed and the
// answer's number (md5, the same on every PostgreSQL), so a seed gives the
// same answers at every run.

var feedbackTables = []string{"project_feedback"}

// feedbackCount is how many answers scale gives.
func feedbackCount(scale float64) int64 { return max(1, int64(math.Round(50_000*scale))) }

func seedFeedback(ctx context.Context, tx pgx.Tx, seed int64, scale float64) (map[string]int64, error) {
	// h(n) is a number 0..2^31-1 drawn from the seed, the answer and n.
	tag, err := tx.Exec(ctx, `
WITH p AS MATERIALIZED (
    SELECT id, customer_id, start_on,
           least(coalesce(completed_at::date, $3::date), $3::date) AS until,
           row_number() OVER (ORDER BY id) AS rn
    FROM projects WHERE start_on <= $3::date),
c AS MATERIALIZED (
    SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY id) AS rn,
           count(*) OVER (PARTITION BY customer_id) AS n
    FROM contacts),
g AS (
    SELECT g, ('x' || substr(md5($1::bigint || ':feedback:' || g), 1, 8))::bit(32)::int & 2147483647 AS h,
              ('x' || substr(md5($1::bigint || ':feedback:' || g), 9, 8))::bit(32)::int & 2147483647 AS h2
    FROM generate_series(1, $2::bigint) g)
INSERT INTO project_feedback (project_id, contact_id, score, comment, received_at, source, external_id)
SELECT p.id,
       c.id,
       (ARRAY[0, 2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 9, 8, 10])[1 + (g.h / 7) % 25],
       CASE WHEN g.h % 3 = 0 THEN (ARRAY['Great team, delivered what was promised.',
            'Communication could be better; the result is fine.',
            'The timeline slipped twice, which hurt us.',
            'Very responsive project manager.',
            'Solid work, a bit expensive for what we got.'])[1 + (g.h2 / 5) % 5] END,
       (p.start_on + ((g.h2 / 11) % (p.until - p.start_on + 1))::int)::timestamptz + ((g.h / 13) % 86400) * interval '1 second',
       CASE WHEN g.h % 5 = 4 THEN 'crm' ELSE 'surveys' END,
       CASE WHEN g.h % 5 = 4 THEN 'crm-' ELSE 'sv-' END || g.g
FROM g JOIN p ON p.rn = 1 + g.h % (SELECT count(*) FROM p)
-- One in five anonymous; else one of the customer's contacts.
LEFT JOIN c ON g.h2 % 5 <> 0 AND c.customer_id = p.customer_id AND c.rn = 1 + g.h2 % c.n
ORDER BY g.g`, seed, feedbackCount(scale), asOf.date())
	if err != nil {
		return nil, fmt.Errorf("seed feedback: %w", err)
	}
	return map[string]int64{"project_feedback": tag.RowsAffected()}, nil
}
