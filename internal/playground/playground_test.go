package playground_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/service"
)

func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// newAPI serves the real API with the playground, as the binary does in
// the demo mode: with a button per role.
func newAPI(t *testing.T) (*httptest.Server, *database.DB) {
	return httpapitest.NewServer(t, service.Config{Introspection: true, Playground: true, PlaygroundRoles: demoRoles(t)})
}

// demoRoles are the page's role buttons, a token per role.
func demoRoles(t *testing.T) []playground.RoleToken {
	var roles []playground.RoleToken
	for _, r := range auth.Roles {
		roles = append(roles, playground.RoleToken{Role: string(r), Token: httpapitest.Token(t, 0, r)})
	}
	return roles
}

// TestExamples_RunWithoutErrors runs every opening tab against the API: a
// newcomer's first click must show data, not an error. A tab of several
// operations (a workflow's steps) runs each in order, as the role button
// it names (Tab.As), acting as that button's employee of the demo
// (FindCast): its queries must list the ids its variables hold, and its
// steps must then succeed with them.
func TestExamples_RunWithoutErrors(t *testing.T) {
	srv, db := newAPI(t)
	cast, err := playground.FindCast(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	// Writes and questions about one's own work that name no button are
	// asked as a person of the firm (an employee who was at the firm on
	// the day the time tab logs).
	var employee int64
	if err := httpapitest.Conn(t).QueryRow(t.Context(),
		`SELECT min(id) FROM employees WHERE hired_on < '2026-11-30' AND status = 'active'`).Scan(&employee); err != nil {
		t.Fatal(err)
	}
	person := httpapitest.Token(t, employee, auth.Viewer)
	resetWrites(t)
	for _, ex := range playground.Examples {
		doc, err := parser.ParseQuery(&ast.Source{Input: ex.Query})
		if err != nil {
			t.Fatalf("%.60s: %v", ex.Query, err)
		}
		var vars map[string]any
		if ex.Variables != "" {
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
				t.Fatalf("variables %s: %v", ex.Variables, err)
			}
		}
		var listed []byte // what the tab's queries answered, for its steps' ids
		for _, op := range doc.Operations {
			if op.Operation == ast.Subscription {
				// Served over a websocket only, never POST: the browser
				// test (TestPlayground_InBrowser) runs this tab and sees
				// its message arrive.
				continue
			}
			write := op.Operation == ast.Mutation
			t.Run(op.Name, func(t *testing.T) {
				header := map[string]string{"Content-Type": "application/json"}
				if role, ok := ex.As[op.Name]; ok {
					header["Authorization"] = "Bearer " + httpapitest.Token(t, cast[role], role)
				} else if write || strings.Contains(ex.Query, "me {") {
					header["Authorization"] = "Bearer " + person
				}
				if write && len(doc.Operations) > 1 {
					for _, v := range op.VariableDefinitions {
						if id, ok := vars[v.Variable].(string); ok && !bytes.Contains(listed, []byte(`"`+id+`"`)) {
							t.Fatalf("$%s is %q, which the tab's queries do not list: %s", v.Variable, id, listed)
						}
					}
				}
				body, _ := json.Marshal(map[string]any{"query": ex.Query, "variables": vars, "operationName": op.Name})
				r := httpapitest.Do(t, "POST", srv.URL+"/graphql", header, string(body))
				var data map[string]json.RawMessage
				if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
					t.Fatalf("want data only, got %s (%v)", r.Body, err)
				}
				listed = append(listed, r.Data...)
				for field, v := range data {
					if write && !bytes.Equal(v, []byte("null")) {
						continue
					}
					if !bytes.Contains(v, []byte(`"nodes":[{`)) && !bytes.Contains(v, []byte(`"edges":[{`)) {
						t.Errorf("%s came back empty: %s", field, v)
					}
				}
			})
		}
	}
}

