package database_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/store"
)

// decimal is a named string, as store.Decimal is: numeric's own text.
type decimal string

// row has a destination of every kind the store's and the reports' rows
// scan into.
type row struct {
	Exact, Tiny, Huge decimal
	Nullable          *decimal
	Count             int // a numeric that is a whole number (a sum of bigints)
	Key               int64
	Small             int
	Name              string
	Missing           *string
	Day               store.Date
	At                time.Time
	NoTime            *time.Time
	Flag              bool
	Ratio             float64
	Segment           store.CustomerSegment
}

const rowSQL = `SELECT 12.50::numeric, -0.000100::numeric, 123456789012345678901234567890.125::numeric, NULL::numeric,
	sum(x)::numeric, 9007199254740993::bigint, 42::int4, 'Zoë "Ng"', NULL::text,
	DATE '2026-02-28', TIMESTAMPTZ '2026-03-29 01:30:00.123456+02', NULL::timestamptz, true, 0.1::float8, 'enterprise'::customer_segment
	FROM (VALUES (1::bigint), (2::bigint)) v(x) WHERE 1 = ?`

func (r *row) dest() []any {
	return []any{&r.Exact, &r.Tiny, &r.Huge, &r.Nullable, &r.Count, &r.Key, &r.Small, &r.Name, &r.Missing,
		&r.Day, &r.At, &r.NoTime, &r.Flag, &r.Ratio, &r.Segment}
}

// Query's rows arrive in their fields exactly as database/sql's did: the
// numeric values as PostgreSQL writes them (trailing zeros, 33 digits),
// whole numerics into ints, NULLs as nil, dates, instants in the same
// location, enums. The API's answers are written from these fields, so
// a difference here would be a difference in the bytes of an answer.
func TestQuery_ScansAsDatabaseSQLDid(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 2})
	var want, got row
	rs, err := db.WithContext(context.Background()).Raw(rowSQL, 1).Rows()
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		if err := rs.Scan(want.dest()...); err != nil {
			t.Fatalf("database/sql: %v", err)
		}
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.Query(context.Background(), func(rs pgx.Rows) error {
		for rs.Next() {
			if err := rs.Scan(got.dest()...); err != nil {
				return err
			}
		}
		return nil
	}, rowSQL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want.Exact != "12.50" || want.Huge != "123456789012345678901234567890.125" {
		t.Fatalf("database/sql read %q and %q: the comparison's premise is wrong", want.Exact, want.Huge)
	}
	show := func(r row) string {
		return fmt.Sprintf("%+v at %s in %s; nullable %v missing %v no time %v",
			r, r.At.Format(time.RFC3339Nano), r.At.Location(), r.Nullable, r.Missing, r.NoTime)
	}
	if show(got) != show(want) {
		t.Errorf("Query scanned\n%s\nwhere database/sql scanned\n%s", show(got), show(want))
	}
}

// Query goes where WithContext goes: into the transaction its context is
// bound to (it reads the transaction's own uncommitted row), to the pool
// a context is bound to, and, once the transaction has ended, to the
// pool the transaction was begun on.
func TestQuery_GoesThroughTheSeam(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1, ApplicationName: "primary"},
		`CREATE TABLE query_seam (n int)`)
	other, err := database.Open(context.Background(), dbURL, database.Options{MaxOpenConns: 1, ApplicationName: "other"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	one := func(ctx context.Context, sql string) (string, error) {
		var s string
		err := db.Query(ctx, func(rs pgx.Rows) error {
			for rs.Next() {
				if err := rs.Scan(&s); err != nil {
					return err
				}
			}
			return nil
		}, sql)
		return s, err
	}
	var ended context.Context
	err = db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
		if err := db.WithContext(ctx).Exec(`INSERT INTO query_seam VALUES (7)`).Error; err != nil {
			return err
		}
		// The pool has one connection, which the transaction holds: a
		// read that went to the pool would wait for it and time out.
		n, err := one(ctx, `SELECT count(*)::text FROM query_seam`)
		if err != nil || n != "1" {
			t.Errorf("in the transaction: %q rows (%v), want its own 1", n, err)
		}
		ended = ctx
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if name, err := one(database.Bind(context.Background(), other), `SELECT current_setting('application_name')`); err != nil || name != "other" {
		t.Errorf("bound to the other pool: read through %q (%v)", name, err)
	}
	if name, err := one(ended, `SELECT current_setting('application_name')`); err != nil || name != "primary" {
		t.Errorf("after the transaction: read through %q (%v), want its pool", name, err)
	}
	// The transaction's connection went back to the pool, and so does
	// each read's: the one-connection pool serves read after read.
	for i := range 3 {
		if _, err := one(context.Background(), `SELECT 'x'`); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
}

// A read whose pool cannot reach its server is answered by the pool it
// falls back to (a replica's primary), and the failure is reported; a
// read that fails for its own sake (a bad statement) is not sent again.
func TestQuery_FallsBackWhenTheServerIsUnreachable(t *testing.T) {
	primary := open(t, database.Options{MaxOpenConns: 1, ApplicationName: "primary"})
	gone, err := database.New("postgres://postgres@127.0.0.1:1/nowhere?connect_timeout=2", database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	var failures []error
	gone.FallBackTo(primary, func(err error) { failures = append(failures, err) })
	ctx := database.Bind(context.Background(), gone)
	var name string
	err = primary.Query(ctx, func(rs pgx.Rows) error {
		for rs.Next() {
			if err := rs.Scan(&name); err != nil {
				return err
			}
		}
		return nil
	}, `SELECT current_setting('application_name')`)
	if err != nil || name != "primary" || len(failures) != 1 {
		t.Fatalf("read %q (%v) with %d failures reported, want primary's answer and 1", name, err, len(failures))
	}
	reachable, err := database.Open(context.Background(), dbURL, database.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer reachable.Close()
	failures = nil
	reachable.FallBackTo(primary, func(err error) { failures = append(failures, err) })
	before := primary.Statements()
	err = primary.Query(database.Bind(context.Background(), reachable), func(rs pgx.Rows) error { return nil }, `SELECT no_such_column`)
	if err == nil || len(failures) != 0 || primary.Statements() != before || reachable.Statements() != 1 {
		t.Fatalf("a bad statement: %v, %d failures, %d statements on the primary; want its error, sent once where it was sent",
			err, len(failures), primary.Statements()-before)
	}
	scanErr := errors.New("the scan gave up")
	if err := primary.Query(context.Background(), func(rs pgx.Rows) error { return scanErr }, `SELECT 1`); !errors.Is(err, scanErr) {
		t.Fatalf("a scan's error came back as %v", err)
	}
}
