package httpapi_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/service"
)

const customersQuery = `{"query":"{ customers(first: 1) { nodes { name } } }"}`

var jsonHeader = map[string]string{"Content-Type": "application/json"}

// A request that runs past its deadline is answered 504 TIMEOUT, not left
// hanging, and its statement no longer runs in PostgreSQL.
func TestRequestTimeout_AnswersTimeoutAndStopsTheStatement(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{RequestTimeout: 500 * time.Millisecond})
	lockCustomers(t)

	began := time.Now()
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery)
	took := time.Since(began)
	if r.Status != http.StatusGatewayTimeout || r.Code() != "TIMEOUT" || r.Errors[0].Extensions["requestId"] == "" {
		t.Fatalf("got %d %q %+v, want 504 TIMEOUT with a request id", r.Status, r.Code(), r.Errors)
	}
	if took > 5*time.Second {
		t.Fatalf("answered after %s; the deadline is 500ms", took)
	}
	if strings.Contains(string(r.Body), "cancel") || strings.Contains(string(r.Body), "SELECT") {
		t.Fatalf("the response shows the database's own words: %s", r.Body)
	}
	waitNoStatementOnCustomers(t)
}

// A client that goes away cancels its statements in PostgreSQL: the query
// waiting on the lock is gone from pg_stat_activity soon after, long
// before the request's deadline. The connection survives the cancellation
// (no reconnect per abandoned request).
func TestClientDisconnect_CancelsItsStatementInPostgreSQL(t *testing.T) {
	// The pool has a name of its own: a backend of an earlier test's pool,
	// closed but not yet gone from pg_stat_activity, is not this one's.
	const app = "bizgraph-disconnect-test"
	srv, _ := httpapitest.NewServerWith(t, service.Config{RequestTimeout: time.Minute},
		database.Options{MaxOpenConns: 1, ApplicationName: app})
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery); r.Status != 200 {
		t.Fatalf("first request: %d %+v", r.Status, r.Errors)
	}
	before := backendPIDs(t, app)
	tx := lockCustomers(t)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/graphql", strings.NewReader(customersQuery))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	eventually(t, 10*time.Second, "the statement to wait on the lock", func() bool { return statementsOnCustomers(t) == 1 })
	cancel()
	<-done
	waitNoStatementOnCustomers(t)

	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery); r.Status != 200 {
		t.Fatalf("after the cancelled request: %d %+v", r.Status, r.Errors)
	}
	if after := backendPIDs(t, app); len(before) != 1 || len(after) != 1 || before[0] != after[0] {
		t.Fatalf("backends of the pool: %v before the cancellation, %v after; want the same one", before, after)
	}
}

