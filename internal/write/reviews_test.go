package write_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
)

// reviewCast is who acts on a review in the demo data: the employee
// reviewed, their manager (the reviewer), the manager above, a peer (a
// manager too, under the same manager: not above the employee), hr, admin
// and the analytics role.
type reviewCast struct {
	employee, reviewer, above, peer, hr, admin caller
	analytics                                  caller
}

func reviewCallers(a *api) reviewCast {
	a.t.Helper()
	var e, m, m2, peer int64
	if err := a.db.QueryRow(context.Background(), `SELECT e.id, m.id, m.manager_id, p.id FROM employees e
		JOIN employees m ON m.id = e.manager_id
		JOIN LATERAL (SELECT p.id FROM employees p WHERE p.manager_id = m.id AND p.id <> e.id AND p.status = 'active' ORDER BY p.id LIMIT 1) p ON true
		WHERE e.status = 'active' AND m.status = 'active' AND m.manager_id IS NOT NULL ORDER BY e.id LIMIT 1`).Scan(&e, &m, &m2, &peer); err != nil {
		a.t.Fatal(err)
	}
	var others []int64
	rows, err := a.db.Query(context.Background(), `SELECT id FROM employees WHERE id NOT IN ($1, $2, $3, $4) AND status = 'active' ORDER BY id DESC LIMIT 2`, e, m, m2, peer)
	if err != nil {
		a.t.Fatal(err)
	}
	others, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(others) < 2 {
		a.t.Fatalf("the demo data has too few employees to act: %v", err)
	}
	return reviewCast{
		employee:  caller{"employee", e, []auth.Role{auth.Viewer}},
		reviewer:  caller{"reviewer", m, []auth.Role{auth.Manager}},
		above:     caller{"manager above", m2, []auth.Role{auth.Manager}},
		peer:      caller{"peer", peer, []auth.Role{auth.Manager}},
		hr:        caller{"hr", others[0], []auth.Role{auth.HR}},
		admin:     caller{"admin", others[1], []auth.Role{auth.Admin}},
		analytics: caller{"analytics", 0, []auth.Role{auth.Analytics}},
	}
}

func (c reviewCast) all() []caller {
	return []caller{c.employee, c.reviewer, c.above, c.peer, c.hr, c.admin, c.analytics}
}

// resetReviews removes the cycles, reviews and rating changes a test
// made when it ends, closed ones included (the guard triggers are set
// aside for it: session_replication_role), before resetAfter restores the
// tables they point at.
func (a *api) resetReviews() {
	maxCycle := a.int(`SELECT coalesce(max(id), 0) FROM review_cycles`)
	maxChange := a.int(`SELECT coalesce(max(id), 0) FROM review_rating_changes`)
	a.t.Cleanup(func() {
		_, err := a.db.Exec(context.Background(), fmt.Sprintf(`BEGIN; SET LOCAL session_replication_role = replica;
			DELETE FROM review_rating_changes WHERE id > %[2]d;
			DELETE FROM reviews WHERE cycle_id > %[1]d; DELETE FROM review_cycles WHERE id > %[1]d; COMMIT`, maxCycle, maxChange))
		if err != nil {
			a.t.Errorf("remove the test's review cycles: %v", err)
		}
	})
}

// fixture makes a cycle in cycleStatus with one review, of the cast's
// employee by their manager, in reviewStatus (texts and rating as far as
// it has come), and answers the keys of both.
func (a *api) fixture(c reviewCast, cycleStatus, reviewStatus string, rating int) (cycle, review int64) {
	a.t.Helper()
	cycle = a.int(`INSERT INTO review_cycles (name, period_start, period_end, status) VALUES ('Test cycle', '2026-01-01', '2026-06-30', 'open') RETURNING id`)
	review = a.int(`INSERT INTO reviews (cycle_id, employee_id, reviewer_id, self_assessment, manager_assessment, rating, status, finalized_at)
		SELECT $1, $2, $3,
			CASE WHEN $4::review_status >= 'self_submitted' THEN 'I did well.' END,
			CASE WHEN $4::review_status >= 'manager_submitted' THEN 'They did well.' END,
			CASE WHEN $4::review_status >= 'manager_submitted' THEN $5::int END,
			$4::review_status, CASE WHEN $4 = 'finalized' THEN now() END RETURNING id`,
		cycle, c.employee.employee, c.reviewer.employee, reviewStatus, rating)
	if _, err := a.db.Exec(context.Background(), `UPDATE review_cycles SET status = $2 WHERE id = $1`, cycle, cycleStatus); err != nil {
		a.t.Fatal(err)
	}
	return cycle, review
}

