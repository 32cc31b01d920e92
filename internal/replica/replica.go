// Package replica sends the reads of queries to PostgreSQL read replicas
// (streaming standbys of the primary), and keeps a client's reads at least
// as new as its writes.
//
// A Set holds the primary's pool and one pool per replica, opened like the
// primary's (internal/database). As an executor extension it chooses, once
// per request, where a query operation reads: a replica that is reachable,
// no further behind than MaxLag and past the request's write position, in
// turn; else the primary. The choice goes through the transaction seam
// (database.Bind), so every statement of the operation, however deep and
// however late its sibling sets load, reads there. Mutations, their
// payloads, idempotency keys, events, the audit and everything else that
// writes stay on the primary: nothing but query operations is bound.
//
// Read your writes: after a mutation commits, the Set reads the primary's
// write position and hands it to the request's Session, which the HTTP
// layer sends as the Bizgraph-Write-Position header; a client that sends
// it back has its reads served by a replica that has replayed past it, or
// by the primary. The position travels with the client, so it holds on
// whichever API replica the next request reaches, with nothing kept in any
// process or table.
//
// A checker per replica asks it, every CheckInterval, whether it is a
// standby, how far it has replayed and how old its last replayed commit
// is; the lag is measured against the primary's positions sampled at the
// same pace. A replica that fails a check, or a statement with a
// connection error (its pool then sends the statement to the primary, see
// database.FallBackTo), is taken out and checked again with a growing
// backoff until it answers. A statement the replica cancels for a conflict
// with recovery is read again on the primary, once, by the same pool
// fallback, and counted; the replica stays in.
package replica

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/database"
)

// Options tunes a Set. Zero values take the defaults.
type Options struct {
	// MaxLag is how far behind the primary a replica may be and still
	// serve reads; default 5s.
	MaxLag time.Duration
	// CheckInterval is how often each replica's state and the primary's
	// position are read; default 1s.
	CheckInterval time.Duration
	// CheckTimeout bounds one check; default 2s.
	CheckTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a replica that
	// failed is checked again: it doubles from MinBackoff with each
	// failure, up to MaxBackoff; defaults 250ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	Log                    *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.MaxLag <= 0 {
		o.MaxLag = 5 * time.Second
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = time.Second
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 2 * time.Second
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(10*time.Second, o.MinBackoff)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// Set is the primary and its read replicas.
type Set struct {
	primary  *database.DB
	replicas []*Replica
	opts     Options
	// turn spreads reads over the usable replicas in turn.
	turn         atomic.Uint64
	primaryReads atomic.Int64

	mu sync.Mutex
	// samples are the primary's flushed positions, oldest first, kept
	// for as long as a lag is measured against them.
	samples []sample
}

type sample struct {
	at  time.Time
	pos Position
}

// Replica is one read replica's pool and what its checker last saw.
type Replica struct {
	name string
	db   *database.DB
	set  *Set
	// wake tells the checker to reconsider its next check (a statement
	// failed).
	wake  chan struct{}
	reads atomic.Int64
	// conflicts counts the statements it cancelled for a conflict with
	// recovery, which were read again on the primary.
	conflicts atomic.Int64

	mu sync.Mutex
	st state
}

type state struct {
	// up: the last check answered and the server is a standby.
	up bool
	// reason says why a replica is not up, for /readyz.
	reason   string
	replay   Position
	lag      time.Duration
	lagKnown bool
	failures int
	retryAt  time.Time
}

// Open opens a pool per replica URL with dbOpts, as the primary's is
// opened (without connecting: the checkers find out whether they answer),
// and returns the Set over them and primary. Their names are replica1,
// replica2, … in the order of urls; the log maps them to their hosts.
func Open(primary *database.DB, urls []string, dbOpts database.Options, opts Options) (*Set, error) {
	opts = opts.withDefaults()
	var dbs []*database.DB
	for i, u := range urls {
		cfg, err := pgx.ParseConfig(u)
		if err != nil {
			closeAll(dbs)
			return nil, fmt.Errorf("read replica %d: parse its URL: %w", i+1, err)
		}
		db, err := database.New(u, dbOpts)
		if err != nil {
			closeAll(dbs)
			return nil, fmt.Errorf("read replica %d: %w", i+1, err)
		}
		opts.Log.Info("read replica", "name", name(i), "host", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port)),
			"database", cfg.Database)
		dbs = append(dbs, db)
	}
	return New(primary, dbs, opts), nil
}

