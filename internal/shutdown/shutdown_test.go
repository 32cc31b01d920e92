package shutdown_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/shutdown"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// Steps run phase by phase, whatever order they were added in: requests
// drain before writes flush, and the database closes last. A failed flush
// does not keep the database open; its error is reported.
func TestSequence_RunsPhasesInOrderAndEveryStepDespiteFailures(t *testing.T) {
	var s shutdown.Sequence
	var ran []string
	step := func(name string, err error) func(context.Context) error {
		return func(context.Context) error { ran = append(ran, name); return err }
	}
	flushFailed := errors.New("audit store unreachable")
	s.Add(shutdown.Release, "database", step("database", nil))
	s.Add(shutdown.Flush, "audit", step("audit", flushFailed))
	s.Add(shutdown.Drain, "http", step("http", nil))
	s.Add(shutdown.Flush, "persisted queries", step("persisted queries", nil))

	err := s.Run(context.Background(), time.Minute, discard)
	if want := []string{"http", "audit", "persisted queries", "database"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
	if !errors.Is(err, flushFailed) {
		t.Errorf("Run returned %v, want the audit flush's error", err)
	}
	if err := s.Run(context.Background(), time.Minute, discard); err != nil || len(ran) != 4 {
		t.Errorf("a second Run ran steps again (%v) or failed (%v)", ran, err)
	}
}

// Every step works under one deadline, even when the signal's context is
// already cancelled (as it is when SIGTERM arrives).
func TestSequence_StepsGetTheTimeoutNotTheCancelledSignalContext(t *testing.T) {
	var s shutdown.Sequence
	var deadline time.Time
	var cancelled error
	s.Add(shutdown.Flush, "check", func(ctx context.Context) error {
		deadline, _ = ctx.Deadline()
		cancelled = ctx.Err()
		return nil
	})
	signalled, cancel := context.WithCancel(context.Background())
	cancel()
	before := time.Now()
	if err := s.Run(signalled, 5*time.Second, discard); err != nil {
		t.Fatal(err)
	}
	if cancelled != nil {
		t.Errorf("the step's context was already done: %v", cancelled)
	}
	if d := deadline.Sub(before); d < 4*time.Second || d > 6*time.Second {
		t.Errorf("the step's deadline is %s away, want the 5s timeout", d)
	}
}
