package store

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// However many siblings ask at once, a relation is fetched once per set and
// window, and every sibling gets that one result.
func TestSetLoad_OneFetchForAllSiblings(t *testing.T) {
	s := &set{ctx: context.Background()}
	var fetches atomic.Int32
	fetch := func(context.Context) (any, error) {
		fetches.Add(1)
		time.Sleep(10 * time.Millisecond) // let the others arrive while it runs
		return "rows", nil
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.load("Customer.projects", page.Window{Limit: 10}, fetch)
			if v != "rows" || err != nil {
				t.Errorf("load = %v, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for 50 siblings, want 1", n)
	}
	// Another window (other arguments) of the same relation is its own load.
	if _, err := s.load("Customer.projects", page.Window{Limit: 5}, fetch); err != nil || fetches.Load() != 2 {
		t.Fatalf("a second window made %d fetches in all, want 2 (err %v)", fetches.Load(), err)
	}
}

// A fetch that panics fails the relation for every sibling instead of
// leaving them waiting, and the error keeps the stack for the log.
func TestSetLoad_PanicBecomesEverySiblingsError(t *testing.T) {
	s := &set{ctx: context.Background()}
	started := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				<-started
			}
			_, err := s.load("Project.team", page.Window{}, func(context.Context) (any, error) {
				close(started)
				time.Sleep(10 * time.Millisecond)
				panic("boom")
			})
			errs <- err
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("siblings still waiting after the fetch panicked")
	}
	close(errs)
	for err := range errs {
		if err == nil || !strings.Contains(err.Error(), "panic: boom") || !strings.Contains(err.Error(), "goroutine") {
			t.Fatalf("err = %v, want the panic with its stack", err)
		}
	}
}

// A sibling whose request is cancelled stops waiting.
func TestSetLoad_WaiterStopsWhenTheRequestEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &set{ctx: ctx}
	release := make(chan struct{})
	go func() {
		_, _ = s.load("Employee.manager", page.Window{}, func(context.Context) (any, error) {
			<-release
			return nil, nil
		})
	}()
	for { // wait until the first load is registered
		s.mu.Lock()
		n := len(s.loaded)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if _, err := s.load("Employee.manager", page.Window{}, nil); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(release)
}
