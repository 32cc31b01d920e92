package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/seed"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// The database restarts while clients keep the API busy: requests in
// flight and those sent while it is down fail cleanly (503 UNAVAILABLE
// with Retry-After, never an internal error, never past their deadline),
// /readyz says not ready while /healthz stays live, and once PostgreSQL is
// back the same service answers again without being restarted.
func TestDatabaseRestart_FailsCleanlyAndRecoversWithoutRestartingTheService(t *testing.T) {
	const deadline = 2 * time.Second
	ctx := context.Background()
	pg, cfg, _, db := restartableDatabase(t, "bizgraph-restart-", deadline)
	srv := httptest.NewServer(service.New(service.Config{Auth: httpapitest.Authenticator(t, db, httpapitest.Admin), DB: db, PageLimits: page.Limits{Default: 20, Max: 100},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RequestTimeout: deadline}))
	t.Cleanup(srv.Close)

	// Load: four clients sending a two-level page without pause.
	const (
		up = iota
		down
		back
	)
	var phase atomic.Int32
	// A request's phase is the one it began in; ended is the one it was
	// answered in (a request in flight at the stop began "up").
	type outcome struct {
		phase  int32
		ended  int32
		status int
		code   string
		took   time.Duration
		body   string
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	count := func(p int32, ok bool) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, o := range outcomes {
			if o.phase == p && (o.status == 200) == ok {
				n++
			}
		}
		return n
	}
	const q = `{"query":"query Page { customers(first: 5) { nodes { name projects(first: 2) { nodes { name } } } } }"}`
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := phase.Load()
				began := time.Now()
				r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, q)
				o := outcome{phase: p, ended: phase.Load(), status: r.Status, code: r.Code(), took: time.Since(began), body: string(r.Body)}
				if r.Status == 200 && len(r.Errors) > 0 {
					o.status = -1 // errors in a 200: not a clean failure either
				}
				if r.Status == http.StatusServiceUnavailable && r.Header.Get("Retry-After") == "" {
					o.code += " without Retry-After"
				}
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	eventually(t, 30*time.Second, "answers before the restart", func() bool { return count(up, true) >= 20 })
	phase.Store(down)
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "failures while the database is down", func() bool { return count(down, false) >= 20 })
	if r := httpapitest.Do(t, "GET", srv.URL+"/readyz", nil, ""); r.Status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down: %d, want 503", r.Status)
	}
	if r := httpapitest.Do(t, "GET", srv.URL+"/healthz", nil, ""); r.Status != http.StatusOK {
		t.Errorf("/healthz while the database is down: %d, want 200", r.Status)
	}

	var err error
	if pg, err = pgembed.Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	phase.Store(back)
	eventually(t, 30*time.Second, "answers after the restart", func() bool { return count(back, true) >= 20 })
	if r := httpapitest.Do(t, "GET", srv.URL+"/readyz", nil, ""); r.Status != http.StatusOK {
		t.Errorf("/readyz after the restart: %d, want 200", r.Status)
	}
	close(stop)
	wg.Wait()
	stop = make(chan struct{})

	recovered := false
	counts := map[string]int{}
	for _, o := range outcomes {
		if o.took > deadline+time.Second {
			t.Errorf("a request in phase %d took %s, past its deadline of %s (%d %s)", o.phase, o.took, deadline, o.status, o.code)
		}
		switch {
		case o.status == 200:
			if o.phase == back {
				recovered = true
			}
			counts["200"]++
			continue
		case o.ended == up:
			t.Errorf("before the restart: %d %s %s", o.status, o.code, o.body)
		case o.phase == back && recovered:
			t.Errorf("after the service had recovered: %d %s %s", o.status, o.code, o.body)
		case o.status != http.StatusServiceUnavailable || o.code != "UNAVAILABLE":
			t.Errorf("a failure that is not 503 UNAVAILABLE with Retry-After: %d %q %s", o.status, o.code, o.body)
		case bytes.Contains([]byte(o.body), []byte("SQLSTATE")) || strings.Contains(o.body, "dial"):
			t.Errorf("a failure shows the driver's words: %s", o.body)
		}
		counts[o.code]++
	}
	t.Logf("outcomes: %v", counts)
}

// restartableDatabase starts a PostgreSQL of the test's own (a restart
// must not reach the shared server other tests use), with a seeded
// database and a pool of four on it: the test stops and starts pg with
// cfg to restart it.
func restartableDatabase(t *testing.T, dirPrefix string, statementTimeout time.Duration) (pg *pgembed.Server, cfg pgembed.Config, url string, db *database.DB) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cfg = pgembed.Config{DataDir: dir, Port: httpapitest.FreePort(t), Ephemeral: true}
	if pg, err = pgembed.Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop(context.Background()) })
	if url, _, err = testdb.Create(ctx, pg.URL("postgres")); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, url, seed.Options{Scale: 0.002, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if db, err = database.New(url, database.Options{MaxOpenConns: 4, StatementTimeout: statementTimeout}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return pg, cfg, url, db
}
