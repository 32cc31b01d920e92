package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// wsClient is the graphql-ws npm client under Node running one
// subscription against a server (graphqlwstest/subscribe.mjs); its lines
// are what it saw.
type wsClient struct {
	lines chan map[string]any
}

func subscribeWS(t *testing.T, base, token, query string, vars map[string]any) *wsClient {
	t.Helper()
	dir := graphqlwsProject(t)
	spec, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "node", "subscribe.mjs", "ws"+strings.TrimPrefix(base, "http")+"/graphql", token, string(spec))
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &wsClient{lines: make(chan map[string]any, 100)}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				c.lines <- m
			}
		}
	}()
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	return c
}

// line is the client's next line other than "connected", within 20 s.
func (c *wsClient) line(t *testing.T) map[string]any {
	t.Helper()
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				t.Fatal("the client ended without another line")
			}
			if m["connected"] == nil {
				return m
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no line from the client in 20 s")
		}
	}
}

// next is the client's next message's payload; anything else fails.
func (c *wsClient) next(t *testing.T) map[string]any {
	t.Helper()
	m := c.line(t)
	p, ok := m["next"].(map[string]any)
	if !ok {
		t.Fatalf("want a message, got %v", m)
	}
	return p
}

// graphqlwsProject is the npm project of graphqlwstest/, installed from
// its package-lock.json when it is not yet (a clean clone).
func graphqlwsProject(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("graphqlwstest")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("this test runs the graphql-ws client under Node.js: install node (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-ws", "package.json")); err == nil {
		return dir
	}
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return dir
}

// waitSubscribers waits until the feed holds n subscriptions: the
// clients' subscribe messages have been served.
func waitSubscribers(t *testing.T, feed *live.Feed, n int) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("%d subscriptions", n), func() bool { return feed.Subscribers() >= n })
}

// mutate runs a mutation as credential over GraphQL over HTTP; it must
// succeed.
func mutate(t *testing.T, base, credential, query string, vars map[string]any) json.RawMessage {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	r := httpapitest.Do(t, http.MethodPost, base+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + credential}, string(body))
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("%s: %d %s", query, r.Status, r.Body)
	}
	return r.Data
}

