// Package live hands the events of committed writes (internal/events) to
// the subscriptions of this server, as they commit. One connection per
// server listens on the events' notification channel; the notification is
// only a wake-up, and the events table is the truth: on every wake-up, and
// after every reconnection, the feed reads the events after the last one
// it handed out, in id order, so a notification lost to a dropped
// connection loses no event. Each subscription has a bounded buffer; one
// that fills is ended (ErrSlowConsumer) rather than allowed to grow the
// server's memory. Resuming (SSE's Last-Event-ID) replays from the table
// what a client missed, within the events' retention.
package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
)

// Event is one committed change as subscribers receive it: the events
// table's row without its request id.
type Event struct {
	ID         int64
	Type       string
	EntityType string
	EntityID   string
	Actor      string
	OccurredAt time.Time
	// Data is the entity's non-sensitive fields (related rows by global
	// id), for matching: which project a time entry was logged on.
	Data map[string]any
}

// Cursor is the event's id as clients see it: what an SSE message's id
// and Last-Event-ID carry.
func (e *Event) Cursor() string { return fmt.Sprint(e.ID) }

// Ref is the global id Data names under key ("project"), "" for none.
func (e *Event) Ref(key string) string {
	s, _ := e.Data[key].(string)
	return s
}

// Why a subscription ended, other than its own Close.
var (
	// ErrSlowConsumer: the subscriber did not take its events as fast as
	// they came, and its buffer filled.
	ErrSlowConsumer = apperr.New(apperr.SlowConsumer,
		"the subscription fell too far behind the events and was ended; subscribe again (over SSE, resume with Last-Event-ID)")
	// ErrShutdown: the server is stopping; subscribe again, to another
	// replica or to this one once it is back.
	ErrShutdown = apperr.New(apperr.Unavailable, "the server is shutting down; subscribe again")
)

// Config sets up a feed.
type Config struct {
	// URL is the database the listening connection is opened to (a
	// connection of its own, outside the pool).
	URL string
	// DB reads the events a resuming subscriber missed.
	DB *database.DB
	// Buffer is how many events a subscription may hold unread; zero
	// means 256.
	Buffer int
	// Retention is how long events are kept (EVENTS_RETENTION), for the
	// message of a resume from too far back; zero means kept.
	Retention time.Duration
	Log       *slog.Logger
	// Resolving bounds the messages being resolved at once (Turn); zero
	// means 4. An event with a thousand subscribers is a thousand reads:
	// let loose on the pool at once, they would wait past its acquire
	// timeout and fail (measured: 1,000 subscribers over 4 connections).
	Resolving int
}

// Feed is the server's one listener and its subscriptions.
type Feed struct {
	cfg Config

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	pos    int64 // every event with an id up to pos has been handed out, or never committed
	ready  chan struct{}
	closed bool
	// stopping is closed by Shutdown: transports close their connections
	// (websockets with 1001) when it is.
	stopping chan struct{}
	hole     *hole
	turns    chan struct{}
	groups   map[string]*group // shared resolutions by key (Share)
	revoked  *Revocation       // the next revocation to announce

	// While no one subscribes the feed reads the table at most once per
	// idleRead, not after every write's notification (a statement per
	// write for no one). behind says it may not have read what was
	// committed; a subscriber arriving then waits (catchingUp counts
	// them) until the feed has read up to now, and wake ends the feed's
	// wait for a notification so that it reads at once.
	behind     bool
	lastRead   time.Time
	reads      atomic.Int64 // reads of the table, for tests
	catchingUp int
	wake       context.CancelFunc
}

// hole is a run of missing ids below a visible event. An id is taken
// from the sequence by an INSERT into events, which holds its lock on the
// table until its transaction ends: so the transactions that may still
// fill a hole are among those holding that lock when it was seen (pg_locks,
// this database only; the cluster's xmin would make any long transaction
// anywhere on the server hold the feed back). Once none of them holds it
// any more, the next read sees whatever they committed, and an id still
// missing at or below upTo never commits.
type hole struct {
	upTo    int64
	holders []string // virtual transaction ids
	dead    bool
}

