package main

import (
	"bufio"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// report is everything a run found, and what it ran on.
type report struct {
	Config     *config      `json:"-"`
	Command    string       `json:"command"`
	Settings   settings     `json:"settings"`
	Started    time.Time    `json:"started"`
	Finished   time.Time    `json:"finished"`
	Machine    machine      `json:"machine"`
	Versions   versions     `json:"versions"`
	Database   dbInfo       `json:"database"`
	ServerEnv  []string     `json:"server_env"`
	Operations []*operation `json:"operations"`
	Cells      []*cell      `json:"cells"`
	// LostUpdates are the lost-update checks of the write operations.
	LostUpdates []lostUpdateResult `json:"lost_updates,omitempty"`
	InProcess   []inProcess        `json:"in_process"`
	// InProcessGC is the GC budget the in-process figures were taken under.
	InProcessGC string         `json:"in_process_gc,omitempty"`
	Profiles    []*profileInfo `json:"profiles,omitempty"`
	Bars        []bar          `json:"bars"`
	// Goals are issue #20's, judged on this run.
	Goals []bar `json:"goals_issue_20"`
}

type settings struct {
	Concurrency []int  `json:"concurrency"`
	Duration    string `json:"duration"`
	Warmup      string `json:"warmup"`
	Prime       string `json:"prime"`
	Settle      string `json:"settle"`
	DBMaxConns  int    `json:"db_max_conns"`
	GOGC        string `json:"gogc"`
	GOMEMLIMIT  string `json:"gomemlimit"`
}

type machine struct {
	CPU      string `json:"cpu"`
	CPUs     int    `json:"cpus"`
	Memory   string `json:"memory"`
	Kernel   string `json:"kernel"`
	LoadAvg  string `json:"load_average_at_start"`
	GOOSARCH string `json:"goos_goarch"`
}

type versions struct {
	Revision   string `json:"revision"` // of the repository the servers were built from
	Go         string `json:"go"`
	Gqlgen     string `json:"gqlgen"`
	Pgx        string `json:"pgx"`
	Gorm       string `json:"gorm"`
	Vegeta     string `json:"vegeta"`
	PostgreSQL string `json:"postgresql"`
}

type profileInfo struct {
	Operation  string        `json:"operation"`
	Workers    int           `json:"workers"`
	Duration   time.Duration `json:"duration"`
	Requests   int64         `json:"requests"`
	GOMAXPROCS int           `json:"gomaxprocs"`
	File       string        `json:"file"`
	ByFlat     string        `json:"-"` // go tool pprof -top
	ByCum      string        `json:"-"` // go tool pprof -top -cum
	Parts      []cpuPart     `json:"parts"`
}

// bar is one of the targets and whether this run met it.
type bar struct {
	Target  string `json:"target"`
	Figure  string `json:"figure"`
	Verdict string `json:"verdict"` // met, not met, or why it could not be judged
}

func readFirst(path, prefix string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			return strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(v), ":"))
		}
	}
	return "?"
}

func describeMachine() machine {
	m := machine{CPU: readFirst("/proc/cpuinfo", "model name"), CPUs: runtime.NumCPU(),
		GOOSARCH: runtime.GOOS + "/" + runtime.GOARCH}
	var kb int64
	if _, err := fmt.Sscanf(readFirst("/proc/meminfo", "MemTotal"), "%d kB", &kb); err == nil {
		m.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return m
}

// describeVersions reads the versions the server was built with from the
// binary itself, and the load generator's from this program.
func describeVersions(serverBin string) versions {
	var v versions
	if bi, err := buildinfo.ReadFile(serverBin); err == nil {
		v.Go = bi.GoVersion
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/99designs/gqlgen":
				v.Gqlgen = d.Version
			case "github.com/jackc/pgx/v5":
				v.Pgx = d.Version
			case "gorm.io/gorm":
				v.Gorm = d.Version
			}
		}
	}
	v.Revision = revision()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/tsenart/vegeta/v12" {
				v.Vegeta = d.Version
			}
		}
	}
	return v
}

