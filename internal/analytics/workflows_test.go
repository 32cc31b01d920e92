package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// wantNpsBySegment is npsBySegment's rows: $1 segment (NULL: all), $2
// from, $3 to. Quarters from the year and quarter number, the score from
// sums of ±100 per answer; rounded as numeric rounds (half away from
// zero), the rounding the schema promises.
const wantNpsBySegment = `
SELECT upper(c.segment::text) AS segment,
       make_date(extract(year FROM f.received_at AT TIME ZONE 'UTC')::int,
                 3 * extract(quarter FROM f.received_at AT TIME ZONE 'UTC')::int - 2, 1) AS quarter,
       count(*) AS responses,
       sum(CASE WHEN f.score >= 9 THEN 1 ELSE 0 END) AS promoters,
       sum(CASE WHEN f.score IN (7, 8) THEN 1 ELSE 0 END) AS passives,
       sum(CASE WHEN f.score < 7 THEN 1 ELSE 0 END) AS detractors,
       round(sum(CASE WHEN f.score >= 9 THEN 100 WHEN f.score < 7 THEN -100 ELSE 0 END)::numeric / count(*), 2) AS nps
FROM project_feedback f
JOIN projects p ON p.id = f.project_id
JOIN customers c ON c.id = p.customer_id
WHERE (f.received_at AT TIME ZONE 'UTC')::date BETWEEN $2::date AND $3::date
  AND ($1::text IS NULL OR c.segment::text = $1)
GROUP BY c.segment, 2
ORDER BY 2, c.segment`

const npsBySegmentFields = `segment quarter responses promoters passives detractors nps`

func TestNpsBySegment_MatchesPlainSQL(t *testing.T) {
	checkReport(t, "npsBySegment", npsBySegmentFields, []reportCase{
		{name: "a year, every segment", args: `from: "2025-07-01", to: "2026-06-30"`,
			wantSQL: wantNpsBySegment, params: []any{nil, "2025-07-01", "2026-06-30"}},
		{name: "ten years of enterprise customers", args: `from: "2016-07-01", to: "2026-06-30", segment: ENTERPRISE`,
			wantSQL: wantNpsBySegment, params: []any{"enterprise", "2016-07-01", "2026-06-30"}},
		{name: "one quarter of small businesses", args: `from: "2026-01-01", to: "2026-03-31", segment: SMB`,
			wantSQL: wantNpsBySegment, params: []any{"smb", "2026-01-01", "2026-03-31"}},
		{name: "after the last answer", args: `from: "2030-01-01", to: "2030-12-31"`,
			wantSQL: wantNpsBySegment, params: []any{nil, "2030-01-01", "2030-12-31"}, empty: true},
	})
}