const (
	openCycle   = `mutation($in: OpenReviewCycleInput!) { openReviewCycle(input: $in) { cycle { id status reviews { totalCount } } } }`
	closeCycle  = `mutation($in: CloseReviewCycleInput!) { closeReviewCycle(input: $in) { cycle { id status } } }`
	selfAssess  = `mutation($in: SubmitSelfAssessmentInput!) { submitSelfAssessment(input: $in) { review { id status selfAssessment } } }`
	mgrAssess   = `mutation($in: SubmitManagerAssessmentInput!) { submitManagerAssessment(input: $in) { review { id status managerAssessment rating } } }`
	calibrate   = `mutation($in: CalibrateRatingInput!) { calibrateRating(input: $in) { review { id status rating } } }`
	finalize    = `mutation($in: FinalizeReviewInput!) { finalizeReview(input: $in) { review { id status finalizedAt } } }`
	reviewQuery = `query($id: ID!) { node(id: $id) { ... on Review { id status selfAssessment managerAssessment rating } } }`
)

func in(m map[string]any) map[string]any { return map[string]any{"in": m} }

// TestReviews_HappyPath: hr opens a cycle (a review for every active
// employee with a manager, that manager reviewing), the employee and the
// reviewer submit, hr moves the cycle to calibration, changes the rating
// (recorded with its reason), finalizes and closes; each step leaves its
// event, none with a text or a rating; the closed cycle then refuses even
// a direct SQL UPDATE.
func TestReviews_HappyPath(t *testing.T) {
	a := newAPI(t)
	a.resetReviews()
	c := reviewCallers(a)
	want := a.int(`SELECT count(*) FROM employees WHERE status = 'active' AND manager_id IS NOT NULL`)

	d := a.ok(c.hr, openCycle, in(map[string]any{"name": "2026 H2 review", "periodStart": "2026-07-01", "periodEnd": "2026-12-31"}))
	cycle := d["openReviewCycle"].(map[string]any)["cycle"].(map[string]any)
	if cycle["status"] != "OPEN" || cycle["reviews"].(map[string]any)["totalCount"] != float64(want) {
		t.Fatalf("opened %v, want OPEN with %d reviews", cycle, want)
	}
	cycleKey := a.int(`SELECT max(id) FROM review_cycles`)
	if n := a.int(`SELECT count(*) FROM reviews r JOIN employees e ON e.id = r.employee_id
		WHERE r.cycle_id = $1 AND r.reviewer_id = e.manager_id AND r.status = 'not_started'`, cycleKey); n != want {
		t.Errorf("%d reviews with the manager as reviewer, want %d", n, want)
	}
	review := gid("Review", a.int(`SELECT id FROM reviews WHERE cycle_id = $1 AND employee_id = $2`, cycleKey, c.employee.employee))
	cycleID := cycle["id"].(string)

	steps := []struct {
		who        caller
		query      string
		input      map[string]any
		field, was string
	}{
		{c.employee, selfAssess, map[string]any{"id": review, "text": "I shipped the billing rewrite."}, "status", "SELF_SUBMITTED"},
		{c.reviewer, mgrAssess, map[string]any{"id": review, "text": "Solid half.", "rating": 3}, "rating", "3"},
		{c.hr, closeCycle, map[string]any{"id": cycleID}, "status", "CALIBRATION"},
		{c.hr, calibrate, map[string]any{"id": review, "rating": 4, "reason": "Calibrated against the team."}, "rating", "4"},
		{c.hr, finalize, map[string]any{"id": review}, "status", "FINALIZED"},
		{c.hr, closeCycle, map[string]any{"id": cycleID}, "status", "CLOSED"},
	}
	for i, s := range steps {
		d := a.ok(s.who, s.query, in(s.input))
		for _, payload := range d {
			for _, obj := range payload.(map[string]any) {
				if got := fmt.Sprint(obj.(map[string]any)[s.field]); got != s.was {
					t.Errorf("step %d by %s: %s is %s, want %s", i, s.who.name, s.field, got, s.was)
				}
			}
		}
	}
	var old, now int
	var reason, by string
	a.one(&old, `SELECT old_rating FROM review_rating_changes WHERE review_id = $1`, a.int(`SELECT id FROM reviews WHERE cycle_id = $1 AND employee_id = $2`, cycleKey, c.employee.employee))
	a.one(&now, `SELECT new_rating FROM review_rating_changes ORDER BY id DESC LIMIT 1`)
	a.one(&reason, `SELECT reason FROM review_rating_changes ORDER BY id DESC LIMIT 1`)
	a.one(&by, `SELECT changed_by FROM review_rating_changes ORDER BY id DESC LIMIT 1`)
	if old != 3 || now != 4 || reason != "Calibrated against the team." || by != "test-hr" {
		t.Errorf("the rating change recorded %d → %d (%q by %q)", old, now, reason, by)
	}

	var types string
	a.one(&types, `SELECT string_agg(type, ' ' ORDER BY id) FROM events`)
	if want := "review_cycle.opened review.self_submitted review.manager_submitted review_cycle.calibration_started " +
		"review.calibrated review.finalized review_cycle.closed"; types != want {
		t.Errorf("events %q, want %q", types, want)
	}
	if n := a.int(`SELECT count(*) FROM events WHERE data::text ~ 'shipped|Solid|Calibrated' OR data ? 'rating'
		OR data ? 'selfAssessment' OR data ? 'managerAssessment'`); n != 0 {
		t.Errorf("%d events carry a text or a rating", n)
	}
	// The reviews the cycle opened are audited as created; the texts and
	// ratings written are kept apart, with the sensitive changes.
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'reviews' AND action = 'create'`); n != want {
		t.Errorf("%d reviews audited as created, want %d", n, want)
	}
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'reviews' AND changes::text ~ 'shipped|Solid'`); n != 0 {
		t.Errorf("%d audit rows carry a text outside sensitive_changes", n)
	}

	// Closed: the database itself refuses any change, whoever sends it.
	for _, stmt := range []string{
		`UPDATE reviews SET rating = 5 WHERE cycle_id = $1`,
		`DELETE FROM reviews WHERE cycle_id = $1`,
		`UPDATE review_cycles SET name = 'Renamed' WHERE id = $1`,
		`INSERT INTO reviews (cycle_id, employee_id, reviewer_id) SELECT $1, id, id FROM employees WHERE manager_id IS NULL`,
	} {
		if _, err := a.db.Exec(context.Background(), stmt, cycleKey); err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("%s on a closed cycle: %v, want it refused", stmt, err)
		}
	}
	if r := a.int(`SELECT rating FROM reviews WHERE cycle_id = $1 AND employee_id = $2`, cycleKey, c.employee.employee); r != 4 {
		t.Errorf("rating %d after the refused UPDATE, want 4", r)
	}
}

