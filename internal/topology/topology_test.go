package topology_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/topology"
)

// The topology test drives the real parts through HAProxy: a primary and
// its pg_basebackup replica (applying commits 10 s late, so a read that sees
// a write at once did not read the replica), two API replicas of the built
// binary, HAProxy checking their /readyz. The machine needs PostgreSQL's
// binaries with pg_basebackup (as internal/replica's tests) and HAProxy
// (.ci/run and scripts/topology install it).
func TestTopology(t *testing.T) {
	bin, err := pgembed.FindBinaries(os.Getenv("PG_BIN_DIR"))
	if err != nil {
		t.Skipf("no PostgreSQL binaries on this machine (install postgresql or set PG_BIN_DIR): %v", err)
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_basebackup")); err != nil {
		t.Skipf("no pg_basebackup beside the PostgreSQL binaries in %s", bin)
	}
	if _, err := exec.LookPath("haproxy"); err != nil {
		t.Skip("no haproxy on this machine: apt-get install -y haproxy (.ci/run installs it)")
	}
	dir, err := os.MkdirTemp("", "bizgraph-topology-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	topo, err := topology.Start(ctx, topology.Options{Dir: dir,
		ReplicaSettings: map[string]string{"recovery_min_apply_delay": "10s"},
		// The webhook receiver of apiStoppedUnderLoad listens on loopback.
		APIEnv: []string{"REPLICA_MAX_LAG=30s", "SHUTDOWN_TIMEOUT=10s", "WEBHOOK_ALLOW_PRIVATE_NETWORKS=true"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(topo.Close)
	t.Logf("topology up in %s", time.Since(start).Round(time.Millisecond))

	t.Run("reads are served by the replica", func(t *testing.T) { readsOnReplica(t, topo) })
	t.Run("a write is read at once through the other API replica", func(t *testing.T) { readYourWrites(t, topo) })
	t.Run("the database replica stopped under load", func(t *testing.T) { replicaStoppedUnderLoad(t, topo) })
	t.Run("an API replica stopped under load", func(t *testing.T) { apiStoppedUnderLoad(t, topo) })
	t.Run("a replica too far behind is skipped", func(t *testing.T) { laggingReplicaSkipped(t, topo) })
}

// Reads through the balancer reach both API replicas and are served by the
// database replica: its own statistics count their transactions, and the
// API replicas' metrics count them on replica1, none on the primary.
func readsOnReplica(t *testing.T, topo *topology.Topology) {
	const n = 20
	// A commit on the primary after the replica's base backup (an
	// autoanalyze of the seeded tables, say) is applied 10 s late, and
	// until then the replica's lag may be unknown: it serves no reads.
	waited := waitFor(t, "both API replicas to read from the replica", func() bool {
		return metric(t, topo.APIs[0], "bizgraph_db_pool_in_use", "replica1") == 1 &&
			metric(t, topo.APIs[1], "bizgraph_db_pool_in_use", "replica1") == 1
	})
	commits := func() int64 {
		return value[int64](t, topo.ReplicaURL, `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`)
	}
	before, replicaBefore, primaryBefore := commits(), poolReads(t, topo, "replica1"), poolReads(t, topo, "primary")
	servers := map[string]int{}
	for range n {
		r := post(t, topo.URL, topo.Token, `{ projects(first: 10) { nodes { name customer { name } } } }`, nil)
		if r.err != nil || r.status != http.StatusOK || r.code != "" {
			t.Fatalf("a read through the balancer: %+v", r)
		}
		servers[r.server]++
	}
	if servers["api1"] == 0 || servers["api2"] == 0 {
		t.Fatalf("the balancer sent the reads to %v; want both API replicas", servers)
	}
	onReplica, onPrimary := poolReads(t, topo, "replica1")-replicaBefore, poolReads(t, topo, "primary")-primaryBefore
	// Every read is counted on one pool or the other. A replica whose lag
	// check times out on a loaded machine is taken out for a moment, by
	// design, and a read then goes to the primary: allow two such, no more.
	if onReplica+onPrimary != n || onReplica < n-2 {
		t.Fatalf("the API replicas read %d times from replica1 and %d from the primary; want %d in all, at least %d from replica1", onReplica, onPrimary, n, n-2)
	}
	// A backend reports its statistics when idle, up to a second later.
	waitFor(t, "the replica's statistics to count the reads", func() bool { return commits()-before >= n })
	t.Logf("%d reads through the balancer (%v): replica1 %d, primary %d; the replica's xact_commit rose by %d (waited %s for the replica to be in use)",
		n, servers, onReplica, onPrimary, commits()-before, waited.Round(time.Millisecond))
}

// A write through the balancer answers its position; a read sent at once
// to the other API replica with it sees the write (from the primary: the
// replica applies it 10 s later), and without it, served by the replica,
// does not yet.
func readYourWrites(t *testing.T, topo *topology.Topology) {
	name := "Topology RYW " + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() {
		run(t, topo.PrimaryURL, fmt.Sprintf(`DELETE FROM customers WHERE name = '%s'`, name))
	})
	w := post(t, topo.URL, topo.Token,
		fmt.Sprintf(`mutation { createCustomer(input: {name: %q, country: "DE", segment: SMB}) { customer { id } } }`, name), nil)
	if w.err != nil || w.status != http.StatusOK || w.code != "" || w.position == "" {
		t.Fatalf("createCustomer through the balancer: %+v", w)
	}
	other := topo.APIs[0]
	if w.server == "api1" {
		other = topo.APIs[1]
	}
	if other.Name == w.server {
		t.Fatalf("the write was answered by %q; want api1 or api2", w.server)
	}
	count := fmt.Sprintf(`{ customers(filter: {name: {eq: %q}}) { totalCount } }`, name)
	primaryBefore := metric(t, other, "bizgraph_db_pool_reads_total", "primary")
	r := post(t, other.URL, topo.Token, count, map[string]string{replica.Header: w.position})
	if r.err != nil || r.code != "" || r.totalCount != 1 {
		t.Fatalf("%s, sent the position %s of %s's write at once, found %d customers (want 1): %+v",
			other.Name, w.position, w.server, r.totalCount, r)
	}
	if got := metric(t, other, "bizgraph_db_pool_reads_total", "primary") - primaryBefore; got != 1 {
		t.Fatalf("%s read from the primary %v times for the read with the position, want 1", other.Name, got)
	}
	r = post(t, other.URL, topo.Token, count, nil)
	if r.err != nil || r.code != "" || r.totalCount != 0 {
		t.Fatalf("%s, sent no position, found %d customers (want 0, from the replica 10 s behind): the test proves nothing: %+v",
			other.Name, r.totalCount, r)
	}
	t.Logf("write through the balancer answered by %s at %s; %s read it at once with the position (primary), not without (replica)",
		w.server, w.position, other.Name)
}

// answer is what one request through HTTP got.
type answer struct {
	at         time.Time
	status     int
	code       string // the first error's extensions.code
	server     string // topology.ServerHeader
	position   string // replica.Header
	totalCount int
	data       json.RawMessage // the answer's data
	err        error           // the request got no answer
}

// api1 is sent SIGTERM while, through the balancer, four clients read,
// two log time (each write with an Idempotency-Key, sent again on a
// retryable failure) and subscribers follow the time_entry.logged events
// over SSE (resuming with Last-Event-ID when their stream ends), some of
// them on api1: api1 drains and exits 0; at most the reads in flight fail,
// with a status a client retries; no write fails and each is written once;
// every subscriber receives every committed event, in order, once, those
// on api1 on api2 after a reconnection. Started again, api1 is sent
// requests again.
func apiStoppedUnderLoad(t *testing.T, topo *topology.Topology) {
	const readers, writers = 4, 2
	employee, project := apiIDs(t, topo)
	since := value[int64](t, topo.PrimaryURL, `SELECT coalesce(max(id), 0) FROM events`)
	t.Cleanup(func() { run(t, topo.PrimaryURL, `DELETE FROM time_entries WHERE note LIKE 'topology-sigterm-%'`) })
	subCtx, stopSubs := context.WithCancel(context.Background())
	defer stopSubs()
	subs := openSubscribers(t, subCtx, topo, `subscription { events(types: ["time_entry.logged"]) { id } }`, since)
	hooks := receiveWebhooks(t, topo, "time_entry.logged")

	l := startLoad(t, topo, readers)
	defer l.stop()
	w := startWrites(t, topo, writers, employee, project)
	defer w.stop()
	count := l.count
	waitFor(t, "reads on both API replicas, writes and events", func() bool {
		if count("api1") < 20 || count("api2") < 20 || w.count() < 10 {
			return false
		}
		for _, s := range subs {
			if len(s.received()) == 0 {
				return false
			}
		}
		return len(hooks.received()) > 0
	})

	stopping := topo.APIs[0]
	sigterm := time.Now()
	if err := stopping.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopping.Done():
	case <-time.After(time.Minute):
		t.Fatalf("api1 still running a minute after SIGTERM: %s", stopping.Tail())
	}
	if code := stopping.Wait(); code != 0 {
		t.Fatalf("api1 exited with %d after SIGTERM: %s", code, stopping.Tail())
	}
	exited := time.Since(sigterm)
	after, written := count("api2"), w.count()
	waitFor(t, "reads and writes on api2 after api1 exited", func() bool { return count("api2") >= after+100 && w.count() >= written+10 })
	answers, failed := l.stop()
	w.stop()

	// Every subscriber must receive every event committed.
	var want []int64
	waitFor(t, "every subscriber to receive the last committed event", func() bool {
		want = committedEvents(t, topo, since)
		for _, s := range subs {
			if got := s.received(); len(want) > 0 && (len(got) == 0 || got[len(got)-1] < want[len(want)-1]) {
				return false
			}
		}
		return true
	})
	stopSubs()

	var lastOnStopped time.Time
	for _, a := range answers {
		if a.failed() == "" && a.server == "api1" && a.at.After(lastOnStopped) {
			lastOnStopped = a.at
		}
	}
	// Answers are stamped when they arrive: one api1 sent just before the
	// signal may arrive just after.
	moved := max(lastOnStopped.Sub(sigterm), 0)
	t.Logf("%d reads by %d clients through the balancer, %d failed; api1 exited %s after SIGTERM and answered its last read %s after it",
		len(answers), readers, len(failed), exited.Round(time.Millisecond), moved.Round(time.Millisecond))
	checkFailures(t, "api1 stopped", sigterm, failed, readers)

	entries := value[int64](t, topo.PrimaryURL, `SELECT count(*) FROM time_entries WHERE note LIKE 'topology-sigterm-%'`)
	t.Logf("%d writes by %d clients, %d failed after their retries (%d retries); %d time entries written, %d events committed",
		len(w.written), writers, len(w.failed), w.retries, entries, len(want))
	for _, f := range w.failed {
		t.Errorf("a write failed while api1 stopped: %s", f)
	}
	if entries != int64(len(w.written)) || len(want) != len(w.written) {
		t.Errorf("%d writes succeeded, %d time entries and %d events were committed; want one of each per write",
			len(w.written), entries, len(want))
	}

	var resumes []time.Duration
	for i, s := range subs {
		got := s.received()
		lost, disorder := lostAndTwice(got, want)
		s.mu.Lock()
		t.Logf("subscriber %d: streams from %v, %d events received, %d lost, %d out of order or twice; resumed after %v; streams ended: %v; %d reconnections refused",
			i+1, s.conns, len(got), len(lost), disorder, s.resume, s.ends, s.refused)
		if s.conns[0] == "api1" {
			if len(s.resume) == 0 || s.conns[len(s.conns)-1] != "api2" {
				t.Errorf("subscriber %d, on api1, did not resume on api2: streams from %v", i+1, s.conns)
			}
			resumes = append(resumes, s.resume...)
		}
		s.mu.Unlock()
		if len(lost) > 0 || disorder > 0 {
			t.Errorf("subscriber %d lost events %v and received %d out of order or twice", i+1, lost, disorder)
		}
	}
	if len(resumes) > 0 {
		t.Logf("subscribers on api1 resumed on api2 %s to %s after their stream ended", slices.Min(resumes).Round(time.Millisecond),
			slices.Max(resumes).Round(time.Millisecond))
	}

	// Every committed event reaches the webhook receiver, at least once:
	// the deliveries api1 had claimed or not yet sent are finished by api2.
	waitFor(t, "the webhook receiver to receive every committed event", func() bool {
		lost, _ := lostAndTwice(slices.Sorted(slices.Values(hooks.received())), want)
		return len(lost) == 0
	})
	got := hooks.received()
	t.Logf("webhooks: %d deliveries of the %d committed events received, each signature verified (%d delivered again)",
		len(got), len(want), len(got)-len(want))
	if hooks.bad() > 0 {
		t.Errorf("%d webhook deliveries failed verification", hooks.bad())
	}

	// api1 started again: the balancer sends it requests after two good
	// checks.
	restarted := time.Now()
	if err := topo.StartAPI(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ready := time.Since(restarted)
	waitFor(t, "a read through the balancer answered by api1 again", func() bool {
		r := post(t, topo.URL, topo.Token, `{ projects(first: 1) { nodes { name } } }`, nil)
		return r.failed() == "" && r.server == "api1"
	})
	t.Logf("api1 started again: ready %s after its start, answering through the balancer %s after it",
		ready.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
}

// committedEvents are the time_entry.logged events committed after since.
func committedEvents(t *testing.T, topo *topology.Topology, since int64) []int64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), topo.PrimaryURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `SELECT id FROM events WHERE type = 'time_entry.logged' AND id > $1 ORDER BY id`, since)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// The database replica is stopped while four clients read through the
// balancer: at most the reads in flight on it fail (503, retryable), both
// API replicas take it out and read from the primary, and once it is
// started again they read from it again.
func replicaStoppedUnderLoad(t *testing.T, topo *topology.Topology) {
	const readers = 4
	l := startLoad(t, topo, readers)
	defer l.stop()
	inUse := func(want float64) func() bool {
		return func() bool {
			return metric(t, topo.APIs[0], "bizgraph_db_pool_in_use", "replica1") == want &&
				metric(t, topo.APIs[1], "bizgraph_db_pool_in_use", "replica1") == want
		}
	}
	before := poolReads(t, topo, "replica1")
	waitFor(t, "reads on the replica", func() bool { return poolReads(t, topo, "replica1") >= before+20 })

	ctx := context.Background()
	stopped := time.Now()
	if err := topo.StopReplica(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both API replicas to take the stopped replica out", inUse(0))
	out := time.Since(stopped)
	before = poolReads(t, topo, "primary")
	waitFor(t, "reads on the primary", func() bool { return poolReads(t, topo, "primary") >= before+20 })

	started := time.Now()
	if err := topo.StartReplica(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both API replicas to read from the replica again", inUse(1))
	back := time.Since(started)
	before = poolReads(t, topo, "replica1")
	waitFor(t, "reads on the replica again", func() bool { return poolReads(t, topo, "replica1") >= before+20 })
	answers, failed := l.stop()
	t.Logf("%d reads by %d clients through the balancer, %d failed; the replica out of both API replicas %s after its stop, back in both %s after its start",
		len(answers), readers, len(failed), out.Round(time.Millisecond), back.Round(time.Millisecond))
	checkFailures(t, "the replica stopped", stopped, failed, readers)
}

// failed says why a read failed; empty: it did not.
func (a answer) failed() string {
	switch {
	case a.err != nil:
		return fmt.Sprintf("status %d, %v", a.status, a.err)
	case a.status != http.StatusOK || a.code != "":
		return fmt.Sprintf("status %d, code %q", a.status, a.code)
	}
	return ""
}

// checkFailures logs the reads that failed during a fault starting at
// since and fails the test if more than inFlight did, or any with a status
// a client does not retry.
func checkFailures(t *testing.T, fault string, since time.Time, failed []answer, inFlight int) {
	t.Helper()
	for _, a := range failed {
		t.Logf("failed %s after the fault: %s", a.at.Sub(since).Round(time.Millisecond), a.failed())
		if a.status != http.StatusServiceUnavailable && a.status != http.StatusBadGateway {
			t.Errorf("a read failed with status %d while %s, not one a client retries", a.status, fault)
		}
	}
	if len(failed) > inFlight {
		t.Fatalf("%d reads failed while %s, more than the %d in flight", len(failed), fault, inFlight)
	}
}

// load is clients reading through the balancer in a loop.
type load struct {
	mu      sync.Mutex
	answers []answer
	stop    func() (answers, failed []answer)
}

// startLoad starts clients reading a page of projects through the
// balancer as fast as they are answered; stop ends them and returns what
// they got.
func startLoad(t *testing.T, topo *topology.Topology, clients int) *load {
	l := &load{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				a := post(t, topo.URL, topo.Token, `{ projects(first: 10) { nodes { name customer { name } } } }`, nil)
				l.mu.Lock()
				l.answers = append(l.answers, a)
				l.mu.Unlock()
			}
		})
	}
	l.stop = sync.OnceValues(func() (answers, failed []answer) {
		close(done)
		wg.Wait()
		for _, a := range l.answers {
			if a.failed() != "" {
				failed = append(failed, a)
			}
		}
		return l.answers, failed
	})
	return l
}