func closeAll(dbs []*database.DB) {
	for _, db := range dbs {
		_ = db.Close()
	}
}

func name(i int) string { return fmt.Sprintf("replica%d", i+1) }

// New returns the Set over primary and the replicas' pools. Until Start has
// checked them, every read goes to the primary.
func New(primary *database.DB, replicas []*database.DB, opts Options) *Set {
	s := &Set{primary: primary, opts: opts.withDefaults()}
	for i, db := range replicas {
		r := &Replica{name: name(i), db: db, set: s, wake: make(chan struct{}, 1),
			st: state{reason: "not checked yet"}}
		// A statement the replica cannot deliver goes to the primary, and
		// takes the replica out until a check finds it back.
		db.FallBackTo(primary, r.failed)
		s.replicas = append(s.replicas, r)
	}
	return s
}

// Start checks the primary and every replica once, then keeps checking
// them in the background until ctx ends; stop ends the checkers and waits
// for them.
func (s *Set) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	s.sample(ctx)
	var wg sync.WaitGroup
	for _, r := range s.replicas {
		wg.Go(func() { r.check(ctx) })
	}
	wg.Wait()
	wg.Go(func() { s.sampleEvery(ctx) })
	for _, r := range s.replicas {
		wg.Go(func() { r.run(ctx) })
	}
	return func() { cancel(); wg.Wait() }
}

// Close closes the replicas' pools (not the primary's).
func (s *Set) Close() error {
	var errs []error
	for _, r := range s.replicas {
		errs = append(errs, r.db.Close())
	}
	return errors.Join(errs...)
}

// Primary is the primary's pool.
func (s *Set) Primary() *database.DB { return s.primary }

// sampleEvery records the primary's position every CheckInterval.
func (s *Set) sampleEvery(ctx context.Context) {
	t := time.NewTicker(s.opts.CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample(ctx)
		}
	}
}

// sample records where the primary's flushed log ends now: what a replica
// can have received. A primary that does not answer adds no sample; the
// replicas' lag is then measured by their last replayed commit alone.
func (s *Set) sample(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.CheckTimeout)
	defer cancel()
	var lsn string
	at := time.Now()
	if err := s.primary.SQL().QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&lsn); err != nil {
		if ctx.Err() == nil {
			s.opts.Log.Debug("read replicas: the primary's position could not be read", "err", err)
		}
		return
	}
	p, err := scanPosition(lsn)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Kept long enough to measure any lag up to twice MaxLag.
	keep := int(2*s.opts.MaxLag/s.opts.CheckInterval) + 2
	s.samples = append(s.samples, sample{at: at, pos: p})
	if over := len(s.samples) - keep; over > 0 {
		s.samples = append(s.samples[:0], s.samples[over:]...)
	}
}

// lag is how stale a replica that has replayed up to replay is, at now:
//   - caught up with the newest sample of the primary: 0;
//   - else at most the age of the newest sample it has passed (it shows
//     everything the primary had then), and at most the age of the last
//     commit it replayed (replayAge, when known) when that is smaller,
//     which is the finer measure while the primary is being written.
//
// Neither alone will do: the age of the last replayed commit grows on a
// quiet primary whose replicas are up to date, and the samples are as
// coarse as CheckInterval. Unknown (false) when neither says anything.
func (s *Set) lag(replay Position, replayAge *float64, now time.Time) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.samples); n > 0 && replay >= s.samples[n-1].pos {
		return 0, true
	}
	lag, known := time.Duration(math.MaxInt64), false
	for i := len(s.samples) - 1; i >= 0; i-- {
		if s.samples[i].pos <= replay {
			lag, known = now.Sub(s.samples[i].at), true
			break
		}
	}
	if replayAge != nil {
		if d := time.Duration(*replayAge * float64(time.Second)); d < lag {
			lag, known = max(d, 0), true
		}
	}
	if !known {
		return 0, false
	}
	return lag, true
}

// run checks the replica every CheckInterval while it is up, and after
// its backoff while it is out, until ctx ends.
func (r *Replica) run(ctx context.Context) {
	for {
		t := time.NewTimer(r.untilCheck())
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.wake:
			t.Stop()
			continue
		case <-t.C:
		}
		r.check(ctx)
	}
}