// TestReviews_StepsOutOfOrder: every step taken where the review or its
// cycle is not is BAD_USER_INPUT at input.id naming where they are, and
// writes nothing.
func TestReviews_StepsOutOfOrder(t *testing.T) {
	a := newAPI(t)
	a.resetReviews()
	c := reviewCallers(a)
	type step struct {
		who   caller
		query string
		input func(cycle, review string) map[string]any
	}
	self := step{c.employee, selfAssess, func(_, r string) map[string]any { return map[string]any{"id": r, "text": "Mine."} }}
	mgr := step{c.reviewer, mgrAssess, func(_, r string) map[string]any { return map[string]any{"id": r, "text": "Theirs.", "rating": 2} }}
	cal := step{c.hr, calibrate, func(_, r string) map[string]any { return map[string]any{"id": r, "rating": 5, "reason": "Why not."} }}
	fin := step{c.hr, finalize, func(_, r string) map[string]any { return map[string]any{"id": r} }}
	cls := step{c.hr, closeCycle, func(cy, _ string) map[string]any { return map[string]any{"id": cy} }}
	for _, tc := range []struct {
		name                string
		cycle, review, says string
		step                step
	}{
		{"self-assessment twice", "open", "self_submitted", "the review is SELF_SUBMITTED and its cycle OPEN", self},
		{"self-assessment in calibration", "calibration", "not_started", "the review is NOT_STARTED and its cycle CALIBRATION", self},
		{"self-assessment in a closed cycle", "closed", "not_started", "the review is NOT_STARTED and its cycle CLOSED", self},
		{"assessment before the self-assessment", "open", "not_started", "the review is NOT_STARTED and its cycle OPEN", mgr},
		{"assessment twice", "open", "manager_submitted", "the review is MANAGER_SUBMITTED and its cycle OPEN", mgr},
		{"assessment in calibration", "calibration", "self_submitted", "the review is SELF_SUBMITTED and its cycle CALIBRATION", mgr},
		{"calibration while open", "open", "manager_submitted", "the review is MANAGER_SUBMITTED and its cycle OPEN", cal},
		{"calibration before the assessment", "calibration", "self_submitted", "the review is SELF_SUBMITTED and its cycle CALIBRATION", cal},
		{"calibration once final", "calibration", "finalized", "the review is FINALIZED and its cycle CALIBRATION", cal},
		{"finalizing while open", "open", "manager_submitted", "the review is MANAGER_SUBMITTED and its cycle OPEN", fin},
		{"finalizing before the assessment", "calibration", "self_submitted", "the review is SELF_SUBMITTED and its cycle CALIBRATION", fin},
		{"finalizing twice", "calibration", "finalized", "the review is FINALIZED and its cycle CALIBRATION", fin},
		{"finalizing in a closed cycle", "closed", "manager_submitted", "the review is MANAGER_SUBMITTED and its cycle CLOSED", fin},
		{"closing with a review waiting to be finalized", "calibration", "manager_submitted", "submitted reviews of the cycle wait to be finalized", cls},
		{"closing a closed cycle", "closed", "finalized", "the cycle is CLOSED", cls},
		{"closing a draft", "draft", "not_started", "the cycle is DRAFT", cls},
	} {
		cycle, review := a.fixture(c, tc.cycle, tc.review, 3)
		before := a.reviewRow(review)
		auditN, eventN := a.trail()
		r := a.do(tc.step.who, tc.step.query, in(tc.step.input(gid("ReviewCycle", cycle), gid("Review", review))))
		if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.id"}) || !strings.Contains(r.Errors[0].Message, tc.says) {
			t.Errorf("%s: %v %s; want BAD_USER_INPUT at input.id saying %q", tc.name, got, r.Body, tc.says)
		}
		if after := a.reviewRow(review); after != before {
			t.Errorf("%s: the review changed: %s → %s", tc.name, before, after)
		}
		if au, ev := a.trail(); au != auditN || ev != eventN {
			t.Errorf("%s: the trail grew (audit %d → %d, events %d → %d)", tc.name, auditN, au, eventN, ev)
		}
	}
}

