// Command load is bizgraph's load benchmark, what `make bench` runs from the
// repository root. It brings up the scale-1 database (reusing a seeded one),
// builds and starts the API server and the hand-written ceiling
// (bench/cmd/ceiling) as child processes on loopback, checks their answers,
// drives every operation of bench/operations over HTTP with vegeta at each
// concurrency for a fixed time after a warm-up, counts the SQL statements
// from PostgreSQL's side, reads each server's peak memory, measures the
// handler in-process (bytes and allocations per request, and a CPU profile
// under 16 concurrent requests), and writes bench/results/.
//
// Every setting is a flag and a BENCH_ environment variable of the same name
// (--duration, BENCH_DURATION); bench/README.md explains the figures.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/peterbourgon/ff/v3"

	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

type config struct {
	DatabaseURL    string
	PGDataDir      string
	Operations     string
	Only           string
	Concurrency    string
	Duration       time.Duration
	Warmup         time.Duration
	Prime          time.Duration
	Settle         time.Duration
	Out            string
	DBMaxConns     int
	GOGC           string
	GOMEMLIMIT     string
	InProcess      bool
	ProfileFor     time.Duration
	ProfileWorkers int
	Go             string

	levels []int
	only   *regexp.Regexp
}

// Application names the servers under test connect with, so the
// statistics can tell their sessions from anyone else's, including another
// run of this benchmark on the same database.
var (
	appAPI     = fmt.Sprintf("bizgraph-bench-api-%d", os.Getpid())
	appCeiling = fmt.Sprintf("bizgraph-bench-ceiling-%d", os.Getpid())
	// appWebhooks is the API server's webhook deliverer's pool
	// (internal/webhook), whose River polls its queues all the time: a
	// part of the server, not another client (its statements are left out
	// of the count by statsReader).
	appWebhooks = webhook.ApplicationName
	// appLive is the API server's listener for live updates
	// (internal/live), which reads the events table when woken.
	appLive = live.ApplicationName
)

func (c *config) parse(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&c.DatabaseURL, "database-url", "", "the scale-1 database; created, migrated and seeded when missing or empty; empty: bizgraph_bench on the benchmark's own PostgreSQL under --pg-data-dir")
	fs.StringVar(&c.PGDataDir, "pg-data-dir", ".bizgraph/bench-postgres", "data directory of the benchmark's own PostgreSQL (used without --database-url), kept between runs")
	fs.StringVar(&c.Operations, "operations", "bench/operations", "directory of the workload's operations")
	fs.StringVar(&c.Only, "only", "", "run only the operations whose name matches this regular expression")
	fs.StringVar(&c.Concurrency, "concurrency", "1,16,64", "concurrent clients of each cell, comma-separated")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured time of each cell")
	fs.DurationVar(&c.Warmup, "warmup", 3*time.Second, "unmeasured time before each cell's measured run")
	fs.DurationVar(&c.Prime, "prime", 2*time.Second, "load of each operation at the highest concurrency before any cell, to open and prepare every pooled connection")
	fs.DurationVar(&c.Settle, "settle", 0, "quiet time before reading PostgreSQL's statistics; 0: none where pg_stat_statements counts (it counts a statement as it ends, before the client has its answer), 11s where transactions are counted (a backend holds those counts up to 10 s)")
	fs.StringVar(&c.Out, "out", "bench/results", "directory of the results")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", 16, "database connections of each server (DB_MAX_CONNS)")
	fs.StringVar(&c.GOGC, "gogc", "", "GOGC of the servers and of the in-process figures; empty: as in this environment")
	fs.StringVar(&c.GOMEMLIMIT, "gomemlimit", "", "GOMEMLIMIT of the servers and of the in-process figures (e.g. 256MiB, off); empty: as in this environment")
	fs.BoolVar(&c.InProcess, "inprocess", true, "also measure the handler in-process: bytes, allocations, CPU profile")
	fs.DurationVar(&c.ProfileFor, "profile-duration", 10*time.Second, "length of the in-process CPU profile")
	fs.IntVar(&c.ProfileWorkers, "profile-concurrency", 16, "concurrent requests of the in-process CPU profile")
	fs.StringVar(&c.Go, "go", "go", "the go command")
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix("BENCH")); err != nil {
		return err
	}
	for _, s := range strings.Split(c.Concurrency, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("--concurrency: %q is not a list of positive numbers", c.Concurrency)
		}
		c.levels = append(c.levels, n)
	}
	if c.Duration <= 0 || c.Warmup < 0 || c.Settle < 0 || c.Prime < 0 {
		return errors.New("--duration must be positive; --warmup, --prime and --settle not negative")
	}
	if c.GOMEMLIMIT != "" {
		if _, err := parseMemoryLimit(c.GOMEMLIMIT); err != nil {
			return err
		}
	}
	if c.Only != "" {
		re, err := regexp.Compile(c.Only)
		if err != nil {
			return fmt.Errorf("--only: %w", err)
		}
		c.only = re
	}
	return nil
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		log.Print(err)
		os.Exit(1)
	}
}

