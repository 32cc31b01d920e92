// Package migrate applies the embedded SQL migrations. The service never
// runs it on its own at start-up against a configured database: only the
// `migrate` command and the embedded demo database do.
package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/bizgraph/bizgraph/migrations"
)

// baselineVersion is the migration that creates DOMAIN.md's tables. A
// database that already has them (the firm's existing one) is marked as being
// at this version instead of having it run.
const baselineVersion = 1

// Migrator applies migrations to one database.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// Open prepares a Migrator for the database at url. Close it when done.
func Open(url string) (*Migrator, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithGoMigrations(webhooksMigration()))
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, nil
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" database/sql driver

// Close releases the connection.
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies every pending migration, adopting an existing database at the
// baseline first.
func (m *Migrator) Up(ctx context.Context) ([]*goose.MigrationResult, error) {
	if err := m.adoptBaseline(ctx); err != nil {
		return nil, err
	}
	res, err := m.provider.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate up: %w", err)
	}
	return res, nil
}

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) (*goose.MigrationResult, error) {
	res, err := m.provider.Down(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate down: %w", err)
	}
	return res, nil
}

// Status writes one line per migration: its version, name and state.
func (m *Migrator) Status(ctx context.Context, w io.Writer) error {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	for _, s := range st {
		applied := "pending"
		if s.State == goose.StateApplied {
			applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(w, "%05d  %-32s %s\n", s.Source.Version, Name(s.Source), applied)
	}
	return nil
}

// Name is a migration's file name: an SQL migration's path, or the name
// a Go migration goes by (it has no file goose knows of).
func Name(src *goose.Source) string {
	if src.Type == goose.TypeGo {
		return goMigrationNames[src.Version]
	}
	return src.Path
}

// Pending reports whether any migration has not been applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.provider.HasPending(ctx)
}

// adoptBaseline records the baseline as applied when the tables exist but
// goose has never run here, so `migrate up` on the firm's own database adds
// only what came after the baseline.
func (m *Migrator) adoptBaseline(ctx context.Context) error {
	var hasTables, hasGoose bool
	err := m.db.QueryRowContext(ctx, `SELECT
		to_regclass('employees') IS NOT NULL,
		to_regclass('goose_db_version') IS NOT NULL`).Scan(&hasTables, &hasGoose)
	if err != nil {
		return fmt.Errorf("inspect database: %w", err)
	}
	if !hasTables || hasGoose {
		return nil
	}
	// Creates goose's version table (and its version 0 row).
	if _, err := m.provider.GetDBVersion(ctx); err != nil && !errors.Is(err, goose.ErrNoMigrations) {
		return fmt.Errorf("create version table: %w", err)
	}
	if _, err := m.db.ExecContext(ctx,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, baselineVersion); err != nil {
		return fmt.Errorf("record baseline: %w", err)
	}
	return nil
}
