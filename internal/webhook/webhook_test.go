package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

// A burst of writes from several writers across entities reaches the
// receiver complete, each entity's events in the order they were written,
// each message signed as the reference library verifies; an event of a
// write that rolled back is never sent.
func TestDeliver_BurstArrivesCompleteAndInOrderPerEntity(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	rc := newReceiver(t, nil)
	_, secret := f.endpoint(rc.URL, "*")
	entities := entityNames(8)
	const perEntity = 15
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each writer owns two entities and writes them in turns;
			// one transaction may carry events of both.
			mine := entities[2*w : 2*w+2]
			for seq := 1; seq <= perEntity; seq++ {
				if seq%3 == 0 {
					f.write(seq, mine...)
				} else {
					f.write(seq, mine[0])
					f.write(seq, mine[1])
				}
			}
		}()
	}
	rolledBack := errors.New("the write failed")
	if err := f.writeTx(1000, rolledBack, "P1"); !errors.Is(err, rolledBack) {
		t.Fatalf("rolled-back write: %v", err)
	}
	wg.Wait()
	want := len(entities) * perEntity
	rc.await(t, "every event", func() bool { return len(rc.delivered()) >= want })
	got := rc.delivered()
	inOrder(t, got, entities, perEntity)
	for _, m := range got {
		if m.Seq == 1000 {
			t.Errorf("the event of a rolled-back write was delivered: %s", m.Body)
		}
		if m.Type != events.ProjectUpdated {
			t.Errorf("message %s: type %q", m.ID, m.Type)
		}
	}
	newVerifier(t).verifyAll(t, secret, got)
}

