package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/migrate"
	"github.com/bizgraph/bizgraph/internal/pgembed"
)

// Started while its database is down, the service stays up: /healthz
// answers, /readyz and GraphQL say the database is unavailable (503), and
// it keeps trying, so when PostgreSQL comes up it becomes ready on its own.
// Then SIGTERM lets the request in flight finish before the process exits.
func TestServe_DatabaseDownAtStartThenUpThenGracefulStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	port := httpapitest.FreePort(t)
	dbURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/bizgraph?sslmode=disable", port)

	addr := freeAddr(t)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "BIZGRAPH_MAIN=1", "ADDR="+addr, "DATABASE_URL="+dbURL, "LOG_FORMAT=json",
		"JWT_SECRET="+httpapitest.Secret, "JWT_ISSUER="+httpapitest.JWT.Issuer, "JWT_AUDIENCE="+httpapitest.JWT.Audience,
		"PERSISTED_QUERIES=automatic") // it sends text
	token = httpapitest.Token(t, 0, auth.Viewer) // a JWT needs no database to check
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	p := &watched{log: logFile.Name(), done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	get := func(path string) int {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitFor(t, p, "/healthz to answer", func() bool { return get("/healthz") == 200 })
	if s := get("/readyz"); s != http.StatusServiceUnavailable {
		t.Fatalf("/readyz with the database down: %d, want 503", s)
	}
	if s, body := post(t, addr, `{"query":"{ customers(first: 1) { nodes { name } } }"}`); s != 503 || !strings.Contains(body, `"UNAVAILABLE"`) {
		t.Fatalf("a query with the database down: %d %s, want 503 UNAVAILABLE", s, body)
	}
	waitFor(t, p, "a second failed attempt in the log", func() bool {
		return strings.Contains(p.logText(), `"attempt":2`)
	})

	// The database comes up.
	dir, err := os.MkdirTemp("", "bizgraph-down-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pg, err := pgembed.Start(context.Background(), pgembed.Config{DataDir: filepath.Join(dir), Port: port, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	if _, err := pg.CreateDatabase(context.Background(), "bizgraph"); err != nil {
		t.Fatal(err)
	}
	m, err := migrate.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.Close()
	waitFor(t, p, "/readyz once the database is up", func() bool { return get("/readyz") == 200 })
	if s, body := post(t, addr, `{"query":"{ customers(first: 1) { nodes { name } } }"}`); s != 200 || strings.Contains(body, `"errors"`) {
		t.Fatalf("a query once the database is up: %d %s", s, body)
	}

	// SIGTERM with a request in flight (waiting on a lock): it finishes
	// with its answer, then the process exits cleanly.
	ctx := context.Background()
	tx := httpapitest.LockTable(t, dbURL, "customers")
	inFlight := make(chan int, 1)
	go func() {
		s, _ := post(t, addr, `{"query":"{ customers(first: 1) { nodes { name } } }"}`)
		inFlight <- s
	}()
	// Polled from a session of its own: inside the locker's transaction
	// pg_stat_activity would not change.
	watcher, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close(ctx)
	waitFor(t, p, "the request to wait on the lock", func() bool {
		var n int
		_ = watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bizgraph'
			AND state = 'active' AND query LIKE '%FROM customers%'`).Scan(&n)
		return n == 1
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "the drain to begin", func() bool { return strings.Contains(p.logText(), "shutting down") })
	select {
	case err := <-p.done:
		t.Fatalf("exited with a request in flight: %v\n%s", err, p.logText())
	default:
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if s := <-inFlight; s != 200 {
		t.Fatalf("the request in flight at SIGTERM: %d, want 200", s)
	}
	awaitExit(t, p.done, p.logText, "SIGTERM")
	for _, step := range []string{`"phase":"drain"`, `"phase":"release"`} {
		if !strings.Contains(p.logText(), step) {
			t.Errorf("the log does not show the %s step:\n%s", step, p.logText())
		}
	}
}

// token authenticates post's requests (a server on DATABASE_URL refuses
// anonymous ones).
var token string

func post(t *testing.T, addr, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/graphql", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST /graphql: %v", err)
		return 0, ""
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return res.StatusCode, b.String()
}

// watched is a running program whose log file is read while it writes.
type watched struct {
	log  string
	done chan error
}

func (w *watched) logText() string {
	b, _ := os.ReadFile(w.log)
	return string(b)
}

// awaitExit waits up to a minute for a clean exit after signal.
func awaitExit(t *testing.T, done <-chan error, log func() string, signal string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after %s: %v\n%s", signal, err, log())
		}
	case <-time.After(time.Minute):
		t.Fatalf("did not stop within a minute of %s:\n%s", signal, log())
	}
}

// waitFor polls cond for up to a minute, failing with the program's log.
func waitFor(t *testing.T, p *watched, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		select {
		case err := <-p.done:
			t.Fatalf("the program exited while waiting for %s: %v\n%s", what, err, p.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s:\n%s", what, p.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