// New returns a feed for cfg; Run starts it.
func New(cfg Config) *Feed {
	if cfg.Buffer <= 0 {
		cfg.Buffer = 256
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Resolving <= 0 {
		cfg.Resolving = 4
	}
	return &Feed{turns: make(chan struct{}, cfg.Resolving), cfg: cfg, subs: map[*Subscription]struct{}{}, groups: map[string]*group{}, revoked: &Revocation{done: make(chan struct{})}, ready: make(chan struct{}), stopping: make(chan struct{})}
}

// Run listens until ctx ends, reconnecting with backoff when the
// connection is lost; after each (re)connection it first reads what it
// missed.
func (f *Feed) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		connected, err := f.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = 100 * time.Millisecond
		}
		f.cfg.Log.WarnContext(ctx, "live: the events listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// ApplicationName is the listening connection's application_name.
const ApplicationName = "bizgraph live feed"

// idle is how often the feed reads the table without a notification: a
// safety net only, as every committed event notifies.
const idle = 30 * time.Second

// holePoll is how often the feed looks again while a hole holds events
// back: a transaction that rolls back sends no notification.
const holePoll = 20 * time.Millisecond

func (f *Feed) listen(ctx context.Context) (connected bool, err error) {
	cc, err := pgx.ParseConfig(f.cfg.URL)
	if err != nil {
		return false, fmt.Errorf("parse the database URL: %w", err)
	}
	// Named, so operators (and tests) can find it in pg_stat_activity.
	cc.RuntimeParams["application_name"] = ApplicationName
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{events.Channel}.Sanitize()+
		"; LISTEN "+pgx.Identifier{auth.RevocationChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen: %w", err)
	}
	if err := f.start(ctx, conn); err != nil {
		return false, err
	}
	// A revocation may have been sent while no one listened: every
	// holder of a revocable credential checks it again.
	f.announce("")
	for {
		if !f.skipRead() {
			more, err := f.read(ctx, conn)
			if err != nil {
				return true, err
			}
			if more {
				continue
			}
		}
		wait := idle
		if f.holding() {
			wait = holePoll
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		var n *pgconn.Notification
		if f.waiting(cancel) {
			n, err = conn.WaitForNotification(wctx)
		} else {
			err = context.Canceled // a subscriber waits for a read
		}
		f.waiting(nil)
		cancel()
		switch {
		case err == nil && n.Channel == auth.RevocationChannel:
			f.announce(n.Payload)
		case err == nil: // woken: read
		case ctx.Err() != nil:
			return true, ctx.Err()
		case (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) && !conn.IsClosed():
			// no notification in time, or woken by a subscriber: read
		default:
			return true, fmt.Errorf("wait for notification: %w", err)
		}
	}
}

// idleRead is how often, at most, the feed reads the table while no one
// subscribes: so a subscriber arriving finds little to catch up on.
const idleRead = time.Second

// skipRead says whether the feed may leave the table unread for now: no
// one subscribes (nor waits to), no hole is being watched, and it read
// less than idleRead ago. The feed is then behind.
func (f *Feed) skipRead() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.subs) > 0 || f.hole != nil || time.Since(f.lastRead) >= idleRead {
		return false
	}
	f.behind = true
	return true
}

// waiting records cancel as what ends the feed's wait for a notification
// (nil: it has stopped waiting); false when a subscriber already waits
// for the feed to catch up, so it reads at once instead.
func (f *Feed) waiting(cancel context.CancelFunc) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cancel != nil && f.catchingUp > 0 {
		return false
	}
	f.wake = cancel
	return true
}

// start sets the position on the first connection: the feed hands out
// events committed from now on (a resuming subscriber reads older ones
// from the table).
func (f *Feed) start(ctx context.Context, conn *pgx.Conn) error {
	select {
	case <-f.ready:
		return nil
	default:
	}
	var last int64
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&last); err != nil {
		return fmt.Errorf("read the last event: %w", err)
	}
	f.mu.Lock()
	f.pos = last
	f.mu.Unlock()
	close(f.ready)
	return nil
}

