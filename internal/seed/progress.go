package seed

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports rows copied: a bar on a terminal, otherwise a line per
// table every fifth of it (but not more often than every 100,000 rows), so
// logs of a long load stay short. pgx pulls rows on a goroutine of its own,
// so progress is safe for concurrent use.
type progress struct {
	mu      sync.Mutex
	out     io.Writer // nil: silent
	bar     *progressbar.ProgressBar
	current string // table the bar describes
	tables  []tableProgress
}

type tableProgress struct {
	name                    string
	done, total, step, next int64
}

func newProgress(out io.Writer, tables []table) *progress {
	p := &progress{out: out}
	var total int64
	for _, t := range tables {
		total += t.rows
		step := max(t.rows/5, 100_000)
		p.tables = append(p.tables, tableProgress{name: t.name, total: t.rows, step: step, next: min(step, t.rows)})
	}
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("seed"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(out) }),
		)
	}
	return p
}

func (p *progress) find(name string) int {
	for i := range p.tables {
		if p.tables[i].name == name {
			return i
		}
	}
	return -1
}

// add counts n more rows copied into table.
func (p *progress) add(table string, n int64) {
	if p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tp := &p.tables[p.find(table)]
	tp.done += n
	if p.bar != nil {
		if p.current != table {
			p.current = table
			p.bar.Describe(table)
		}
		_ = p.bar.Add64(n) // a display glitch must not fail the load
		return
	}
	for tp.next > 0 && tp.done >= tp.next {
		fmt.Fprintf(p.out, "seed: %s %d/%d\n", table, tp.next, tp.total)
		if tp.next == tp.total {
			tp.next = -1 // reported in full
		} else {
			tp.next = min(tp.next+tp.step, tp.total)
		}
	}
}

// note reports a step that is not a table's rows, such as ANALYZE.
func (p *progress) note(format string, args ...any) {
	if p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil && !p.bar.IsFinished() {
		p.current = fmt.Sprintf(format, args...)
		p.bar.Describe(p.current)
		return
	}
	fmt.Fprintf(p.out, "seed: "+format+"\n", args...)
}

// finish closes the bar.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