// reviewRow is a review and its cycle as text, to tell whether they changed.
func (a *api) reviewRow(review int64) string {
	var s string
	a.one(&s, `SELECT row(r.*)::text || row(c.*)::text FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id WHERE r.id = $1`, review)
	return s
}

// TestReviews_EveryRoleEveryStep: each step is done by exactly who
// DOMAIN.md says (the employee their self-assessment, the reviewer their
// assessment, hr the cycle's steps; admin everything). Everyone else is
// refused, FORBIDDEN when they may see the review, NOT_FOUND when it does
// not exist for them, and nothing is written.
func TestReviews_EveryRoleEveryStep(t *testing.T) {
	a := newAPI(t)
	a.resetReviews()
	c := reviewCallers(a)
	hrs := []string{"hr", "admin"}
	for _, tc := range []struct {
		name          string
		cycle, review string
		query         string
		input         func(cycle, review string) map[string]any
		allow         []string
		event         string
	}{
		{"openReviewCycle", "", "", openCycle, func(_, _ string) map[string]any {
			return map[string]any{"name": "Spring", "periodStart": "2026-01-01", "periodEnd": "2026-06-30"}
		}, hrs, "review_cycle.opened"},
		{"submitSelfAssessment", "open", "not_started", selfAssess, func(_, r string) map[string]any {
			return map[string]any{"id": r, "text": "Mine."}
		}, []string{"employee", "admin"}, "review.self_submitted"},
		{"submitManagerAssessment", "open", "self_submitted", mgrAssess, func(_, r string) map[string]any {
			return map[string]any{"id": r, "text": "Theirs.", "rating": 4}
		}, []string{"reviewer", "admin"}, "review.manager_submitted"},
		{"calibrateRating", "calibration", "manager_submitted", calibrate, func(_, r string) map[string]any {
			return map[string]any{"id": r, "rating": 5, "reason": "Outstanding."}
		}, hrs, "review.calibrated"},
		{"finalizeReview", "calibration", "manager_submitted", finalize, func(_, r string) map[string]any {
			return map[string]any{"id": r}
		}, hrs, "review.finalized"},
		{"closeReviewCycle", "open", "not_started", closeCycle, func(cy, _ string) map[string]any {
			return map[string]any{"id": cy}
		}, hrs, "review_cycle.calibration_started"},
	} {
		for _, who := range c.all() {
			var cycle, review int64
			if tc.cycle != "" {
				cycle, review = a.fixture(c, tc.cycle, tc.review, 3)
			}
			cycles := a.int(`SELECT count(*) FROM review_cycles`)
			before := ""
			if review != 0 {
				before = a.reviewRow(review)
			}
			auditN, eventN := a.trail()
			r := a.do(who, tc.query, in(tc.input(gid("ReviewCycle", cycle), gid("Review", review))))
			if slices.Contains(tc.allow, who.name) {
				var typ string
				if r.Code() == "" {
					a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
				}
				if r.Code() != "" || typ != tc.event {
					t.Errorf("%s by %s: %s; want it done, with the event %s (got %q)", tc.name, who.name, r.Body, tc.event, typ)
				}
				continue
			}
			if code := r.Code(); code != "FORBIDDEN" && code != "NOT_FOUND" && !(who.name == "analytics" && code == "TRUSTED_DOCUMENT_REQUIRED") {
				t.Errorf("%s by %s: %s; want FORBIDDEN or NOT_FOUND", tc.name, who.name, r.Body)
			}
			// A review the caller may not see does not exist for them.
			if who.name == "peer" && tc.query != closeCycle && review != 0 && r.Code() != "NOT_FOUND" {
				t.Errorf("%s by the peer: %s; want NOT_FOUND (the review does not exist for them)", tc.name, r.Code())
			}
			if review != 0 && a.reviewRow(review) != before || a.int(`SELECT count(*) FROM review_cycles`) != cycles {
				t.Errorf("%s by %s: refused, but something was written", tc.name, who.name)
			}
			if au, ev := a.trail(); au != auditN || ev != eventN {
				t.Errorf("%s by %s: refused, but the trail grew", tc.name, who.name)
			}
		}
	}
}

