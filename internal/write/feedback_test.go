package write_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
)

const recordFeedback = `mutation($in: RecordFeedbackInput!) { recordFeedback(input: $in) {
	feedback { id score comment source externalId receivedAt } } }`

// feedbackCast: a project whose customer has contacts, a contact of
// another customer, and the callers.
type feedbackCast struct {
	project, contact, stranger                     int64
	viewer, manager, hr, admin, analytics, integra caller
}

func feedbackCallers(a *api) feedbackCast {
	a.t.Helper()
	f := cast(a)
	var c feedbackCast
	c.project = f.project
	c.contact = a.int(`SELECT min(k.id) FROM contacts k JOIN projects p ON p.customer_id = k.customer_id WHERE p.id = $1`, f.project)
	c.stranger = a.int(`SELECT min(k.id) FROM contacts k JOIN projects p ON p.customer_id <> k.customer_id WHERE p.id = $1`, f.project)
	if c.contact == 0 {
		a.t.Fatal("the cast's project's customer has no contact")
	}
	c.viewer = caller{"viewer", f.viewer, []auth.Role{auth.Viewer}}
	c.manager = caller{"manager", f.manager, []auth.Role{auth.Manager}}
	c.hr = caller{"hr", f.hr, []auth.Role{auth.HR}}
	c.admin = caller{"admin", f.admin, []auth.Role{auth.Admin}}
	c.analytics = caller{"analytics", 0, []auth.Role{auth.Analytics}}
	c.integra = caller{"integration", 0, []auth.Role{auth.Integration}}
	return c
}

func answer(data map[string]any) map[string]any {
	return data["recordFeedback"].(map[string]any)["feedback"].(map[string]any)
}

// TestFeedback_RecordedOnceBySourceAndExternalID: an integration key
// records an answer (row, audit row and feedback.received event written);
// sending the same (source, externalId) again answers the same feedback
// and writes nothing, even with another score. Without an externalId each
// answer is its own.
func TestFeedback_RecordedOnceBySourceAndExternalID(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	in := map[string]any{"projectId": gid("Project", c.project), "contactId": gid("Contact", c.contact), "score": 9,
		"comment": "Smooth launch", "receivedAt": "2026-11-20T10:00:00Z", "source": "surveys", "externalId": "resp-1"}
	audit, events := a.trail()
	first := answer(a.ok(c.integra, recordFeedback, map[string]any{"in": in}))
	if first["score"] != float64(9) || first["comment"] != "Smooth launch" || first["externalId"] != "resp-1" ||
		first["receivedAt"] != "2026-11-20T10:00:00Z" {
		t.Errorf("recorded feedback reads back as %v", first)
	}
	var project, contact, score int64
	if err := a.db.QueryRow(t.Context(), `SELECT project_id, contact_id, score FROM project_feedback
		WHERE source = 'surveys' AND external_id = 'resp-1'`).Scan(&project, &contact, &score); err != nil {
		t.Fatalf("the answer is not in project_feedback: %v", err)
	}
	if project != c.project || contact != c.contact || score != 9 {
		t.Errorf("stored project %d contact %d score %d", project, contact, score)
	}
	var typ, entity string
	a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
	a.one(&entity, `SELECT entity_id FROM events ORDER BY id DESC LIMIT 1`)
	if a2, e2 := a.trail(); a2 != audit+1 || e2 != events+1 || typ != "feedback.received" || entity != first["id"] {
		t.Errorf("after recording: audit %d→%d, events %d→%d, last event %s of %s; want one of each, feedback.received of %s",
			audit, a2, events, e2, typ, entity, first["id"])
	}

	// The source sends it again (a retry), with another score even.
	in["score"] = 3
	audit, events = a.trail()
	again := answer(a.ok(c.integra, recordFeedback, map[string]any{"in": in}))
	if again["id"] != first["id"] || again["score"] != float64(9) {
		t.Errorf("recorded again: %v, want the first answer %v", again, first)
	}
	if n := a.int(`SELECT count(*) FROM project_feedback WHERE source = 'surveys' AND external_id = 'resp-1'`); n != 1 {
		t.Errorf("%d rows for one (source, externalId)", n)
	}
	if a2, e2 := a.trail(); a2 != audit || e2 != events {
		t.Errorf("recording again wrote audit %d→%d, events %d→%d", audit, a2, events, e2)
	}
	// The same external id from another source is another answer.
	in["source"] = "crm"
	if other := answer(a.ok(c.admin, recordFeedback, map[string]any{"in": in})); other["id"] == first["id"] {
		t.Errorf("another source's resp-1 answered as the surveys' one")
	}
	// No external id: nothing to recognise, each is new.
	bare := map[string]any{"projectId": gid("Project", c.project), "score": 10, "source": "email"}
	x := answer(a.ok(c.admin, recordFeedback, map[string]any{"in": bare}))
	y := answer(a.ok(c.admin, recordFeedback, map[string]any{"in": bare}))
	if x["id"] == y["id"] || x["receivedAt"] == nil {
		t.Errorf("two answers without an external id: %v and %v", x, y)
	}
}