// revision names the commit the servers were built from, and says whether
// the server's Go code had changes not committed yet.
func revision() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	rev := "commit " + strings.TrimSpace(string(out))
	dirty, err := exec.Command("git", "status", "--porcelain", "--", "*.go", "go.mod", ":(exclude)bench").Output()
	if err == nil && len(strings.TrimSpace(string(dirty))) > 0 {
		rev += ", with uncommitted changes to the Go code outside bench/"
	}
	return rev
}

func (rep *report) errors() int {
	n := 0
	for _, c := range rep.Cells {
		n += c.Errors
	}
	for _, r := range rep.InProcess {
		if r.Error != "" {
			n++
		}
	}
	for _, l := range rep.LostUpdates {
		if !l.Held {
			n++
		}
	}
	return n
}

func envOr(set, name string) string {
	if set != "" {
		return set
	}
	if v := os.Getenv(name); v != "" {
		return v + " (from the environment)"
	}
	return "not set (the API server applies its own default, the ceiling Go's)"
}

// write puts results.md, results.svg, results.json and the profile's text
// into dir.
func (rep *report) write(dir string) error {
	cfg := rep.Config
	rep.Settings = settings{Concurrency: cfg.levels, Duration: cfg.Duration.String(), Warmup: cfg.Warmup.String(),
		Prime: cfg.Prime.String(), Settle: cfg.Settle.String(), DBMaxConns: cfg.DBMaxConns,
		GOGC: envOr(cfg.GOGC, "GOGC"), GOMEMLIMIT: envOr(cfg.GOMEMLIMIT, "GOMEMLIMIT")}
	rep.Versions.PostgreSQL = rep.Database.Version
	rep.Bars = rep.judge()
	rep.Goals = rep.goals()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	files := map[string]string{
		"results.md":   rep.markdown(),
		"results.svg":  rep.svg(),
		"results.json": string(js) + "\n",
	}
	for _, pr := range rep.Profiles {
		files[pr.File] = "$ go tool pprof -top cpu.prof\n" + pr.ByFlat + "\n$ go tool pprof -top -cum cpu.prof\n" + pr.ByCum
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	return nil
}

// find is the cell of operation op on server s at concurrency c.
func (rep *report) find(op, s string, c int) *cell {
	for _, x := range rep.Cells {
		if x.Operation == op && x.Server == s && x.Concurrency == c {
			return x
		}
	}
	return nil
}

// inProcessOf is the in-process figures bench/cmd/load took of an
// operation, or nil (not measured, or failed).
func (rep *report) inProcessOf(name string) *inProcess {
	for i, r := range rep.InProcess {
		if r.Operation == name && r.Error == "" && strings.HasPrefix(r.Source, "bench/cmd/load") {
			return &rep.InProcess[i]
		}
	}
	return nil
}

func (rep *report) operation(name string) *operation {
	for _, op := range rep.Operations {
		if op.Name == name {
			return op
		}
	}
	return nil
}

const mib = 1 << 20

// verdict is a bar's or goal's verdict on a figure.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

// judge checks the bars against this run.
func (rep *report) judge() []bar {
	var bars []bar

	reqs, errs := 0, rep.errors()
	for _, c := range rep.Cells {
		reqs += c.Requests + c.WarmupReqs
	}
	bars = append(bars, bar{"zero errors", fmt.Sprintf("%d errors in %d requests", errs, reqs), verdict(errs == 0)})

	// Statements: each pooled connection that sat idle for over a second
	// (the quiet pause before every cell) is pinged once on its next use.
	// pg_stat_statements does not count the ping (an empty statement), but
	// counted as transactions a cell may show up to one more per pooled
	// connection than it sent statements.
	var figs []string
	ok, clean := true, true
	for _, op := range rep.Operations {
		for _, s := range []string{"api", "ceiling"} {
			want := op.Statements
			if s == "ceiling" {
				if !op.Ceiling {
					continue
				}
				want = op.CeilingStatements
			}
			if want == 0 {
				continue
			}
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, c := range rep.Cells {
				if c.Operation != op.Name || c.Server != s {
					continue
				}
				lo, hi = math.Min(lo, c.Statements), math.Max(hi, c.Statements)
				slack := float64(rep.Config.DBMaxConns)/float64(c.Requests+c.WarmupReqs) + 0.005
				within := c.Statements >= float64(want)-0.005 && c.Statements <= float64(want)+slack
				if (c.Others > 0 || c.Evicted) && !within {
					clean = false
					continue
				}
				ok = ok && within
			}
			if !math.IsInf(lo, 0) {
				figs = append(figs, fmt.Sprintf("%s%s %.2f–%.2f (levels: %d)", op.Name, map[string]string{"ceiling": " (ceiling)"}[s], lo, hi, want))
			}
		}
	}
	v := verdict(ok)
	if ok && !clean {
		v = "not judged: other clients used the database during some cells"
	}
	bars = append(bars, bar{"statements per request = relation levels (writes: the statements of the write path), at every concurrency", strings.Join(figs, "; "), v})

	api16, ceil16 := rep.find("nested_page", "api", 16), rep.find("nested_page", "ceiling", 16)
	if api16 != nil && ceil16 != nil {
		r := ratio(api16.RPS, ceil16.RPS)
		bars = append(bars, bar{"nested page ≥ 35% of the ceiling's throughput at c16",
			fmt.Sprintf("%.0f%% (%.1f vs %.1f rps)", 100*r, api16.RPS, ceil16.RPS), verdict(r >= 0.35)})
		p := ratio(api16.P99ms, ceil16.P99ms)
		bars = append(bars, bar{"nested page p99 within 3× of the ceiling's at c16",
			fmt.Sprintf("%.1f× (%.0f vs %.0f ms)", p, api16.P99ms, ceil16.P99ms), verdict(p <= 3)})
	}

	figs, ok = nil, true
	for _, c := range rep.Config.levels {
		deep, first := rep.find("deep_page", "api", c), rep.find("list_page", "api", c)
		if deep == nil || first == nil {
			continue
		}
		r := ratio(deep.P50ms, first.P50ms)
		ok = ok && r <= 1.5
		figs = append(figs, fmt.Sprintf("c%d %.2f× (%.1f vs %.1f ms)", c, r, deep.P50ms, first.P50ms))
	}
	if figs != nil {
		bars = append(bars, bar{"deep page median within 1.5× of the first page's", strings.Join(figs, "; "), verdict(ok)})
	}

	if c := rep.find("nested_page", "api", 64); c != nil {
		bars = append(bars, bar{"server RSS < 300 MiB at c64 on the nested page",
			fmt.Sprintf("%.0f MiB", float64(c.PeakRSS)/mib), verdict(c.PeakRSS < 300*mib)})
	}
	return bars
}

// Issue #20's goals that are not an operation's own (ceiling_goal).
const (
	goalAnalyticsP50ms  = 20               // every report's median at one client
	goalBudgetBurnRPS   = 70               // budgetBurn at c16: 10× the 7 rps of the day
	goalRunTime         = 15 * time.Minute // make bench with every operation
	analyticsNamePrefix = "analytics_"
)

// goals judges issue #20's goals on this run: 1 the nested page against its
// ceiling at c1 and c16 (rate and p99), 2 the reports' medians at one
// client and budgetBurn's rate at c16, 4 the writes against their ceilings
// at c16, 5 the run's own length. Goal 3 (filtered orderings) is not an
// operation here; analytics-orderings.md measures it.
func (rep *report) goals() []bar {
	var goals []bar
	// ceilingGoal judges ops against their ceilings at the concurrencies
	// at (every one must be measured), and with p99, the API's p99 no
	// worse than the ceiling's there too.
	ceilingGoal := func(n int, ops []*operation, at []int, p99 bool) {
		var figs []string
		ok, seen := true, 0
		for _, op := range ops {
			var cells []string
			for _, c := range rep.Config.levels {
				a, x := rep.find(op.Name, "api", c), rep.find(op.Name, "ceiling", c)
				if a == nil || x == nil {
					continue
				}
				r := ratio(a.RPS, x.RPS)
				fig := fmt.Sprintf("c%d %.0f%% (%.1f of %.1f rps", c, 100*r, a.RPS, x.RPS)
				if p99 {
					fig += fmt.Sprintf("; p99 %.1f against %.1f ms", a.P99ms, x.P99ms)
				}
				cells = append(cells, fig+")")
				if slices.Contains(at, c) {
					seen++
					ok = ok && r >= op.CeilingGoal && (!p99 || a.P99ms <= x.P99ms)
				}
			}
			if cells != nil {
				figs = append(figs, op.Name+": "+strings.Join(cells, ", "))
			}
		}
		var where []string
		for _, c := range at {
			where = append(where, fmt.Sprintf("c%d", c))
		}
		v := verdict(ok)
		if seen < len(at)*len(ops) {
			v = "not measured (a cell of the API or the ceiling at " + strings.Join(where, " or ") + " is missing)"
		}
		target := fmt.Sprintf("%d. %s ≥ %.0f%% of the ceiling's throughput at %s", n, names(ops), 100*ops[0].CeilingGoal, strings.Join(where, " and "))
		if p99 {
			target += ", p99 no worse than the ceiling's"
		}
		goals = append(goals, bar{target, strings.Join(figs, "; "), v})
	}
	var nested, writes []*operation
	for _, op := range rep.Operations {
		if op.CeilingGoal > 0 && op.writes() {
			writes = append(writes, op)
		} else if op.CeilingGoal > 0 {
			nested = append(nested, op)
		}
	}
	if len(nested) > 0 {
		ceilingGoal(1, nested, []int{1, 16}, true)
	}

	var figs []string
	ok := true
	for _, op := range rep.Operations {
		if c := rep.find(op.Name, "api", 1); c != nil && strings.HasPrefix(op.Name, analyticsNamePrefix) {
			ok = ok && c.P50ms <= goalAnalyticsP50ms
			figs = append(figs, fmt.Sprintf("%s %.1f ms", strings.TrimPrefix(op.Name, analyticsNamePrefix), c.P50ms))
		}
	}
	if figs != nil {
		goals = append(goals, bar{fmt.Sprintf("2. every analytics report's p50 ≤ %d ms at c1", goalAnalyticsP50ms), strings.Join(figs, "; "), verdict(ok)})
	}
	if c := rep.find(analyticsNamePrefix+"budget_burn", "api", 16); c != nil {
		goals = append(goals, bar{fmt.Sprintf("2. budgetBurn ≥ %d rps at c16 (10× the issue's 7)", goalBudgetBurnRPS),
			fmt.Sprintf("%.1f rps (p50 %.0f ms)", c.RPS, c.P50ms), verdict(c.RPS >= goalBudgetBurnRPS)})
	}
	goals = append(goals, bar{"3. filtered, ordered root lists read an index range per value",
		"not an operation of this benchmark: [analytics-orderings.md](analytics-orderings.md) measures its statements", "see there"})
	if len(writes) > 0 {
		ceilingGoal(4, writes, []int{16}, false)
	}

	took := rep.Finished.Sub(rep.Started)
	v := verdict(took < goalRunTime)
	if rep.Config.Only != "" {
		v = "not judged: --only ran some operations"
	}
	goals = append(goals, bar{fmt.Sprintf("5. `make bench` under %s with every operation; allocations per request in the per-operation table; the chart shows the ratios to the ceilings", goalRunTime),
		fmt.Sprintf("%s for %d operations (%d cells); both in this report", took.Round(time.Second), len(rep.Operations), len(rep.Cells)), v})
	return goals
}

// names lists operations' names.
func names(ops []*operation) string {
	var n []string
	for _, op := range ops {
		n = append(n, op.Name)
	}
	return strings.Join(n, " and ")
}

func (rep *report) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	cfg, m, v := rep.Config, rep.Machine, rep.Versions

	p("# Load benchmark results\n\n")
	p("`%s` (what `make bench` runs), %s, %s in all. What the figures mean and how to rerun: [../README.md](../README.md).\n\n",
		rep.Command, rep.Started.UTC().Format("2006-01-02 15:04 MST"), rep.Finished.Sub(rep.Started).Round(time.Second))
	p("![requests per second per operation and concurrency](results.svg)\n\n")

	p("## Bars\n\n| target | this run | verdict |\n| --- | --- | --- |\n")
	for _, x := range rep.Bars {
		p("| %s | %s | **%s** |\n", x.Target, x.Figure, x.Verdict)
	}

	p("\n## Goals of issue #20\n\n| goal | this run | verdict |\n| --- | --- | --- |\n")
	for _, x := range rep.Goals {
		p("| %s | %s | **%s** |\n", x.Target, x.Figure, x.Verdict)
	}

	p("\n## Per operation and concurrency\n\n")
	p("Closed loop: each of *c* clients sends its next request when the last is answered. ")
	p("rps and latencies are over the measured %s after a %s warm-up; latencies are exact percentiles of every request. ",
		cfg.Duration, cfg.Warmup)
	if rep.Database.Counter == counterStatements {
		p("Statements per request are PostgreSQL's own count (pg_stat_statements: calls of top-level statements in the benchmark database over the warm-up and measured run, divided by their requests; a parallel worker is not a statement); ")
	} else {
		p("Statements per request are PostgreSQL's own count, as transactions (pg_stat_database over the warm-up and measured run, divided by their requests): %s; ", rep.Database.CounterNote)
	}
	p("errors count every answer that is not the expected one (byte for byte; for a write, shaped like the first), in either run; peak RSS is the server process's VmHWM over the cell; ")
	p("allocations per request are the API handler's, in-process (below: exact, one request at a time, the same for every concurrency), beside the load figures they drive; ")
	p("CPU per request is the CPU time the server process, and the whole PostgreSQL server where it runs on this machine, used over the measured run (/proc, in ticks of 10 ms), divided by its requests: the three processes share the cores, so it says where a request's time went.\n\n")
	p("| operation | server | c | rps | p50 ms | p95 ms | p99 ms | statements / request (levels) | errors | peak RSS MiB | allocations / request | CPU ms / request: server, PostgreSQL |\n")
	p("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range rep.Cells {
		want := "?"
		if op := rep.operation(c.Operation); op != nil && op.Statements > 0 {
			want = fmt.Sprint(op.Statements)
		}
		if op := rep.operation(c.Operation); c.Server == "ceiling" && op != nil {
			want = fmt.Sprint(op.CeilingStatements)
		}
		mark := ""
		if c.Others > 0 || c.Evicted {
			mark = " †"
		}
		rss := fmt.Sprintf("%.0f", float64(c.PeakRSS)/mib)
		if !c.RSSReset {
			rss += " ‡"
		}
		allocs := "—"
		if r := rep.inProcessOf(c.Operation); r != nil && c.Server == "api" {
			allocs = fmt.Sprintf("%.0f", r.AllocsOp)
		}
		cpu := "—"
		if c.ServerCPUms > 0 {
			cpu = fmt.Sprintf("%.2f, ", c.ServerCPUms)
			if c.PostgresCPUms > 0 {
				cpu += fmt.Sprintf("%.2f", c.PostgresCPUms)
			} else {
				cpu += "—"
			}
		}
		p("| %s | %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f (%s)%s | %d | %s | %s | %s |\n", c.Operation, c.Server, c.Concurrency,
			c.RPS, c.P50ms, c.P95ms, c.P99ms, c.Statements, want, mark, c.Errors, rss, allocs, cpu)
	}
	var others, unreset bool
	for _, c := range rep.Cells {
		others, unreset = others || c.Others > 0 || c.Evicted, unreset || !c.RSSReset
	}
	if others {
		p("\n† other clients used the benchmark database during the cell, and their statements are in the figure too; or pg_stat_statements dropped entries for room, and the figure may have lost some.\n")
	}
	if unreset {
		p("\n‡ the kernel refused to reset the peak: the figure is the process's peak since it started.\n")
	}
	for _, c := range rep.Cells {
		if c.FirstError != "" {
			p("\nFirst error of %s on %s at c%d: `%s`\n", c.Operation, c.Server, c.Concurrency, c.FirstError)
		}
	}

	for _, op := range rep.Operations {
		if !op.Ceiling || rep.find(op.Name, "ceiling", cfg.levels[0]) == nil {
			continue
		}
		p("\n## %s against the ceiling\n\n", op.Name)
		if op.Check == checkExact {
			p("The ceiling (`bench/cmd/ceiling`) answers the same page, byte for byte (checked before measuring), with %d hand-written SQL statements through pgx and encoding/json. ", op.CeilingStatements)
		} else {
			p("The ceiling (`bench/cmd/ceiling`) makes the same write with the same %d statements by hand through pgx, in one transaction, triggers, audit row and events included, and answers JSON of the same shape (checked before measuring and on every answer). ", op.CeilingStatements)
		}
		p("The two ran back to back at each concurrency, taking turns at going first.\n\n")
		p("| c | API rps | ceiling rps | API / ceiling | API p99 ms | ceiling p99 ms | p99 API / ceiling | API peak RSS MiB | ceiling peak RSS MiB |\n")
		p("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, n := range cfg.levels {
			a, c := rep.find(op.Name, "api", n), rep.find(op.Name, "ceiling", n)
			if a == nil || c == nil {
				continue
			}
			p("| %d | %.1f | %.1f | %.0f%% | %.1f | %.1f | %.1f× | %.0f | %.0f |\n", n, a.RPS, c.RPS, 100*ratio(a.RPS, c.RPS),
				a.P99ms, c.P99ms, ratio(a.P99ms, c.P99ms), float64(a.PeakRSS)/mib, float64(c.PeakRSS)/mib)
		}
	}

	if len(rep.LostUpdates) > 0 {
		p("\n## Lost updates\n\n")
		p("Not timed: concurrent writers update one project through the API, each attempt with the version it has just read; a CONFLICT makes the next attempt read again. ")
		p("No update is lost when every attempt is a success or a CONFLICT and the final version is the initial one plus the successes.\n\n")
		p("| operation | project | writers | attempts | successes | conflicts | other | version before → after | seconds | verdict |\n")
		p("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |\n")
		for _, l := range rep.LostUpdates {
			verdict := "**no update lost**"
			if !l.Held {
				verdict = "**failed**: " + strings.ReplaceAll(l.Error+" "+l.FirstOther, "|", "\\|")
			}
			p("| %s | `%s` | %d | %d | %d | %d | %d | %d → %d (+%d) | %.1f | %s |\n", l.Operation, l.Project, l.Writers, l.Attempts,
				l.Successes, l.Conflicts, l.Other, l.InitialVersion, l.FinalVersion, l.FinalVersion-l.InitialVersion, l.Seconds, verdict)
		}
	}

	if len(rep.InProcess) > 0 {
		p("\n## In-process: one request through the handler\n\n")
		p("No network and no other process: the handler serves an httptest request over the same database. ")
		p("Allocations are exact; time per request swings with the machine's other load. ")
		p("GC settings of this process: %s (`BENCH_GOGC` and `BENCH_GOMEMLIMIT` set them here, in `go test` and in the servers alike).\n\n", rep.InProcessGC)
		p("| operation | ms / request | bytes / request | allocations / request | statements / request (the API's counter) | measured by |\n")
		p("| --- | ---: | ---: | ---: | ---: | --- |\n")
		for _, r := range rep.InProcess {
			if r.Error != "" {
				p("| %s | failed: %s | | | | %s |\n", r.Operation, strings.ReplaceAll(r.Error, "\n", " "), r.Source)
				continue
			}
			p("| %s | %.2f | %.0f | %.0f | %.2f | %s |\n", r.Operation, r.NsPerOp/1e6, r.BytesPerOp, r.AllocsOp, r.Statements, r.Source)
		}
	}

	for _, pr := range rep.Profiles {
		p("\n## Where the CPU goes: %s, %d concurrent requests, in-process\n\n", pr.Operation, pr.Workers)
		p("A CPU profile of the handler answering %d requests at once for %s (%d answered, GOMAXPROCS %d); ",
			pr.Workers, pr.Duration, pr.Requests, pr.GOMAXPROCS)
		p("the server has no profiling endpoint, so this is the in-process stand-in for a profile of the server at c%d. ", pr.Workers)
		p("Full `go tool pprof -top` output, by own and by cumulative time: [%s](%s).\n\n", pr.File, pr.File)
		p("| part | share of CPU, with what it calls (parts overlap) | function |\n| --- | ---: | --- |\n")
		for _, x := range pr.Parts {
			share := "—"
			if x.Share >= 0 {
				share = fmt.Sprintf("%.0f%%", 100*x.Share)
			}
			p("| %s | %s | `%s` |\n", x.Part, share, x.Function)
		}
		p("\nThe heaviest functions by own time:\n\n```\n%s```\n", topRows(pr.ByFlat, 20))
	}

	p("\n## Setting\n\n")
	p("- Machine: %s, %d CPUs, %s memory, Linux %s (%s); load average at start %s.\n", m.CPU, m.CPUs, m.Memory, m.Kernel, m.GOOSARCH, m.LoadAvg)
	p("- The machine is shared: the load generator, both servers, PostgreSQL and other engineers' builds and tests run on the same %d cores. ", m.CPUs)
	p("Figures move ±15–20%% from run to run; compare within one run (the ceiling and the API run back to back for that reason).\n")
	p("- Code: %s.\n", v.Revision)
	p("- Versions: %s; gqlgen %s; pgx %s; GORM %s; PostgreSQL %s; load generator vegeta %s.\n", v.Go, v.Gqlgen, v.Pgx, v.Gorm, v.PostgreSQL, v.Vegeta)
	db := rep.Database
	own := ""
	if db.Own {
		own = " (the benchmark's own PostgreSQL, `--pg-data-dir`)"
	}
	p("- Database: `%s` on %s%s, scale 1 (%d customers, %d projects; seed 1), copied in %.0f s from the template `%s`%s; statements counted with %s.\n", db.Name, db.Server, own,
		db.Customers, db.Projects, db.CopySeconds, db.Template,
		map[bool]string{true: ", which this run seeded", false: " seeded by an earlier run (same seed program)"}[db.Created], db.Counter)
	p("- Servers: the API binary (`serve`, LOG_LEVEL=warn) and the ceiling, each a child process on a free 127.0.0.1 port, ")
	p("DB_MAX_CONNS=%d each; GOGC %s; GOMEMLIMIT %s.\n", cfg.DBMaxConns, rep.Settings.GOGC, rep.Settings.GOMEMLIMIT)
	p("- Load: vegeta's attacker as a library, rate 0 (as fast as answered) with exactly *c* workers, keep-alive, no compression; ")
	p("concurrency %s; warm-up %s; measured %s; before any cell every operation ran %s at the highest concurrency (open and prepare every pooled connection); ",
		strings.Trim(strings.Join(strings.Fields(fmt.Sprint(cfg.levels)), ", "), "[]"), cfg.Warmup, cfg.Duration, cfg.Prime)
	if cfg.Settle > 0 {
		p("%s of quiet after each cell before reading the statistics.\n", cfg.Settle)
	} else {
		p("the statistics read right after each cell (pg_stat_statements counts a statement as it ends, before its client has the answer).\n")
	}
	p("- Operations with `max_concurrency` (the analytics reports: 16) have no cell above it.\n")

	p("\n## Operations\n\n| operation | document | variables | what it is |\n| --- | --- | --- | --- |\n")
	for _, op := range rep.Operations {
		vars := "—"
		if len(op.Variables) > 0 {
			b, _ := json.Marshal(op.Variables)
			vars = "`" + string(b) + "`"
		}
		p("| %s | [%s](../operations/%s) | %s | %s |\n", op.Name, op.Document, op.Document, vars, op.About)
	}
	return b.String()
}

