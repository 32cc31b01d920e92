package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/sethvargo/go-retry"
	"gorm.io/gorm"
)

// The transaction seam.
//
// A write runs as db.Transact(ctx, opts, fn). fn gets the transaction as a
// *DB, the same type as the pool, so every function that takes a *DB (or a
// store built on one) runs inside or outside a transaction alike, and a
// context bound to it, so statements sent under that context by code that
// holds only the pool (the store, and the sibling sets it reads lazily
// later) go through the transaction too. A mutation therefore reads its own
// write back through the graph with no new parameter anywhere.

// TxOptions says how Transact runs a transaction. The zero value is a
// read-write transaction at the server's default isolation (READ
// COMMITTED), tried up to DefaultAttempts times.
type TxOptions struct {
	// Isolation is the transaction's isolation level; sql.LevelDefault
	// takes the server's.
	Isolation sql.IsolationLevel
	// ReadOnly makes PostgreSQL refuse writes in the transaction.
	ReadOnly bool
	// Attempts bounds how many times a transaction that failed to
	// serialize or deadlocked is run; zero means DefaultAttempts.
	Attempts int
}

// DefaultAttempts is how many times Transact runs a transaction that keeps
// failing to serialize or deadlocking before it gives up.
const DefaultAttempts = 5

// txState is what a transaction's handle knows beyond the pool's.
type txState struct {
	opts TxOptions
	// ended is set once the transaction has committed or rolled back:
	// from then on, statements under a context bound to it go to its pool.
	ended atomic.Bool
	// sqlTx is the transaction itself, for libraries that join it (River's
	// insert of a job with the write).
	sqlTx *sql.Tx
	// conn is the connection it runs on, for the reads Query sends
	// through pgx itself.
	conn *sql.Conn
	// seen holds the keys FirstInTransaction was asked about.
	seen sync.Map
}

type boundKey struct{}

// Bind returns a context whose statements go through h: every statement
// that starts at WithContext under it, whichever handle that is called on.
// Transact binds the context it passes to fn to the transaction; bind a
// request to a chosen pool (a read replica) with it.
func Bind(ctx context.Context, h *DB) context.Context {
	return context.WithValue(ctx, boundKey{}, h)
}

// WithContext starts a statement under ctx. It is the one point where the
// seam chooses the handle a statement goes through: the one bound to ctx
// (by Transact or Bind) if any, else db. A context bound to a transaction
// that has ended sends its statements to the pool the transaction was begun
// on: relations of a mutation's answer that load after the commit read the
// committed rows from the same server, not an error about a finished
// transaction.
func (db *DB) WithContext(ctx context.Context) *gorm.DB {
	return db.through(ctx).DB.WithContext(ctx)
}

// through is the handle statements under ctx go through.
func (db *DB) through(ctx context.Context) *DB {
	h, ok := ctx.Value(boundKey{}).(*DB)
	if !ok {
		return db
	}
	if h.tx != nil && h.tx.ended.Load() {
		return h.pool.root
	}
	return h
}