// TestFeedback_ValidationNamesEveryProblemAndWritesNothing: a score out of
// 0..10, a contact of another customer, an unknown project: every problem
// at its input path at once, nothing written.
func TestFeedback_ValidationNamesEveryProblemAndWritesNothing(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	unknown := gid("Project", a.int(`SELECT max(id) + 1000 FROM projects`))
	for _, tc := range []struct {
		name string
		in   map[string]any
		want []string
	}{
		{"score above 10 and a stranger as contact", map[string]any{"projectId": gid("Project", c.project), "score": 11,
			"contactId": gid("Contact", c.stranger), "source": "surveys", "externalId": "bad-1"},
			[]string{"BAD_USER_INPUT input.contactId", "BAD_USER_INPUT input.score"}},
		{"score below 0", map[string]any{"projectId": gid("Project", c.project), "score": -1, "source": "surveys"},
			[]string{"BAD_USER_INPUT input.score"}},
		{"unknown project", map[string]any{"projectId": unknown, "score": 5, "source": "surveys",
			"contactId": gid("Contact", c.contact)}, []string{"BAD_USER_INPUT input.projectId"}},
		{"empty source", map[string]any{"projectId": gid("Project", c.project), "score": 5, "source": " "},
			[]string{"BAD_USER_INPUT input.source"}},
	} {
		before := a.digest("project_feedback")
		audit, events := a.trail()
		r := a.do(c.integra, recordFeedback, map[string]any{"in": tc.in})
		if got := fields(r); !slices.Equal(got, tc.want) {
			t.Errorf("%s: errors %q, want %q\n%s", tc.name, got, tc.want, r.Body)
		}
		if a2, e2 := a.trail(); a.digest("project_feedback") != before || a2 != audit || e2 != events {
			t.Errorf("%s: refused, yet something was written", tc.name)
		}
	}
}

// TestFeedback_WhoMayRecord: integration keys and admins record feedback;
// viewer, manager and hr are refused, analytics sends no documents of its
// own; a refusal writes nothing.
func TestFeedback_WhoMayRecord(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	for i, who := range []caller{c.viewer, c.manager, c.hr, c.admin, c.analytics, c.integra} {
		in := map[string]any{"projectId": gid("Project", c.project), "score": 7, "source": "surveys",
			"externalId": fmt.Sprintf("who-%d", i)}
		before := a.digest("project_feedback")
		audit, events := a.trail()
		r := a.do(who, recordFeedback, map[string]any{"in": in})
		switch who.name {
		case "admin", "integration":
			if len(r.Errors) > 0 || r.Status != 200 {
				t.Errorf("%s: want it recorded, got %d %s", who.name, r.Status, r.Body)
			}
			if a2, e2 := a.trail(); a2 != audit+1 || e2 != events+1 {
				t.Errorf("%s: audit %d→%d, events %d→%d", who.name, audit, a2, events, e2)
			}
		default:
			want, status := "FORBIDDEN", 403
			if who.name == "analytics" {
				want, status = "TRUSTED_DOCUMENT_REQUIRED", r.Status
			}
			if r.Code() != want || r.Status != status || len(r.Data) != 0 {
				t.Errorf("%s: want %d %s, got %d %s", who.name, status, want, r.Status, r.Body)
			}
			if a2, e2 := a.trail(); a.digest("project_feedback") != before || a2 != audit || e2 != events {
				t.Errorf("%s: refused, yet something was written", who.name)
			}
		}
	}
}