// topRows is the column header and the first n rows of a `pprof -top`
// listing, without the profile's preamble.
func topRows(listing string, n int) string {
	lines := strings.Split(listing, "\n")
	for i, l := range lines {
		if strings.Contains(l, "flat%") {
			return strings.Join(lines[i:min(i+1+n, len(lines))], "\n") + "\n"
		}
	}
	return listing
}

// svg draws, first, each operation the ceiling answers as the API's share
// of the ceiling's throughput at each concurrency, against issue #20's
// goal; then requests per second as bars: one panel per operation and
// server, one bar per concurrency. Each operation has its own scale, since
// their throughputs lie orders of magnitude apart.
func (rep *report) svg() string {
	type bar struct {
		value float64
		label string
		title string
	}
	type panel struct {
		title string
		sub   string // a second line under the title
		bars  []bar
		max   float64 // the value of a full-height bar
		goal  float64 // a dashed line there; 0: none
	}
	var panels []panel
	scale := map[string]float64{}
	for _, c := range rep.Cells {
		scale[c.Operation] = math.Max(scale[c.Operation], c.RPS)
	}
	for _, op := range rep.Operations {
		if !op.Ceiling {
			continue
		}
		pn := panel{title: op.Name, sub: "API / ceiling, rps", max: 1, goal: op.CeilingGoal}
		for _, c := range rep.Config.levels {
			a, x := rep.find(op.Name, "api", c), rep.find(op.Name, "ceiling", c)
			if a == nil || x == nil {
				continue
			}
			r := ratio(a.RPS, x.RPS)
			if math.IsNaN(r) {
				r = 0
			}
			pn.max = math.Max(pn.max, r)
			pn.bars = append(pn.bars, bar{r, fmt.Sprintf("%.0f%%", 100*r),
				fmt.Sprintf("%s c=%d: %.1f of %.1f rps", op.Name, c, a.RPS, x.RPS)})
		}
		if len(pn.bars) > 0 {
			panels = append(panels, pn)
		}
	}
	for _, op := range rep.Operations {
		servers := []string{"api"}
		if op.Ceiling {
			servers = []string{"ceiling", "api"}
		}
		for _, s := range servers {
			// An operation's panels share a scale, so that the API's bars
			// stand against the ceiling's at their true proportion.
			pn := panel{title: op.Name, max: math.Max(scale[op.Name], 1)}
			if op.Ceiling {
				pn.sub = map[string]string{"api": "API", "ceiling": "ceiling"}[s] + ", rps"
			}
			for _, c := range rep.Config.levels {
				if x := rep.find(op.Name, s, c); x != nil {
					pn.bars = append(pn.bars, bar{x.RPS, shortRPS(x.RPS), fmt.Sprintf("%s %s c=%d: %.1f rps", op.Name, s, c, x.RPS)})
				}
			}
			panels = append(panels, pn)
		}
	}
	colors := []string{"#9ecae1", "#4292c6", "#08519c", "#08306b", "#041a3a"}
	const pw, ph, top, bottom, left, perRow = 170, 200, 70, 52, 20, 9
	rows := (len(panels) + perRow - 1) / perRow
	w := left + pw*min(len(panels), perRow) + 10
	h := top + (ph+bottom)*rows
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", w, h, w, h)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%d" y="22" font-size="15" font-weight="bold">The API against the ceiling, and requests per second by operation and concurrency</text>`+"\n", left)
	p(`<text x="%d" y="40" fill="#555">%s, %d CPUs shared with PostgreSQL and the load generator; %s per cell; dashed: issue #20's goal; each operation has its own scale (the API and the ceiling share theirs)</text>`+"\n",
		left, html.EscapeString(rep.Started.UTC().Format("2006-01-02")), rep.Machine.CPUs, rep.Config.Duration)
	for i, c := range rep.Config.levels {
		x := left + i*70
		p(`<rect x="%d" y="50" width="10" height="10" fill="%s"/><text x="%d" y="59">c = %d</text>`+"\n", x, colors[min(i, len(colors)-1)], x+14, c)
	}
	for i, pn := range panels {
		x0 := left + (i%perRow)*pw
		base := top + (i/perRow)*(ph+bottom) + ph
		p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", x0+5, base, x0+pw-15, base)
		bw := (pw - 30) / max(len(pn.bars), 1)
		for j, x := range pn.bars {
			bh := int(float64(ph-20) * x.value / pn.max)
			bx := x0 + 10 + j*bw
			p(`<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
				bx, base-bh, bw-6, bh, colors[min(j, len(colors)-1)], html.EscapeString(x.title))
			p(`<text x="%d" y="%d" text-anchor="middle">%s</text>`+"\n", bx+(bw-6)/2, base-bh-4, x.label)
		}
		if pn.goal > 0 {
			gy := base - int(float64(ph-20)*pn.goal/pn.max)
			p(`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d62728" stroke-dasharray="4 3"/><text x="%d" y="%d" fill="#d62728" text-anchor="end">goal %.0f%%</text>`+"\n",
				x0+5, gy, x0+pw-15, gy, x0+pw-15, gy-3, 100*pn.goal)
		}
		p(`<text x="%d" y="%d" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x0+(pw-10)/2, base+18, html.EscapeString(pn.title))
		if pn.sub != "" {
			p(`<text x="%d" y="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", x0+(pw-10)/2, base+32, html.EscapeString(pn.sub))
		}
	}
	p("</svg>\n")
	return b.String()
}

func shortRPS(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
