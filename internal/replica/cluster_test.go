package replica_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/pgembed"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/seed"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

// The tests run against a real streaming replica: a throwaway primary of
// the package's own (the shared test server cannot be copied whole, and a
// replica's settings must be the test's to change), migrated and seeded at
// the demo scale, and a replica made from it with pg_basebackup -R, both
// with the machine's PostgreSQL binaries (internal/pgembed, which runs them
// as the postgres account when the tests run as root).

type cluster struct {
	primary, replica *pgembed.Server
	replicaCfg       pgembed.Config
	db               string // the database's name on both
	err              error
}

var (
	clusterOnce sync.Once
	shared      cluster
)

func TestMain(m *testing.M) {
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, s := range []*pgembed.Server{shared.replica, shared.primary} {
		if s != nil {
			_ = s.Stop(ctx)
		}
	}
	if shared.replicaCfg.DataDir != "" {
		_ = os.RemoveAll(filepath.Dir(shared.replicaCfg.DataDir))
	}
	os.Exit(code)
}

// getCluster starts the primary and its replica on first use. It skips the
// test only when this machine has no PostgreSQL binaries with
// pg_basebackup; any other failure fails it.
func getCluster(t *testing.T) *cluster {
	t.Helper()
	bin, err := pgembed.FindBinaries(os.Getenv("PG_BIN_DIR"))
	if err != nil {
		t.Skipf("no PostgreSQL binaries on this machine (install postgresql or set PG_BIN_DIR): %v", err)
	}
	if _, err := os.Stat(filepath.Join(bin, "pg_basebackup")); err != nil {
		t.Skipf("no pg_basebackup beside the PostgreSQL binaries in %s: a streaming replica cannot be made", bin)
	}
	clusterOnce.Do(func() { shared.err = shared.start(bin) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return &shared
}

func (c *cluster) start(bin string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "bizgraph-replica-test-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil { // the postgres account must get through
		return err
	}
	c.replicaCfg.DataDir = filepath.Join(dir, "replica") // for the clean-up, whatever happens next
	// Commits wait for their log to be flushed, as by PostgreSQL's
	// default (Ephemeral turns that off): a test waits for the replica to
	// replay the flushed log and expects every commit in it.
	c.primary, err = pgembed.Start(ctx, pgembed.Config{DataDir: filepath.Join(dir, "primary"), BinDir: bin, Ephemeral: true,
		Settings: map[string]string{"synchronous_commit": "on"}})
	if err != nil {
		return fmt.Errorf("start the primary: %w", err)
	}
	url, _, err := testdb.Create(ctx, c.primary.URL("postgres"))
	if err != nil {
		return fmt.Errorf("create the database: %w", err)
	}
	if _, err := seed.Run(ctx, url, seed.Options{Scale: 0.01, Seed: 1}); err != nil {
		return fmt.Errorf("seed the database: %w", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	c.db = cfg.Database
	// A fixed port, so the replica comes back where its pool looks for it
	// when a test restarts it.
	c.replicaCfg = pgembed.Config{DataDir: filepath.Join(dir, "replica"), BinDir: bin, Ephemeral: true,
		ReplicaOf: c.primary.URL("postgres"), Port: freePort()}
	if c.replica, err = pgembed.Start(ctx, c.replicaCfg); err != nil {
		return fmt.Errorf("start the replica: %w", err)
	}
	return nil
}

// restartReplica stops the replica and starts it again with settings (nil:
// none), for the rest of the test; it runs as before afterwards.
func (c *cluster) restartReplica(t *testing.T, settings map[string]string) {
	t.Helper()
	ctx := context.Background()
	restart := func(settings map[string]string) {
		if err := c.replica.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		cfg := c.replicaCfg
		cfg.Settings = settings
		var err error
		if c.replica, err = pgembed.Start(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	restart(settings)
	t.Cleanup(func() { restart(nil); c.caughtUp(t) })
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *cluster) primaryURL() string { return c.primary.URL(c.db) }
func (c *cluster) replicaURL() string { return c.replica.URL(c.db) }

// connect opens a session on a server's database as its superuser; close
// it.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// exec runs statements on a server's database.
func exec(t *testing.T, url string, sql ...string) {
	t.Helper()
	conn := connect(t, url)
	defer conn.Close(context.Background())
	for _, s := range sql {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// value reads one value from a server's database.
func value[T any](t *testing.T, url, sql string, args ...any) T {
	t.Helper()
	conn := connect(t, url)
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// caughtUp waits until the replica has replayed everything the primary has
// written so far.
func (c *cluster) caughtUp(t *testing.T) {
	t.Helper()
	target := value[string](t, c.primaryURL(), `SELECT pg_current_wal_flush_lsn()::text`)
	waitFor(t, "the replica to replay up to "+target, func() bool {
		return value[bool](t, c.replicaURL(), `SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn`, target)
	})
}

// waitFor polls cond until it holds, failing the test after a minute.
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

// api serves the API over the cluster: the primary's pool and a Set with
// the replica, checked with opts, and the policy pol (nil: without audit).
type api struct {
	srv      *httptest.Server
	metrics  *metrics.Metrics
	set      *replica.Set
	primary  *database.DB
	replicas map[string]*database.DB
}

func newAPI(t *testing.T, c *cluster, opts replica.Options, pol *policy.Policy) *api {
	t.Helper()
	ctx := context.Background()
	primary, err := database.Open(ctx, c.primaryURL(), database.Options{MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	opts.Log = log
	set, err := replica.Open(primary, []string{c.replicaURL()}, database.Options{MaxOpenConns: 8}, opts)
	if err != nil {
		t.Fatal(err)
	}
	stop := set.Start(ctx)
	m := metrics.New()
	srv := httptest.NewServer(service.New(service.Config{DB: primary, Replicas: set, Log: log, Metrics: m,
		PageLimits: page.Limits{Default: 20, Max: 100}, Policy: pol, Limits: limits.Config{Batch: 2},
		Auth: httpapitest.Authenticator(t, primary, httpapitest.Admin)}))
	t.Cleanup(func() {
		srv.Close()
		stop()
		_ = set.Close()
		_ = primary.Close()
	})
	return &api{srv: srv, metrics: m, set: set, primary: primary, replicas: set.Pools()}
}

// post sends a GraphQL request with the given extra headers.
func (a *api) post(t *testing.T, query string, header map[string]string) httpapitest.Reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	body := fmt.Sprintf(`{"query": %q}`, query)
	return httpapitest.Do(t, "POST", a.srv.URL+"/graphql", h, body)
}

// status is the replica's line of the Set's status.
func (a *api) status() replica.PoolStatus { return a.set.Status()[1] }

// scrape is the API's metrics in Prometheus' text format.
func (a *api) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	a.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}