// TestFeedback_IntegrationReadsNothingElse: an integration key reads back
// the feedback it records, and nothing else: no project, customer,
// employee in lists, counts or node(id).
func TestFeedback_IntegrationReadsNothingElse(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	fb := answer(a.ok(c.integra, recordFeedback, map[string]any{"in": map[string]any{"projectId": gid("Project", c.project),
		"contactId": gid("Contact", c.contact), "score": 8, "source": "surveys", "externalId": "read-1"}}))
	q := fmt.Sprintf(`{ projects(first: 5) { totalCount nodes { id } } customers(first: 5) { totalCount }
		employees(first: 5) { totalCount } project: node(id: %q) { id } feedback: node(id: %q) { id ... on ProjectFeedback { score contact { id } } } }`,
		gid("Project", c.project), fb["id"])
	got, _ := json.Marshal(a.ok(c.integra, q, nil))
	want := fmt.Sprintf(`{"customers":{"totalCount":0},"employees":{"totalCount":0},"feedback":{"contact":null,"id":%q,"score":8},`+
		`"project":null,"projects":{"nodes":[],"totalCount":0}}`, fb["id"])
	if string(got) != want {
		t.Errorf("integration reads\n got %s\nwant %s", got, want)
	}
	// Nor the aggregates.
	if r := a.do(c.integra, `{ analytics { __typename } }`, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("integration reads analytics: %d %s", r.Status, r.Body)
	}
	// The same read by a viewer sees the project and the contact.
	seen, _ := json.Marshal(a.ok(c.viewer, q, nil))
	if string(seen) == want {
		t.Errorf("a viewer reads as little as integration: %s", seen)
	}
}

// TestFeedback_NPSEqualsSQLAndCostsOneStatementPerLevel: Project.nps and
// feedbackAnswers equal an independent computation over the seeded
// answers, for every one of 40 projects, and everyone who sees the
// projects sees the same; a page of 1 and of 40 projects with their
// feedback and NPS cost the same statements.
func TestFeedback_NPSEqualsSQLAndCostsOneStatementPerLevel(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	// 30 projects with answers (the most answered first), 10 without.
	rows, err := a.db.Query(t.Context(), `(SELECT project_id FROM project_feedback GROUP BY project_id ORDER BY count(*) DESC, project_id LIMIT 30)
		UNION ALL (SELECT id FROM projects p WHERE NOT EXISTS (SELECT 1 FROM project_feedback f WHERE f.project_id = p.id) ORDER BY id LIMIT 10)`)
	if err != nil {
		t.Fatal(err)
	}
	var keys []int64
	var ids []string
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys, ids = append(keys, k), append(ids, gid("Project", k))
	}
	rows.Close()
	if len(keys) != 40 {
		t.Fatalf("found %d projects for the test, want 40", len(keys))
	}
	// The independent computation: counts of promoters and detractors.
	want := map[string][2]float64{} // id → answers, nps
	r2, err := a.db.Query(t.Context(), `SELECT project_id, count(*), sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END),
		sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FROM project_feedback WHERE project_id = ANY($1) GROUP BY project_id`, keys)
	if err != nil {
		t.Fatal(err)
	}
	for r2.Next() {
		var k, n, pro, det int64
		if err := r2.Scan(&k, &n, &pro, &det); err != nil {
			t.Fatal(err)
		}
		want[gid("Project", k)] = [2]float64{float64(n), float64(pro)*100/float64(n) - float64(det)*100/float64(n)}
	}
	r2.Close()
	const q = `query($ids: [ID!]) { projects(first: 40, filter: { id: { in: $ids } }) { nodes { id nps feedbackAnswers
		feedback(first: 3, orderBy: [{ field: SCORE, direction: DESC }]) { totalCount nodes { score contact { id } } } } } }`
	var firstSeen string
	for _, who := range []caller{c.viewer, c.manager, c.hr, c.admin} {
		data := a.ok(who, q, map[string]any{"ids": ids})
		nodes := data["projects"].(map[string]any)["nodes"].([]any)
		if len(nodes) != 40 {
			t.Fatalf("%s sees %d of the 40 projects", who.name, len(nodes))
		}
		for _, n := range nodes {
			p := n.(map[string]any)
			w, has := want[p["id"].(string)]
			fb := p["feedback"].(map[string]any)
			switch {
			case !has:
				if p["nps"] != nil || p["feedbackAnswers"] != float64(0) || fb["totalCount"] != float64(0) {
					t.Errorf("%s: project %s without answers: nps %v answers %v", who.name, p["id"], p["nps"], p["feedbackAnswers"])
				}
			case p["nps"] == nil || math.Abs(p["nps"].(float64)-w[1]) > 0.005 || p["feedbackAnswers"] != w[0] || fb["totalCount"] != w[0]:
				t.Errorf("%s: project %s: nps %v over %v (list of %v), want %.2f over %v", who.name, p["id"], p["nps"],
					p["feedbackAnswers"], fb["totalCount"], w[1], w[0])
			}
		}
		got, _ := json.Marshal(data)
		if firstSeen == "" {
			firstSeen = string(got)
		} else if string(got) != firstSeen {
			t.Errorf("%s sees other feedback than the viewer", who.name)
		}
	}
	statements := func(ids []string) int64 {
		before := a.pool.Statements()
		a.ok(c.viewer, q, map[string]any{"ids": ids})
		return a.pool.Statements() - before
	}
	one, forty := statements(ids[:1]), statements(ids)
	t.Logf("projects with feedback and NPS: %d statements for 1 project, %d for 40", one, forty)
	if one != forty {
		t.Errorf("1 project costs %d statements, 40 cost %d: want the same", one, forty)
	}
}