// count is how many answers server has given so far.
func (l *load) count(server string) (n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range l.answers {
		if a.server == server {
			n++
		}
	}
	return n
}

// post sends a GraphQL request to base/graphql with a bearer token and the
// given headers.
func post(t *testing.T, base, token, query string, header map[string]string) answer {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest("POST", base+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	a := answer{at: time.Now(), err: err}
	if err != nil {
		return a
	}
	defer res.Body.Close()
	a.status, a.server, a.position = res.StatusCode, res.Header.Get(topology.ServerHeader), res.Header.Get(replica.Header)
	var out struct {
		Data   json.RawMessage
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.err = err
		return a
	}
	if err := json.Unmarshal(b, &out); err != nil {
		a.err = fmt.Errorf("answer %d %.200s: %w", res.StatusCode, b, err)
		return a
	}
	a.data = out.Data
	var counted struct{ Customers struct{ TotalCount int } }
	_ = json.Unmarshal(out.Data, &counted) // null when the operation failed
	a.totalCount = counted.Customers.TotalCount
	if len(out.Errors) > 0 {
		a.code = out.Errors[0].Extensions.Code
		if a.code == "" {
			a.code = "(none)"
		}
	}
	return a
}

// poolReads is bizgraph_db_pool_reads_total of pool summed over the API
// replicas still running.
func poolReads(t *testing.T, topo *topology.Topology, pool string) (n int64) {
	t.Helper()
	for _, p := range topo.APIs {
		n += int64(metric(t, p, "bizgraph_db_pool_reads_total", pool))
	}
	return n
}

// metric is one API replica's value of a metric of pool.
func metric(t *testing.T, p *topology.Process, name, pool string) float64 {
	t.Helper()
	res, err := http.Get(p.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	prefix := fmt.Sprintf(`%s{pool=%q} `, name, pool)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %s%s", p.Name, prefix, v)
			}
			return f
		}
	}
	t.Fatalf("%s's metrics have no %s", p.Name, prefix)
	return 0
}