// A segment's quarter whose answers are all about one project has that
// project's NPS (Project.nps): the two are one formula.
func TestNpsBySegment_AgreesWithProjectNps(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	conn := connect(t)
	var project int64
	var quarter, segment string
	err := conn.QueryRow(context.Background(), `
		WITH q AS (
		    SELECT c.segment, date_trunc('quarter', f.received_at AT TIME ZONE 'UTC')::date AS quarter,
		           min(f.project_id) AS project, count(DISTINCT f.project_id) AS projects
		    FROM project_feedback f JOIN projects p ON p.id = f.project_id JOIN customers c ON c.id = p.customer_id
		    GROUP BY 1, 2)
		SELECT q.project, q.quarter::text, upper(q.segment::text) FROM q
		WHERE q.projects = 1 AND NOT EXISTS (
		    SELECT FROM project_feedback f WHERE f.project_id = q.project
		      AND date_trunc('quarter', f.received_at AT TIME ZONE 'UTC')::date <> q.quarter)
		ORDER BY q.quarter, q.project LIMIT 1`).Scan(&project, &quarter, &segment)
	if err != nil {
		t.Fatalf("find a quarter of one segment with one project's answers, all of them: %v", err)
	}
	r := post(t, srv.URL, fmt.Sprintf(`{ p: node(id: %q) { ... on Project { nps feedbackAnswers } }
		analytics { npsBySegment(from: %q, to: "2026-12-31", segment: %s) { quarter responses nps } } }`,
		store.GlobalID("Project", project), quarter, segment))
	var data struct {
		P struct {
			Nps             json.Number
			FeedbackAnswers int
		}
		Analytics struct {
			NpsBySegment []struct {
				Quarter   string
				Responses int
				Nps       json.Number
			}
		}
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	decode(t, r.Data, &data)
	rows := data.Analytics.NpsBySegment
	if len(rows) == 0 || rows[0].Quarter != quarter {
		t.Fatalf("npsBySegment from %s: %+v, want the quarter first", quarter, rows)
	}
	if rows[0].Responses != data.P.FeedbackAnswers || rows[0].Nps != data.P.Nps {
		t.Errorf("%s %s: %d answers, NPS %s; project %d: %d answers, NPS %s", segment, quarter,
			rows[0].Responses, rows[0].Nps, project, data.P.FeedbackAnswers, data.P.Nps)
	}
}

// wantReviewCompletion is reviewCompletion's rows: $1 cycle, $2 department
// (NULL: all), $3 the employees whose reviews count (NULL: all). Statuses
// counted one by one, the ratio as a fraction rounded to 4 decimals.
var wantReviewCompletion = subtreeSQL[:len(subtreeSQL)-len(`tree AS (SELECT id FROM paths WHERE $1::bigint IS NULL OR $1::bigint = ANY(path))`)] +
	`tree AS (SELECT id FROM paths WHERE $2::bigint IS NULL OR $2::bigint = ANY(path))
SELECT ` + globalIDSQL + ` AS "departmentId", d.code AS "departmentCode", d.name AS "departmentName",
       count(*) AS reviews,
       sum((r.status = 'not_started')::int) AS "notStarted",
       sum((r.status = 'self_submitted')::int) AS "selfSubmitted",
       sum((r.status = 'manager_submitted')::int) AS "managerSubmitted",
       sum((r.status = 'finalized')::int) AS finalized,
       round(sum((r.status = 'finalized')::int)::numeric / count(*), 4) AS completion
FROM reviews r
JOIN employees e ON e.id = r.employee_id
JOIN departments d ON d.id = e.department_id
WHERE r.cycle_id = $1 AND d.id IN (SELECT id FROM tree)
  AND ($3::bigint[] IS NULL OR r.employee_id = ANY($3))
GROUP BY d.id
ORDER BY d.code`

const reviewCompletionFields = `departmentId departmentCode departmentName reviews notStarted selfSubmitted managerSubmitted finalized completion`

// cycles are the seed's review cycle in progress and a closed one.
func cycles(t *testing.T) (open, closed int64) {
	t.Helper()
	err := connect(t).QueryRow(context.Background(), `
		SELECT (SELECT max(id) FROM review_cycles WHERE status = 'open'),
		       (SELECT max(id) FROM review_cycles WHERE status = 'closed')`).Scan(&open, &closed)
	if err != nil {
		t.Fatalf("pick review cycles: %v", err)
	}
	return open, closed
}

func cycleID(key int64) string { return store.GlobalID("ReviewCycle", key) }

func TestReviewCompletion_MatchesPlainSQL(t *testing.T) {
	open, closed := cycles(t)
	parent, leaf := departments(t)
	checkReport(t, "reviewCompletion", reviewCompletionFields, []reportCase{
		{name: "the cycle in progress, every department", args: fmt.Sprintf(`cycle: %q`, cycleID(open)),
			wantSQL: wantReviewCompletion, params: []any{open, nil, nil}},
		{name: "the cycle in progress, a subtree", args: fmt.Sprintf(`cycle: %q, department: %q`, cycleID(open), gid(parent)),
			wantSQL: wantReviewCompletion, params: []any{open, parent, nil}},
		{name: "a closed cycle, a leaf department", args: fmt.Sprintf(`cycle: %q, department: %q`, cycleID(closed), gid(leaf)),
			wantSQL: wantReviewCompletion, params: []any{closed, leaf, nil}},
	})
}

// Review statuses are counted over the reviews the caller may see, as
// every list of reviews is: a manager counts their reporting line and
// their own review, a person their own, hr and admin the firm; no one
// else's review is counted, not even as a number. A person's role without
// an employee record sees no review and is refused (the analytics role too,
// running the shipped operation: TestAnalyticsRole_RunsTheShippedOperations).
func TestReviewCompletion_CountsOnlyTheReviewsTheCallerSees(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	conn := connect(t)
	open, _ := cycles(t)
	// A manager in the middle of the tree (a manager above them, people
	// below them with reviews in the cycle), and a person with a review.
	var manager, person int64
	var line []int64
	err := conn.QueryRow(context.Background(), `
		WITH RECURSIVE m AS (
		    SELECT min(e.id) AS id FROM employees e
		    WHERE e.manager_id IS NOT NULL AND e.manager_id <> (SELECT id FROM employees WHERE manager_id IS NULL)
		      AND EXISTS (SELECT FROM employees r JOIN reviews v ON v.employee_id = r.id AND v.cycle_id = $1 WHERE r.manager_id = e.id)),
		below(id) AS (SELECT e.id FROM employees e, m WHERE e.manager_id = m.id
		              UNION SELECT e.id FROM employees e JOIN below b ON e.manager_id = b.id)
		SELECT (SELECT id FROM m), (SELECT min(employee_id) FROM reviews WHERE cycle_id = $1),
		       (SELECT array_agg(id) FROM (SELECT id FROM below UNION SELECT id FROM m) l)`, open).Scan(&manager, &person, &line)
	if err != nil {
		t.Fatalf("pick a manager and a person: %v", err)
	}
	query := fmt.Sprintf(`{ analytics { reviewCompletion(cycle: %q) { %s } } }`, cycleID(open), reviewCompletionFields)
	for _, c := range []struct {
		name    string
		token   string
		counted []int64 // whose reviews count; nil: everyone's
		refused bool
	}{
		{"hr", httpapitest.Token(t, 0, auth.HR), nil, false},
		{"admin", httpapitest.Token(t, 0, auth.Admin), nil, false},
		{"a manager: their line and their own", httpapitest.Token(t, manager, auth.Manager), line, false},
		{"a person: their own", httpapitest.Token(t, person, auth.Viewer), []int64{person}, false},
		{"a manager's role without an employee record", httpapitest.Token(t, 0, auth.Manager), nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"query": query})
			r := httpapitest.Do(t, "POST", srv.URL+"/graphql",
				map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + c.token}, string(body))
			if c.refused {
				if r.Code() != "FORBIDDEN" || string(r.Data) != "null" {
					t.Fatalf("got %s %+v, want FORBIDDEN and no data", r.Data, r.Errors)
				}
				return
			}
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			var data struct {
				Analytics map[string][]map[string]any `json:"analytics"`
			}
			decode(t, r.Data, &data)
			var counted any
			if c.counted != nil {
				counted = c.counted
			}
			want := queryRows(t, conn, wantReviewCompletion, open, nil, counted)
			if len(want) == 0 {
				t.Fatal("the case's SQL counts no review; it means to count some")
			}
			if diff := rowsDiff(data.Analytics["reviewCompletion"], want, reviewCompletionFields); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

func TestWorkflowReports_RefuseBadInput(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	open, _ := cycles(t)
	for _, c := range []struct {
		name, query, argument string
	}{
		{"NPS from not the first of a quarter", `npsBySegment(from: "2026-02-01", to: "2026-03-31") { nps }`, "from"},
		{"NPS to not the last of a quarter", `npsBySegment(from: "2026-01-01", to: "2026-05-31") { nps }`, "to"},
		{"NPS from after to", `npsBySegment(from: "2026-04-01", to: "2026-03-31") { nps }`, "to"},
		{"NPS over more than 40 quarters", `npsBySegment(from: "2000-01-01", to: "2010-03-31") { nps }`, "to"},
		{"a cycle that does not exist", fmt.Sprintf(`reviewCompletion(cycle: %q) { reviews }`, cycleID(987654)), "cycle"},
		{"a project's id as cycle", fmt.Sprintf(`reviewCompletion(cycle: %q) { reviews }`, store.GlobalID("Project", 1)), "cycle"},
		{"an unknown department", fmt.Sprintf(`reviewCompletion(cycle: %q, department: %q) { reviews }`,
			cycleID(open), gid(987654)), "department"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := post(t, srv.URL, `{ analytics { `+c.query+` } }`)
			if r.Status != 200 || r.Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["argument"] != c.argument {
				t.Fatalf("got status %d, errors %+v; want 200, BAD_USER_INPUT on %q", r.Status, r.Errors, c.argument)
			}
		})
	}
}