// resetWrites puts back what the examples' steps write: the time logged,
// the weeks decided, the reviews assessed, the feedback recorded, the
// customers synced, and their trail.
func resetWrites(t *testing.T) {
	conn := httpapitest.Conn(t)
	var lastEntry, lastFeedback int64
	if err := conn.QueryRow(t.Context(), `SELECT (SELECT max(id) FROM time_entries), (SELECT coalesce(max(id), 0) FROM project_feedback)`).
		Scan(&lastEntry, &lastFeedback); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), `CREATE TEMP TABLE timesheets_before AS SELECT * FROM timesheets WHERE status = 'submitted';
		CREATE TEMP TABLE reviews_before AS SELECT r.* FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id WHERE c.status = 'open'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for _, q := range []string{
			`DELETE FROM time_entries WHERE id > ` + fmt.Sprint(lastEntry),
			`DELETE FROM project_feedback WHERE id > ` + fmt.Sprint(lastFeedback),
			`UPDATE timesheets t SET status = b.status, decided_by = b.decided_by, decided_at = b.decided_at, comment = b.comment
			 FROM timesheets_before b WHERE t.id = b.id AND t.status <> b.status`,
			`UPDATE reviews r SET self_assessment = b.self_assessment, manager_assessment = b.manager_assessment,
			 rating = b.rating, status = b.status FROM reviews_before b WHERE r.id = b.id AND r.status <> b.status`,
			`DELETE FROM customers WHERE id IN (SELECT entity_id FROM external_ids WHERE entity_type = 'Customer')`,
			`TRUNCATE write_audit, events, external_ids`,
		} {
			if _, err := conn.Exec(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
}

// TestHandler_Page checks the page: it configures GraphiQL with the
// endpoint and the examples, names its assets by content hash, and lets
// the browser load nothing from elsewhere.
func TestHandler_Page(t *testing.T) {
	srv, _ := newAPI(t)
	r := httpapitest.Do(t, "GET", srv.URL+"/", nil, "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %q, want 200 text/html; charset=utf-8", r.Status, r.Header.Get("Content-Type"))
	}
	config := regexp.MustCompile(`(?s)<script id="playground-config" type="application/json">(.*?)</script>`).FindSubmatch(r.Body)
	if config == nil {
		t.Fatalf("no config script in the page:\n%s", r.Body)
	}
	var cfg struct {
		Endpoint string
		Tabs     []playground.Tab
	}
	if err := json.Unmarshal(config[1], &cfg); err != nil {
		t.Fatalf("decode config %s: %v", config[1], err)
	}
	if cfg.Endpoint != "/graphql" || len(cfg.Tabs) != len(playground.Examples) || cfg.Tabs[0].Query != playground.Examples[0].Query {
		t.Fatalf("config = %+v, want endpoint /graphql and the examples", cfg)
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, ref := range []string{`src="/playground/assets/playground.[0-9a-f]{16}.js"`, `href="/playground/assets/playground.[0-9a-f]{16}.css"`} {
		if !regexp.MustCompile(ref).Match(r.Body) {
			t.Errorf("the page does not reference %s", ref)
		}
	}
	if bytes.Contains(r.Body, []byte("http://")) || bytes.Contains(r.Body, []byte("https://")) {
		t.Errorf("the page names another host:\n%s", r.Body)
	}

	// An API on another host is the one other host the page may talk to,
	// its subscriptions' websockets included.
	rec := httptest.NewRecorder()
	playground.Handler("https://api.example.com/graphql").ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp,
		"connect-src 'self' https://api.example.com wss://api.example.com;") {
		t.Errorf("Content-Security-Policy for an API elsewhere = %q", csp)
	}
}

// TestHandler_Assets checks how assets are served: hashed URLs cached for
// good, gzip for those who take it, 404 for names of other builds.
func TestHandler_Assets(t *testing.T) {
	srv, _ := newAPI(t)
	html := httpapitest.Do(t, "GET", srv.URL+"/", nil, "").Body
	js := regexp.MustCompile(`/playground/assets/playground\.[0-9a-f]+\.js`).Find(html)
	if js == nil {
		t.Fatalf("no script in the page:\n%s", html)
	}
	url := srv.URL + string(js)

	plain := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "identity"}, "")
	if plain.Status != 200 || plain.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("GET %s = %d %q", js, plain.Status, plain.Header.Get("Content-Type"))
	}
	if cc := plain.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q, want a year, immutable: the name changes with the content", cc)
	}

	zipped := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "gzip, br"}, "")
	if zipped.Header.Get("Content-Encoding") != "gzip" || len(zipped.Body) >= len(plain.Body)/2 {
		t.Fatalf("with gzip accepted: Content-Encoding %q, %d of %d bytes", zipped.Header.Get("Content-Encoding"), len(zipped.Body), len(plain.Body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body) {
		t.Fatalf("the gzipped asset does not unzip to the plain one (err %v)", err)
	}
	if zipped.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Errorf("plain and gzipped answers share the ETag %s", plain.Header.Get("ETag"))
	}
	if r := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "gzip;q=0"}, ""); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q, want none", r.Header.Get("Content-Encoding"))
	}

	revalidated := httpapitest.Do(t, "GET", url, map[string]string{"If-None-Match": plain.Header.Get("ETag"), "Accept-Encoding": "identity"}, "")
	if revalidated.Status != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", revalidated.Status)
	}
	for _, path := range []string{"/playground/assets/playground.js", "/playground/assets/playground.0000000000000000.js"} {
		if r := httpapitest.Do(t, "GET", srv.URL+path, nil, ""); r.Status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404: only the current build's hashed names exist", path, r.Status)
		}
	}
}

// The demo's role buttons act as people with work to do in the workflows'
// tabs: the manager as one whose line has weeks waiting and who has a
// self-assessment to answer in the open cycle (at demo scale no manager
// with reports runs a project, so requiring that left the manager button
// acting as no one), the viewer as one with a review in it; the tools'
// roles as no one.
func TestFindCast_ActsAsPeopleWithWorkWaiting(t *testing.T) {
	_, db := newAPI(t)
	cast, err := playground.FindCast(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var waiting, toAssess, viewerReviews int
	err = httpapitest.Conn(t).QueryRow(t.Context(), `SELECT
		(SELECT count(*) FROM timesheets s JOIN employees e ON e.id = s.employee_id WHERE e.manager_id = $1 AND s.status = 'submitted'),
		(SELECT count(*) FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id
		 WHERE c.status = 'open' AND r.reviewer_id = $1 AND r.status = 'self_submitted'),
		(SELECT count(*) FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id WHERE c.status = 'open' AND r.employee_id = $2)`,
		cast[auth.Manager], cast[auth.Viewer]).Scan(&waiting, &toAssess, &viewerReviews)
	if err != nil {
		t.Fatal(err)
	}
	if waiting == 0 || toAssess == 0 || viewerReviews != 1 {
		t.Errorf("manager %d: %d weeks waiting, %d reviews to assess; viewer %d: %d open reviews; want some, some, one",
			cast[auth.Manager], waiting, toAssess, cast[auth.Viewer], viewerReviews)
	}
	for _, r := range []auth.Role{auth.Viewer, auth.HR, auth.Admin} {
		if cast[r] == 0 || cast[r] == cast[auth.Manager] {
			t.Errorf("%s acts as employee %d, want a person of their own", r, cast[r])
		}
	}
	if cast[auth.Analytics] != 0 || cast[auth.Integration] != 0 {
		t.Errorf("the tools' roles act as employees %d and %d, want none", cast[auth.Analytics], cast[auth.Integration])
	}
}