// value reads one value from a database.
func value[T any](t *testing.T, url, sql string) T {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// run runs a statement on a database.
func run(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// waitFor polls cond until it holds, failing the test after a minute, and
// returns how long it waited.
func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > time.Minute {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// The API replicas are started again with REPLICA_MAX_LAG=2s. The
// replica is first made to apply at once (recovery_min_apply_delay 0, a
// reload) and both read from it; then it applies 10 s late again: the
// primary is written every few seconds (the webhook queue's leader
// election, a write through the balancer here), so within about 2 s both
// take it out (their /readyz says it is too far behind) and reads through
// the balancer go to the primary; made to apply at once again, it catches
// up and both read from it again.
func laggingReplicaSkipped(t *testing.T, topo *topology.Topology) {
	ctx := context.Background()
	applyDelay := func(d string) time.Time {
		run(t, topo.ReplicaURL, fmt.Sprintf(`ALTER SYSTEM SET recovery_min_apply_delay = '%s'`, d))
		run(t, topo.ReplicaURL, `SELECT pg_reload_conf()`)
		return time.Now()
	}
	t.Cleanup(func() { applyDelay("10s") })
	applyDelay("0")
	for i, p := range topo.APIs {
		p.Stop(time.Minute)
		if err := topo.StartAPI(ctx, i, "REPLICA_MAX_LAG=2s"); err != nil {
			t.Fatal(err)
		}
	}
	inUse := func(want float64) func() bool {
		return func() bool {
			return metric(t, topo.APIs[0], "bizgraph_db_pool_in_use", "replica1") == want &&
				metric(t, topo.APIs[1], "bizgraph_db_pool_in_use", "replica1") == want
		}
	}
	// HAProxy sends them requests again after two good checks each.
	answering := map[string]bool{}
	waitFor(t, "both API replicas answering through the balancer again", func() bool {
		if r := post(t, topo.URL, topo.Token, `{ projects(first: 1) { nodes { name } } }`, nil); r.failed() == "" {
			answering[r.server] = true
		}
		return answering["api1"] && answering["api2"]
	})
	waitFor(t, "both API replicas to read from the replica applying at once", inUse(1))
	reads := func(n int) (onReplica, onPrimary int64) {
		replicaBefore, primaryBefore := poolReads(t, topo, "replica1"), poolReads(t, topo, "primary")
		for range n {
			if r := post(t, topo.URL, topo.Token, `{ projects(first: 1) { nodes { name } } }`, nil); r.failed() != "" {
				t.Fatalf("a read through the balancer: %s", r.failed())
			}
		}
		return poolReads(t, topo, "replica1") - replicaBefore, poolReads(t, topo, "primary") - primaryBefore
	}

	delayed := applyDelay("10s")
	name := "Topology lag " + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { run(t, topo.PrimaryURL, fmt.Sprintf(`DELETE FROM customers WHERE name = '%s'`, name)) })
	w := post(t, topo.URL, topo.Token,
		fmt.Sprintf(`mutation { createCustomer(input: {name: %q, country: "DE", segment: SMB}) { customer { id } } }`, name), nil)
	if w.failed() != "" {
		t.Fatalf("createCustomer through the balancer: %s", w.failed())
	}
	waitFor(t, "both API replicas to take the lagging replica out", inUse(0))
	out := time.Since(delayed)
	for _, p := range topo.APIs {
		res, err := http.Get(p.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "replica1: out, too far behind") {
			t.Fatalf("%s's /readyz does not say the replica is too far behind:\n%s", p.Name, body)
		}
	}
	const n = 20
	if onReplica, onPrimary := reads(n); onReplica != 0 || onPrimary != n {
		t.Fatalf("with the replica too far behind, %d reads through the balancer read %d times from it and %d from the primary; want all %d from the primary",
			n, onReplica, onPrimary, n)
	}
	caughtUp := applyDelay("0")
	waitFor(t, "both API replicas to read from the replica once it caught up", inUse(1))
	back := time.Since(caughtUp)
	onReplica, onPrimary := reads(n)
	// As in readsOnReplica: a lag check that times out on a loaded
	// machine takes the replica out for a moment; allow two such reads.
	if onReplica+onPrimary != n || onReplica < n-2 {
		t.Fatalf("with the replica caught up, %d reads read %d times from it and %d from the primary; want at least %d from it",
			n, onReplica, onPrimary, n-2)
	}
	t.Logf("REPLICA_MAX_LAG=2s: the replica made to apply commits 10 s late was out of both API replicas %s later, %d reads then all on the primary; made to apply at once, back in use %s later, then %d of %d reads on it",
		out.Round(time.Millisecond), n, back.Round(time.Millisecond), onReplica, n)
}
