// Package shutdown is the order in which the server stops: first it stops
// taking requests and lets those in flight finish, then the parts that
// hold pending writes (the audit log, persisted-query usage) flush them,
// then the connections to the database close. A part registers what it
// must do at stop time with Add; the server runs the sequence once, on
// SIGTERM or SIGINT.
package shutdown

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Phase orders the steps: every step of a phase runs before any step of the
// next, and steps of one phase run in the order they were added.
type Phase int

const (
	// Drain stops accepting requests and waits for those in flight.
	Drain Phase = iota
	// Flush writes out what the server holds in memory (audit records,
	// persisted-query usage); the database is still open.
	Flush
	// Release closes the database pool and stops the embedded server.
	Release
)

func (p Phase) String() string {
	return [...]string{"drain", "flush", "release"}[p]
}

type step struct {
	phase Phase
	name  string
	run   func(context.Context) error
}

// Sequence is the server's list of stop steps. The zero value is ready.
type Sequence struct {
	mu    sync.Mutex
	steps []step
	done  bool
}

// Add registers run as the step called name in phase. A step gets the
// sequence's context, whose deadline bounds the whole stop; it should
// return when the context ends.
func (s *Sequence) Add(phase Phase, name string, run func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = append(s.steps, step{phase: phase, name: name, run: run})
}

// Run runs every step, phase by phase, within timeout, logging each. A
// failed step does not stop the others (a flush that failed must not keep
// the database open forever); their errors come back joined. Run does its
// work once; later calls return nil.
func (s *Sequence) Run(ctx context.Context, timeout time.Duration, log *slog.Logger) error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil
	}
	s.done = true
	steps := append([]step(nil), s.steps...)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	var errs []error
	for phase := Drain; phase <= Release; phase++ {
		for _, st := range steps {
			if st.phase != phase {
				continue
			}
			start := time.Now()
			err := st.run(ctx)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %s: %w", phase, st.name, err))
				log.Error("shutdown step failed", "phase", phase.String(), "step", st.name, "err", err)
				continue
			}
			log.Info("shutdown step done", "phase", phase.String(), "step", st.name, "took", time.Since(start))
		}
	}
	return errors.Join(errs...)
}
