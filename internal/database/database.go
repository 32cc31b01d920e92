// Package database opens the application's PostgreSQL connection pool: GORM
// over pgx, with a tracer that counts every statement sent to the server so a
// request can report (and tests can prove) how many round trips it cost.
package database

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
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
}

// DB is the application's handle on PostgreSQL.
type DB struct {
	*gorm.DB
	statements atomic.Int64
}

// Open connects to url and checks that the server answers.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
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
	db := &DB{}
	cfg.Tracer = &tracer{db: db}
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
	sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opts.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(opts.ConnMaxLifetime)

	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // reads never need GORM's implicit transaction
		PrepareStmt:            false,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	db.DB = gdb
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return db, nil
}

// Close releases every connection.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Statements is the number of statements this pool has sent since it opened.
func (db *DB) Statements() int64 { return db.statements.Load() }

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
type tracer struct{ db *DB }

func (t *tracer) count(ctx context.Context) {
	t.db.statements.Add(1)
	if c, ok := ctx.Value(counterKey{}).(*StatementCounter); ok {
		c.n.Add(1)
	}
}

func (t *tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.count(ctx)
	return ctx
}

func (t *tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