func scalar[T any](t *testing.T, db *database.DB, query string, args ...any) T {
	t.Helper()
	var v T
	if err := db.WithContext(context.Background()).Raw(query, args...).Row().Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

const updateEmployee = `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { version } } }`

// The graphql-ws client receives the messages the mutations cause, in
// order, each resolved with its subscriber's rights: hr reads the salary
// in every message, a viewer gets FORBIDDEN at it (and the rest of the
// employee), as in a query. Each message names its event.
func TestGraphQLWS_MutationsArriveInOrderWithTheSubscribersRights(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	emp := scalar[int64](t, db, `SELECT id FROM employees WHERE status = 'active' AND salary IS NOT NULL ORDER BY id LIMIT 1`)
	gid := store.GlobalID("Employee", emp)
	sub := `subscription($id: ID!) { employeeUpdated(id: $id) { id title salary } }`
	vars := map[string]any{"id": gid}
	hr := subscribeWS(t, srv.URL, httpapitest.Token(t, 0, auth.HR), sub, vars)
	viewer := subscribeWS(t, srv.URL, httpapitest.Token(t, 0, auth.Viewer), sub, vars)
	waitSubscribers(t, feed, 2)

	admin := httpapitest.Token(t, 0, auth.Admin)
	version := scalar[int](t, db, `SELECT version FROM employees WHERE id = ?`, emp)
	salary := scalar[string](t, db, `SELECT salary::text FROM employees WHERE id = ?`, emp)
	titles := []string{"Live title one", "Live title two", "Live title three"}
	var lastEvent int64
	// A message reads the employee as it is when it is resolved, so each
	// write waits for the messages of the one before.
	for i, title := range titles {
		mutate(t, srv.URL, admin, updateEmployee, map[string]any{"in": map[string]any{"id": gid, "version": version + i, "title": title}})
		got := hr.next(t)
		e := got["data"].(map[string]any)["employeeUpdated"].(map[string]any)
		if e["title"] != title || fmt.Sprint(e["salary"]) != salary || got["errors"] != nil {
			t.Fatalf("hr's message %v; want title %q and salary %s", got, title, salary)
		}
		var id int64
		_, _ = fmt.Sscan(got["extensions"].(map[string]any)["eventId"].(string), &id)
		if id <= lastEvent {
			t.Fatalf("event ids out of order: %d after %d", id, lastEvent)
		}
		lastEvent = id

		got = viewer.next(t)
		e = got["data"].(map[string]any)["employeeUpdated"].(map[string]any)
		errs, _ := got["errors"].([]any)
		if e["title"] != title || e["salary"] != nil || len(errs) != 1 ||
			errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "FORBIDDEN" {
			t.Fatalf("the viewer's message %v; want title %q, salary null and FORBIDDEN", got, title)
		}
	}
}

// A review's event reaches hr, and never the peer subscribed to the same
// raw events: the peer's next message is the later project event, so the
// review's was not merely late.
func TestGraphQLWS_AReviewEventNeverReachesAPeer(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	var review, employee, peer int64
	if err := db.WithContext(context.Background()).Raw(`SELECT r.id, r.employee_id,
			(SELECT p.id FROM employees p WHERE p.id <> r.employee_id AND p.status = 'active' ORDER BY p.id LIMIT 1)
		FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id
		WHERE c.status = 'open' AND r.status = 'not_started' ORDER BY r.id LIMIT 1`).Row().Scan(&review, &employee, &peer); err != nil {
		t.Fatal(err)
	}
	sub := `subscription($types: [String!]) { events(types: $types) { id type entityType entityId actor } }`
	vars := map[string]any{"types": []string{"review.self_submitted", "project.updated"}}
	hr := subscribeWS(t, srv.URL, httpapitest.Token(t, 0, auth.HR), sub, vars)
	peerSub := subscribeWS(t, srv.URL, httpapitest.Token(t, peer, auth.Viewer), sub, vars)
	waitSubscribers(t, feed, 2)

	mutate(t, srv.URL, httpapitest.Token(t, employee, auth.Viewer),
		`mutation($in: SubmitSelfAssessmentInput!) { submitSelfAssessment(input: $in) { review { id } } }`,
		map[string]any{"in": map[string]any{"id": store.GlobalID("Review", review), "text": "A good half year."}})
	project := scalar[int64](t, db, `SELECT min(id) FROM projects`)
	mutate(t, srv.URL, httpapitest.Token(t, 0, auth.Admin),
		`mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
		map[string]any{"in": map[string]any{"id": store.GlobalID("Project", project),
			"version": scalar[int](t, db, `SELECT version FROM projects WHERE id = ?`, project), "description": "Live"}})

	ev := hr.next(t)["data"].(map[string]any)["events"].(map[string]any)
	if ev["type"] != "review.self_submitted" || ev["entityId"] != store.GlobalID("Review", review) {
		t.Fatalf("hr's first event %v, want the review's", ev)
	}
	ev = peerSub.next(t)["data"].(map[string]any)["events"].(map[string]any)
	if ev["type"] != "project.updated" {
		t.Fatalf("the peer's first event %v; want the project's, the review's never", ev)
	}
}

// Credentials are checked in connection_init: none or a bad or expired
// one closes the socket with 4401, one without a known role with 4403,
// and a connection whose token expires is closed with 4403 then.
func TestGraphQLWS_CredentialsAndExpiryClose(t *testing.T) {
	srv, _, _ := httpapitest.NewLiveServer(t, service.Config{})
	mint := func(roles []auth.Role, ttl time.Duration) string {
		tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: "x", Roles: roles, TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	sub := `subscription { events { id } }`
	for _, c := range []struct {
		name, token string
		code        float64
	}{
		{"none", "", 4401},
		{"bad", "not-a-token", 4401},
		{"expired", mint([]auth.Role{auth.Admin}, -time.Hour), 4401},
		{"no known role", mint(nil, time.Hour), 4403},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := subscribeWS(t, srv.URL, c.token, sub, nil).line(t)
			if got["closed"] != c.code {
				t.Fatalf("%v, want closed with %v", got, c.code)
			}
		})
	}
	t.Run("expiry", func(t *testing.T) {
		// exp is in whole seconds: the token lives one to two seconds.
		tok := mint([]auth.Role{auth.Admin}, 2*time.Second)
		got := subscribeWS(t, srv.URL, tok, sub, nil).line(t)
		if got["closed"] != float64(4403) || !strings.Contains(got["reason"].(string), "expired") {
			t.Fatalf("%v, want closed with 4403 at the token's expiry", got)
		}
	})
}

// sseMessage is one message of an event stream.
type sseMessage struct {
	id, event string
	data      map[string]any
}

// readSSE reads n messages (not comments) of an event stream.
func readSSE(t *testing.T, br *bufio.Reader, n int) []sseMessage {
	t.Helper()
	var out []sseMessage
	for len(out) < n {
		m, err := readOneSSE(br)
		if err != nil {
			t.Fatalf("the stream ended after %d messages: %v", len(out), err)
		}
		out = append(out, m)
	}
	return out
}

// readOneSSE reads the next message (not a comment) of an event stream.
func readOneSSE(br *bufio.Reader) (sseMessage, error) {
	var m sseMessage
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return m, err
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "":
			if m.event != "" {
				return m, nil
			}
			m = sseMessage{}
		case strings.HasPrefix(line, "id: "):
			m.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			m.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m.data)
		}
	}
}

// openSSE posts a subscription asking for an event stream, resuming after
// lastEventID when it is not "".
func openSSE(t *testing.T, ctx context.Context, base, token, query, lastEventID string) *bufio.Reader {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("%d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return bufio.NewReader(res.Body)
}

// Over SSE every message carries its event's id; a client that goes away
// and reconnects with Last-Event-ID receives, first, what was committed
// while it was away, then what comes next.
func TestSSE_ResumesWithLastEventID(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	project := scalar[int64](t, db, `SELECT min(id) FROM projects`)
	gid := store.GlobalID("Project", project)
	token := httpapitest.Token(t, 0, auth.Admin)
	query := `subscription { projectUpdated(id: "` + gid + `") { id description } }`
	update := func(desc string) {
		mutate(t, srv.URL, token, `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
			map[string]any{"in": map[string]any{"id": gid, "description": desc,
				"version": scalar[int](t, db, `SELECT version FROM projects WHERE id = ?`, project)}})
	}
	description := func(m sseMessage) string {
		return m.data["data"].(map[string]any)["projectUpdated"].(map[string]any)["description"].(string)
	}

	ctx, leave := context.WithCancel(context.Background())
	first := openSSE(t, ctx, srv.URL, token, query, "")
	waitSubscribers(t, feed, 1)
	update("one")
	got := readSSE(t, first, 1)
	if got[0].event != "next" || got[0].id == "" || description(got[0]) != "one" ||
		got[0].data["extensions"].(map[string]any)["eventId"] != got[0].id {
		t.Fatalf("first message %+v", got[0])
	}
	leave()
	eventually(t, 20*time.Second, "the first stream to end", func() bool { return feed.Subscribers() == 0 })

	update("two") // while away
	update("three")
	again := openSSE(t, context.Background(), srv.URL, token, query, got[0].id)
	// Each message reads the project as it is when it is resolved: the
	// two missed events both show its state now, "three".
	resumed := readSSE(t, again, 2)
	update("four")
	resumed = append(resumed, readSSE(t, again, 1)...)
	ids := []int64{number(t, got[0].id)}
	for i, want := range []string{"three", "three", "four"} {
		if d := description(resumed[i]); d != want {
			t.Fatalf("message %d after resuming: %q, want %q", i, d, want)
		}
		if ids = append(ids, number(t, resumed[i].id)); ids[i+1] <= ids[i] {
			t.Fatalf("event ids %v: not in order", ids)
		}
	}
}