// Transact runs fn in a transaction: it begins one with opts, passes fn the
// transaction and a context bound to it, commits when fn returns nil and
// rolls back when fn returns an error or panics (the panic goes on after
// the rollback). A transaction that fails to serialize (40001) or
// deadlocks (40P01) is run again, fn included, up to opts.Attempts times in
// all, with a growing jittered pause between tries that ctx cuts short; so
// fn must be safe to run more than once and keep no effects outside the
// transaction. Any other error is returned as fn (or begin, or commit)
// returned it.
//
// Transact under a context already bound to a transaction, or on a
// transaction's handle, joins that transaction: fn runs in it, and the
// outermost Transact commits, rolls back and retries the whole. So a
// mutation's steps can call each other, each declaring that it needs a
// transaction. Joining fails when opts ask for more than the transaction
// gives: a stricter isolation, or writes in a read-only one. A new
// transaction begins on db's pool even when ctx is bound to another pool
// (a replica): a write goes where its caller sends it.
func (db *DB) Transact(ctx context.Context, opts TxOptions, fn func(ctx context.Context, tx *DB) error) error {
	if outer := db.through(ctx); outer.tx != nil {
		if err := outer.tx.admits(opts); err != nil {
			return err
		}
		return fn(Bind(ctx, outer), outer)
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	backoff := retry.WithMaxRetries(uint64(opts.Attempts-1),
		retry.WithJitterPercent(50, retry.WithCappedDuration(time.Second, retry.NewExponential(10*time.Millisecond))))
	attempts := 0
	var last error
	err := retry.Do(ctx, backoff, func(ctx context.Context) error {
		attempts++
		last = db.transactOnce(ctx, opts, fn)
		if retryable(last) {
			return retry.RetryableError(last)
		}
		return last
	})
	switch {
	case last != nil && err != last:
		// ctx ended before the next attempt.
		return fmt.Errorf("transaction stopped before trying again: %w; attempt %d failed: %w", err, attempts, last)
	case attempts > 1 && retryable(err):
		return fmt.Errorf("transaction gave up after %d attempts: %w", attempts, err)
	}
	return err
}

// transactOnce is one attempt of Transact.
func (db *DB) transactOnce(ctx context.Context, opts TxOptions, fn func(ctx context.Context, tx *DB) error) error {
	// The connection is taken here, with the pool's bounded wait, and
	// handed back when the transaction has ended, on this goroutine.
	c, err := db.pool.conns.conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer c.Close()
	sqlTx, err := c.BeginTx(ctx, &sql.TxOptions{Isolation: opts.Isolation, ReadOnly: opts.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// What gorm.DB.Begin makes, over our transaction.
	g := db.DB.Session(&gorm.Session{Context: ctx, NewDB: true})
	g.Statement.ConnPool = sqlTx
	tx := &DB{DB: g, pool: db.pool, tx: &txState{opts: opts, sqlTx: sqlTx, conn: c}}
	defer func() {
		if p := recover(); p != nil {
			tx.tx.ended.Store(true)
			g.Rollback()
			panic(p)
		}
	}()
	if err := fn(Bind(ctx, tx), tx); err != nil {
		tx.tx.ended.Store(true)
		if rb := g.Rollback().Error; rb != nil && !errors.Is(rb, sql.ErrTxDone) {
			return fmt.Errorf("%w (and roll back: %v)", err, rb)
		}
		return err
	}
	tx.tx.ended.Store(true)
	if err := g.Commit().Error; err != nil {
		return fmt.Errorf("commit transaction: %w", err)
	}
	return nil
}

// admits reports whether a Transact asking for opts may join t.
func (t *txState) admits(opts TxOptions) error {
	if isolation(opts.Isolation) > isolation(t.opts.Isolation) {
		return fmt.Errorf("join transaction: it runs at %v, %v was asked for", isolation(t.opts.Isolation), opts.Isolation)
	}
	if t.opts.ReadOnly && !opts.ReadOnly {
		return errors.New("join transaction: it is read-only, a read-write one was asked for")
	}
	return nil
}

// isolation is the level PostgreSQL runs a transaction at when asked for l.
func isolation(l sql.IsolationLevel) sql.IsolationLevel {
	switch l {
	case sql.LevelDefault, sql.LevelReadUncommitted:
		return sql.LevelReadCommitted
	case sql.LevelSnapshot:
		return sql.LevelRepeatableRead
	case sql.LevelLinearizable:
		return sql.LevelSerializable
	}
	return l
}

// retryable is a transaction PostgreSQL aborted so that another could go
// on: run again, it usually succeeds.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// InTransaction reports whether statements under ctx go through a
// transaction that has not ended: what must commit with a change (its
// event, its audit row) checks it.
func InTransaction(ctx context.Context) bool {
	h, ok := ctx.Value(boundKey{}).(*DB)
	return ok && h.tx != nil && !h.tx.ended.Load()
}

// FirstInTransaction reports whether this is the first time key is asked
// about in the transaction ctx is bound to: what must happen once per
// write transaction however many steps it has (the webhooks' fan-out job)
// asks it. A transaction run again after a serialization failure starts
// afresh. Outside a transaction it reports false.
func FirstInTransaction(ctx context.Context, key any) bool {
	h, ok := ctx.Value(boundKey{}).(*DB)
	if !ok || h.tx == nil || h.tx.ended.Load() {
		return false
	}
	_, seen := h.tx.seen.LoadOrStore(key, struct{}{})
	return !seen
}

// SQLTx is the transaction ctx is bound to, for a library that takes a
// *sql.Tx to join it; false outside a transaction.
func SQLTx(ctx context.Context) (*sql.Tx, bool) {
	h, ok := ctx.Value(boundKey{}).(*DB)
	if !ok || h.tx == nil || h.tx.ended.Load() {
		return nil, false
	}
	return h.tx.sqlTx, true
}
