package events_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

func open(t *testing.T) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), testdb.Fresh(t), database.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func count(t *testing.T, db *database.DB) int64 {
	var n int64
	if err := db.WithContext(context.Background()).Raw(`SELECT count(*) FROM events`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAppend_OnlyWithItsChange: an event commits with the change it tells
// of, so outside a transaction it is refused, and one appended in a
// transaction that rolls back is gone with it.
func TestAppend_OnlyWithItsChange(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	e := events.Event{Type: events.ProjectUpdated, EntityType: "Project", EntityID: "UHJvamVjdDox", Actor: "test",
		Data: map[string]any{"status": "active"}}
	if err := events.Append(ctx, db, e); err == nil {
		t.Error("an event appended outside a transaction was taken")
	}
	_ = db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		if err := events.Append(ctx, tx, e, e); err != nil {
			t.Fatal(err)
		}
		return context.Canceled // roll back
	})
	if n := count(t, db); n != 0 {
		t.Errorf("%d events after their transaction rolled back", n)
	}
	if err := db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
		return events.Append(ctx, tx, e, e)
	}); err != nil {
		t.Fatal(err)
	}
	var data, tx string
	if err := db.WithContext(ctx).Raw(`SELECT data::text, tx::text FROM events ORDER BY id LIMIT 1`).Row().Scan(&data, &tx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 2 || data != `{"status": "active"}` || tx == "" {
		t.Errorf("%d events committed, data %s, tx %q", n, data, tx)
	}
}

// TestPrune_RemovesOnlyWhatIsOlderInBatches.
func TestPrune_RemovesOnlyWhatIsOlderInBatches(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if err := db.WithContext(ctx).Exec(`INSERT INTO events (type, occurred_at, entity_type, entity_id, actor, data)
		SELECT 'project.updated', now() - make_interval(days => g), 'Project', 'x', 'test', '{}' FROM generate_series(1, 10) g`).Error; err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-5*24*time.Hour - time.Hour) // older than 5 days and an hour: days 6..10
	if n, err := events.Prune(ctx, db, cutoff, 3); err != nil || n != 3 {
		t.Fatalf("first batch pruned %d (%v), want 3", n, err)
	}
	if n, err := events.Prune(ctx, db, cutoff, 3); err != nil || n != 2 {
		t.Fatalf("second batch pruned %d (%v), want the 2 left", n, err)
	}
	if n := count(t, db); n != 5 {
		t.Errorf("%d events left, want the 5 newer than the cutoff", n)
	}
}