func (r *Replica) untilCheck() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.failures == 0 {
		return r.set.opts.CheckInterval
	}
	return max(time.Until(r.st.retryAt), 0)
}

// check asks the replica where it is. It reads through the pool's own
// database/sql handle, which does not fall back to the primary: the
// answer must be the replica's.
func (r *Replica) check(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, r.set.opts.CheckTimeout)
	defer cancel()
	var (
		standby   bool
		replay    sql.NullString
		replayAge sql.NullFloat64
	)
	err := r.db.SQL().QueryRowContext(cctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		EXTRACT(epoch FROM now() - pg_last_xact_replay_timestamp())::float8`).Scan(&standby, &replay, &replayAge)
	if err != nil {
		if ctx.Err() != nil {
			return // stopping
		}
		r.down("unreachable", err)
		return
	}
	if !standby {
		// A promoted replica, or the primary itself: reading from it
		// could answer from another history than the primary's.
		r.down("not a standby (pg_is_in_recovery() is false)", nil)
		return
	}
	pos, err := scanPosition(replay.String)
	if err != nil {
		r.down("unreadable replay position", err)
		return
	}
	var age *float64
	if replayAge.Valid {
		age = &replayAge.Float64
	}
	lag, known := r.set.lag(pos, age, time.Now())
	r.mu.Lock()
	was := r.st
	r.st = state{up: true, replay: pos, lag: lag, lagKnown: known}
	r.mu.Unlock()
	maxLag := r.set.opts.MaxLag
	switch over := !known || lag > maxLag; {
	case !was.up:
		r.set.opts.Log.Info("read replica back in use", "replica", r.name, "lag", lag, "replayed", pos.String(), "too_far_behind", over)
	case over && was.lagKnown && was.lag <= maxLag:
		r.set.opts.Log.Warn("read replica too far behind: reads go elsewhere", "replica", r.name, "lag", lag, "max_lag", maxLag)
	case !over && (!was.lagKnown || was.lag > maxLag):
		r.set.opts.Log.Info("read replica caught up", "replica", r.name, "lag", lag)
	}
}

// failed is told by the replica's pool of a statement it could not
// deliver: the replica is out until a check finds it back. A statement the
// replica cancelled for a conflict with recovery (a VACUUM on the primary
// removed rows its snapshot could see) is counted and leaves the replica
// in: the replica is well, the statement was in the way of its replay, and
// the pool has sent it to the primary.
func (r *Replica) failed(err error) {
	if database.RecoveryConflict(err) {
		r.conflicts.Add(1)
		r.set.opts.Log.Info("read replica cancelled a statement for a conflict with recovery; it was read again on the primary",
			"replica", r.name, "err", err)
		return
	}
	r.mu.Lock()
	up := r.st.up
	r.mu.Unlock()
	if up {
		r.down("unreachable", err)
	}
}

// down takes the replica out and sets when it is checked again.
func (r *Replica) down(reason string, err error) {
	r.mu.Lock()
	was := r.st
	failures := was.failures + 1
	wait := backoff(r.set.opts.MinBackoff, r.set.opts.MaxBackoff, failures)
	r.st = state{reason: reason, failures: failures, retryAt: time.Now().Add(wait), replay: was.replay}
	r.mu.Unlock()
	attrs := []any{"replica", r.name, "reason", reason, "failures", failures, "retry_in", wait}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	if was.up || failures == 1 {
		r.set.opts.Log.Warn("read replica out of use: reads go elsewhere", attrs...)
	} else {
		r.set.opts.Log.Debug("read replica still out", attrs...)
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait after the failures-th failure in a row: doubling
// from lo up to hi, with a fifth of jitter so that API replicas do not
// knock in step.
func backoff(lo, hi time.Duration, failures int) time.Duration {
	d := hi
	if failures < 30 {
		d = min(lo<<(failures-1), hi)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// usable reports whether the replica may serve a read that must have
// reached min.
func (r *Replica) usable(min Position, maxLag time.Duration) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st.up && r.st.lagKnown && r.st.lag <= maxLag && r.st.replay >= min
}

// choose is where a query of the request reads: a usable replica (nil:
// the primary), chosen once per request and again only after a write of
// the request raised its position.
func (s *Set) choose(sess *Session) *Replica {
	if sess != nil {
		sess.mu.Lock()
		defer sess.mu.Unlock()
		if sess.valid {
			s.count(sess.chosen)
			return sess.chosen
		}
	}
	var min Position
	if sess != nil {
		min = sess.min
	}
	var chosen *Replica
	if n := len(s.replicas); n > 0 {
		first := s.turn.Add(1)
		for i := range n {
			if r := s.replicas[(first+uint64(i))%uint64(n)]; r.usable(min, s.opts.MaxLag) {
				chosen = r
				break
			}
		}
	}
	if sess != nil {
		sess.chosen, sess.valid = chosen, true
	}
	s.count(chosen)
	return chosen
}

func (s *Set) count(r *Replica) {
	if r == nil {
		s.primaryReads.Add(1)
		return
	}
	r.reads.Add(1)
}

// Executor extension: where each operation reads, and the position of
// each write.

var (
	_ graphql.HandlerExtension    = (*Set)(nil)
	_ graphql.ResponseInterceptor = (*Set)(nil)
)

func (*Set) ExtensionName() string                   { return "ReadReplicas" }
func (*Set) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse binds a query operation to the replica it reads from,
// and records the write position of a mutation that committed. Use it
// outside the mutation's transaction (internal/mutation), so the position
// is read after the commit.
func (s *Set) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil {
		return next(ctx)
	}
	switch op.Operation {
	case ast.Query:
		if r := s.choose(sessionOf(ctx)); r != nil {
			return next(database.Bind(ctx, r.db))
		}
		return next(ctx)
	case ast.Mutation:
		resp := next(ctx)
		if committed(resp) {
			s.wrote(ctx, sessionOf(ctx))
		}
		return resp
	}
	return next(ctx)
}

// committed reports whether a mutation's answer is that of writes that
// committed (or of an idempotent replay of them): internal/mutation
// answers without data when it rolled back.
func committed(resp *graphql.Response) bool {
	return resp != nil && len(resp.Data) > 0 && string(resp.Data) != "null"
}

// wrote gives the request the primary's position after its write. When it
// cannot be read, the rest of the request reads from the primary and the
// client gets no position: its later reads may miss the write on a
// replica, and the log says so.
func (s *Set) wrote(ctx context.Context, sess *Session) {
	p, err := writePosition(ctx, s.primary)
	if err != nil {
		s.opts.Log.WarnContext(ctx, "read replicas: a write committed but its position could not be read; "+
			"the client's next reads may not see it on a replica", "err", err)
		if sess != nil {
			sess.mu.Lock()
			sess.min, sess.valid = math.MaxUint64, false
			sess.mu.Unlock()
		}
		return
	}
	sess.written(p)
}

// PoolStatus is what /readyz and the metrics say of a pool.
type PoolStatus struct {
	Name    string // "primary", "replica1", …
	Primary bool
	// InUse: reads may go there now (the primary always takes writes,
	// and the reads no replica can take).
	InUse bool
	// Reason says why a replica is not in use.
	Reason   string
	Lag      time.Duration
	LagKnown bool
	Replay   Position
	// Reads counts the query operations that read there.
	Reads int64
	// RecoveryConflicts counts a replica's statements cancelled for a
	// conflict with recovery and read again on the primary.
	RecoveryConflicts int64
}

// Status is the state of the primary and of every replica.
func (s *Set) Status() []PoolStatus {
	out := []PoolStatus{{Name: "primary", Primary: true, InUse: true, LagKnown: true, Reads: s.primaryReads.Load()}}
	for _, r := range s.replicas {
		r.mu.Lock()
		st := r.st
		r.mu.Unlock()
		ps := PoolStatus{Name: r.name, InUse: st.up && st.lagKnown && st.lag <= s.opts.MaxLag, Reason: st.reason,
			Lag: st.lag, LagKnown: st.lagKnown, Replay: st.replay, Reads: r.reads.Load(),
			RecoveryConflicts: r.conflicts.Load()}
		if st.up && !ps.InUse {
			ps.Reason = fmt.Sprintf("too far behind (over %s)", s.opts.MaxLag)
		}
		out = append(out, ps)
	}
	return out
}

// Pools are the replicas' pools by name, for their connection statistics.
func (s *Set) Pools() map[string]*database.DB {
	m := make(map[string]*database.DB, len(s.replicas))
	for _, r := range s.replicas {
		m[r.name] = r.db
	}
	return m
}
