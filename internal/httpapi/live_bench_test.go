package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// benchSubs is how many subscriptions the live benchmarks hold
// (LIVE_BENCH_SUBS): client and server share the process and its file
// descriptors, two per connection.
func benchSubs(b *testing.B, def int) int {
	if v, err := strconv.Atoi(os.Getenv("LIVE_BENCH_SUBS")); err == nil && v > 0 {
		return v
	}
	return def
}

// dialSubscription opens a graphql-transport-ws connection as token and
// starts one subscription on it.
func dialSubscription(b *testing.B, base, token, query string) *websocket.Conn {
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 30 * time.Second}
	conn, _, err := d.Dial("ws"+strings.TrimPrefix(base, "http")+"/graphql", nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + token}}); err != nil {
		b.Fatal(err)
	}
	var ack map[string]any
	if err := conn.ReadJSON(&ack); err != nil || ack["type"] != "connection_ack" {
		b.Fatalf("connection_init answered %v, %v", ack, err)
	}
	if err := conn.WriteJSON(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": query}}); err != nil {
		b.Fatal(err)
	}
	return conn
}

func rssKiB() int64 {
	status, _ := os.ReadFile("/proc/self/status")
	for l := range strings.SplitSeq(string(status), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// What an idle subscription costs the server: goroutines and memory per
// open graphql-ws subscription (client and server share the process, so
// the figures include the client's side of each connection: an upper
// bound). Run with -benchtime=1x.
func BenchmarkLive_IdleSubscriptions(b *testing.B) {
	n := benchSubs(b, 2000)
	srv, _, feed := httpapitest.NewLiveServer(b, service.Config{MaxSubscriptions: n + 10})
	token := httpapitest.Token(b, 0, auth.Viewer)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0, rss0 := runtime.NumGoroutine(), rssKiB()
	for b.Loop() {
		conns := make([]*websocket.Conn, 0, n)
		for range n {
			conns = append(conns, dialSubscription(b, srv.URL, token, `subscription { events(types: ["never.happens"]) { id } }`))
		}
		for feed.Subscribers() < n {
			time.Sleep(10 * time.Millisecond)
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(n), "goroutines/sub")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(n), "heap-B/sub")
		b.ReportMetric(float64(rssKiB()-rss0)*1024/float64(n), "rss-B/sub")
		b.ReportMetric(float64(n), "subs")
		for _, c := range conns {
			_ = c.Close()
		}
	}
}

// From commit to receipt: an update of one project with subscribers of
// projectUpdated in ten rights groups (viewers of ten employees), each
// receiving the message; p50 and p99 over the subscribers and rounds, and
// the statements the server sent per event.
func BenchmarkLive_FanOutToOneProjectsSubscribers(b *testing.B) {
	n := benchSubs(b, 1000)
	srv, db, feed := httpapitest.NewLiveServer(b, service.Config{MaxSubscriptions: n + 10})
	var project int64
	if err := db.WithContext(context.Background()).Raw(`SELECT min(id) FROM projects`).Row().Scan(&project); err != nil {
		b.Fatal(err)
	}
	gid := store.GlobalID("Project", project)
	query := `subscription { projectUpdated(id: "` + gid + `") { id description status } }`
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i] = dialSubscription(b, srv.URL, httpapitest.Token(b, int64(1+i%10), auth.Viewer), query)
	}
	for feed.Subscribers() < n {
		time.Sleep(10 * time.Millisecond)
	}
	admin := httpapitest.Token(b, 0, auth.Admin)
	var latencies []time.Duration
	version := func() int {
		var v int
		_ = db.WithContext(context.Background()).Raw(`SELECT version FROM projects WHERE id = ?`, project).Row().Scan(&v)
		return v
	}
	var statements int64
	rounds := 0
	for b.Loop() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		v := version()
		start := time.Now()
		s0 := statementsOf(db)
		for _, c := range conns {
			wg.Go(func() {
				var m map[string]any
				if err := c.ReadJSON(&m); err != nil || m["type"] != "next" {
					b.Errorf("read %v, %v", m, err)
				}
				mu.Lock()
				latencies = append(latencies, time.Since(start))
				mu.Unlock()
			})
		}
		body := fmt.Sprintf(`{"query":"mutation { updateProject(input: {id: \"%s\", version: %d, description: \"round %d\"}) { project { id } } }"}`,
			gid, v, rounds)
		r := httpapitest.Do(b, http.MethodPost, srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
			"Authorization": "Bearer " + admin}, body)
		if r.Status != 200 || len(r.Errors) > 0 {
			b.Fatalf("%d %s", r.Status, r.Body)
		}
		wg.Wait()
		statements += statementsOf(db) - s0
		rounds++
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(statements)/float64(rounds), "statements/event")
	b.ReportMetric(float64(n), "subs")
	for _, c := range conns {
		_ = c.Close()
	}
}

func statementsOf(db *database.DB) int64 { return db.Statements() }
