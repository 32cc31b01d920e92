package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
// (LIVE_BENCH_SUBS), def when unset.
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

// What idle subscriptions cost the server, with the clients in a process
// of their own (graphqlwstest/idle.mjs under Node), so that the figures
// are the server's alone: goroutines and RSS per open graphql-ws
// subscription, for 2,000, 5,000 and 10,000 of them (LIVE_BENCH_SUBS: one
// count), and the query throughput with none and with them all open, in
// the same run. Each side needs a file descriptor per connection: the
// benchmark raises its soft limit to the hard one (Node inherits it).
// Run with -benchtime=1x.
func BenchmarkLive_IdleSubscriptions(b *testing.B) {
	files := raiseFileLimit()
	counts := []int{2000, 5000, 10000}
	if n := benchSubs(b, 0); n > 0 {
		counts = []int{n}
	}
	for _, n := range counts {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			if uint64(n)+1000 > files {
				b.Skipf("%d subscriptions need more file descriptors than the limit of %d", n, files)
			}
			srv, _, feed := httpapitest.NewLiveServer(b, service.Config{MaxSubscriptions: n + 10})
			token := httpapitest.Token(b, 0, auth.Viewer)
			admin := httpapitest.Token(b, 0, auth.Admin)
			queriesPerSecond(b, srv.URL, admin) // warm: a fresh server's first queries are slower
			for b.Loop() {
				idle := queriesPerSecond(b, srv.URL, admin)
				runtime.GC()
				g0, rss0 := runtime.NumGoroutine(), rssKiB()
				stop := idleClients(b, srv.URL, token, n, `subscription { events(types: ["never.happens"]) { id } }`)
				for feed.Subscribers() < n {
					time.Sleep(10 * time.Millisecond)
				}
				runtime.GC()
				b.ReportMetric(float64(runtime.NumGoroutine()-g0)/float64(n), "goroutines/sub")
				b.ReportMetric(float64(rssKiB()-rss0)*1024/float64(n), "rss-B/sub")
				b.ReportMetric(float64(rssKiB())/1024, "server-rss-MiB")
				b.ReportMetric(idle, "queries/s-0-subs")
				b.ReportMetric(queriesPerSecond(b, srv.URL, admin), "queries/s-n-subs")
				stop()
				for feed.Subscribers() > 0 {
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
}

// idleClients starts Node holding n subscriptions to query as token and
// returns once they are all sent; stop ends the process.
func idleClients(b *testing.B, base, token string, n int, query string) (stop func()) {
	dir, err := filepath.Abs("graphqlwstest")
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("node", "idle.mjs", "ws"+strings.TrimPrefix(base, "http")+"/graphql", token, fmt.Sprint(n), query)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop = func() { _ = in.Close(); _ = cmd.Wait() }
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), `{"open":`) {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return stop
		}
		b.Logf("idle clients: %s", sc.Text())
	}
	stop()
	b.Fatalf("the idle clients ended before opening their %d subscriptions", n)
	return nil
}

// queriesPerSecond sends 400 two-level list queries from four clients
// and says how many were answered per second.
func queriesPerSecond(b *testing.B, base, token string) float64 {
	const clients, each = 4, 100
	body := `{"query":"{ customers(first: 5) { nodes { name projects(first: 2) { nodes { name } } } } }"}`
	headers := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token}
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				if r := httpapitest.Do(b, http.MethodPost, base+"/graphql", headers, body); r.Status != 200 || len(r.Errors) > 0 {
					b.Errorf("%d %s", r.Status, r.Body)
					return
				}
			}
		})
	}
	wg.Wait()
	return clients * each / time.Since(start).Seconds()
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