// The receiver fails for a while — 500s, answers slower than the attempt's
// timeout, 429 with Retry-After — then recovers: everything arrives, each
// entity's events in order, and every attempt is listed with what it met.
func TestDeliver_ReceiverFailsThenRecovers(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	rc := newReceiver(t, func(n int, m message, w http.ResponseWriter, r *http.Request) int {
		switch {
		case n < 4:
			return http.StatusInternalServerError
		case n < 6:
			// Slower than the attempt's timeout: the sender gives up.
			<-r.Context().Done()
			return 0
		case n < 8:
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		}
		return http.StatusOK
	})
	ep, secret := f.endpoint(rc.URL, events.ProjectUpdated)
	entities := entityNames(3)
	const perEntity = 5
	for seq := 1; seq <= perEntity; seq++ {
		f.write(seq, entities...)
	}
	want := len(entities) * perEntity
	rc.await(t, "every event after the failures", func() bool { return len(rc.delivered()) >= want })
	got := rc.delivered()
	inOrder(t, got, entities, perEntity)
	newVerifier(t).verifyAll(t, secret, got)

	ds, err := f.svc.Deliveries(asAdmin(), ep.ID, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	statuses := map[string]int{}
	retryAfterHonoured := false
	for _, d := range ds {
		if d.Status != "delivered" {
			t.Errorf("delivery %d: %s", d.ID, d.Status)
		}
		for _, a := range d.Tries {
			switch {
			case a.StatusCode == nil:
				statuses["none"]++
			default:
				statuses[http.StatusText(*a.StatusCode)]++
				if *a.StatusCode == http.StatusTooManyRequests && a.NextAttemptAt != nil && a.NextAttemptAt.Sub(a.At) >= 900*time.Millisecond {
					retryAfterHonoured = true
				}
			}
		}
	}
	if statuses["Internal Server Error"] != 4 || statuses["none"] != 2 || statuses["Too Many Requests"] != 2 || statuses["OK"] != want {
		t.Errorf("attempts by answer: %v; want 4 errors, 2 timeouts, 2 throttled, %d OK", statuses, want)
	}
	if !retryAfterHonoured {
		t.Error("no attempt after a 429 was scheduled by its Retry-After (1 s, beyond the backoff's 100 ms)")
	}
}

// A receiver answering 410 Gone disables its endpoint with the reason;
// nothing more is attempted until an admin resumes it, and then what was
// pending arrives.
func TestDeliver_GoneDisablesTheEndpoint(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	var gone sync.Mutex
	isGone := true
	rc := newReceiver(t, func(n int, m message, w http.ResponseWriter, r *http.Request) int {
		gone.Lock()
		defer gone.Unlock()
		if isGone {
			return http.StatusGone
		}
		return http.StatusOK
	})
	ep, _ := f.endpoint(rc.URL, "*")
	f.write(1, "P1")
	rc.await(t, "the first attempt", func() bool { return len(rc.messages()) == 1 })
	var disabled *webhook.Endpoint
	waitFor(t, "the endpoint disabled", func() bool {
		eps, err := f.svc.Endpoints(asAdmin())
		if err != nil {
			t.Fatal(err)
		}
		disabled = eps[0]
		return disabled.DisabledAt != nil
	})
	if disabled.DisabledReason == nil || !strings.Contains(*disabled.DisabledReason, "410") {
		t.Errorf("disabled because %v, want the 410", disabled.DisabledReason)
	}
	gone.Lock()
	isGone = false
	gone.Unlock()
	if _, err := f.svc.Resume(asAdmin(), ep.ID); err != nil {
		t.Fatal(err)
	}
	f.write(2, "P1")
	rc.await(t, "both events after resuming", func() bool { return len(rc.delivered()) == 2 })
	inOrder(t, rc.delivered(), []string{"P1"}, 2)
	if n := len(rc.messages()); n != 3 {
		t.Errorf("%d requests, want 3: the 410, then each event once", n)
	}
}

// waitFor polls cond against the database (what no request signals).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute, still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// After a rotation both the new and the old secret verify each message
// during the overlap; once the old secret has expired, only the new one.
func TestRotation_BothSecretsVerifyDuringTheOverlap(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	rc := newReceiver(t, nil)
	ep, old := f.endpoint(rc.URL, "*")
	v := newVerifier(t)
	f.write(1, "P1")
	rc.await(t, "the first event", func() bool { return len(rc.delivered()) == 1 })
	r, err := f.svc.RotateSecret(asAdmin(), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	rotated := r.Secret
	if rotated == old || !strings.HasPrefix(rotated, "whsec_") {
		t.Fatalf("rotated secret %q", rotated)
	}
	f.write(2, "P1")
	rc.await(t, "the second event", func() bool { return len(rc.delivered()) == 2 })
	second := rc.delivered()[1]
	if got := len(strings.Fields(second.Headers["webhook-signature"])); got != 2 {
		t.Errorf("%d signatures during the overlap, want 2", got)
	}
	for name, secret := range map[string]string{"old": old, "new": rotated} {
		if got := v.verify(t, secret, second); got != "ok" {
			t.Errorf("during the overlap, the %s secret: %s", name, got)
		}
	}
	// The overlap ends.
	if err := f.db.WithContext(context.Background()).Exec(`UPDATE webhook_secrets SET expires_at = now() - interval '1 second'
		WHERE expires_at IS NOT NULL`).Error; err != nil {
		t.Fatal(err)
	}
	f.write(3, "P1")
	rc.await(t, "the third event", func() bool { return len(rc.delivered()) == 3 })
	third := rc.delivered()[2]
	if got := v.verify(t, rotated, third); got != "ok" {
		t.Errorf("after the overlap, the new secret: %s", got)
	}
	if got := v.verify(t, old, third); got == "ok" {
		t.Error("after the overlap, the old secret still verifies")
	}
}

// The delivering process is killed (SIGKILL) while the receiver holds one
// of its requests; started again, it delivers every event, each entity's
// in order: none lost.
func TestDeliver_KilledMidDeliveryThenRestartedLosesNothing(t *testing.T) {
	f := newFixture(t, testConfig(), false)
	held := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, func(n int, m message, w http.ResponseWriter, r *http.Request) int {
		if n == 5 {
			once.Do(func() { close(held) })
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return http.StatusOK
		}
		return http.StatusOK
	})
	f.endpoint(rc.URL, "*")
	entities := entityNames(3)
	const perEntity = 10
	for seq := 1; seq <= perEntity; seq++ {
		f.write(seq, entities...)
	}
	worker := startWorker(t, f.url)
	select {
	case <-held:
	case <-time.After(time.Minute):
		t.Fatal("no sixth request within a minute")
	}
	if err := worker.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = worker.Wait()
	close(release)
	startWorker(t, f.url)
	want := len(entities) * perEntity
	rc.await(t, "every event after the restart", func() bool { return len(rc.delivered()) >= want })
	inOrder(t, rc.delivered(), entities, perEntity)
}

// startWorker runs a delivering process over url (this test binary, see
// TestMain) and waits until it delivers.
func startWorker(t *testing.T, url string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WEBHOOK_TEST_WORKER_DB="+url)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	buf := make([]byte, len("delivering"))
	if _, err := out.Read(buf); err != nil || string(buf) != "delivering" {
		t.Fatalf("worker did not start: %q, %v", buf, err)
	}
	return cmd
}

// An endpoint deleted while one of its attempts is in flight is deleted
// once that attempt is recorded: the delete succeeds, and the attempt,
// neither failed nor deadlocked, ends its job without an error.
func TestDelete_WhileAnAttemptIsInFlight(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	arrived, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	rc := newReceiver(t, func(n int, m message, w http.ResponseWriter, r *http.Request) int {
		if n == 0 {
			close(arrived)
			<-release
		}
		return http.StatusNoContent
	})
	// Registered after the receiver's cleanup, so it runs before its
	// Close: a failed test must not leave the request held.
	t.Cleanup(releaseOnce)
	ep, _ := f.endpoint(rc.URL, "*")
	f.write(1, "P1")
	<-arrived
	deleted := make(chan error, 1)
	go func() {
		_, err := f.svc.Delete(asAdmin(), ep.ID)
		deleted <- err
	}()
	// The delete waits for the attempt's lock on the endpoint.
	var early bool
	var err error
	waitFor(t, "the delete to wait for the attempt in flight", func() bool {
		select {
		case err = <-deleted:
			early = true
			return true
		default:
		}
		var waiting bool
		_ = f.db.WithContext(context.Background()).Raw(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM webhook_endpoints%')`).
			Scan(&waiting).Error
		return waiting
	})
	if early {
		t.Errorf("the endpoint was deleted (%v) while its attempt was in flight, which then cannot be recorded", err)
	}
	releaseOnce()
	if !early {
		err = <-deleted
	}
	if err != nil {
		t.Fatalf("deleting the endpoint while an attempt was in flight: %v", err)
	}
	waitFor(t, "the delivery job to end", func() bool {
		var running int
		_ = f.db.WithContext(context.Background()).Raw(`SELECT count(*) FROM river_job WHERE kind = 'webhook_delivery'
			AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&running).Error
		return running == 0
	})
	var errs int
	if err := f.db.WithContext(context.Background()).Raw(`SELECT count(*) FROM river_job WHERE kind = 'webhook_delivery'
		AND errors IS NOT NULL`).Scan(&errs).Error; err != nil {
		t.Fatal(err)
	}
	if errs != 0 {
		t.Errorf("%d delivery jobs recorded an error", errs)
	}
}