// withApp sets the application_name of a database URL.
func withApp(dbURL, app string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// errRequests says that the run completed but some answers were wrong.
var errRequests = errors.New("some requests failed: see the errors column")

func run(args []string) error {
	var cfg config
	if err := cfg.parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (make bench)")
	}
	rep := &report{Config: &cfg, Started: time.Now(), Machine: describeMachine(), Command: commandLine(args)}

	tmp, err := os.MkdirTemp("", "bizgraph-bench-")
	if err != nil {
		return err
	}
	keep := true // the servers' logs stay for a look when something failed
	defer func() {
		if keep {
			log.Printf("servers' logs kept in %s", tmp)
		} else {
			_ = os.RemoveAll(tmp)
		}
	}()

	log.Print("building the server and the ceiling")
	apiBin, err := build(ctx, cfg.Go, tmp, "bizgraph", ".")
	if err != nil {
		return err
	}
	ceilingBin, err := build(ctx, cfg.Go, tmp, "ceiling", "./bench/cmd/ceiling")
	if err != nil {
		return err
	}
	rep.Versions = describeVersions(apiBin)

	own := cfg.DatabaseURL == ""
	if own {
		pg, err := startPostgres(ctx, cfg.PGDataDir)
		if err != nil {
			return err
		}
		defer stopPostgres(pg)
		cfg.DatabaseURL = pg.URL(benchDatabase)
	}
	if rep.Database, err = ensureDatabase(ctx, cfg.DatabaseURL, apiBin, own); err != nil {
		return err
	}
	rep.Database.Own = own
	ops, err := loadOperations(cfg.Operations, cfg.only)
	if err != nil {
		return err
	}
	if err := prepareAll(ctx, cfg.DatabaseURL, ops); err != nil {
		return err
	}
	rep.Operations = ops

	servers, err := startServers(ctx, &cfg, tmp, apiBin, ceilingBin, ops)
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	if err != nil {
		return err
	}
	api, ceiling := servers["api"], servers["ceiling"]
	rep.ServerEnv = serverEnv(&cfg)

	// The writes are verified and primed just before their own cells,
	// after every read's cells and in-process figures: a write before them
	// would change what a read answers (a budget burn, a project's
	// status) from its reference.
	reads := slices.DeleteFunc(slices.Clone(ops), (*operation).writes)
	writes := slices.DeleteFunc(slices.Clone(ops), func(op *operation) bool { return !op.writes() })
	if err := verify(api, ceiling, reads); err != nil {
		return err
	}
	r := &runner{cfg: &cfg}
	if r.stats, err = newStatsReader(ctx, cfg.DatabaseURL, appAPI, appCeiling, appWebhooks, appLive); err != nil {
		return err
	}
	defer r.stats.Close()
	rep.Database.Counter, rep.Database.CounterNote = r.stats.counter, r.stats.why
	if cfg.Settle == 0 && r.stats.counter == counterTransactions {
		cfg.Settle = 11 * time.Second
	}
	log.Printf("counting statements with %s%s; %s of quiet before each reading", r.stats.counter, parenthesized(r.stats.why), cfg.Settle)
	if err := r.prime(ctx, api, ceiling, reads); err != nil {
		return err
	}
	if err := r.cells(ctx, api, ceiling, reads); err != nil {
		return err
	}
	// The servers sit idle meanwhile; the next reading of the statistics
	// (the writes' priming) starts after it, so its statements count in
	// no cell.
	if cfg.InProcess {
		if err := rep.inProcess(ctx, &cfg, reads); err != nil {
			return err
		}
	}
	if err := r.cells(ctx, api, ceiling, writes); err != nil {
		return err
	}
	rep.Cells = r.done
	// After the timed cells: its writes would be counted in theirs.
	if rep.LostUpdates, err = checkLostUpdates(ctx, cfg.DatabaseURL, api, ops); err != nil {
		return err
	}
	for _, s := range servers {
		s.stop()
	}
	if cfg.InProcess && len(writes) > 0 {
		if err := rep.inProcess(ctx, &cfg, writes); err != nil {
			return err
		}
	}
	rep.Finished = time.Now()
	if err := rep.write(cfg.Out); err != nil {
		return err
	}
	keep = false
	log.Printf("wrote %s", filepath.Join(cfg.Out, "results.md"))
	if rep.errors() > 0 {
		return errRequests
	}
	return nil
}

