package httpapi_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Subscribers with the same document, variables and rights share one
// resolution per event, whichever transport they use: an event costs the
// same statements with three of them (the graphql-ws npm client and two
// SSE streams) as with one, and all three receive the same message.
func TestSubscriptions_EqualRightsShareOneResolution(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	project := scalar[int64](t, db, `SELECT min(id) FROM projects`)
	gid := store.GlobalID("Project", project)
	query := `subscription { projectUpdated(id: "` + gid + `") { id description status manager { id lastName } } }`
	viewer := httpapitest.Token(t, 1, auth.Viewer)
	admin := httpapitest.Token(t, 0, auth.Admin)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	update := func(round int) {
		mutate(t, srv.URL, admin, `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
			map[string]any{"in": map[string]any{"id": gid, "description": "shared round " + string(rune('0'+round)),
				"version": scalar[int](t, db, `SELECT version FROM projects WHERE id = ?`, project)}})
	}

	first := openSSE(t, ctx, srv.URL, viewer, query, "")
	waitSubscribers(t, feed, 1)
	s0 := db.Statements()
	update(1)
	readSSE(t, first, 1)
	alone := db.Statements() - s0

	second := openSSE(t, ctx, srv.URL, viewer, query, "")
	ws := subscribeWS(t, srv.URL, viewer, query, nil)
	waitSubscribers(t, feed, 3)
	if g := feed.Groups(); g != 1 {
		t.Fatalf("%d groups for three subscribers with equal rights; want 1", g)
	}
	s0 = db.Statements()
	update(2)
	a, b := readSSE(t, first, 1)[0], readSSE(t, second, 1)[0]
	c := ws.next(t)
	together := db.Statements() - s0
	if together != alone {
		t.Errorf("an event cost %d statements with one subscriber and %d with three of the same rights; want the same", alone, together)
	}
	if a.id == "" || a.id != b.id || !reflect.DeepEqual(a.data, b.data) || !reflect.DeepEqual(a.data, c) {
		t.Fatalf("the members' messages differ:\n%s %v\n%s %v\n%v", a.id, a.data, b.id, b.data, c)
	}
	if d := a.data["data"].(map[string]any)["projectUpdated"].(map[string]any)["description"]; d != "shared round 2" {
		t.Fatalf("description %v; want the second round's", d)
	}
}

// Viewer and hr are different groups: hr reads the salary, the viewer
// gets FORBIDDEN at it, in the same event. Each hr member is a reader of
// the shared resolution: the audit has a row of its own for each (its
// subject), and none for the viewer, who read nothing.
func TestSubscriptions_RightsMakeGroupsEachMemberAudited(t *testing.T) {
	srv, db, feed, log := httpapitest.NewAuditedLiveServer(t, service.Config{})
	emp := scalar[int64](t, db, `SELECT id FROM employees WHERE status = 'active' AND salary IS NOT NULL ORDER BY id LIMIT 1`)
	gid := store.GlobalID("Employee", emp)
	query := `subscription { employeeUpdated(id: "` + gid + `") { id title salary } }`
	mint := func(subject string, role auth.Role) string {
		tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: subject, Roles: []auth.Role{role}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hrOne := subscribeWS(t, srv.URL, mint("hr-one", auth.HR), query, nil)
	hrTwo := openSSE(t, ctx, srv.URL, mint("hr-two", auth.HR), query, "")
	viewer := subscribeWS(t, srv.URL, mint("viewer-one", auth.Viewer), query, nil)
	waitSubscribers(t, feed, 3)
	if g := feed.Groups(); g != 2 {
		t.Fatalf("%d groups for hr, hr and a viewer; want 2", g)
	}

	mutate(t, srv.URL, httpapitest.Token(t, 0, auth.Admin), updateEmployee, map[string]any{"in": map[string]any{"id": gid,
		"version": scalar[int](t, db, `SELECT version FROM employees WHERE id = ?`, emp), "title": "Shared title"}})
	salary := scalar[string](t, db, `SELECT salary::text FROM employees WHERE id = ?`, emp)
	for name, got := range map[string]map[string]any{"hr-one": hrOne.next(t), "hr-two": readSSE(t, hrTwo, 1)[0].data} {
		e := got["data"].(map[string]any)["employeeUpdated"].(map[string]any)
		if e["title"] != "Shared title" || e["salary"] != salary || got["errors"] != nil {
			t.Fatalf("%s's message %v; want the title and salary %s", name, got, salary)
		}
	}
	got := viewer.next(t)
	errs, _ := got["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "FORBIDDEN" {
		t.Fatalf("the viewer's message %v; want FORBIDDEN at salary", got)
	}

	if err := log.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Subject string
		N       int
	}
	if err := db.WithContext(ctx).Raw(`SELECT subject, count(*) AS n FROM audit_events
		WHERE field = 'Employee.salary' AND record_id = ? GROUP BY subject ORDER BY subject`, emp).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	want := []struct {
		Subject string
		N       int
	}{{"hr-one", 1}, {"hr-two", 1}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("audit rows of the salary read %v; want one per hr member %v", rows, want)
	}
}

// A subscription held with an API key ends when the key is revoked, over
// either transport: the websocket is closed with 4403, the event stream
// ends with UNAUTHENTICATED and without complete. A token's subscriber on
// the same server stays.
func TestSubscriptions_ARevokedKeyClosesItsSubscriptions(t *testing.T) {
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{})
	keys := auth.NewAPIKeys(db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := keys.Create(ctx, "live-tool", auth.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	query := `subscription { events(types: ["project.updated"]) { id type } }`
	ws := subscribeWS(t, srv.URL, key, query, nil)
	stream := openSSE(t, ctx, srv.URL, key, query, "")
	other := subscribeWS(t, srv.URL, httpapitest.Token(t, 0, auth.Viewer), query, nil)
	waitSubscribers(t, feed, 3)

	if err := keys.Revoke(ctx, "live-tool"); err != nil {
		t.Fatal(err)
	}
	if got := ws.line(t); got["closed"] != float64(4403) || !strings.Contains(fmt.Sprint(got["reason"]), "revoked") {
		t.Fatalf("%v; want closed with 4403 at the revocation", got)
	}
	m := readSSE(t, stream, 1)[0]
	errs, _ := m.data["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("the stream's message %v; want UNAUTHENTICATED", m)
	}
	if next, err := readOneSSE(stream); err == nil {
		t.Fatalf("after the revocation the stream sent %v; want its end without complete", next)
	}

	project := scalar[int64](t, db, `SELECT min(id) FROM projects`)
	mutate(t, srv.URL, httpapitest.Token(t, 0, auth.Admin), `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
		map[string]any{"in": map[string]any{"id": store.GlobalID("Project", project), "description": "after the revocation",
			"version": scalar[int](t, db, `SELECT version FROM projects WHERE id = ?`, project)}})
	if ev := other.next(t)["data"].(map[string]any)["events"].(map[string]any); ev["type"] != "project.updated" {
		t.Fatalf("the token's subscriber got %v", ev)
	}
}

// A revocation missed while the feed's listener was away is found by
// checking every key's subscription again; when the database cannot answer
// that check, the subscription stays for now, the failure is logged, and
// the check is made again until it is answered: the revoked key's
// subscriptions end then, over either transport.
func TestSubscriptions_AMissedRevocationIsCheckedUntilTheDatabaseAnswers(t *testing.T) {
	warned := make(chan slog.Record, 16)
	log := slog.New(recordsTo{warned, "could not be checked again"})
	srv, db, feed := httpapitest.NewLiveServer(t, service.Config{Log: log})
	keys := auth.NewAPIKeys(db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := keys.Create(ctx, "missed-tool", auth.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	query := `subscription { events(types: ["project.updated"]) { id type } }`
	ws := subscribeWS(t, srv.URL, key, query, nil)
	stream := openSSE(t, ctx, srv.URL, key, query, "")
	waitSubscribers(t, feed, 2)

	// Revoked without the notification (as if sent while no one
	// listened), and the keys unreadable: the check cannot be answered.
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.WithContext(ctx).Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE api_keys SET revoked_at = now() WHERE name = ?`, "missed-tool")
	exec(`ALTER TABLE api_keys RENAME TO api_keys_away`)
	// The listener's reconnection makes every holder of a key check it.
	var killed int
	if err := db.WithContext(ctx).Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = ? AND datname = current_database()`, live.ApplicationName).Scan(&killed).Error; err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listeners, want 1", killed)
	}
	for range 2 { // the websocket's check and the stream's
		select {
		case r := <-warned:
			if r.Level != slog.LevelWarn {
				t.Fatalf("the failed check was logged at %v, want WARN", r.Level)
			}
		case <-ctx.Done():
			t.Fatal("no failed check was logged")
		}
	}
	exec(`ALTER TABLE api_keys_away RENAME TO api_keys`)

	if got := ws.line(t); got["closed"] != float64(4403) || !strings.Contains(fmt.Sprint(got["reason"]), "revoked") {
		t.Fatalf("%v; want closed with 4403 once the check is answered", got)
	}
	m := readSSE(t, stream, 1)[0]
	errs, _ := m.data["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("the stream's message %v; want UNAUTHENTICATED once the check is answered", m)
	}
}

// recordsTo is a log handler sending the records whose message contains
// about to a channel (dropping them when it is full).
type recordsTo struct {
	ch    chan<- slog.Record
	about string
}

func (h recordsTo) Enabled(context.Context, slog.Level) bool { return true }
func (h recordsTo) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.about) {
		select {
		case h.ch <- r:
		default:
		}
	}
	return nil
}
func (h recordsTo) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordsTo) WithGroup(string) slog.Handler      { return h }