// newAuditedAPI is newAPI with the reads of sensitive fields recorded in
// an audit log of its own; closing it (auditRows) stores them.
func newAuditedAPI(t *testing.T) (*api, *audit.Log) {
	t.Helper()
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, pool := httpapitest.NewServer(t, service.Config{Policy: policy.New(log),
		Log: slog.New(slog.NewTextHandler(logWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	a := &api{t: t, url: srv.URL, db: httpapitest.Conn(t), pool: pool}
	a.resetAfter()
	return a, log
}

// TestReviews_Visibility is the matrix of who sees a review (the
// employee, their reviewer, the manager above, a peer, hr, admin,
// analytics) through node(id), its fields, the lists of an employee and a
// cycle with their totalCount, filters and orderings, with the audit rows
// of the texts and ratings read.
func TestReviews_Visibility(t *testing.T) {
	a, log := newAuditedAPI(t)
	a.resetReviews()
	c := reviewCallers(a)
	_, pending := a.fixture(c, "calibration", "manager_submitted", 2)
	finalCycle, final := a.fixture(c, "calibration", "finalized", 5)
	sees := map[string]bool{"employee": true, "reviewer": true, "manager above": true, "hr": true, "admin": true}
	for _, who := range c.all() {
		for _, tc := range []struct {
			review int64
			rating string // as the caller reads it: a value, or FORBIDDEN
		}{
			{pending, map[bool]string{true: "FORBIDDEN", false: "2"}[who.name == "employee"]},
			{final, "5"},
		} {
			r := a.do(who, reviewQuery, map[string]any{"id": gid("Review", tc.review)})
			var d struct {
				Node *struct {
					ID             string
					SelfAssessment *string
					Rating         *int
				}
			}
			_ = json.Unmarshal(r.Data, &d)
			switch {
			case who.name == "analytics":
				if d.Node != nil || r.Code() == "" {
					t.Errorf("analytics reads a review: %s", r.Body)
				}
			case !sees[who.name]:
				if d.Node != nil || len(r.Errors) > 0 {
					t.Errorf("%s: node(id) of a review %s; want null without an error (it does not exist)", who.name, r.Body)
				}
			case d.Node == nil || d.Node.SelfAssessment == nil || *d.Node.SelfAssessment != "I did well.":
				t.Errorf("%s: node(id) %s; want the review with its self-assessment", who.name, r.Body)
			case tc.rating == "FORBIDDEN":
				if d.Node.Rating != nil || len(r.Errors) != 1 || r.Code() != "FORBIDDEN" || !strings.Contains(string(r.Body), `"path":["node","rating"]`) {
					t.Errorf("%s: the rating of a review not final: %s; want FORBIDDEN", who.name, r.Body)
				}
			case d.Node.Rating == nil || fmt.Sprint(*d.Node.Rating) != tc.rating || len(r.Errors) > 0:
				t.Errorf("%s: rating %s; want %s", who.name, r.Body, tc.rating)
			}
		}
		if who.name == "analytics" {
			continue
		}
		// Lists and counts: the employee's reviews and the cycle's, as the
		// caller sees them.
		r := a.do(who, `query($e: ID!, $c: [ID!]) {
			employee(id: $e) { reviews(filter: { cycle: { id: { in: $c } } }) { totalCount nodes { id } } }
			reviewCycles(filter: { id: { in: $c } }) { totalCount nodes { reviews(filter: { status: { eq: FINALIZED } }) { totalCount } } } }`,
			map[string]any{"e": gid("Employee", c.employee.employee), "c": []string{gid("ReviewCycle", finalCycle), gid("ReviewCycle", finalCycle-1)}})
		want := map[bool]string{true: `{"employee":{"reviews":{"totalCount":2,"nodes":[{"id":"` + gid("Review", pending) + `"},{"id":"` + gid("Review", final) +
			`"}]}},"reviewCycles":{"totalCount":2,"nodes":[{"reviews":{"totalCount":0}},{"reviews":{"totalCount":1}}]}}`,
			false: `{"employee":{"reviews":{"totalCount":0,"nodes":[]}},"reviewCycles":{"totalCount":2,"nodes":[{"reviews":{"totalCount":0}},{"reviews":{"totalCount":0}}]}}`}[sees[who.name]]
		if string(r.Data) != want || len(r.Errors) > 0 {
			t.Errorf("%s: lists %s\nwant %s", who.name, r.Body, want)
		}
		// Filters and orderings by rating: only for who may read every
		// rating (hr, admin); the rest are refused, whatever they see.
		r = a.do(who, `query($c: [ID!]) { reviewCycles(filter: { id: { in: $c } }) { nodes {
			reviews(filter: { rating: { gte: 4 } }, orderBy: [{ field: RATING, direction: DESC }]) { totalCount } } } }`,
			map[string]any{"c": []string{gid("ReviewCycle", finalCycle)}})
		if who.name == "hr" || who.name == "admin" {
			if !strings.Contains(string(r.Data), `"totalCount":1`) || len(r.Errors) > 0 {
				t.Errorf("%s: filtered by rating %s; want the one review rated 5", who.name, r.Body)
			}
		} else if r.Code() != "FORBIDDEN" {
			t.Errorf("%s: filtered by rating %s; want FORBIDDEN", who.name, r.Body)
		}
	}

	// Every read of a text or a rating is in the audit log, with the
	// review and the employee it concerns.
	got := a.auditUses(log, "Review", "reviews", []int64{pending, final}, c.employee.employee)
	for _, want := range []string{"test-viewer Review.selfAssessment read true true", "test-viewer Review.rating read true true",
		"test-manager Review.rating read true true", "test-hr Review.selfAssessment read true true", "test-admin Review.rating read true true",
		"test-hr reviews.rating compare"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit rows %q lack %q", got, want)
		}
	}
}

// auditUses stores what log holds and answers the uses recorded of the
// fields of type typ and the columns of table, distinct, as "subject field
// use record-is-one-of-records employee-is-employee", comma-separated.
func (a *api) auditUses(log *audit.Log, typ, table string, records []int64, employee int64) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := log.Close(ctx); err != nil {
		a.t.Fatal(err)
	}
	var got string
	a.one(&got, `SELECT string_agg(DISTINCT concat_ws(' ', subject, field, use, (record_id = ANY($1))::text, (employee_id = $2)::text), ', ')
		FROM audit_events WHERE field LIKE $3 || '.%' OR field LIKE $4 || '.%'`, records, employee, typ, table)
	return got
}

// TestReviews_TeamPageCostsOnePerLevel: a manager's team with their
// reviews, each review's cycle, texts and rating (the reporting line
// decided for the whole sibling set) costs the same statements for one
// report as for forty: one per level, not per row.
func TestReviews_TeamPageCostsOnePerLevel(t *testing.T) {
	a := newAPI(t)
	var boss int64
	a.one(&boss, `SELECT manager_id FROM employees WHERE manager_id IS NOT NULL GROUP BY manager_id ORDER BY count(*) DESC, manager_id LIMIT 1`)
	me := caller{"manager", boss, []auth.Role{auth.Manager}}
	const team = `query($m: ID!, $n: Int!) { employee(id: $m) { directReports(first: $n) { nodes { firstName
		reviews(first: 5, orderBy: [{ field: STATUS, direction: DESC }]) { totalCount nodes { status selfAssessment rating cycle { name } } } } } } }`
	cost := func(n int) (int64, int) {
		before := a.pool.Statements()
		d := a.ok(me, team, map[string]any{"m": gid("Employee", boss), "n": n})
		b, _ := json.Marshal(d)
		return a.pool.Statements() - before, strings.Count(string(b), `"status"`)
	}
	one, reviewsOne := cost(1)
	forty, reviewsForty := cost(40)
	t.Logf("one report: %d statements, %d reviews; forty: %d statements, %d reviews", one, reviewsOne, forty, reviewsForty)
	if reviewsForty <= reviewsOne || reviewsOne == 0 {
		t.Fatalf("the team page read %d and %d reviews: the demo data has too few to tell", reviewsOne, reviewsForty)
	}
	if one != forty {
		t.Errorf("one report cost %d statements, forty %d: a level is read per row", one, forty)
	}
}