// commandLine is how this run was asked for: its BENCH_ settings and
// arguments, without passwords.
func commandLine(args []string) string {
	var parts []string
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "BENCH_") {
			if u, err := url.Parse(v); err == nil && u.User != nil {
				v = u.Redacted()
			}
			parts = append(parts, k+"="+v)
		}
	}
	slices.Sort(parts)
	parts = append(parts, "go run ./bench/cmd/load")
	return strings.Join(append(parts, args...), " ")
}

// prepareAll computes every operation's variables from the database.
func prepareAll(ctx context.Context, dbURL string, ops []*operation) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect to the benchmark database: %w", err)
	}
	// Closed before any statistics are read: its session ends, and with it
	// its share of the counts is flushed.
	defer conn.Close(ctx)
	for _, op := range ops {
		if err := op.prepare(ctx, conn); err != nil {
			return err
		}
	}
	return nil
}

func serverEnv(cfg *config) []string {
	return append([]string{"DB_MAX_CONNS=" + strconv.Itoa(cfg.DBMaxConns)}, gcEnv(cfg)...)
}

// gcEnv is the GC budget asked for, as the Go runtime reads it.
func gcEnv(cfg *config) []string {
	var env []string
	if cfg.GOGC != "" {
		env = append(env, "GOGC="+cfg.GOGC)
	}
	if cfg.GOMEMLIMIT != "" {
		env = append(env, "GOMEMLIMIT="+cfg.GOMEMLIMIT)
	}
	return env
}

// startServers starts the API, and the ceiling when an operation has one.
// The map holds whatever started, also on error, for the caller to stop.
func startServers(ctx context.Context, cfg *config, logDir, apiBin, ceilingBin string, ops []*operation) (map[string]*server, error) {
	servers := map[string]*server{}
	apiURL, err := withApp(cfg.DatabaseURL, appAPI)
	if err != nil {
		return servers, err
	}
	log.Print("starting the API server")
	// The workloads are sent as text, which a server on a real database
	// refuses by default (trusted documents only).
	// An analytics operation takes half a second of both cores: 64 clients
	// of one wait longer for their turn than the default QUEUE_TIMEOUT
	// (10 s), which would answer them OVERLOADED; the benchmark measures
	// how long they take instead. REQUEST_TIMEOUT bounds each alike.
	env := append(serverEnv(cfg), "DATABASE_URL="+apiURL, "LOG_LEVEL=warn", "PERSISTED_QUERIES=automatic", credential.env,
		"QUEUE_TIMEOUT=60s", "REQUEST_TIMEOUT=90s")
	if servers["api"], err = start(ctx, "api", apiBin, logDir, env, "serve"); err != nil {
		delete(servers, "api")
		return servers, err
	}
	for _, op := range ops {
		if !op.Ceiling {
			continue
		}
		ceilingURL, err := withApp(cfg.DatabaseURL, appCeiling)
		if err != nil {
			return servers, err
		}
		log.Print("starting the ceiling")
		env := append(serverEnv(cfg), "DATABASE_URL="+ceilingURL)
		if servers["ceiling"], err = start(ctx, "ceiling", ceilingBin, logDir, env); err != nil {
			delete(servers, "ceiling")
			return servers, err
		}
		break
	}
	return servers, nil
}

