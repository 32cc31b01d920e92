package migrate

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/bizgraph/bizgraph/migrations"
)

// webhooksVersion is the migration that adds webhooks out (issue 18). It is
// Go rather than SQL because River's tables come from River's own migrator
// (rivermigrate), at the version the pinned River expects. River's steps
// each need a transaction of their own (one adds an enum value the next
// uses), so the migration runs outside goose's transaction: River's steps,
// each committed, then the webhook tables in one transaction. Run again
// after a failure, River skips the steps it has applied.
const webhooksVersion = 21

// goMigrationNames name the Go migrations in Status, as a file names an
// SQL one.
var goMigrationNames = map[int64]string{webhooksVersion: "00021_webhooks.go"}

func webhooksMigration() *goose.Migration {
	return goose.NewGoMigration(webhooksVersion,
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			if err := riverMigrate(ctx, db, rivermigrate.DirectionUp, nil); err != nil {
				return err
			}
			return execFile(ctx, db, "webhooks/up.sql")
		}},
		&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
			if err := execFile(ctx, db, "webhooks/down.sql"); err != nil {
				return err
			}
			return riverMigrate(ctx, db, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1})
		}})
}

func riverMigrate(ctx context.Context, db *sql.DB, dir rivermigrate.Direction, opts *rivermigrate.MigrateOpts) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
	if err != nil {
		return fmt.Errorf("prepare river's migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, dir, opts); err != nil {
		return fmt.Errorf("migrate river's tables %s: %w", dir, err)
	}
	return nil
}

// execFile runs one of migrations.Webhooks in a transaction.
func execFile(ctx context.Context, db *sql.DB, name string) error {
	b, err := migrations.Webhooks.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, string(b)); err != nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	return nil
}