// backendPIDs lists the PostgreSQL backends of the connections named app
// to the package's database.
func backendPIDs(t *testing.T, app string) []int32 {
	t.Helper()
	ctx := context.Background()
	c := httpapitest.Conn(t)
	rows, err := c.Query(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1 ORDER BY pid`, app)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// With every connection busy, a request waits at most the acquire timeout
// for one and is told to come back (503 OVERLOADED, Retry-After), instead
// of queueing until its deadline; the busy request finishes normally.
func TestPoolExhausted_IsOverloadedAndRetryable(t *testing.T) {
	srv, _ := httpapitest.NewServerWith(t, service.Config{RequestTimeout: time.Minute},
		database.Options{MaxOpenConns: 1, AcquireTimeout: 200 * time.Millisecond})
	tx := lockCustomers(t)

	slow := make(chan httpapitest.Reply, 1)
	go func() { slow <- httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery) }()
	eventually(t, 10*time.Second, "the statement to wait on the lock", func() bool { return statementsOnCustomers(t) == 1 })

	began := time.Now()
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, `{"query":"{ departments(first: 1) { nodes { name } } }"}`)
	if r.Status != http.StatusServiceUnavailable || r.Code() != "OVERLOADED" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %q (Retry-After %q), want 503 OVERLOADED with Retry-After", r.Status, r.Code(), r.Header.Get("Retry-After"))
	}
	if waited := time.Since(began); waited > 5*time.Second {
		t.Fatalf("refused after %s, want about the acquire timeout of 200ms", waited)
	}
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	if first := <-slow; first.Status != 200 || len(first.Errors) > 0 {
		t.Fatalf("the request holding the connection: %d %+v, want 200 with data", first.Status, first.Errors)
	}
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery); r.Status != 200 {
		t.Fatalf("after the slow request: %d %+v", r.Status, r.Errors)
	}
}

// The pool sets PostgreSQL's statement_timeout, so the server itself stops
// a statement that outlives its request even if the client's cancel
// request never arrives.
func TestStatementTimeout_IsSetOnEveryConnection(t *testing.T) {
	db, err := database.Open(context.Background(), httpapitest.URL(), database.Options{StatementTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got string
	if err := db.Raw("SHOW statement_timeout").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if got != "1500ms" {
		t.Fatalf("statement_timeout = %q, want 1500ms", got)
	}
	err = db.Exec("SELECT pg_sleep(5)").Error
	if f := database.Fault(err); f == nil || f.Code != "TIMEOUT" {
		t.Fatalf("a statement past statement_timeout: %v, want a TIMEOUT fault", err)
	}
}

// lockCustomers makes reading customers wait on the database.
func lockCustomers(t *testing.T) pgx.Tx {
	return httpapitest.LockTable(t, httpapitest.URL(), "customers")
}

// statementsOnCustomers counts the API's statements reading customers that
// PostgreSQL is running now in the package's database.
func statementsOnCustomers(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	c := httpapitest.Conn(t)
	var n int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name LIKE 'bizgraph%'
		AND state = 'active' AND query LIKE '%FROM customers%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitNoStatementOnCustomers(t *testing.T) {
	t.Helper()
	eventually(t, 10*time.Second, "no statement on customers to run in PostgreSQL", func() bool { return statementsOnCustomers(t) == 0 })
}

// eventually polls cond until it holds, failing the test after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A database that takes connections but never answers (a hung server, a
// black-holed network) is UNAVAILABLE after the acquire timeout, not a
// request hanging until its deadline, and not mistaken for a busy pool.
func TestSilentDatabase_IsUnavailableAfterTheAcquireTimeout(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() }) // held open, never answered
		}
	}()
	db, err := database.New("postgres://postgres@"+silent.Addr().String()+"/none?sslmode=disable",
		database.Options{AcquireTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(service.New(service.Config{Auth: httpapitest.Authenticator(t, db, httpapitest.Admin), DB: db, PageLimits: page.DefaultLimits,
		Log: slog.New(slog.DiscardHandler), RequestTimeout: time.Minute}))
	defer srv.Close()

	began := time.Now()
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery)
	if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %q (Retry-After %q), want 503 UNAVAILABLE with Retry-After", r.Status, r.Code(), r.Header.Get("Retry-After"))
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("answered after %s, want about the acquire timeout of 300ms", took)
	}
}

// An API key is looked up in the database before admission (one indexed
// statement, on the pool like any other). With every connection busy, a
// request with a key, real or made up, is told to come back (503
// OVERLOADED with Retry-After) after the acquire timeout, as any request
// that finds the pool full is, not answered as an internal error.
func TestPoolExhausted_APIKeyLookupIsOverloaded(t *testing.T) {
	srv, _ := httpapitest.NewServerWith(t, service.Config{RequestTimeout: time.Minute},
		database.Options{MaxOpenConns: 1, AcquireTimeout: 200 * time.Millisecond})
	tx := lockCustomers(t)
	defer func() { _ = tx.Rollback(context.Background()) }()

	slow := make(chan httpapitest.Reply, 1)
	go func() { slow <- httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery) }()
	eventually(t, 10*time.Second, "the statement to wait on the lock", func() bool { return statementsOnCustomers(t) == 1 })

	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + auth.KeyPrefix + "made-up-key-of-a-flood"}, customersQuery)
	if r.Status != http.StatusServiceUnavailable || r.Code() != "OVERLOADED" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %q (Retry-After %q): %s; want 503 OVERLOADED with Retry-After", r.Status, r.Code(), r.Header.Get("Retry-After"), r.Body)
	}
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	if first := <-slow; first.Status != 200 {
		t.Fatalf("the request holding the connection: %d %+v", first.Status, first.Errors)
	}
}