func number(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("event id %q: %v", s, err)
	}
	return n
}

// On shutdown every websocket is told the server is going away (1001),
// so its client reconnects elsewhere.
func TestGraphQLWS_ShutdownClosesWithGoingAway(t *testing.T) {
	srv, _, feed := httpapitest.NewLiveServer(t, service.Config{})
	c := subscribeWS(t, srv.URL, httpapitest.Token(t, 0, auth.Viewer), `subscription { events { id } }`, nil)
	waitSubscribers(t, feed, 1)
	if err := feed.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.line(t); got["closed"] != float64(1001) {
		t.Fatalf("%v, want closed with 1001", got)
	}
}

// A subscription needs a stream: as one plain answer it is refused, and
// the limits apply to it over SSE as to a query (refused before it
// starts, with the limit's code).
func TestSubscriptions_RefusedAsAPlainAnswerLimitedAsQueries(t *testing.T) {
	srv, _, _ := httpapitest.NewLiveServer(t, service.Config{Limits: limits.Config{Depth: 2}})
	token := httpapitest.Token(t, 0, auth.Admin)
	r := httpapitest.Do(t, http.MethodPost, srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + token}, `{"query":"subscription { events { id } }"}`)
	if r.Status != 400 || r.Code() != "BAD_REQUEST" {
		t.Fatalf("a subscription as a plain answer: %d %s", r.Status, r.Body)
	}
	r = httpapitest.Do(t, http.MethodPost, srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
		"Accept": "text/event-stream", "Authorization": "Bearer " + token},
		`{"query":"subscription { timeEntryLogged { employee { department { name } } } }"}`)
	if r.Code() != "QUERY_TOO_DEEP" {
		t.Fatalf("a subscription past the depth limit: %d %s", r.Status, r.Body)
	}
}

