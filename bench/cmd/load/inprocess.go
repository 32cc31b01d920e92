package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/service"
)

// inProcess is what one request of an operation costs inside the API's
// handler, with no network and no other process in the way: the figures
// the HTTP run cannot give (bytes and allocations per request).
type inProcess struct {
	Operation  string  `json:"operation"`
	Source     string  `json:"source"` // which benchmark measured it
	NsPerOp    float64 `json:"ns_per_op"`
	BytesPerOp float64 `json:"bytes_per_op"`
	AllocsOp   float64 `json:"allocs_per_op"`
	Statements float64 `json:"statements_per_op"` // the API's own counter
	Error      string  `json:"error,omitempty"`
}

// handler is the API's handler over the benchmark database, built the way
// the serve command builds it.
func handler(ctx context.Context, dbURL string, maxConns int) (http.Handler, *database.DB, error) {
	db, err := database.Open(ctx, dbURL, database.Options{MaxOpenConns: maxConns, ApplicationName: "bizgraph-bench-inprocess"})
	if err != nil {
		return nil, nil, err
	}
	a, err := authenticator(ctx)
	if err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	h := service.New(service.Config{DB: db, PageLimits: page.DefaultLimits,
		Log: slog.New(slog.DiscardHandler), Introspection: true, Auth: a})
	return h, db, nil
}

// serveOnce sends op's next request to h and hands the answer back to
// its feeder.
func serveOnce(h http.Handler, op *operation) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	body, slot, err := op.request()
	if err != nil {
		_, _ = rec.WriteString(err.Error())
		rec.Code = 0 // no answer: the verdict reports status 0 with the error
		return rec
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", op.authorization())
	h.ServeHTTP(rec, req)
	op.answered(slot, rec.Code, rec.Body.Bytes())
	return rec
}

// pinGC gives this process the GC settings the servers were given, so that
// the in-process figures and the profile are taken under the same budget.
// Empty settings leave this process's own.
func pinGC(gogc, limit string) error {
	if gogc != "" {
		pct := -1 // "off"
		if gogc != "off" {
			n, err := strconv.Atoi(gogc)
			if err != nil {
				return fmt.Errorf("--gogc: %q is not a number or off", gogc)
			}
			pct = n
		}
		debug.SetGCPercent(pct)
	}
	if limit != "" {
		n, err := parseMemoryLimit(limit)
		if err != nil {
			return err
		}
		debug.SetMemoryLimit(n)
	}
	return nil
}

// parseMemoryLimit reads GOMEMLIMIT's syntax: bytes with an optional unit
// (B, KiB, MiB, GiB, TiB), or off.
func parseMemoryLimit(s string) (int64, error) {
	if s == "off" {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = num, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("--gomemlimit: %q is not a size such as 256MiB, or off", s)
	}
	return n << shift, nil
}

// gcInEffect describes this process's GC settings as the runtime has them.
func gcInEffect() string {
	pct := debug.SetGCPercent(100)
	debug.SetGCPercent(pct)
	gogc := strconv.Itoa(pct)
	if pct < 0 {
		gogc = "off"
	}
	limit := "off"
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		limit = fmt.Sprintf("%d MiB", n>>20)
	}
	return "GOGC=" + gogc + ", GOMEMLIMIT=" + limit
}

// benchmarkInProcess measures every operation with testing.Benchmark, one
// request at a time, checking first that the handler answers what the
// server answered over HTTP.
func benchmarkInProcess(h http.Handler, db *database.DB, ops []*operation) []inProcess {
	var out []inProcess
	for _, op := range ops {
		r := inProcess{Operation: op.Name, Source: "bench/cmd/load (testing.Benchmark)"}
		rec := serveOnce(h, op)
		if err := op.verdict(rec.Code, rec.Body.Bytes()); err != nil {
			r.Error = err.Error()
			out = append(out, r)
			continue
		}
		res := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			before := db.Statements()
			for b.Loop() {
				serveOnce(h, op)
			}
			r.Statements = float64(db.Statements()-before) / float64(b.N)
		})
		r.NsPerOp = float64(res.NsPerOp())
		r.BytesPerOp = float64(res.AllocedBytesPerOp())
		r.AllocsOp = float64(res.AllocsPerOp())
		out = append(out, r)
	}
	return out
}

// profileConcurrent records a CPU profile of the handler answering op from
// `workers` goroutines at once for d: the in-process stand-in for a profile
// of the server under that many clients (the server has no profiling
// endpoint). It returns the requests answered.
func profileConcurrent(ctx context.Context, h http.Handler, op *operation, workers int, d time.Duration, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return 0, fmt.Errorf("start CPU profile: %w", err)
	}
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var n int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var mine int64
			for time.Now().Before(deadline) && ctx.Err() == nil {
				serveOnce(h, op)
				mine++
			}
			mu.Lock()
			n += mine
			mu.Unlock()
		})
	}
	wg.Wait()
	pprof.StopCPUProfile()
	return n, ctx.Err()
}