// verify takes each operation's reference answer from the API and makes
// sure it is an answer, and that the ceiling answers the same bytes (a
// write: the same fields, as check "shape" compares them).
func verify(api, ceiling *server, ops []*operation) error {
	client := newClient(1)
	defer client.CloseIdleConnections()
	for _, op := range ops {
		if op.register != nil { // the text with its hash, once, as an Apollo client does after a miss
			if status, body, err := postBody(client, api.url, op.authorization(), op.register); err != nil || status != 200 {
				return fmt.Errorf("%s: register the persisted query: status %d, %v: %.300s", op.Name, status, err, body)
			}
		}
		status, body, err := post(client, api.url, op)
		if err != nil {
			return fmt.Errorf("%s: %w", op.Name, err)
		}
		op.reference = body
		if status != 200 || bytes.Contains(body, []byte(`"errors":`)) {
			return fmt.Errorf("%s: the API answers status %d: %.500s", op.Name, status, body)
		}
		log.Printf("%s: %d bytes", op.Name, len(body))
		if !op.Ceiling {
			continue
		}
		status, other, err := post(client, ceiling.url, op)
		if err != nil {
			return fmt.Errorf("%s on the ceiling: %w", op.Name, err)
		}
		if op.Check != checkExact {
			// A write answers other ids and versions each time: the
			// ceiling's answer must have the API's fields, in its order.
			if err := op.verdict(status, other); err != nil {
				return fmt.Errorf("%s: the ceiling's answer is not shaped like the API's: %w", op.Name, err)
			}
			log.Printf("%s: the ceiling answers the same fields (%d bytes)", op.Name, len(other))
			continue
		}
		if status != 200 || !bytes.Equal(other, body) {
			return fmt.Errorf("%s: the ceiling's answer (status %d, %d bytes) is not the API's (%d bytes): %s",
				op.Name, status, len(other), len(body), firstDifference(body, other))
		}
		log.Printf("%s: the ceiling answers the same %d bytes", op.Name, len(other))
	}
	return nil
}

// firstDifference shows where two answers part.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-80, 0)
	return fmt.Sprintf("at byte %d:\n  api:     …%.160s\n  ceiling: …%.160s", i, a[from:], b[from:])
}

// runner runs the cells and keeps the database statistics' last reading.
type runner struct {
	cfg   *config
	stats *statsReader
	last  dbStats
	done  []*cell
}

// prime loads every operation at the highest concurrency, unmeasured, so
// that each pooled connection of each server is open and has prepared its
// statements before the first counted window.
func (r *runner) prime(ctx context.Context, api, ceiling *server, ops []*operation) error {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	log.Printf("priming at each one's highest concurrency for %s each: %s", r.cfg.Prime, strings.Join(names, ", "))
	for _, op := range ops {
		levels := op.levels(r.cfg.levels)
		if len(levels) == 0 {
			continue
		}
		c := slices.Max(levels)
		targets := []*server{api}
		if op.Ceiling {
			targets = append(targets, ceiling)
		}
		for _, s := range targets {
			client := newClient(c)
			p := attack(ctx, client, s.url, op, c, r.cfg.Prime)
			client.CloseIdleConnections()
			if p.errors > 0 {
				return fmt.Errorf("%s on %s: %d of %d requests failed while priming; first: %s",
					op.Name, s.name, p.errors, p.requests, p.firstErr)
			}
		}
	}
	if err := r.settle(ctx); err != nil {
		return err
	}
	var err error
	r.last, err = r.stats.read(ctx)
	return err
}

