package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The database restarts (fast shutdown, then start) under subscribers: a
// graphql-ws client and an SSE client (which, if its stream ends, resumes
// with Last-Event-ID as a browser's EventSource would) each receive every
// event committed before and after the restart, in order, none twice. The
// listener reconnects and reads the table from the last event it handed
// out, so the events committed before it is back (no one was listening
// for their notifications) are not skipped; and an event handed out just
// before the stop, whose message meets the database down, is resolved
// again once it is back rather than ending the subscription.
func TestSubscriptions_ADatabaseRestartLosesNoEvent(t *testing.T) {
	ctx := context.Background()
	pg, cfg, url, db := restartableDatabase(t, "bizgraph-live-restart-", 2*time.Second)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The listener reaches the database through a gate the test keeps
	// shut from the stop until the events after the restart are
	// committed: they are committed with no one listening, as they may be
	// whenever the listener reconnects later than the writers do.
	gate := newGate(t, cfg.Port)
	feed := live.New(live.Config{URL: gate.url(t, url), DB: db, Log: quiet, Resolving: 2})
	feedCtx, stopFeed := context.WithCancel(ctx)
	fed := make(chan struct{})
	go func() { feed.Run(feedCtx); close(fed) }()
	t.Cleanup(func() { stopFeed(); <-fed })
	srv := httptest.NewServer(service.New(service.Config{Auth: httpapitest.Authenticator(t, db, nil), DB: db, Live: feed,
		PageLimits: page.Limits{Default: 20, Max: 100}, Log: quiet, RequestTimeout: 2 * time.Second}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = feed.Shutdown(ctx) }) // first: the streams end, so Close need not wait for them

	admin := httpapitest.Token(t, 0, auth.Admin)
	emp := scalar[int64](t, db, `SELECT id FROM employees WHERE status = 'active' ORDER BY id LIMIT 1`)
	gid := store.GlobalID("Employee", emp)
	since := scalar[int64](t, db, `SELECT coalesce(max(id), 0) FROM events`)
	query := `subscription { events(types: ["` + events.EmployeeUpdated + `"]) { id type } }`

	ws := subscribeWS(t, srv.URL, admin, query, nil)
	sse := newResumingSSE(t, srv.URL, admin, query)
	waitSubscribers(t, feed, 2)

	// update changes the employee's title; once the database is back a
	// request may still meet a connection the restart closed (503
	// UNAVAILABLE, nothing written): it is sent again, as a client would.
	version := scalar[int](t, db, `SELECT version FROM employees WHERE id = ?`, emp)
	update := func(title string) {
		body, _ := json.Marshal(map[string]any{"query": updateEmployee,
			"variables": map[string]any{"in": map[string]any{"id": gid, "version": version, "title": title}}})
		eventually(t, 30*time.Second, "the update "+title, func() bool {
			r := httpapitest.Do(t, http.MethodPost, srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
				"Authorization": "Bearer " + admin}, string(body))
			if r.Status == 200 && len(r.Errors) == 0 {
				return true
			}
			if r.Code() != "UNAVAILABLE" {
				t.Fatalf("%s: %d %s", title, r.Status, r.Body)
			}
			return false
		})
		version++
	}
	var wsIDs, sseIDs []int64
	receive := func(n int) {
		for len(wsIDs) < n {
			p := ws.next(t)
			if errs := p["errors"]; errs != nil {
				t.Fatalf("graphql-ws message with errors: %v", p)
			}
			wsIDs = append(wsIDs, number(t, p["extensions"].(map[string]any)["eventId"].(string)))
		}
		for len(sseIDs) < n {
			sseIDs = append(sseIDs, sse.next(t))
		}
	}

	update("Before one")
	update("Before two")
	receive(2)

	// An event handed out before the stop and resolved after it: the
	// test holds every turn to resolve until the database is down.
	var turns []func()
	for range 2 { // Resolving
		release, err := feed.Turn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		turns = append(turns, release)
	}
	update("Just before")
	last := scalar[int64](t, db, `SELECT max(id) FROM events`)
	eventually(t, 20*time.Second, "the feed to hand out the last event", func() bool { return feed.Position() >= last })

	gate.shut()
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, release := range turns {
		release()
	}
	var err error
	if pg, err = pgembed.Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	update("After one")
	update("After two")
	update("After three")
	if n := scalar[int](t, db, `SELECT count(*) FROM pg_stat_activity WHERE application_name = ?`, live.ApplicationName); n != 0 {
		t.Fatalf("%d listeners connected while the gate is shut", n)
	}
	gate.open()
	receive(6)

	var want []int64
	if err := db.WithContext(ctx).Raw(`SELECT id FROM events WHERE type = ? AND id > ? ORDER BY id`,
		events.EmployeeUpdated, since).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if len(want) != 6 {
		t.Fatalf("%d employee.updated events committed, want 6: %v", len(want), want)
	}
	if !slices.Equal(wsIDs, want) {
		t.Errorf("the graphql-ws client received events %v, want %v", wsIDs, want)
	}
	if !slices.Equal(sseIDs, want) {
		t.Errorf("the SSE client received events %v, want %v (resumed %d times)", sseIDs, want, sse.resumed)
	}
}

