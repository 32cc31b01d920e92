//go:build linux

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
		APIEnv:          []string{"REPLICA_MAX_LAG=30s", "SHUTDOWN_TIMEOUT=10s"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(topo.Close)
	t.Logf("topology up in %s", time.Since(start).Round(time.Millisecond))

	t.Run("reads are served by the replica", func(t *testing.T) { readsOnReplica(t, topo) })
	t.Run("a write is read at once through the other API replica", func(t *testing.T) { readYourWrites(t, topo) })
	t.Run("an API replica stopped under load", func(t *testing.T) { apiStoppedUnderLoad(t, topo) })
}

// Reads through the balancer reach both API replicas and are served by the
// database replica: its own statistics count their transactions, and the
// API replicas' metrics count them on replica1, none on the primary.
func readsOnReplica(t *testing.T, topo *topology.Topology) {
	const n = 20
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
	if onReplica != n || onPrimary != 0 {
		t.Fatalf("the API replicas read %d times from replica1 and %d from the primary; want %d and 0", onReplica, onPrimary, n)
	}
	// A backend reports its statistics when idle, up to a second later.
	waitFor(t, "the replica's statistics to count the reads", func() bool { return commits()-before >= n })
	t.Logf("%d reads through the balancer (%v): replica1 %d, primary %d; the replica's xact_commit rose by %d",
		n, servers, onReplica, onPrimary, commits()-before)
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
	primaryBefore := poolReadsOf(t, other, "primary")
	r := post(t, other.URL, topo.Token, count, map[string]string{replica.Header: w.position})
	if r.err != nil || r.code != "" || r.totalCount != 1 {
		t.Fatalf("%s, sent the position %s of %s's write at once, found %d customers (want 1): %+v",
			other.Name, w.position, w.server, r.totalCount, r)
	}
	if got := poolReadsOf(t, other, "primary") - primaryBefore; got != 1 {
		t.Fatalf("%s read from the primary %d times for the read with the position, want 1", other.Name, got)
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
	err        error // the request got no answer
}

// api1 is sent SIGTERM while four clients read through the balancer: it
// drains and exits 0, at most the requests in flight fail (with a status
// a client retries), and the balancer sends everything to api2.
func apiStoppedUnderLoad(t *testing.T, topo *topology.Topology) {
	const readers = 4
	var (
		mu      sync.Mutex
		answers []answer
		done    = make(chan struct{})
		wg      sync.WaitGroup
	)
	count := func(server string) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, a := range answers {
			if a.server == server {
				n++
			}
		}
		return n
	}
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				a := post(t, topo.URL, topo.Token, `{ projects(first: 10) { nodes { name customer { name } } } }`, nil)
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
			}
		})
	}
	stopLoad := sync.OnceFunc(func() { close(done); wg.Wait() })
	defer stopLoad()
	waitFor(t, "reads on both API replicas", func() bool { return count("api1") >= 20 && count("api2") >= 20 })

	stopping := topo.APIs[0]
	sigterm := time.Now()
	if err := stopping.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := stopping.Wait(); code != 0 {
		t.Fatalf("api1 exited with %d after SIGTERM: %s", code, stopping.Tail())
	}
	exited := time.Since(sigterm)
	after := count("api2")
	waitFor(t, "reads on api2 after api1 exited", func() bool { return count("api2") >= after+100 })
	stopLoad()

	var failed []answer
	var lastOnStopped time.Time
	served := 0
	for _, a := range answers {
		if a.err != nil || a.status != http.StatusOK || a.code != "" {
			failed = append(failed, a)
			continue
		}
		served++
		if a.server == "api1" && a.at.After(lastOnStopped) {
			lastOnStopped = a.at
		}
	}
	// Answers are stamped when they arrive: one api1 sent just before the
	// signal may arrive just after.
	moved := max(lastOnStopped.Sub(sigterm), 0)
	t.Logf("%d reads by %d clients through the balancer, %d failed; api1 exited %s after SIGTERM and answered its last read %s after it",
		len(answers), readers, len(failed), exited.Round(time.Millisecond), moved.Round(time.Millisecond))
	for _, a := range failed {
		t.Logf("failed %s after SIGTERM: status %d, code %q, error %v", a.at.Sub(sigterm).Round(time.Millisecond), a.status, a.code, a.err)
		if a.err == nil && a.status != http.StatusServiceUnavailable && a.status != http.StatusBadGateway {
			t.Errorf("a read failed with %d %s, not a status a client retries", a.status, a.code)
		}
	}
	if len(failed) > readers {
		t.Fatalf("%d reads failed while api1 stopped, more than the %d in flight", len(failed), readers)
	}
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
		Data struct {
			Customers struct{ TotalCount int }
		}
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
	a.totalCount = out.Data.Customers.TotalCount
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
		n += poolReadsOf(t, p, pool)
	}
	return n
}

// poolReadsOf is one API replica's bizgraph_db_pool_reads_total of pool.
func poolReadsOf(t *testing.T, p *topology.Process, pool string) int64 {
	t.Helper()
	res, err := http.Get(p.MetricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	prefix := fmt.Sprintf(`bizgraph_db_pool_reads_total{pool=%q} `, pool)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %s%s", p.Name, prefix, v)
			}
			return int64(f)
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

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
