package database

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// ErrPoolExhausted is a statement that found every connection busy for
// longer than the acquire timeout. The request is worth retrying shortly.
var ErrPoolExhausted = errors.New("every database connection is busy")

// pool is what GORM sends statements through. database/sql alone waits for
// a free connection as long as the statement's context allows, i.e. up to
// the request's deadline, so under overload requests would pile up behind
// the pool and all fail late. Here the wait for a connection is bounded by
// acquireTimeout on its own, and the statement then runs under the
// request's context.
//
// database/sql stays the pool, rather than pgxpool behind
// stdlib.OpenDBFromPool: that needs database/sql to keep no idle
// connection and no limit of its own (with one it queues first, under the
// request's deadline, and no acquire bound below it is ever reached), so
// every statement would open and close a database/sql connection over a
// pgxpool one, the go_sql_* metrics of open, busy and awaited connections
// would read zero, and the bound would still be ours to write: pgxpool has
// no acquire timeout. What bounding costs here is one goroutine per query
// that hands the connection back once its rows are closed (release);
// Transact hands its connection back itself.
type pool struct {
	db             *sql.DB
	acquireTimeout time.Duration
	// fallback, when set (a read replica's pool: FallBackTo), takes a
	// statement this pool could not deliver because its server is
	// unreachable or cancelled it for a conflict with recovery; failed
	// hears of each such failure first.
	fallback *pool
	failed   func(error)
}

// errConnectTimeout is a new connection the server did not accept within
// the acquire timeout: the database is unreachable, not the pool busy.
var errConnectTimeout = errors.New("the database did not accept a connection in time")

// conn takes a connection, waiting at most acquireTimeout.
func (p *pool) conn(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, p.acquireTimeout)
	defer cancel()
	c, err := p.db.Conn(wctx)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		// The wait was either for a busy pool or for a connection being
		// opened to a server that does not answer.
		if s := p.db.Stats(); s.InUse < s.MaxOpenConnections {
			return nil, errConnectTimeout
		}
		return nil, ErrPoolExhausted
	}
	return c, err
}

// release hands c back to the pool once the rows, row or transaction it
// serves is closed: sql.Conn.Close waits for them, so it runs on its own.
func release(c *sql.Conn) { go func() { _ = c.Close() }() }

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return p.fallBack(ctx, err, query, args)
	}
	rows, err := c.QueryContext(ctx, query, args...)
	release(c)
	if err != nil {
		return p.fallBack(ctx, err, query, args)
	}
	return rows, nil
}

// fallBack sends a read whose server could not be reached, or that the
// server cancelled for a conflict with recovery, to the fallback pool, when
// there is one: a read replica that stopped, or that replayed a change its
// statement was in the way of, costs its readers nothing but the failed
// attempt. The fallback (the primary) has no fallback of its own, so the
// statement runs again once at most. Anything else (a busy pool, a
// timeout, a bad statement) is the statement's own answer.
//
// Only a statement that failed before its first row is sent again: the
// driver reads the first row in QueryContext, so a conflict that cancels a
// statement still computing its answer (a sort, a count, a join building
// its hash) is caught here; one that cancels it while its rows stream out
// reaches the caller through the rows, as the statement's error.
// Resolvers are not run again, so what they do once per read (the audit of
// sensitive fields) is done once.
func (p *pool) fallBack(ctx context.Context, err error, query string, args []any) (*sql.Rows, error) {
	if !p.fallsBack(ctx, err) {
		return nil, err
	}
	return p.fallback.QueryContext(ctx, query, args...)
}

// fallsBack reports whether a read that failed with err, before its first
// row, goes to the fallback (see fallBack), and if so tells failed of it.
func (p *pool) fallsBack(ctx context.Context, err error) bool {
	if p.fallback == nil || ctx.Err() != nil || !unreachable(err) && !RecoveryConflict(err) {
		return false
	}
	p.failed(err)
	return true
}

// RecoveryConflict reports whether err is a standby cancelling a statement
// because replaying the primary's log needed what the statement held: row
// versions its snapshot could still see (a VACUUM on the primary removed
// them), a lock, a buffer pin. PostgreSQL reports it as 40001
// (serialization_failure), which a standby gives for nothing else: it
// runs no serializable transaction.
func RecoveryConflict(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "40001" && strings.Contains(pgErr.Message, "conflict with recovery")
}

// QueryRowContext waits for a connection up to the request's deadline: a
// *sql.Row cannot carry an error of ours, and the store reads rows with
// QueryContext.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(ctx, query, args...)
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ExecContext(ctx, query, args...)
}

func (p *pool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	c, err := p.conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, opts)
	release(c)
	return tx, err
}

// GetDBConn is how GORM finds the *sql.DB behind a pool (gorm.DB.DB).
func (p *pool) GetDBConn() (*sql.DB, error) { return p.db, nil }

var (
	dbSystem    = attribute.String("db.system.name", "postgresql")
	dbStatement = attribute.Key("db.query.text")
)

// endSpan ends the statement's span, marking it failed with err.
func endSpan(ctx context.Context, err error) {
	span := trace.SpanFromContext(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}