// gate forwards TCP connections to a port on 127.0.0.1 while it is open;
// while it is shut it refuses new ones (the database seems down).
type gate struct {
	l      net.Listener
	port   int
	closed atomic.Bool
}

func newGate(t *testing.T, port int) *gate {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{l: l, port: port}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			if g.closed.Load() {
				_ = in.Close()
				continue
			}
			out, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				_ = in.Close()
				continue
			}
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
	return g
}

func (g *gate) shut() { g.closed.Store(true) }
func (g *gate) open() { g.closed.Store(false) }

// url is dbURL through the gate.
func (g *gate) url(t *testing.T, dbURL string) string {
	u, err := neturl.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = g.l.Addr().String()
	return u.String()
}

// resumingSSE is an SSE client of one subscription that, when its stream
// ends, reconnects with the Last-Event-ID of the last message it read.
type resumingSSE struct {
	base, token, query string
	cancel             context.CancelFunc
	messages           chan sseMessage
	ended              chan struct{}
	last               string
	resumed            int
}

func newResumingSSE(t *testing.T, base, token, query string) *resumingSSE {
	c := &resumingSSE{base: base, token: token, query: query}
	c.open(t)
	t.Cleanup(func() { c.cancel() })
	return c
}

func (c *resumingSSE) open(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	br := openSSE(t, ctx, c.base, c.token, c.query, c.last)
	c.messages, c.ended = make(chan sseMessage, 100), make(chan struct{})
	go func(messages chan sseMessage, ended chan struct{}) {
		defer close(ended)
		for {
			m, err := readOneSSE(br)
			if err != nil {
				return
			}
			messages <- m
		}
	}(c.messages, c.ended)
}

// next is the event id of the next "next" message, reconnecting when the
// stream ends (or brings the end of the operation: "complete").
func (c *resumingSSE) next(t *testing.T) int64 {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		var m sseMessage
		select {
		case m = <-c.messages: // what came before an end is read first
		default:
			select {
			case m = <-c.messages:
			case <-c.ended:
				select {
				case m = <-c.messages:
				default:
					t.Logf("SSE stream ended: resuming after %q", c.last)
					c.resume(t)
					continue
				}
			case <-timeout:
				t.Fatalf("no SSE message in 30 s (last %q)", c.last)
			}
		}
		if m.event != "next" {
			t.Logf("SSE %s %v: resuming after %q", m.event, m.data, c.last)
			c.resume(t)
			continue
		}
		if errs := m.data["errors"]; errs != nil {
			t.Fatalf("SSE message with errors: %v", m.data)
		}
		c.last = m.id
		return number(t, m.id)
	}
}

func (c *resumingSSE) resume(t *testing.T) {
	t.Helper()
	c.cancel()
	c.resumed++
	c.open(t)
}
