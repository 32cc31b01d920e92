package replica_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/replica"
)

// countCustomers is the query the tests read with: the number of
// customers named name.
func countCustomers(name string) string {
	return fmt.Sprintf(`{ customers(filter: {name: {eq: %q}}) { totalCount } }`, name)
}

func totalCount(t *testing.T, r httpapitest.Reply) int {
	t.Helper()
	var d struct {
		Customers struct{ TotalCount int } `json:"customers"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || r.Code() != "" {
		t.Fatalf("answer %d %s %v: %v", r.Status, r.Data, r.Errors, err)
	}
	return d.Customers.TotalCount
}

// A query reads from the replica: with the replica's replay paused, a row
// written on the primary meanwhile is not in the answer, the replica's pool
// sent the query's statement, and a sensitive field read there is still
// audited, in the primary's audit log.
func TestQueriesReadFromTheReplica(t *testing.T) {
	c := getCluster(t)
	c.caughtUp(t)
	al, err := audit.Open(context.Background(), c.primaryURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Checked once, at the start, and not again during the test: the
	// pools' statement counters then count the API's statements only.
	a := newAPI(t, c, replica.Options{MaxLag: time.Hour, CheckInterval: time.Hour}, policy.New(al))
	if st := a.status(); !st.InUse {
		t.Fatalf("the replica is not in use after the first check: %+v", st)
	}

	exec(t, c.replicaURL(), `SELECT pg_wal_replay_pause()`)
	t.Cleanup(func() { exec(t, c.replicaURL(), `SELECT pg_wal_replay_resume()`) })
	name := "Replica Test " + t.Name()
	exec(t, c.primaryURL(), fmt.Sprintf(`INSERT INTO customers (name, country, segment, status) VALUES ('%s', 'DE', 'smb', 'active')`, name))
	t.Cleanup(func() { exec(t, c.primaryURL(), fmt.Sprintf(`DELETE FROM customers WHERE name = '%s'`, name)) })

	onReplica, onPrimary := a.replicas["replica1"].Statements(), a.primary.Statements()
	r := a.post(t, countCustomers(name), nil)
	if n := totalCount(t, r); n != 0 {
		t.Fatalf("a query saw the row written on the primary while the replica's replay is paused (%d): it did not read from the replica", n)
	}
	if d, p := a.replicas["replica1"].Statements()-onReplica, a.primary.Statements()-onPrimary; d < 1 || p != 0 {
		t.Fatalf("the query sent %d statements to the replica and %d to the primary; want all on the replica", d, p)
	}
	if st := a.set.Status(); st[1].Reads < 1 || st[0].Reads != 0 {
		t.Fatalf("reads counted: primary %d, replica %d; want all on the replica", st[0].Reads, st[1].Reads)
	}
	// Once the replica has replayed it, the same query finds the row.
	exec(t, c.replicaURL(), `SELECT pg_wal_replay_resume()`)
	c.caughtUp(t)
	r = a.post(t, countCustomers(name), nil)
	if n := totalCount(t, r); n != 1 {
		t.Fatalf("after the replay: %d customers named %q, want 1", n, name)
	}

	// A sensitive field read on the replica is audited on the primary.
	auditBefore := value[int64](t, c.primaryURL(), `SELECT count(*) FROM audit_events WHERE field = 'Employee.salary'`)
	r = a.post(t, `{ employees(first: 3) { nodes { salary } } }`, nil)
	if r.Code() != "" || !strings.Contains(string(r.Data), "salary") {
		t.Fatalf("salaries as admin: %s %v", r.Data, r.Errors)
	}
	if err := al.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := value[int64](t, c.primaryURL(), `SELECT count(*) FROM audit_events WHERE field = 'Employee.salary'`) - auditBefore; n != 3 {
		t.Fatalf("%d audit rows of salary reads on the primary, want 3", n)
	}
}

// A mutation writes on the primary and answers with its write position; a
// read sent at once with that position sees the write although the replica
// applies changes only 30 seconds late (the read goes to the primary),
// while the same read without the position, served by the replica, does
// not yet. A batch's query after its mutation reads the mutation's write.
func TestReadYourWrites(t *testing.T) {
	c := getCluster(t)
	c.caughtUp(t)
	// Set at start, so it is in force before the write: a reload would
	// reach the replica's startup process at a time of its own.
	c.restartReplica(t, map[string]string{"recovery_min_apply_delay": "30s"})
	a := newAPI(t, c, replica.Options{MaxLag: time.Hour, CheckInterval: 100 * time.Millisecond}, nil)
	name := "Replica RYW " + t.Name()
	t.Cleanup(func() { exec(t, c.primaryURL(), fmt.Sprintf(`DELETE FROM customers WHERE name LIKE '%s%%'`, name)) })

	w := a.post(t, fmt.Sprintf(`mutation { createCustomer(input: {name: %q, country: "DE", segment: SMB}) { customer { id } } }`, name), nil)
	if w.Code() != "" || w.Status != http.StatusOK {
		t.Fatalf("createCustomer: %d %s %v", w.Status, w.Data, w.Errors)
	}
	pos := w.Header.Get(replica.Header)
	if _, err := replica.ParsePosition(pos); err != nil {
		t.Fatalf("the mutation's answer has %s %q: %v", replica.Header, pos, err)
	}
	primaryReads := a.set.Status()[0].Reads
	r := a.post(t, countCustomers(name), map[string]string{replica.Header: pos})
	if n := totalCount(t, r); n != 1 {
		t.Fatalf("a read with the write's position found %d customers named %q, want 1", n, name)
	}
	if got := a.set.Status()[0].Reads - primaryReads; got != 1 {
		t.Fatalf("the read with the position read from the primary %d times, want 1", got)
	}
	// Another API replica (a process of its own, sharing nothing with the
	// first but the databases) honours the position alike.
	other := newAPI(t, c, replica.Options{MaxLag: time.Hour, CheckInterval: 100 * time.Millisecond}, nil)
	r = other.post(t, countCustomers(name), map[string]string{replica.Header: pos})
	if n := totalCount(t, r); n != 1 || other.set.Status()[0].Reads != 1 {
		t.Fatalf("another API replica, sent the position, found %d customers named %q (want 1), %d reads on the primary (want 1)",
			n, name, other.set.Status()[0].Reads)
	}
	// Without the position the replica serves it, 30 seconds behind.
	r = a.post(t, countCustomers(name), nil)
	if n := totalCount(t, r); n != 0 {
		t.Fatalf("a read without the position found the new customer (%d): the replica is not delayed, the test proves nothing", n)
	}

	// In one request (a batch), a query after a mutation reads what it
	// wrote: the request's position rose with the write.
	batch := fmt.Sprintf(`[{"query": %q}, {"query": %q}]`,
		fmt.Sprintf(`mutation { createCustomer(input: {name: %q, country: "DE", segment: SMB}) { customer { id } } }`, name+" batch"),
		countCustomers(name+" batch"))
	b := httpapitest.Do(t, "POST", a.srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, batch)
	var answers []struct {
		Data struct{ Customers struct{ TotalCount int } }
	}
	if err := json.Unmarshal(b.Body, &answers); err != nil || len(answers) != 2 {
		t.Fatalf("batch: %d %s (%v)", b.Status, b.Body, err)
	}
	if n := answers[1].Data.Customers.TotalCount; n != 1 || b.Header.Get(replica.Header) == "" {
		t.Fatalf("the batch's query after its mutation found %d customers (want 1), position %q", n, b.Header.Get(replica.Header))
	}

	// A later write's position is later.
	w2 := a.post(t, fmt.Sprintf(`mutation { createCustomer(input: {name: %q, country: "DE", segment: SMB}) { customer { id } } }`, name+" 2"),
		map[string]string{replica.Header: pos})
	p1, _ := replica.ParsePosition(pos)
	p2, err := replica.ParsePosition(w2.Header.Get(replica.Header))
	if err != nil || p2 <= p1 {
		t.Fatalf("second write's position %q, first %q: want a later one", w2.Header.Get(replica.Header), pos)
	}
	// A refused write commits nothing and sends no position.
	bad := a.post(t, `mutation { createCustomer(input: {name: "x", country: "Germany", segment: SMB}) { customer { id } } }`, nil)
	if bad.Code() != "BAD_USER_INPUT" || bad.Header.Get(replica.Header) != "" {
		t.Fatalf("a refused write: code %q, %s %q; want BAD_USER_INPUT and no position", bad.Code(), replica.Header, bad.Header.Get(replica.Header))
	}
	// A position that is not one is refused before anything runs.
	bad = a.post(t, countCustomers(name), map[string]string{replica.Header: "yesterday"})
	if bad.Status != http.StatusBadRequest || bad.Code() != "BAD_REQUEST" {
		t.Fatalf("a malformed position: %d %q, want 400 BAD_REQUEST", bad.Status, bad.Code())
	}
}

// A replica further behind than MaxLag serves no reads; they go to the
// primary (and see its rows) until it has caught up.
func TestLaggingReplicaIsSkipped(t *testing.T) {
	c := getCluster(t)
	c.caughtUp(t)
	a := newAPI(t, c, replica.Options{MaxLag: time.Second, CheckInterval: 50 * time.Millisecond}, nil)
	if !a.status().InUse {
		t.Fatalf("the replica is not in use at the start: %+v", a.status())
	}
	exec(t, c.replicaURL(), `SELECT pg_wal_replay_pause()`)
	t.Cleanup(func() { exec(t, c.replicaURL(), `SELECT pg_wal_replay_resume()`) })
	name := "Replica Lag " + t.Name()
	exec(t, c.primaryURL(), fmt.Sprintf(`INSERT INTO customers (name, country, segment, status) VALUES ('%s', 'DE', 'smb', 'active')`, name))
	t.Cleanup(func() { exec(t, c.primaryURL(), fmt.Sprintf(`DELETE FROM customers WHERE name = '%s'`, name)) })

	took := waitFor(t, "the lagging replica to be taken out", func() bool { return !a.status().InUse })
	st := a.status()
	if !st.LagKnown || st.Lag <= time.Second || !strings.Contains(st.Reason, "too far behind") {
		t.Fatalf("the replica is out with %+v; want a lag over 1s, too far behind", st)
	}
	t.Logf("replica taken out %s after the write (max lag 1s)", took.Round(time.Millisecond))
	ready := httpGet(t, a.srv.URL+"/readyz")
	if !strings.Contains(ready, "replica1: out, too far behind") {
		t.Fatalf("/readyz says:\n%s", ready)
	}
	for _, line := range []string{`bizgraph_db_pool_in_use{pool="replica1"} 0`, `bizgraph_db_pool_in_use{pool="primary"} 1`,
		`bizgraph_replica_lag_seconds{pool="replica1"} `, `go_sql_open_connections{db_name="bizgraph-replica1"}`} {
		if m := a.scrape(t); !strings.Contains(m, line) {
			t.Fatalf("the metrics have no %s", line)
		}
	}
	r := a.post(t, countCustomers(name), nil)
	if n := totalCount(t, r); n != 1 {
		t.Fatalf("a read while the replica lags found %d customers named %q, want 1 (from the primary)", n, name)
	}
	exec(t, c.replicaURL(), `SELECT pg_wal_replay_resume()`)
	waitFor(t, "the replica to be in use again", func() bool { return a.status().InUse })
	if ready := httpGet(t, a.srv.URL+"/readyz"); !strings.Contains(ready, "replica1: in use, lag") {
		t.Fatalf("/readyz once caught up says:\n%s", ready)
	}
	if m := a.scrape(t); !strings.Contains(m, `bizgraph_db_pool_in_use{pool="replica1"} 1`) {
		t.Fatalf("the metrics do not say the replica is in use again")
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// The replica is stopped while clients read: no read fails (a statement
// the replica cannot answer goes to the primary), the replica is taken
// out, and once it is started again reads go back to it.
func TestStoppedReplicaUnderLoad(t *testing.T) {
	c := getCluster(t)
	c.caughtUp(t)
	a := newAPI(t, c, replica.Options{MaxLag: 5 * time.Second, CheckInterval: 100 * time.Millisecond,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond}, nil)
	if !a.status().InUse {
		t.Fatalf("the replica is not in use at the start: %+v", a.status())
	}

	const readers = 4
	var (
		done            = make(chan struct{})
		wg              sync.WaitGroup
		reads, failures atomic.Int64
		mu              sync.Mutex
		firstFailure    string
		unretryable     []string // failures a client is not told to retry
	)
	for range readers {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				r := a.post(t, `{ projects(first: 10) { nodes { name customer { name } } } }`, nil)
				reads.Add(1)
				if r.Status != http.StatusOK || r.Code() != "" {
					failures.Add(1)
					mu.Lock()
					if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" {
						unretryable = append(unretryable, fmt.Sprintf("%d %s", r.Status, r.Body))
					}
					if firstFailure == "" {
						firstFailure = fmt.Sprintf("%d %s %v", r.Status, r.Body, r.Errors)
					}
					mu.Unlock()
				}
			}
		})
	}
	stopLoad := func() { close(done); wg.Wait() }
	defer func() {
		select {
		case <-done:
		default:
			stopLoad()
		}
	}()
	waitFor(t, "reads on the replica", func() bool { return a.status().Reads > 20 })

	ctx := context.Background()
	stoppedAt := time.Now()
	if err := c.replica.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stopped replica to be taken out", func() bool { return !a.status().InUse })
	out := time.Since(stoppedAt)
	primaryBefore := a.set.Status()[0].Reads
	waitFor(t, "reads on the primary", func() bool { return a.set.Status()[0].Reads > primaryBefore+20 })

	var err error
	startedAt := time.Now()
	if c.replica, err = pgembed.Start(ctx, c.replicaCfg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica back in use", func() bool { return a.status().InUse })
	back := time.Since(startedAt)
	replicaBefore := a.status().Reads
	waitFor(t, "reads on the replica again", func() bool { return a.status().Reads > replicaBefore+20 })
	stopLoad()

	t.Logf("%d reads by %d clients; %d failed; replica out %s after its stop, back in use %s after its start",
		reads.Load(), readers, failures.Load(), out.Round(time.Millisecond), back.Round(time.Millisecond))
	// A statement the replica was running when it stopped fails with its
	// connection, at most one per client; every later one goes to the
	// primary.
	if len(unretryable) > 0 {
		t.Fatalf("reads failed with other than 503 UNAVAILABLE (retry): %v", unretryable)
	}
	if failures.Load() > readers {
		t.Fatalf("%d of %d reads failed while the replica stopped and came back, more than the %d in flight; first: %s",
			failures.Load(), reads.Load(), readers, firstFailure)
	}
}
