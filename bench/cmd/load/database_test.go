package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/pgembed"
)

// Settings that make PostgreSQL plan a parallel scan even of a small
// table, as it does for the analytics reports at scale 1.
var parallelEverything = map[string]string{
	"max_parallel_workers_per_gather": "2",
	"parallel_setup_cost":             "0",
	"parallel_tuple_cost":             "0",
	"min_parallel_table_scan_size":    "0",
}

// The statement bar is judged on this count: one statement that runs with
// parallel workers must count once, as the client sent it.
func TestStatsReader_CountsStatementsNotParallelWorkers(t *testing.T) {
	t.Parallel()
	bin, err := pgembed.FindBinaries("")
	if err != nil {
		t.Fatal(err)
	}
	if !pgembed.HasLibrary(bin, "pg_stat_statements") {
		t.Skipf("the PostgreSQL in %s has no pg_stat_statements module", bin)
	}
	settings := map[string]string{"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "top"}
	for k, v := range parallelEverything {
		settings[k] = v
	}
	dbURL := benchServer(t, settings)

	stats, err := newStatsReader(context.Background(), dbURL, "ours")
	if err != nil {
		t.Fatal(err)
	}
	defer stats.Close()
	if stats.counter != counterStatements || stats.why != "" {
		t.Fatalf("counter = %q (%s), want %q", stats.counter, stats.why, counterStatements)
	}
	const sent = 5
	before, launched, after := runParallelScans(t, stats, dbURL, sent)
	if launched == 0 {
		t.Fatal("no parallel worker was launched: the test would not tell the counts apart")
	}
	if got := after.Statements - before.Statements; got != sent {
		t.Errorf("counted %d statements for %d sent (with %d parallel workers launched)", got, sent, launched)
	}
	if after.Evictions != before.Evictions {
		t.Errorf("pg_stat_statements evicted entries: %d then %d", before.Evictions, after.Evictions)
	}
}

// Without the module, the count is transactions, and the reader says why.
func TestStatsReader_FallsBackToTransactions(t *testing.T) {
	t.Parallel()
	dbURL := benchServer(t, nil)
	stats, err := newStatsReader(context.Background(), dbURL, "ours")
	if err != nil {
		t.Fatal(err)
	}
	defer stats.Close()
	if stats.counter != counterTransactions || !strings.Contains(stats.why, "pg_stat_statements") {
		t.Fatalf("counter = %q (%q), want %q with a reason", stats.counter, stats.why, counterTransactions)
	}
	const sent = 3
	before, launched, after := runParallelScans(t, stats, dbURL, sent)
	// The transactions of the statements sent, and the parallel workers':
	// why results.md names the counter it used.
	if got := after.Statements - before.Statements; launched == 0 || got <= sent {
		t.Errorf("counted %d transactions for %d statements sent with %d parallel workers each; want more than sent",
			got, sent, launched)
	}
}

// benchServer starts a throwaway PostgreSQL with settings and returns the
// URL of a database on it holding a table that a count scans in parallel.
func benchServer(t *testing.T, settings map[string]string) string {
	t.Helper()
	parent, err := os.MkdirTemp("", "bench-load-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	// The server may run as an account of its own, which must reach it.
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	if settings == nil {
		settings = parallelEverything
	}
	srv, err := pgembed.Start(context.Background(), pgembed.Config{
		DataDir: filepath.Join(parent, "data"), Ephemeral: true, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	if _, err := srv.CreateDatabase(context.Background(), benchDatabase); err != nil {
		t.Fatal(err)
	}
	dbURL := srv.URL(benchDatabase)
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `CREATE TABLE rows AS SELECT g AS n FROM generate_series(1, 200000) g;
		ANALYZE rows`); err != nil {
		t.Fatal(err)
	}
	return dbURL
}

// runParallelScans reads the statistics, sends n counts of the table from
// a client of its own, waits for the statistics to take them in, and reads
// them again. launched is how many parallel workers one of those counts
// started, from EXPLAIN ANALYZE run beforehand.
func runParallelScans(t *testing.T, stats *statsReader, dbURL string, n int) (before dbStats, launched int, after dbStats) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, FORMAT TEXT) SELECT count(*) FROM rows")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		if _, after, ok := strings.Cut(line, "Workers Launched: "); ok {
			launched += int(after[0] - '0')
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Let the EXPLAIN's own counts arrive before the first reading.
	if _, err := conn.Exec(ctx, "SELECT pg_stat_force_next_flush()"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	time.Sleep(1500 * time.Millisecond)

	if before, err = stats.read(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err = pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		var count int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM rows").Scan(&count); err != nil || count != 200000 {
			t.Fatalf("count = %d, %v", count, err)
		}
	}
	// A backend that ends publishes its counts; the workers' arrive as
	// they exit, at the latest a second later.
	conn.Close(ctx)
	time.Sleep(1500 * time.Millisecond)
	if after, err = stats.read(ctx); err != nil {
		t.Fatal(err)
	}
	return before, launched, after
}
