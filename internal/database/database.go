// Package database opens the application's PostgreSQL connection pool: GORM
// over pgx, with a tracer that counts every statement sent to the server so a
// request can report (and tests can prove) how many round trips it cost, and
// the rules that keep a statement inside its request: a server-side
// statement_timeout, cancellation that reaches PostgreSQL, and a bounded wait
// for a connection (pool.go). fault.go tells a client which failures are
// worth retrying.
//
// A DB may represent a transaction (transact.go): the same code runs inside
// or outside one, and a context can carry the handle its statements go
// through, so the store's reads of a mutation's answer see its writes
// without a new parameter on every function.
package database

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/sethvargo/go-retry"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Options tunes the pool. Zero values take the defaults.
type Options struct {
	MaxOpenConns    int           // default 16
	MaxIdleConns    int           // default MaxOpenConns
	ConnMaxLifetime time.Duration // default 30m
	ApplicationName string        // shown in pg_stat_activity; default "bizgraph"
	// StatementTimeout is PostgreSQL's statement_timeout on every
	// connection: the server ends a statement that runs longer even when
	// the client's cancellation never arrives. Zero leaves the server's
	// setting.
	StatementTimeout time.Duration
	// AcquireTimeout bounds the wait for a free connection when all
	// MaxOpenConns are busy; then the statement fails with ErrPoolExhausted
	// instead of queueing up to the request's deadline. Default 2s.
	AcquireTimeout time.Duration
	// Tracer, when set, records a span per statement. Nil costs nothing.
	Tracer trace.Tracer
}

// DB is the application's handle on PostgreSQL: a pool, or a transaction
// begun on one by Transact. Statements start at WithContext(ctx), which
// sends them through the handle bound to ctx, if any (see Bind).
type DB struct {
	*gorm.DB
	pool *shared
	tx   *txState // nil for the pool's own handle
}

// shared is what a pool's handle and its transactions have in common.
type shared struct {
	sqlDB      *sql.DB
	conns      *pool // what GORM sends the pool's statements through
	statements atomic.Int64
	tracer     trace.Tracer
	// root is the pool's own handle: where the statements of a context
	// bound to a transaction that has ended go.
	root *DB
}

// Open connects to url and checks that the server answers.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	db, err := New(url, opts)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return db, nil
}

// New builds the pool without connecting: connections are made when
// statements need them, so a server that starts while the database is down
// can serve health checks and wait for it (see WaitReachable).
func New(url string, opts Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if opts.ApplicationName == "" {
		opts.ApplicationName = "bizgraph"
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = opts.ApplicationName
	}
	// A runtime parameter of the connection rather than SET LOCAL per
	// request: it costs no statement and no transaction, so a request
	// still costs one statement per level of the graph.
	if opts.StatementTimeout > 0 {
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	// PostgreSQL's JIT compiles a statement's expressions when its
	// estimated cost passes jit_above_cost: the analytics statements over
	// the rollups cross it and then spend tens of milliseconds compiling
	// for an execution of a few (bench/results/analytics-orderings.md).
	// Off for the connection, unless the URL sets it.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	// A cancelled context (deadline, client gone) stops the statement in
	// PostgreSQL with a cancel request and keeps the connection: pgx's
	// default gives up the connection instead, so every abandoned request
	// would cost a reconnect. The socket deadline after it is the fallback
	// when the server does not answer.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	db := &DB{pool: &shared{tracer: opts.Tracer}}
	db.pool.root = db
	cfg.Tracer = &tracer{pool: db.pool}
	sqlDB := stdlib.OpenDB(*cfg)
	if opts.MaxOpenConns <= 0 {
		opts.MaxOpenConns = 16
	}
	if opts.MaxIdleConns <= 0 {
		opts.MaxIdleConns = opts.MaxOpenConns
	}
	if opts.ConnMaxLifetime <= 0 {
		opts.ConnMaxLifetime = 30 * time.Minute
	}
	if opts.AcquireTimeout <= 0 {
		opts.AcquireTimeout = 2 * time.Second
	}
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)

	db.pool.conns = &pool{db: sqlDB, acquireTimeout: opts.AcquireTimeout}
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: db.pool.conns}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // reads never need GORM's implicit transaction
		PrepareStmt:            false,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	db.DB = gdb
	db.pool.sqlDB = sqlDB
	return db, nil
}

// FallBackTo makes db a read replica of primary: a query db cannot deliver
// because its server is unreachable (refused, lost or shut down
// connections; see Fault), or that its server cancelled for a conflict with
// recovery (see RecoveryConflict), is told to failed and sent to primary
// instead, once, so it is answered, from the primary. Only queries fall
// back: db serves reads, and its writes, which a replica refuses anyway,
// stay its own. Call it before db is used.
func (db *DB) FallBackTo(primary *DB, failed func(error)) {
	db.pool.conns.fallback = primary.pool.conns
	db.pool.conns.failed = failed
}

// Close releases every connection of the pool.
func (db *DB) Close() error { return db.pool.sqlDB.Close() }

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error { return db.pool.sqlDB.PingContext(ctx) }

// SQL is the pool itself, for collectors that read its statistics.
func (db *DB) SQL() *sql.DB { return db.pool.sqlDB }

// Statements is the number of statements the pool has sent since it opened,
// its transactions' included.
func (db *DB) Statements() int64 { return db.pool.statements.Load() }

// StatementCounter counts the statements sent on behalf of one context (a
// request). Attach it with WithStatementCounter.
type StatementCounter struct{ n atomic.Int64 }

// Count is the number of statements counted so far.
func (c *StatementCounter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithStatementCounter returns a context whose statements are counted in c.
func WithStatementCounter(ctx context.Context, c *StatementCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

// tracer counts at the wire: each query, batch or COPY pgx sends is one.
// With an OpenTelemetry tracer configured it also records each as a span.
type tracer struct{ pool *shared }

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	t.pool.statements.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*StatementCounter); ok {
		c.n.Add(1)
	}
	if t.pool.tracer != nil {
		ctx, _ = t.pool.tracer.Start(ctx, "sql", trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(dbSystem, dbStatement.String(data.SQL)))
	}
	return ctx
}

func (t *tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if t.pool.tracer != nil {
		endSpan(ctx, data.Err)
	}
}

// WaitReachable pings the database until it answers or ctx ends, waiting
// longer between attempts (from 250ms, doubling, at most 10s, with
// jitter, so many servers restarting together do not knock in step).
// failed hears of each failed attempt.
func (db *DB) WaitReachable(ctx context.Context, failed func(attempt int, err error)) error {
	backoff := retry.WithJitterPercent(20, retry.WithCappedDuration(10*time.Second, retry.NewExponential(250*time.Millisecond)))
	attempt := 0
	return retry.Do(ctx, backoff, func(ctx context.Context) error {
		attempt++
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := db.Ping(pingCtx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed(attempt, err)
			return retry.RetryableError(err)
		}
		return nil
	})
}
