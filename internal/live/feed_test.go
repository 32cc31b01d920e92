package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

// fixture is a feed running over a fresh database of the test's own.
type fixture struct {
	t    *testing.T
	url  string
	db   *database.DB
	feed *live.Feed
}

func start(t *testing.T, cfg live.Config) *fixture {
	t.Helper()
	url := testdb.Fresh(t)
	db, err := database.Open(context.Background(), url, database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg.URL, cfg.DB = url, db
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	f := live.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; _ = db.Close() })
	return &fixture{t: t, url: url, db: db, feed: f}
}

// appendEvents commits one event per entity id, in one transaction.
func (fx *fixture) appendEvents(ids ...string) {
	fx.t.Helper()
	if err := fx.db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		return events.Append(ctx, tx, evs(ids...)...)
	}); err != nil {
		fx.t.Fatal(err)
	}
}

func evs(ids ...string) []events.Event {
	out := make([]events.Event, len(ids))
	for i, id := range ids {
		out[i] = events.Event{Type: events.ProjectUpdated, EntityType: "Project", EntityID: id, Actor: "test",
			Data: map[string]any{"project": id}}
	}
	return out
}

func (fx *fixture) subscribe(opts live.Options) *live.Subscription {
	fx.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := fx.feed.Subscribe(ctx, opts)
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.t.Cleanup(s.Close)
	return s
}

// receive reads n events' entity ids from s, failing after 10 s without
// one.
func receive(t *testing.T, s *live.Subscription, n int) []string {
	t.Helper()
	var got []string
	for range n {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		e, err := s.Next(ctx)
		cancel()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, e.EntityID)
	}
	return got
}

func equal(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Committed events reach the subscribers whose match takes them, in the
// order of their ids; an event rolled back never does, and the hole it
// leaves in the ids does not hold back the events after it.
func TestFeed_CommittedEventsArriveInOrderRolledBackNever(t *testing.T) {
	fx := start(t, live.Config{})
	all := fx.subscribe(live.Options{})
	onlyB := fx.subscribe(live.Options{Match: func(e *live.Event) bool { return e.EntityID == "b" }})
	fx.appendEvents("a", "b")
	_ = fx.db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		if err := events.Append(ctx, tx, evs("rolled back")...); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	fx.appendEvents("c")
	fx.appendEvents("b")
	equal(t, receive(t, all, 4), "a", "b", "c", "b")
	equal(t, receive(t, onlyB, 2), "b", "b")
}

// A transaction still in flight holds a lower id than one that committed
// after it: the feed waits for it, so the events come in id order and the
// late one is not skipped.
func TestFeed_WaitsForTheTransactionInFlightBelow(t *testing.T) {
	fx := start(t, live.Config{})
	s := fx.subscribe(live.Options{})
	appended, commit, committed := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		committed <- fx.db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
			if err := events.Append(ctx, tx, evs("first")...); err != nil {
				return err
			}
			close(appended)
			<-commit
			return nil
		})
	}()
	<-appended
	fx.appendEvents("second") // a higher id, committed first
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	e, err := s.Next(ctx)
	cancel()
	if err == nil {
		t.Fatalf("%s arrived while the lower id was in flight", e.EntityID)
	}
	close(commit)
	if err := <-committed; err != nil {
		t.Fatal(err)
	}
	equal(t, receive(t, s, 2), "first", "second")
}