func (r *runner) settle(ctx context.Context) error {
	select {
	case <-time.After(r.cfg.Settle):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cells runs every operation at every concurrency. Where an operation has
// a ceiling, the ceiling and the API run back to back at each concurrency,
// taking turns at going first, so both see the same moment of a shared,
// noisy machine.
func (r *runner) cells(ctx context.Context, api, ceiling *server, ops []*operation) error {
	for _, op := range ops {
		if op.writes() {
			if err := verify(api, ceiling, []*operation{op}); err != nil {
				return err
			}
			if err := r.prime(ctx, api, ceiling, []*operation{op}); err != nil {
				return err
			}
		}
		for i, c := range op.levels(r.cfg.levels) {
			targets := []*server{api}
			if op.Ceiling {
				targets = []*server{ceiling, api}
				if i%2 == 1 {
					targets = []*server{api, ceiling}
				}
			}
			for _, s := range targets {
				if err := r.cell(ctx, op, s, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cell measures op on s at concurrency c: a warm-up, the measured run, the
// peak memory over both, then a quiet pause, after which PostgreSQL's
// counts cover both runs.
func (r *runner) cell(ctx context.Context, op *operation, s *server, c int) error {
	cl := &cell{Operation: op.Name, Server: s.name, Concurrency: c}
	client := newClient(c)
	defer client.CloseIdleConnections()
	start := time.Now()
	cl.RSSReset = s.resetPeakRSS()
	warm := attack(ctx, client, s.url, op, c, r.cfg.Warmup)
	cl.WarmupReqs, cl.Errors, cl.FirstError = warm.requests, warm.errors, warm.firstErr
	cpu0 := r.cpu(s)
	cl.measured(attack(ctx, client, s.url, op, c, r.cfg.Duration))
	cpu1 := r.cpu(s)
	cl.ServerCPUms = perRequest(cpu0.server, cpu1.server, cl.Requests)
	cl.PostgresCPUms = perRequest(cpu0.postgres, cpu1.postgres, cl.Requests)
	var err error
	if cl.PeakRSS, err = s.peakRSS(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.settle(ctx); err != nil {
		return err
	}
	after, err := r.stats.read(ctx)
	if err != nil {
		return err
	}
	if cl.Others, err = r.stats.others(ctx, start, r.last, after); err != nil {
		return err
	}
	if n := cl.WarmupReqs + cl.Requests; n > 0 {
		cl.Statements = float64(after.Statements-r.last.Statements) / float64(n)
	}
	cl.Evicted = after.Evictions > r.last.Evictions
	r.last = after
	r.done = append(r.done, cl)
	log.Printf("%-12s %-7s c=%-3d %8.1f rps  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  %5.2f stmts/req  %d errors  peak RSS %.0f MiB  CPU/req server %.2f ms, PostgreSQL %.2f ms%s",
		op.Name, s.name, c, cl.RPS, cl.P50ms, cl.P95ms, cl.P99ms, cl.Statements, cl.Errors,
		float64(cl.PeakRSS)/(1<<20), cl.ServerCPUms, cl.PostgresCPUms, othersNote(cl.Others))
	if cl.FirstError != "" {
		log.Printf("  first error: %s", cl.FirstError)
	}
	return nil
}

// cpu reads the CPU time of s and of PostgreSQL (where it runs here).
func (r *runner) cpu(s *server) cpuReading {
	var c cpuReading
	if t, err := treeCPU(s.Pid()); err == nil {
		c.server = t
	}
	if r.stats.postmaster != 0 {
		if t, err := treeCPU(r.stats.postmaster); err == nil {
			c.postgres = t
		}
	}
	return c
}

func othersNote(n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("  (%d other clients used the database: statements overcounted)", n)
}

// inProcess measures the handler itself: every operation of ops one
// request at a time and, when ops hold the nested page, the graph
// package's own benchmark of it and a CPU profile of it under concurrent
// requests. Called for the reads, then for the writes.
func (rep *report) inProcess(ctx context.Context, cfg *config, ops []*operation) error {
	if err := pinGC(cfg.GOGC, cfg.GOMEMLIMIT); err != nil {
		return err
	}
	rep.InProcessGC = gcInEffect()
	log.Printf("in-process (%s): every operation with testing.Benchmark", rep.InProcessGC)
	h, db, err := handler(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer db.Close()
	rep.InProcess = append(rep.InProcess, benchmarkInProcess(h, db, ops)...)

	// A CPU profile of each operation the ceiling answers (the nested page,
	// the writes): where its time goes when it falls short of the ceiling.
	nested := false
	for _, op := range ops {
		if !op.Ceiling {
			continue
		}
		nested = nested || !op.writes()
		if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
			return err
		}
		// The profile itself stays beside the results for `go tool pprof
		// -http` (*.prof is not committed).
		name := fmt.Sprintf("cpu-%s-c%d", op.Name, cfg.ProfileWorkers)
		prof := filepath.Join(cfg.Out, name+".prof")
		log.Printf("in-process: CPU profile of %s, %d concurrent requests for %s", op.Name, cfg.ProfileWorkers, cfg.ProfileFor)
		n, err := profileConcurrent(ctx, h, op, cfg.ProfileWorkers, cfg.ProfileFor, prof)
		if err != nil {
			return err
		}
		pr := &profileInfo{Operation: op.Name, Workers: cfg.ProfileWorkers, Duration: cfg.ProfileFor,
			Requests: n, GOMAXPROCS: runtime.GOMAXPROCS(0), File: name + ".txt"}
		if pr.ByFlat, err = pprofTop(ctx, cfg.Go, prof, "flat", 40); err != nil {
			return err
		}
		if pr.ByCum, err = pprofTop(ctx, cfg.Go, prof, "cum", 40); err != nil {
			return err
		}
		all, err := pprofTop(ctx, cfg.Go, prof, "cum", 100000)
		if err != nil {
			return err
		}
		pr.Parts = shares(all)
		rep.Profiles = append(rep.Profiles, pr)
	}
	if !nested {
		return nil
	}

	log.Print("in-process: go test -bench NestedPage ./graph/")
	g, err := graphBenchmark(ctx, cfg.Go, cfg.DatabaseURL, gcEnv(cfg))
	if err != nil {
		g.Error = err.Error()
		log.Print(err)
	}
	rep.InProcess = append(rep.InProcess, g)
	return nil
}

// ratio is a/b, or NaN when b is zero.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// parenthesized is s in parentheses after a space, or nothing.
func parenthesized(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
