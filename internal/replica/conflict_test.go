package replica_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/replica"
)

// A read on the replica that replaying the primary's log must cancel (its
// snapshot still sees rows a VACUUM on the primary removed; the replica
// waits for no query, max_standby_streaming_delay=0, and tells the primary
// nothing of its snapshots, hot_standby_feedback=off) is read again on the
// primary and answered: the caller sees no error, the replica's own
// statistics count the conflict, bizgraph_replica_recovery_conflicts_total
// counts it, and the replica stays in use (it is well; the statement was in
// its way).
//
// Both ways a read is sent: through GORM (WithContext), and through pgx's
// own rows (Query, the store's and the reports' reads).
func TestRecoveryConflictIsReadAgainOnThePrimary(t *testing.T) {
	c := getCluster(t)
	c.restartReplica(t, map[string]string{"max_standby_streaming_delay": "0", "hot_standby_feedback": "off"})
	for _, read := range []struct {
		name  string
		count func(ctx context.Context, db *database.DB, sql string) (n int64, err error)
	}{
		{"gorm", func(ctx context.Context, db *database.DB, sql string) (n int64, err error) {
			return n, db.WithContext(ctx).Raw(sql).Scan(&n).Error
		}},
		{"pgx rows", func(ctx context.Context, db *database.DB, sql string) (n int64, err error) {
			return n, db.Query(ctx, func(rs pgx.Rows) error {
				for rs.Next() {
					if err := rs.Scan(&n); err != nil {
						return err
					}
				}
				return nil
			}, sql)
		}},
	} {
		t.Run(read.name, func(t *testing.T) {
			readAgainOnThePrimary(t, c, "recovery_conflict_"+strings.ReplaceAll(read.name, " ", "_"), read.count)
		})
	}
}

func readAgainOnThePrimary(t *testing.T, c *cluster, table string, count func(context.Context, *database.DB, string) (int64, error)) {
	exec(t, c.primaryURL(),
		`CREATE TABLE `+table+` (n int) WITH (autovacuum_enabled = off)`,
		`INSERT INTO `+table+` SELECT generate_series(1, 1000)`)
	t.Cleanup(func() { exec(t, c.primaryURL(), `DROP TABLE `+table) })
	c.caughtUp(t)
	a := newAPI(t, c, replica.Options{MaxLag: time.Hour}, nil)
	if st := a.status(); !st.InUse {
		t.Fatalf("the replica is not in use after the first check: %+v", st)
	}
	conflicts := func() int64 {
		return value[int64](t, c.replicaURL(), `SELECT confl_snapshot FROM pg_stat_database_conflicts WHERE datname = current_database()`)
	}
	conflictsBefore, onPrimary := conflicts(), a.primary.Statements()

	// The read, bound to the replica's pool as a query operation's
	// statements are, sleeps before it counts, holding its snapshot.
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx := database.Bind(context.Background(), a.replicas["replica1"])
		n, err := count(ctx, a.primary, `SELECT count(*) FROM (SELECT pg_sleep(2)) AS slow, `+table)
		done <- result{n, err}
	}()
	waitFor(t, "the read to sleep on the replica", func() bool {
		return value[int64](t, c.replicaURL(), `SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%`+table+`%'`) == 1
	})
	// The rows it reads are deleted and vacuumed away on the primary.
	exec(t, c.primaryURL(), `DELETE FROM `+table, `VACUUM `+table)

	var r result
	select {
	case r = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the read did not end within a minute")
	}
	if r.err != nil {
		t.Fatalf("the read cancelled on the replica failed for its caller: %v", r.err)
	}
	// Read again on the primary after the delete.
	if r.n != 0 {
		t.Fatalf("the read counted %d rows, want 0 (read again on the primary, after the delete)", r.n)
	}
	waitFor(t, "the replica's statistics to count the conflict", func() bool { return conflicts() > conflictsBefore })
	if d := a.primary.Statements() - onPrimary; d < 1 {
		t.Fatalf("the primary's pool sent %d statements; the read was not read again there", d)
	}
	if want := `bizgraph_replica_recovery_conflicts_total{pool="replica1"} 1`; !strings.Contains(a.scrape(t), want) {
		t.Fatalf("the metrics have no %s:\n%s", want, grepLines(a.scrape(t), "recovery_conflicts"))
	}
	if st := a.status(); !st.InUse || st.RecoveryConflicts != 1 {
		t.Fatalf("after the conflict the replica's status is %+v; want in use, 1 recovery conflict", st)
	}
	t.Logf("replica confl_snapshot %d -> %d; the read answered %d from the primary", conflictsBefore, conflicts(), r.n)
}

// grepLines is the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return fmt.Sprint(out)
}
