package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/pgembed"
)

// Scale 1's volumes (../shared/DOMAIN.md) that the workloads rely on: the
// deep page is the 2,000th page of 50 projects.
const (
	scaleOneCustomers = 20_000
	scaleOneProjects  = 100_000
)

// benchDatabase is the database's name on the benchmark's own server.
const benchDatabase = "bizgraph_bench"

// dbInfo describes the benchmark database for the report.
type dbInfo struct {
	Name      string `json:"name"`
	Server    string `json:"server"`     // host:port, no credentials
	Own       bool   `json:"own_server"` // the benchmark's own PostgreSQL, started for this run
	Version   string `json:"version"`
	Customers int64  `json:"customers"`
	Projects  int64  `json:"projects"`
	Created   bool   `json:"created"` // this run seeded the template
	// Template is the seeded database each run copies the benchmark
	// database from; CopySeconds how long the copy took.
	Template    string  `json:"template"`
	CopySeconds float64 `json:"copy_seconds"`
	// Counter is where statements are counted: counterStatements or
	// counterTransactions; CounterNote why the latter, when it is.
	Counter     string `json:"statement_counter"`
	CounterNote string `json:"statement_counter_note,omitempty"`
}

// The two ways statementsReader counts.
const (
	counterStatements   = "pg_stat_statements"
	counterTransactions = "pg_stat_database transactions"
)

// startPostgres runs the benchmark's own PostgreSQL on dataDir (created on
// first use and kept, so the seeded database is reused), with
// pg_stat_statements preloaded where the binaries have it: only it counts
// the statements clients send, whereas every parallel worker of a query
// is a transaction of its own in pg_stat_database.
func startPostgres(ctx context.Context, dataDir string) (*pgembed.Server, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("--pg-data-dir: %w", err)
	}
	bin, err := pgembed.FindBinaries("")
	if err != nil {
		return nil, err
	}
	settings := map[string]string{}
	if pgembed.HasLibrary(bin, "pg_stat_statements") {
		settings["shared_preload_libraries"] = "pg_stat_statements"
		settings["pg_stat_statements.track"] = "top"
	}
	log.Printf("starting the benchmark's PostgreSQL (%s) in %s", bin, dir)
	srv, err := pgembed.Start(ctx, pgembed.Config{DataDir: dir, BinDir: bin, Settings: settings})
	if err != nil {
		return nil, fmt.Errorf("start the benchmark's PostgreSQL: %w", err)
	}
	return srv, nil
}

func stopPostgres(srv *pgembed.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		log.Printf("stop the benchmark's PostgreSQL: %v", err)
	}
}

// adminURL is dbURL with the maintenance database instead: the statistics
// are read from there, so that reading them adds no transaction to the
// benchmark database.
func adminURL(dbURL string) (admin, name, server string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", "", "", fmt.Errorf("parse database url: %w", err)
	}
	name = strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", "", "", fmt.Errorf("database url %s names no database", u.Redacted())
	}
	u.Path = "/postgres"
	return u.String(), name, u.Host, nil
}

// The seeded data the workloads rely on: `bizgraph seed --scale 1 --seed 1`.
var seedArgs = []string{"seed", "--scale", "1", "--seed", "1"}