// An event stream lives no longer than its token: at exp it ends with
// UNAUTHENTICATED and without complete, so the client comes back with a
// fresh token (and Last-Event-ID).
func TestSSE_EndsAtTheTokensExpiry(t *testing.T) {
	srv, _, _ := httpapitest.NewLiveServer(t, service.Config{})
	tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: "x", Roles: []auth.Role{auth.Admin}, TTL: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	br := openSSE(t, context.Background(), srv.URL, tok, `subscription { events { id } }`, "")
	got := readSSE(t, br, 1)[0]
	errs, _ := got.data["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("the stream's last message %+v, want UNAUTHENTICATED", got)
	}
	if rest, _ := io.ReadAll(br); strings.Contains(string(rest), "complete") {
		t.Fatalf("the stream completed after its token expired: %q", rest)
	}
}

// An event stream over GET runs a registered document by its documentId
// (what a browser's EventSource can send), never a text.
func TestSSE_GetRunsARegisteredDocument(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	ops := []persisted.Operation{{ID: "live-project-events", Body: `subscription LiveProjectEvents { events(types: ["project.updated"]) { id type entityId } }`}}
	if _, err := persisted.NewStore(db).Import(context.Background(), graph.NewExecutableSchema(graph.Config{}).Schema(), ops); err != nil {
		t.Fatal(err)
	}
	token := httpapitest.Token(t, 0, auth.Admin)
	get := func(query string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?"+query, nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	if res := get("query=" + url.QueryEscape(`subscription { events { id } }`)); res.StatusCode != 400 {
		t.Fatalf("a text over GET: %d, want 400", res.StatusCode)
	}
	res := get("documentId=live-project-events")
	if res.StatusCode != 200 {
		t.Fatalf("GET with documentId: %d", res.StatusCode)
	}
	waitSubscribers(t, feed, 1)
	project := scalar[int64](t, db, `SELECT min(id) FROM projects`)
	gid := store.GlobalID("Project", project)
	mutate(t, srv.URL, token, `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
		map[string]any{"in": map[string]any{"id": gid, "description": "over GET",
			"version": scalar[int](t, db, `SELECT version FROM projects WHERE id = ?`, project)}})
	got := readSSE(t, bufio.NewReader(res.Body), 1)[0]
	ev := got.data["data"].(map[string]any)["events"].(map[string]any)
	if got.id == "" || ev["id"] != got.id || ev["entityId"] != gid {
		t.Fatalf("message %+v", got)
	}
}
