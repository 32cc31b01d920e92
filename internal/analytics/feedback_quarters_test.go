package analytics_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/testdb"
)

// feedbackQuartersDiff is the first row where the rollup of the answers
// (feedback_quarters, migrations/00020) and a grouping of project_feedback
// as it stands differ; "" when they agree.
func feedbackQuartersDiff(t *testing.T, q querier) string {
	t.Helper()
	var diff string
	err := q.QueryRow(context.Background(), `
		WITH want AS (
		    SELECT date_trunc('quarter', f.received_at AT TIME ZONE 'UTC')::date AS quarter, c.segment, count(*) AS responses,
		           count(*) FILTER (WHERE f.score >= 9) AS promoters, count(*) FILTER (WHERE f.score IN (7, 8)) AS passives,
		           count(*) FILTER (WHERE f.score < 7) AS detractors
		    FROM project_feedback f JOIN projects p ON p.id = f.project_id JOIN customers c ON c.id = p.customer_id
		    GROUP BY 1, 2),
		have AS (SELECT quarter, segment, responses, promoters, passives, detractors FROM feedback_quarters)
		SELECT coalesce((SELECT 'rollup has ' || h::text FROM have h EXCEPT SELECT 'rollup has ' || w::text FROM want w LIMIT 1),
		                (SELECT 'rollup lacks ' || w::text FROM want w EXCEPT SELECT 'rollup lacks ' || h::text FROM have h LIMIT 1), '')`).
		Scan(&diff)
	if err != nil {
		t.Fatal(err)
	}
	return diff
}

// The rollup npsBySegment reads follows every write that changes what it
// counts: answers recorded, rescored, moved in time, deleted and
// truncated; a project moved to a customer of another segment; a
// customer's segment changed; and what it does not count (a project's
// status, a comment) changes nothing.
func TestFeedbackQuarters_FollowWrites(t *testing.T) {
	tx := freshTx(t)
	if d := feedbackQuartersDiff(t, tx); d != "" {
		t.Fatalf("after seeding: %s", d)
	}
	for _, w := range []struct{ name, sql string }{
		{"answers recorded", `INSERT INTO project_feedback (project_id, score, received_at, source, external_id)
			SELECT id, (id % 11)::smallint, '2026-05-01'::timestamptz - (id % 500) * interval '1 day', 'test', 'w' || id
			FROM projects WHERE id % 7 = 0 LIMIT 50`},
		{"answers rescored", `UPDATE project_feedback SET score = 10 - score WHERE id % 5 = 0`},
		{"answers moved to another quarter", `UPDATE project_feedback SET received_at = received_at - interval '100 days' WHERE id % 9 = 0`},
		{"answers moved to another project", `UPDATE project_feedback SET project_id = project_id + 1
			WHERE id % 13 = 0 AND project_id + 1 IN (SELECT id FROM projects)`},
		{"only comments changed", `UPDATE project_feedback SET comment = 'edited' WHERE id % 3 = 0`},
		{"answers deleted", `DELETE FROM project_feedback WHERE id % 4 = 0`},
		{"projects moved to customers of other segments", `UPDATE projects p SET customer_id = (
			SELECT min(c.id) FROM customers c WHERE c.segment <> (SELECT segment FROM customers WHERE id = p.customer_id))
			WHERE p.id IN (SELECT project_id FROM project_feedback WHERE id % 3 = 1)`},
		{"projects' statuses changed", `UPDATE projects SET status = 'on_hold' WHERE id % 10 = 0`},
		{"customers' segments changed", `UPDATE customers SET segment = CASE segment WHEN 'smb' THEN 'enterprise'::customer_segment
			ELSE 'smb' END WHERE id IN (SELECT p.customer_id FROM projects p JOIN project_feedback f ON f.project_id = p.id WHERE f.id % 2 = 0)`},
		{"answers truncated", `TRUNCATE project_feedback`},
	} {
		if _, err := tx.Exec(context.Background(), w.sql); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if d := feedbackQuartersDiff(t, tx); d != "" {
			t.Fatalf("after %s: %s", w.name, d)
		}
	}
}

// An answer recorded while another transaction changes its customer's
// segment is counted at the segment the customer ends with, whichever
// commits first: each side locks what the other writes, so the second
// waits for the first and then counts its rows.
func TestFeedbackQuarters_ExactUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	url := testdb.Fresh(t)
	connect := func() *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close(ctx) })
		return c
	}
	answers, segments, check := connect(), connect(), connect()
	var project, customer int64
	if err := check.QueryRow(ctx, `SELECT p.id, p.customer_id FROM projects p ORDER BY p.id LIMIT 1`).Scan(&project, &customer); err != nil {
		t.Fatal(err)
	}
	for _, answersFirst := range []bool{true, false} {
		a, err := answers.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s, err := segments.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		record := func() error {
			_, err := a.Exec(ctx, `INSERT INTO project_feedback (project_id, score, received_at, source) VALUES ($1, 10, '2026-02-01', 'race')`, project)
			return err
		}
		flip := func() error {
			_, err := s.Exec(ctx, `UPDATE customers SET segment = CASE segment WHEN 'smb' THEN 'enterprise'::customer_segment ELSE 'smb' END
				WHERE id = $1`, customer)
			return err
		}
		first, second, firstTx := record, flip, a
		if !answersFirst {
			first, second, firstTx = flip, record, s
		}
		if err := first(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- second() }() // waits on the first's locks
		if err := firstTx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		secondTx := s
		if !answersFirst {
			secondTx = a
		}
		if err := secondTx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if d := feedbackQuartersDiff(t, check); d != "" {
			t.Fatalf("answer first: %v: %s", answersFirst, d)
		}
	}
}