// TestFeedback_AnIntegrationAPIKeyRecordsTheSameAnswerOnceUnderRace: the
// way external systems call, an API key with the integration role; the
// same answer sent by several requests at once is written once, and each
// request answers it.
func TestFeedback_AnIntegrationAPIKeyRecordsTheSameAnswerOnceUnderRace(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	name := "survey-tool-" + t.Name()
	key, err := auth.NewAPIKeys(a.pool).Create(t.Context(), name, auth.Integration)
	if err != nil {
		t.Fatal(err)
	}
	// t.Context is done by the time cleanups run.
	t.Cleanup(func() { _, _ = a.db.Exec(context.Background(), `DELETE FROM api_keys WHERE name = $1`, name) })
	in := map[string]any{"projectId": gid("Project", c.project), "score": 10, "source": "surveys", "externalId": "race-1"}
	const n = 6
	ids := make(chan string, n)
	for range n {
		go func() {
			r := a.do(c.integra, recordFeedback, map[string]any{"in": in}, "Authorization", "Bearer "+key)
			var data map[string]any
			if r.Status != 200 || len(r.Errors) > 0 || json.Unmarshal(r.Data, &data) != nil {
				ids <- fmt.Sprintf("failed: %d %s", r.Status, r.Body)
				return
			}
			ids <- answer(data)["id"].(string)
		}()
	}
	var got []string
	for range n {
		got = append(got, <-ids)
	}
	for _, id := range got[1:] {
		if id != got[0] {
			t.Errorf("concurrent requests answered %q", got)
			break
		}
	}
	if rows := a.int(`SELECT count(*) FROM project_feedback WHERE source = 'surveys' AND external_id = 'race-1'`); rows != 1 {
		t.Errorf("%d rows for one answer sent %d times at once", rows, n)
	}
	if ev := a.int(`SELECT count(*) FROM events WHERE type = 'feedback.received'`); ev != 1 {
		t.Errorf("%d feedback.received events for one answer", ev)
	}
	var actor string
	a.one(&actor, `SELECT actor FROM events WHERE type = 'feedback.received'`)
	if actor != "apikey:"+name {
		t.Errorf("the event's actor is %q, want the API key's", actor)
	}
}

// TestFeedback_ProjectFeedbackFiltersAndOrders: a project's answers
// filtered by score and ordered by score, as the list's contract says.
func TestFeedback_ProjectFeedbackFiltersAndOrders(t *testing.T) {
	a := newAPI(t)
	c := feedbackCallers(a)
	p := a.int(`SELECT project_id FROM project_feedback GROUP BY project_id ORDER BY count(*) DESC, project_id LIMIT 1`)
	const q = `query($id: ID!) { node(id: $id) { ... on Project {
		detractors: feedback(filter: { score: { lte: 6 } }) { totalCount }
		byScore: feedback(first: 100, orderBy: [{ field: SCORE, direction: DESC }]) { nodes { score } } } } }`
	data := a.ok(c.viewer, q, map[string]any{"id": gid("Project", p)})
	node := data["node"].(map[string]any)
	if got, want := node["detractors"].(map[string]any)["totalCount"], float64(a.int(
		`SELECT count(*) FROM project_feedback WHERE project_id = $1 AND score <= 6`, p)); got != want {
		t.Errorf("detractors: %v, want %v", got, want)
	}
	var scores []float64
	for _, n := range node["byScore"].(map[string]any)["nodes"].([]any) {
		scores = append(scores, n.(map[string]any)["score"].(float64))
	}
	if len(scores) < 2 || !slices.IsSortedFunc(scores, func(x, y float64) int { return int(y - x) }) {
		t.Errorf("scores by SCORE DESC: %v", scores)
	}
}