func (f *Feed) holding() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hole != nil
}

// readBatch bounds one read of the table; more is read at once after it.
const readBatch = 500

// holdersSQL lists the transactions that may be appending events now.
const holdersSQL = `SELECT coalesce(array_agg(virtualtransaction), '{}') FROM pg_locks
	WHERE locktype = 'relation' AND relation = 'events'::regclass AND mode = 'RowExclusiveLock' AND granted
	AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`

// read hands out the events after the position, in id order, stopping at
// a hole that may still fill; it says whether there may be more to read.
func (f *Feed) read(ctx context.Context, conn *pgx.Conn) (bool, error) {
	f.mu.Lock()
	pos, h := f.pos, f.hole
	f.mu.Unlock()
	if h != nil && !h.dead {
		// Before the read, so that it sees what they committed.
		var now []string
		if err := conn.QueryRow(ctx, holdersSQL).Scan(&now); err != nil {
			return false, fmt.Errorf("read who appends events: %w", err)
		}
		h.dead = !slices.ContainsFunc(h.holders, func(v string) bool { return slices.Contains(now, v) })
	}
	f.reads.Add(1)
	rows, err := conn.Query(ctx, `SELECT id, type, entity_type, entity_id, actor, occurred_at, data
		FROM events WHERE id > $1 ORDER BY id LIMIT $2`, pos, readBatch)
	if err != nil {
		return false, fmt.Errorf("read events after %d: %w", pos, err)
	}
	var evs []*Event
	for rows.Next() {
		var e Event
		var data []byte
		if err := rows.Scan(&e.ID, &e.Type, &e.EntityType, &e.EntityID, &e.Actor, &e.OccurredAt, &data); err != nil {
			rows.Close()
			return false, fmt.Errorf("read events after %d: %w", pos, err)
		}
		if err := json.Unmarshal(data, &e.Data); err != nil {
			rows.Close()
			return false, fmt.Errorf("decode event %d: %w", e.ID, err)
		}
		evs = append(evs, &e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read events after %d: %w", pos, err)
	}
	for i, e := range evs {
		if e.ID == pos+1 || h != nil && h.dead && e.ID-1 <= h.upTo {
			pos = e.ID
			continue
		}
		// A hole not seen before (or reaching past the one seen): note who
		// may fill it, after the read, and hand out what comes before it.
		h = &hole{upTo: evs[len(evs)-1].ID}
		if err := conn.QueryRow(ctx, holdersSQL).Scan(&h.holders); err != nil {
			return false, fmt.Errorf("read who appends events: %w", err)
		}
		evs = evs[:i]
		break
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range evs {
		f.deliver(e)
		f.pos = e.ID
	}
	if h != nil && f.pos >= h.upTo {
		h = nil
	}
	f.hole = h
	f.lastRead = time.Now()
	more := len(evs) == readBatch
	if !more && f.behind {
		// Read up to now: the subscribers that waited for it receive the
		// events after this position, as one arriving now would.
		f.behind = false
		for s := range f.subs {
			if s.caughtUp != nil {
				s.upTo = f.pos
				close(s.caughtUp)
				s.caughtUp = nil
			}
		}
		f.catchingUp = 0
	}
	return more, nil
}

// deliver hands e to every subscription it matches, without waiting: a
// subscription whose buffer is full is ended. f.mu is held.
func (f *Feed) deliver(e *Event) {
	for s := range f.subs {
		if s.caughtUp != nil || !s.match(e) {
			// waiting for the feed to catch up: the events before its
			// position were committed before it subscribed
			continue
		}
		select {
		case s.c <- e:
		default:
			f.end(s, ErrSlowConsumer)
		}
	}
}

// end ends s with err (nil: closed by its subscriber). f.mu is held.
func (f *Feed) end(s *Subscription, err error) {
	if _, ok := f.subs[s]; !ok {
		return
	}
	delete(f.subs, s)
	if s.caughtUp != nil {
		f.catchingUp--
		s.caughtUp = nil
	}
	s.err = err
	close(s.done)
}

// Subscription is one subscriber's events: those its match accepts,
// committed after it subscribed (or after its resume point).
type Subscription struct {
	f     *Feed
	group *group // the group whose resolution reads it; nil: one subscriber's

	match  func(*Event) bool
	replay []*Event
	c      chan *Event
	done   chan struct{}
	err    error
	// caughtUp, while set, is closed once the feed, behind when the
	// subscription came, has read up to now; upTo is then its position.
	// f.mu guards both.
	caughtUp chan struct{}
	upTo     int64
}

// Options say what a subscription receives.
type Options struct {
	// Match accepts the events the subscriber wants; nil: every event.
	Match func(*Event) bool
	// After, when set, resumes after that event id: the events after it
	// that match, already committed, come first, read from the table.
	After *int64
}

// Subscribe registers a subscription; it waits for the feed's first read
// of the table (or ctx). A resume from before the events kept is refused.
func (f *Feed) Subscribe(ctx context.Context, opts Options) (*Subscription, error) {
	if opts.Match == nil {
		opts.Match = func(*Event) bool { return true }
	}
	select {
	case <-f.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s := &Subscription{f: f, match: opts.Match, c: make(chan *Event, f.cfg.Buffer), done: make(chan struct{})}
	if st := StreamFrom(ctx); st != nil {
		s.group = st.group
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, ErrShutdown
	}
	f.subs[s] = struct{}{}
	upTo := f.pos
	var caughtUp chan struct{}
	var wake context.CancelFunc
	if f.behind {
		// The feed has not read the table since no one subscribed: its
		// position is old. Wait for it to read up to now.
		caughtUp = make(chan struct{})
		s.caughtUp, wake = caughtUp, f.wake
		f.catchingUp++
	}
	f.mu.Unlock()
	if caughtUp != nil {
		if wake != nil {
			wake()
		}
		select {
		case <-caughtUp:
		case <-s.done:
			return nil, ErrShutdown // ended only by Shutdown while it waits
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		}
		f.mu.Lock()
		upTo = s.upTo
		f.mu.Unlock()
	}
	if opts.After != nil {
		replay, err := f.replay(ctx, *opts.After, upTo, opts.Match)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.replay = replay
	}
	return s, nil
}

// maxReplay bounds what a resume reads: a client further behind reads
// the state afresh rather than the history.
const maxReplay = 10_000

// replay reads the events after id up to upTo (all handed out, so all
// settled) that match, from the table.
func (f *Feed) replay(ctx context.Context, after, upTo int64, match func(*Event) bool) ([]*Event, error) {
	if after >= upTo {
		return nil, nil
	}
	var oldest *int64
	if err := f.cfg.DB.WithContext(ctx).Raw(`SELECT min(id) FROM events`).Scan(&oldest).Error; err != nil {
		return nil, fmt.Errorf("resume after event %d: %w", after, err)
	}
	if oldest == nil || after+1 < *oldest {
		kept := "all events"
		if f.cfg.Retention > 0 {
			kept = "the events of the last " + f.cfg.Retention.String()
		}
		return nil, apperr.New(apperr.ResumeExpired, "event %d is older than the events kept (%s); subscribe afresh", after, kept)
	}
	var rows []struct {
		ID                                int64
		Type, EntityType, EntityID, Actor string
		OccurredAt                        time.Time
		Data                              []byte
	}
	err := f.cfg.DB.WithContext(ctx).Raw(`SELECT id, type, entity_type, entity_id, actor, occurred_at, data::text AS data
		FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upTo, maxReplay+1).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("resume after event %d: %w", after, err)
	}
	if len(rows) > maxReplay {
		return nil, apperr.New(apperr.ResumeExpired, "more than %d events happened since event %d; subscribe afresh", maxReplay, after)
	}
	var out []*Event
	for _, r := range rows {
		e := &Event{ID: r.ID, Type: r.Type, EntityType: r.EntityType, EntityID: r.EntityID, Actor: r.Actor, OccurredAt: r.OccurredAt}
		if err := json.Unmarshal(r.Data, &e.Data); err != nil {
			return nil, fmt.Errorf("decode event %d: %w", r.ID, err)
		}
		if match(e) {
			out = append(out, e)
		}
	}
	return out, nil
}

// Next is the subscription's next event, waiting for it; an error when
// the subscription ended (ErrSlowConsumer, ErrShutdown, or ctx's).
func (s *Subscription) Next(ctx context.Context) (*Event, error) {
	if len(s.replay) > 0 {
		e := s.replay[0]
		s.replay = s.replay[1:]
		return e, nil
	}
	// What the buffer holds is taken before an end is reported, except
	// after an overflow, whose stream has a gap.
	select {
	case e := <-s.c:
		if s.ended() == ErrSlowConsumer {
			return nil, ErrSlowConsumer
		}
		return e, nil
	default:
	}
	select {
	case e := <-s.c:
		return e, nil
	case <-s.done:
		return nil, s.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Subscription) ended() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Done is closed when the subscription has ended other than by Close.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close ends the subscription; its subscriber is gone.
func (s *Subscription) Close() {
	s.f.mu.Lock()
	s.f.end(s, nil)
	s.f.mu.Unlock()
}

// Shutdown ends every subscription with ErrShutdown, so each subscriber
// is told to go away (and resume elsewhere) before the server stops, and
// refuses new ones.
func (f *Feed) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		close(f.stopping)
	}
	f.closed = true
	for s := range f.subs {
		f.end(s, ErrShutdown)
	}
	for _, g := range f.groups {
		for m := range g.members {
			f.leave(m, ErrShutdown)
		}
	}
	return nil
}

// Turn waits for a turn to resolve a message (Config.Resolving at once),
// first come first served; release gives it back. An error when ctx ends
// first.
func (f *Feed) Turn(ctx context.Context) (release func(), err error) {
	select {
	case f.turns <- struct{}{}:
		return func() { <-f.turns }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Stopping is closed once Shutdown has begun.
func (f *Feed) Stopping() <-chan struct{} { return f.stopping }

// Subscribers is how many subscribers receive events, for metrics and
// tests: each subscription of one subscriber, and each member of a group
// whose resolution has subscribed.
func (f *Feed) Subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for s := range f.subs {
		if s.group == nil {
			n++
		} else {
			n += len(s.group.members)
		}
	}
	return n
}

// Reads is how many times the feed has read the events table, for tests.
func (f *Feed) Reads() int64 { return f.reads.Load() }

// Position is the id of the last event handed out to the subscriptions,
// for metrics and tests.
func (f *Feed) Position() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pos
}

// Revocation is one credential revoked (auth.RevocationChannel), as the
// connections holding credentials learn of it: each holds the next one
// to come (Feed.Revocations), and once it is Done, reads it and holds its
// Next.
type Revocation struct {
	done chan struct{}
	// Subject is the revoked credential's subject; "" when revocations
	// may have been missed (the listener reconnected): every holder of a
	// credential that does not expire by itself checks it again.
	Subject string
	next    *Revocation
}

// Done is closed once the revocation has happened.
func (r *Revocation) Done() <-chan struct{} { return r.done }

// Next is the revocation after r, once r is Done.
func (r *Revocation) Next() *Revocation { return r.next }

// Revocations is the next revocation to come: a connection takes it
// before it checks its credential, so none is missed in between.
func (f *Feed) Revocations() *Revocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revoked
}

func (f *Feed) announce(subject string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.revoked
	r.Subject, r.next = subject, &Revocation{done: make(chan struct{})}
	f.revoked = r.next
	close(r.done)
}