// pprofTop is `go tool pprof -top` of a profile, sorted by own time
// (flat) or by time including callees (cum).
func pprofTop(ctx context.Context, goCmd, profile, sort string, nodes int) (string, error) {
	out, err := exec.CommandContext(ctx, goCmd, "tool", "pprof", "-top", "-"+sort,
		"-nodecount="+strconv.Itoa(nodes), profile).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
	}
	return string(out), nil
}

// cpuPart is a part of the work whose share of the CPU a profile shows: the
// cumulative share of one function, so it includes what the function calls
// and parts overlap (allocation includes the GC assists it triggers).
type cpuPart struct {
	Part     string  `json:"part"`
	Function string  `json:"function"`
	Share    float64 `json:"share"` // of all samples; -1 when the function is not in the profile
}

// cpuParts are the functions that tell where a GraphQL request's CPU goes
// (the breakdown of ../shared/PERFORMANCE.md).
var cpuParts = []cpuPart{
	{Part: "gqlgen: collecting fields (CollectFields)", Function: "github.com/99designs/gqlgen/graphql.collectFields"},
	{Part: "gqlgen: writing the JSON (FieldSet.MarshalGQL)", Function: "github.com/99designs/gqlgen/graphql.(*FieldSet).MarshalGQL"},
	{Part: "store: loading sibling sets (SQL, scanning)", Function: "github.com/bizgraph/bizgraph/internal/store.(*set).load"},
	{Part: "database/sql + pgx: sending queries", Function: "database/sql.(*DB).QueryContext"},
	{Part: "database/sql + pgx: reading rows", Function: "database/sql.(*Rows).Next"},
	{Part: "allocation (mallocgc, with the GC assists it triggers)", Function: "runtime.mallocgc"},
	{Part: "GC: assists by request goroutines", Function: "runtime.gcAssistAlloc"},
	{Part: "GC: background marking", Function: "runtime.gcBgMarkWorker"},
	{Part: "growing goroutine stacks", Function: "runtime.newstack"},
	// A write's: its transaction (the writer's statements and the
	// payload's read-back), the statements sent in it, and the system
	// calls, mostly the round trips to PostgreSQL.
	{Part: "write: the mutation's transaction (writer and read-back)", Function: "github.com/bizgraph/bizgraph/internal/mutation.(*Transactions).InterceptResponse"},
	{Part: "write: statements in the transaction (database/sql)", Function: "database/sql.(*Tx).QueryContext"},
	{Part: "system calls (mostly the round trips to PostgreSQL)", Function: "internal/runtime/syscall/linux.Syscall6"},
}

// shares reads each part's cumulative share from a full `pprof -top -cum`
// listing.
func shares(listing string) []cpuPart {
	cum := map[string]float64{}
	for _, l := range strings.Split(listing, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 || !strings.HasSuffix(f[4], "%") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSuffix(f[4], "%"), 64)
		if err != nil {
			continue
		}
		cum[f[5]] = v / 100
	}
	out := make([]cpuPart, len(cpuParts))
	for i, p := range cpuParts {
		p.Share = -1
		if v, ok := cum[p.Function]; ok {
			p.Share = v
		}
		out[i] = p
	}
	return out
}

// graphBenchmark runs the graph package's own in-process benchmark of the
// nested page against the benchmark database, under the servers' GC
// settings (gcEnv), and reads its figures.
func graphBenchmark(ctx context.Context, goCmd, dbURL string, gcEnv []string) (inProcess, error) {
	r := inProcess{Operation: "nested_page", Source: "graph/BenchmarkNestedPage (go test -bench)"}
	testURL := os.Getenv("TEST_DATABASE_URL")
	if testURL == "" {
		// The graph tests' own database (seeded at the demo scale, dropped
		// after) goes on the benchmark's server rather than an embedded one.
		testURL = dbURL
	}
	cmd := exec.CommandContext(ctx, goCmd, "test", "-run", "^$", "-bench", "^BenchmarkNestedPage$",
		"-benchmem", "-count", "1", "./graph/")
	cmd.Env = append(append(os.Environ(), gcEnv...), "BENCH_DATABASE_URL="+dbURL, "TEST_DATABASE_URL="+testURL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return r, fmt.Errorf("go test -bench NestedPage ./graph/: %w\n%s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "BenchmarkNestedPage") {
			continue
		}
		// name, iterations, then value-unit pairs
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.NsPerOp = v
			case "B/op":
				r.BytesPerOp = v
			case "allocs/op":
				r.AllocsOp = v
			case "stmts/op":
				r.Statements = v
			}
		}
		return r, nil
	}
	return r, fmt.Errorf("no BenchmarkNestedPage line in:\n%s", out)
}