// The listener's connection killed by the database (a restart, a
// failover, an operator): the feed reconnects and reads from the table
// what committed meanwhile, so the notifications lost with the
// connection lose no event.
func TestFeed_ListenerReconnectsWithoutLosingAnEvent(t *testing.T) {
	fx := start(t, live.Config{})
	s := fx.subscribe(live.Options{})
	fx.appendEvents("before")
	equal(t, receive(t, s, 1), "before")
	for round := range 3 {
		var killed int
		if err := fx.db.WithContext(context.Background()).Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = ? AND datname = current_database()`, live.ApplicationName).Scan(&killed).Error; err != nil {
			t.Fatal(err)
		}
		if killed != 1 {
			t.Fatalf("round %d: terminated %d listeners, want 1", round, killed)
		}
		fx.appendEvents("while down 1", "while down 2")
		fx.appendEvents("while down 3")
		equal(t, receive(t, s, 3), "while down 1", "while down 2", "while down 3")
	}
}

// A subscriber that does not read is ended with SLOW_CONSUMER once its
// buffer is full; it does not grow, and the others go on.
func TestFeed_SlowConsumerIsEndedOthersGoOn(t *testing.T) {
	fx := start(t, live.Config{Buffer: 2})
	slow := fx.subscribe(live.Options{})
	fast := fx.subscribe(live.Options{})
	for _, id := range []string{"1", "2", "3", "4"} {
		fx.appendEvents(id)
		equal(t, receive(t, fast, 1), id)
	}
	select {
	case <-slow.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the slow subscriber was not ended")
	}
	_, err := slow.Next(context.Background())
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.SlowConsumer {
		t.Fatalf("the slow subscriber's end: %v, want SLOW_CONSUMER", err)
	}
	if n := fx.feed.Subscribers(); n != 1 {
		t.Fatalf("%d subscribers left, want the fast one", n)
	}
}

// Resuming after an event replays, from the table, the matching events
// committed since, then goes on live; a point older than what is kept is
// refused with RESUME_EXPIRED.
func TestFeed_ResumeReplaysWhatWasMissed(t *testing.T) {
	fx := start(t, live.Config{})
	first := fx.subscribe(live.Options{})
	fx.appendEvents("a", "b", "c")
	var ids []int64
	for range 3 {
		e, err := first.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	first.Close()
	noB := func(e *live.Event) bool { return e.EntityID != "b" }
	resumed := fx.subscribe(live.Options{After: &ids[0], Match: noB})
	fx.appendEvents("d")
	equal(t, receive(t, resumed, 2), "c", "d")

	if err := fx.db.WithContext(context.Background()).Exec(`DELETE FROM events WHERE id <= ?`, ids[1]).Error; err != nil {
		t.Fatal(err)
	}
	_, err := fx.feed.Subscribe(context.Background(), live.Options{After: &ids[0]})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.ResumeExpired {
		t.Fatalf("resuming after a pruned event: %v, want RESUME_EXPIRED", err)
	}
}

// Shutdown ends every subscriber with the server's going away and refuses
// new ones.
func TestFeed_ShutdownTellsEverySubscriber(t *testing.T) {
	fx := start(t, live.Config{})
	subs := []*live.Subscription{fx.subscribe(live.Options{}), fx.subscribe(live.Options{})}
	if err := fx.feed.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if _, err := s.Next(context.Background()); !errors.Is(err, live.ErrShutdown) {
			t.Fatalf("a subscriber's end: %v, want ErrShutdown", err)
		}
	}
	if _, err := fx.feed.Subscribe(context.Background(), live.Options{}); !errors.Is(err, live.ErrShutdown) {
		t.Fatalf("subscribing during shutdown: %v", err)
	}
}

// While no one subscribes, the feed reads the table at most once a second,
// not after every write; a subscriber arriving then is not kept waiting
// for the next read, and receives the events committed after it
// subscribed.
func TestFeed_WithoutSubscribersReadsSeldomANewOneGetsWhatFollows(t *testing.T) {
	fx := start(t, live.Config{})
	first := fx.subscribe(live.Options{}) // the feed is running
	first.Close()
	before, began := fx.feed.Reads(), time.Now()
	const writes = 30
	for i := range writes {
		fx.appendEvents(fmt.Sprintf("before-%d", i))
	}
	// While no one subscribes, at most: one already under way when the
	// first subscriber left, and one a second (the first at any moment).
	// Counted before anyone subscribes again: a subscriber's arrival
	// makes reads of its own (the catch-up, each wake-up until it has
	// what it waits for), which this bound is not about. (CI twice saw
	// the old bound, which counted those too, broken on a loaded machine:
	// 4 reads and 6; the feed before idling read 31 here.)
	reads, took := fx.feed.Reads()-before, time.Since(began)
	if most := 2 + int64(took/time.Second); reads > most {
		t.Errorf("%d writes with no subscriber in %s: the feed read the table %d times; want at most %d",
			writes, took, reads, most)
	}
	t.Logf("%d writes with no subscriber in %s: %d reads of the table", writes, took.Round(time.Millisecond), reads)
	// The subscriber arrives after the writes and receives the next event
	// (after any the feed had not handed out when it came), without
	// waiting for the feed's next read: by then the feed has read
	// whatever it was going to read.
	s := fx.subscribe(live.Options{})
	fx.appendEvents("after")
	for got := ""; got != "after"; {
		got = receive(t, s, 1)[0]
	}
}