// seedFingerprint names what a seeding would write: its arguments and the
// source of the seed program (internal/seed, which imports nothing else of
// the project). The template carries it as its comment, so that a change
// to the generator seeds it again while anything else reuses it.
func seedFingerprint() (string, error) {
	files, err := filepath.Glob(filepath.Join("internal", "seed", "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("find the seed program's source in internal/seed: %v", err)
	}
	slices.Sort(files)
	h := sha256.New()
	fmt.Fprintln(h, strings.Join(seedArgs, " "))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	return "bizgraph bench seed " + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// copyMark is the comment of a database the benchmark copied from its
// template: only such a database is dropped by the next run (or any on the
// benchmark's own server).
const copyMark = "bizgraph bench copy of "

// ensureDatabase gives the run a fresh copy of the seeded scale-1 data at
// dbURL. The data is seeded once into a template database beside it
// (<name>_template, marked with the seed's fingerprint) and copied from it
// at every run, a file copy of seconds rather than six minutes of seeding:
// so every run starts from the same rows, whatever the last run's writes
// changed, and a change to the seed program seeds the template again.
func ensureDatabase(ctx context.Context, dbURL, bin string, own bool) (dbInfo, error) {
	admin, name, server, err := adminURL(dbURL)
	info := dbInfo{Name: name, Server: server, Template: name + "_template"}
	if err != nil {
		return info, err
	}
	fp, err := seedFingerprint()
	if err != nil {
		return info, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return info, fmt.Errorf("connect to the server's postgres database: %w", err)
	}
	defer conn.Close(ctx)
	var versionNum int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version'), current_setting('server_version_num')::int").
		Scan(&info.Version, &versionNum); err != nil {
		return info, fmt.Errorf("read the server's version: %w", err)
	}
	templateURL, err := withDatabase(dbURL, info.Template)
	if err != nil {
		return info, err
	}
	mark, found, err := comment(ctx, conn, info.Template)
	if err != nil {
		return info, err
	}
	if !found || mark != fp {
		log.Printf("seeding the template %s at scale 1 (about six minutes, once per change to internal/seed)", info.Template)
		if err := seedTemplate(ctx, conn, bin, info.Template, templateURL, fp); err != nil {
			return info, err
		}
		info.Created = true
	} else if err := runProject(ctx, bin, templateURL, "migrate", "up"); err != nil {
		// A no-op when up to date; a new migration is applied to the
		// template once rather than to every copy.
		return info, err
	}

	mark, found, err = comment(ctx, conn, name)
	if err != nil {
		return info, err
	}
	if found {
		if !own && !strings.HasPrefix(mark, copyMark) {
			return info, fmt.Errorf("database %s exists and is not a copy the benchmark made (its comment is %q): "+
				"point BENCH_DATABASE_URL at a database name of its own; the benchmark drops and copies it at every run", name, mark)
		}
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return info, fmt.Errorf("drop the last run's copy %s: %w", name, err)
		}
	}
	started := time.Now()
	create := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{info.Template}.Sanitize()
	if versionNum >= 150000 {
		// WAL_LOG, 15's default, writes every page of a large database
		// through the WAL; a file copy is several times faster here.
		create += " STRATEGY FILE_COPY"
	}
	if _, err := conn.Exec(ctx, create); err != nil {
		return info, fmt.Errorf("copy %s from %s: %w", name, info.Template, err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{name}.Sanitize()+" IS "+quote(copyMark+info.Template+", "+fp)); err != nil {
		return info, fmt.Errorf("mark %s: %w", name, err)
	}
	info.CopySeconds = time.Since(started).Seconds()
	log.Printf("copied %s from %s in %.1fs", name, info.Template, info.CopySeconds)

	if info.Customers, info.Projects, err = counts(ctx, dbURL); err != nil {
		return info, err
	}
	if info.Customers != scaleOneCustomers || info.Projects != scaleOneProjects {
		return info, fmt.Errorf("database %s holds %d customers and %d projects, not scale 1's %d and %d",
			name, info.Customers, info.Projects, scaleOneCustomers, scaleOneProjects)
	}
	return info, nil
}

// seedTemplate (re)creates the template database, migrates and seeds it,
// vacuums it, and marks it with the seed's fingerprint, last: a seeding
// that did not finish leaves no mark and is done again by the next run.
func seedTemplate(ctx context.Context, conn *pgx.Conn, bin, template, templateURL, fp string) error {
	ident := pgx.Identifier{template}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident); err != nil {
		return fmt.Errorf("drop the stale template %s: %w", template, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("create the template %s: %w", template, err)
	}
	if err := runProject(ctx, bin, templateURL, "migrate", "up"); err != nil {
		return err
	}
	if err := runProject(ctx, bin, templateURL, seedArgs...); err != nil {
		return err
	}
	// Otherwise autovacuum visits every new table during the first cells,
	// competing with them, and only after it do index-only scans read no
	// heap: vacuum now, as a database long in use is. The copies inherit
	// the visibility maps and the statistics.
	log.Printf("vacuuming %s", template)
	if err := vacuum(ctx, templateURL); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident+" IS "+quote(fp)); err != nil {
		return fmt.Errorf("mark the template %s: %w", template, err)
	}
	return nil
}

// comment is a database's comment, and whether the database exists.
func comment(ctx context.Context, conn *pgx.Conn, name string) (string, bool, error) {
	var c *string
	err := conn.QueryRow(ctx, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("look for database %s: %w", name, err)
	}
	if c == nil {
		return "", true, nil
	}
	return *c, true, nil
}

// quote is s as an SQL string literal (COMMENT takes no parameter).
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// withDatabase is dbURL naming another database.
func withDatabase(dbURL, name string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func counts(ctx context.Context, dbURL string) (customers, projects int64, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, fmt.Errorf("connect to the benchmark database: %w", err)
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM projects)").
		Scan(&customers, &projects)
	if err != nil {
		return 0, 0, fmt.Errorf("count rows: %w", err)
	}
	return customers, projects, nil
}

func vacuum(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to the benchmark database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// runProject runs a command of the project's binary on dbURL.
func runProject(ctx context.Context, bin, dbURL string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bizgraph %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// statsReader reads the benchmark database's activity as PostgreSQL counts
// it. Statements are pg_stat_statements' calls of top-level statements in
// the database, where the server has the module loaded. Elsewhere they are
// transactions: each statement sent outside a transaction block is one,
// but so is each parallel worker a query launches, so a plan with a
// Gather counts more than was sent.
type statsReader struct {
	conn    *pgx.Conn // to the maintenance database, not the benchmark one
	db      string
	ours    []string // application names of the servers under test
	counter string   // counterStatements or counterTransactions
	why     string   // why not counterStatements
	// postmaster is the database server's process where it runs on this
	// machine (its CPU is read per cell), else 0.
	postmaster int
}

// background are the statements the API server runs apart from its
// requests, on connections of its own, which the count leaves out (LIKE
// patterns of pg_stat_statements' text). Each is batched or woken by a
// timer, so that its share of a request depends on the load, not on the
// request: no bar could hold it.
var background = []struct{ like, whose string }{
	// sqlc names each of River's statements in a leading comment, which
	// no statement of the project's has.
	{`-- name: %`, "River, the webhook deliverer's job queue: it polls its queues ten times a second"},
	{`copy "audit_events"%`, "the audit of sensitive reads (internal/audit): copied in batches, one per request when idle"},
	{`%FROM events WHERE id > $1 ORDER BY id LIMIT $2`, "the live updates' feed (internal/live): reads the new events when a write's notification wakes it"},
	{`SELECT coalesce(array_agg(virtualtransaction)%`, "the live updates' feed: which transactions may still append events"},
}

func backgroundStatements() []string {
	out := make([]string, len(background))
	for i, b := range background {
		out[i] = b.like
	}
	return out
}

// dbStats is one reading.
type dbStats struct {
	Statements int64 // as counter counts them
	Evictions  int64 // pg_stat_statements entries dropped for room, ever
	Sessions   int64 // sessions ever opened to the database
}

func newStatsReader(ctx context.Context, dbURL string, ours ...string) (*statsReader, error) {
	admin, name, _, err := adminURL(dbURL)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect for statistics: %w", err)
	}
	s := &statsReader{conn: conn, db: name, ours: ours, counter: counterTransactions}
	s.why, err = s.useStatements(ctx)
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	if s.why == "" {
		s.counter = counterStatements
	}
	var backend int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err == nil {
		s.postmaster = postmasterOf(backend)
	}
	return s, nil
}

// useStatements makes pg_stat_statements readable in the maintenance
// database where the server preloads it, or says why it cannot.
func (s *statsReader) useStatements(ctx context.Context) (why string, err error) {
	var preload string
	if err := s.conn.QueryRow(ctx, "SELECT current_setting('shared_preload_libraries')").Scan(&preload); err != nil {
		return "", fmt.Errorf("read shared_preload_libraries: %w", err)
	}
	loaded := false
	for _, lib := range strings.Split(preload, ",") {
		loaded = loaded || strings.Trim(strings.TrimSpace(lib), `"`) == "pg_stat_statements"
	}
	if !loaded {
		return "the server does not preload pg_stat_statements, so parallel workers count as statements too", nil
	}
	if _, err := s.conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		return fmt.Sprintf("CREATE EXTENSION pg_stat_statements in the postgres database failed (%v), so parallel workers count as statements too", err), nil
	}
	return "", nil
}

func (s *statsReader) Close() { _ = s.conn.Close(context.Background()) }

func (s *statsReader) read(ctx context.Context) (dbStats, error) {
	var st dbStats
	err := s.conn.QueryRow(ctx, `SELECT xact_commit + xact_rollback, sessions
		FROM pg_stat_database WHERE datname = $1`, s.db).Scan(&st.Statements, &st.Sessions)
	if err != nil {
		return st, fmt.Errorf("read pg_stat_database: %w", err)
	}
	if s.counter != counterStatements {
		return st, nil
	}
	err = s.conn.QueryRow(ctx, `SELECT
		  (SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements(true) s
		   JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND NOT s.query LIKE ANY ($2)),
		  (SELECT dealloc FROM pg_stat_statements_info)`, s.db, backgroundStatements()).Scan(&st.Statements, &st.Evictions)
	if err != nil {
		return st, fmt.Errorf("read pg_stat_statements: %w", err)
	}
	return st, nil
}

// others counts the other clients that used the benchmark database since
// `since`: client connections that are still there (other application
// names that ran something since), plus client sessions opened in the
// window by anyone (the servers' pools are full before the first window and
// open none). Their statements would be counted as ours, and they share the
// machine. Autovacuum and parallel workers send no statements.
func (s *statsReader) others(ctx context.Context, since time.Time, before, after dbStats) (int64, error) {
	var n int64
	err := s.conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = $1 AND backend_type = 'client backend' AND NOT (application_name = ANY($2))
		  AND (state = 'active' OR state_change >= $3 OR backend_start >= $3)`,
		s.db, s.ours, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read pg_stat_activity: %w", err)
	}
	return n + after.Sessions - before.Sessions, nil
}
