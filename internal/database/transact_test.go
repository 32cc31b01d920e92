package database_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// A mutation reads its own write back through the graph: the store holds
// only the pool, yet under the context Transact passes, its statements
// (and those of the sibling sets it reads lazily later) run in the
// transaction. After a commit the same context reads the committed rows;
// after a rollback nothing of the write is left.
func TestTransact_StoreReadsItsWriteThroughTheBoundContext(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 2}, `INSERT INTO customers (id, name, country, segment, status)
		VALUES (1, 'Birchview', 'GB', 'smb', 'active')`)
	st := store.New(db, page.DefaultLimits, policy.StoreRules{})
	ten := 10
	insertProject := func(ctx context.Context, code string) error {
		return db.WithContext(ctx).Exec(`INSERT INTO projects (code, name, customer_id, status, priority, currency, billing_model, start_on)
			VALUES (?, 'Replatform', 1, 'active', 'high', 'EUR', 'fixed_price', DATE '2026-01-05')`, code).Error
	}
	projectCodes := func(c *store.Customer) []string {
		t.Helper()
		ps, err := c.Projects(&ten, nil, nil, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, p := range ps.Nodes() {
			codes = append(codes, p.Code)
		}
		return codes
	}
	customer := func(ctx context.Context) *store.Customer {
		t.Helper()
		cs, err := store.Page[store.Customer](ctx, st, page.Args{First: &ten}, store.List{}, nil)
		if err != nil || len(cs.Nodes()) != 1 {
			t.Fatalf("customers: %v %v, want Birchview", cs, err)
		}
		return cs.Nodes()[0]
	}

	var inside *store.Customer // read in the transaction, its projects asked after
	err := db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
		inside = customer(ctx)
		if err := insertProject(ctx, "BIRC-1"); err != nil {
			return err
		}
		// The customer's sibling set was read before the write; its
		// projects load now, lazily, under the context it kept.
		if got := projectCodes(inside); len(got) != 1 || got[0] != "BIRC-1" {
			t.Errorf("in the transaction, the customer's projects are %v, want [BIRC-1]", got)
		}
		if n, err := count(context.Background(), db, "projects"); err != nil || n != 0 {
			t.Errorf("outside the transaction before the commit: %d projects (%v), want 0", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A relation first asked after the commit, through the set that kept
	// the transaction's context, reads the committed rows from the pool.
	if got := projectCodes(customer(context.Background())); len(got) != 1 {
		t.Errorf("after the commit: projects %v, want [BIRC-1]", got)
	}

	abandon := errors.New("abandon the change")
	err = db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
		if err := insertProject(ctx, "BIRC-2"); err != nil {
			return err
		}
		if got := projectCodes(customer(ctx)); len(got) != 2 {
			t.Errorf("in the second transaction: projects %v, want both", got)
		}
		return abandon
	})
	if !errors.Is(err, abandon) {
		t.Fatalf("Transact returned %v, want fn's error", err)
	}
	if got := projectCodes(customer(context.Background())); len(got) != 1 || got[0] != "BIRC-1" {
		t.Errorf("after the rollback: projects %v, want only [BIRC-1]", got)
	}
}

// Two doctors on call each go off call if the other is still on: under
// SERIALIZABLE, PostgreSQL aborts one of the two transactions that read
// before either wrote (write skew), Transact runs it again, and the rerun
// sees that only one doctor is left and keeps them on call.
func TestTransact_RetriesASerializationFailure(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 4},
		`CREATE TABLE on_call (doctor text PRIMARY KEY, on_call bool NOT NULL)`,
		`INSERT INTO on_call VALUES ('alice', true), ('bob', true)`)
	doctors := []string{"alice", "bob"}
	runs := contend(t, db, database.TxOptions{Isolation: sql.LevelSerializable},
		func(ctx context.Context, _ *database.DB, me int, meet func() error) error {
			// The pool's handle: code that knows nothing of the
			// transaction runs in it under ctx.
			n, err := count(ctx, db, "on_call WHERE on_call")
			if err != nil {
				return err
			}
			if err := meet(); err != nil { // both read before either writes
				return err
			}
			if n < 2 {
				return nil
			}
			if err := db.WithContext(ctx).Exec(`UPDATE on_call SET on_call = false WHERE doctor = ?`, doctors[me]).Error; err != nil {
				return fmt.Errorf("take %s off call: %w", doctors[me], err)
			}
			return nil
		})
	if n, err := count(context.Background(), db, "on_call WHERE on_call"); err != nil || n != 1 {
		t.Fatalf("%d doctors on call (%v), want 1", n, err)
	}
	if runs != 3 {
		t.Fatalf("fn ran %d times, want 3: both once, the aborted one again", runs)
	}
}

// Two transfers lock the same two rows in opposite orders: PostgreSQL
// breaks the deadlock by aborting one (40P01), Transact runs it again, and
// both transfers take effect once.
func TestTransact_RetriesADeadlock(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 4},
		`CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)`,
		`INSERT INTO accounts VALUES (1, 0), (2, 0)`)
	amounts := []int{1, 10}
	runs := contend(t, db, database.TxOptions{}, func(ctx context.Context, tx *database.DB, me int, meet func() error) error {
		credit := func(account int) error {
			if err := tx.WithContext(ctx).Exec(`UPDATE accounts SET balance = balance + ? WHERE id = ?`, amounts[me], account).Error; err != nil {
				return fmt.Errorf("credit account %d: %w", account, err)
			}
			return nil
		}
		// Each holds its first row before asking for the other's.
		if err := credit(1 + me); err != nil {
			return err
		}
		if err := meet(); err != nil {
			return err
		}
		return credit(2 - me)
	})
	if rows, err := count(context.Background(), db, "accounts WHERE balance = 11"); err != nil || rows != 2 {
		t.Fatalf("balances: %d accounts at 11 (%v), want both: each transfer once", rows, err)
	}
	if runs != 3 {
		t.Fatalf("fn ran %d times, want 3: both once, the deadlock's victim again", runs)
	}
}

// contend runs two transactions at once, fn with me 0 and 1. On their
// first attempts, meet holds each until the other has reached its own
// meet too (on later attempts it returns at once). It fails the test on
// either's error and returns how many times fn ran in all.
func contend(t *testing.T, db *database.DB, opts database.TxOptions,
	fn func(ctx context.Context, tx *database.DB, me int, meet func() error) error) int32 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var runs atomic.Int32
	arrived := []chan struct{}{make(chan struct{}), make(chan struct{})}
	errs := make(chan error, 2)
	for me := range 2 {
		go func() {
			first := true
			errs <- db.Transact(ctx, opts, func(ctx context.Context, tx *database.DB) error {
				runs.Add(1)
				return fn(ctx, tx, me, func() error {
					if !first {
						return nil
					}
					first = false
					close(arrived[me])
					select {
					case <-arrived[1-me]:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
			})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return runs.Load()
}

// Only the failures another transaction caused are tried again, and only
// so often; the error says what was being done and keeps its cause.
func TestTransact_RetriesBoundedAndOnlyWhatIsWorthIt(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1})
	mine := errors.New("the project is closed")
	for _, c := range []struct {
		name     string
		fail     func(ctx context.Context) error
		runs     int32
		wantText []string
		wantCode string
	}{
		{"serialization failure, every time", raise(db, "serialization_failure"), 3,
			[]string{"gave up after 3 attempts", "close the project", "forced"}, "40001"},
		{"deadlock, every time", raise(db, "deadlock_detected"), 3,
			[]string{"gave up after 3 attempts", "close the project"}, "40P01"},
		{"unique violation", raise(db, "unique_violation"), 1, []string{"close the project"}, "23505"},
		{"fn's own error", func(context.Context) error { return mine }, 1, []string{mine.Error()}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var runs atomic.Int32
			err := db.Transact(context.Background(), database.TxOptions{Attempts: 3}, func(ctx context.Context, _ *database.DB) error {
				runs.Add(1)
				if err := c.fail(ctx); err != nil {
					return fmt.Errorf("close the project: %w", err)
				}
				return nil
			})
			if n := runs.Load(); n != c.runs {
				t.Errorf("fn ran %d times, want %d", n, c.runs)
			}
			for _, want := range c.wantText {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("error %v, want it to say %q", err, want)
				}
			}
			var pgErr *pgconn.PgError
			if c.wantCode != "" && (!errors.As(err, &pgErr) || pgErr.Code != c.wantCode) {
				t.Errorf("error %v, want it to keep PostgreSQL's %s", err, c.wantCode)
			}
			if c.wantCode == "" && !errors.Is(err, mine) {
				t.Errorf("error %v, want fn's own", err)
			}
		})
	}
}

// A context that ends while Transact waits to try again stops it there,
// with the last attempt's failure in the error.
func TestTransact_StopsRetryingWhenTheContextEnds(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1})
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	err := db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
		runs.Add(1)
		err := raise(db, "serialization_failure")(ctx)
		cancel() // the client went away while the attempt failed
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &pgErr) || pgErr.Code != "40001" || runs.Load() != 1 {
		t.Fatalf("after %d runs: %v, want one run and the cancellation with the serialization failure", runs.Load(), err)
	}
}

// A panic in fn rolls the transaction back, gives its connection back to
// the pool, and goes on to the caller.
func TestTransact_PanicRollsBack(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1}, `CREATE TABLE notes (body text)`)
	func() {
		defer func() {
			if p := recover(); p != "bug in a write" {
				t.Fatalf("recovered %v, want fn's panic", p)
			}
		}()
		_ = db.Transact(context.Background(), database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
			if err := tx.WithContext(ctx).Exec(`INSERT INTO notes VALUES ('half done')`).Error; err != nil {
				return err
			}
			panic("bug in a write")
		})
	}()
	// The pool's one connection is free again, and the insert is gone.
	if n, err := count(context.Background(), db, "notes"); err != nil || n != 0 {
		t.Fatalf("after the panic: %d notes (%v), want 0", n, err)
	}
}

// Transact inside a transaction joins it: a step that needs a transaction
// can be called by another, the outermost commits or rolls back the whole,
// and a step that needs more than the transaction gives is refused.
func TestTransact_JoinsTheTransactionItRunsIn(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 2}, `CREATE TABLE notes (body text)`)
	note := func(ctx context.Context, body string) error {
		return db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, tx *database.DB) error {
			return tx.WithContext(ctx).Exec(`INSERT INTO notes VALUES (?)`, body).Error
		})
	}
	txid := func(ctx context.Context) (id int64) {
		if err := db.WithContext(ctx).Raw(`SELECT txid_current()`).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	failed := errors.New("the second step failed")
	err := db.Transact(context.Background(), database.TxOptions{Isolation: sql.LevelRepeatableRead}, func(ctx context.Context, tx *database.DB) error {
		outer := txid(ctx)
		if err := note(ctx, "first step"); err != nil {
			return err
		}
		err := db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
			if inner := txid(ctx); inner != outer {
				t.Errorf("the inner Transact ran in transaction %d, want the outer %d", inner, outer)
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Transact(ctx, database.TxOptions{Isolation: sql.LevelSerializable}, func(context.Context, *database.DB) error {
			t.Error("a SERIALIZABLE step ran inside a REPEATABLE READ transaction")
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "join transaction") {
			t.Errorf("joining at a stricter isolation: %v, want a refusal", err)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("Transact: %v, want the outer fn's error", err)
	}
	if n, err := count(context.Background(), db, "notes"); err != nil || n != 0 {
		t.Fatalf("after the outer rollback: %d notes (%v), want 0: the joined step rolls back with it", n, err)
	}
}

// The statements of a transaction count for the request that sent them:
// BEGIN, the statements in it, and COMMIT.
func TestTransact_StatementsCountForTheRequest(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1})
	var c database.StatementCounter
	ctx := database.WithStatementCounter(context.Background(), &c)
	before := db.Statements()
	err := db.Transact(ctx, database.TxOptions{}, func(ctx context.Context, _ *database.DB) error {
		for range 2 {
			if _, err := count(ctx, db, "customers"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Count() != 4 || db.Statements()-before != 4 {
		t.Fatalf("counted %d for the request and %d for the pool, want 4 each: BEGIN, two reads, COMMIT", c.Count(), db.Statements()-before)
	}
}

// Bind sends a context's statements through a chosen pool (a read
// replica, later): code holding another handle follows the binding.
func TestBind_SendsTheContextsStatementsThroughTheChosenPool(t *testing.T) {
	primary := open(t, database.Options{MaxOpenConns: 1, ApplicationName: "primary"})
	replica, err := database.Open(context.Background(), dbURL, database.Options{MaxOpenConns: 1, ApplicationName: "replica"})
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{{context.Background(), "primary"}, {database.Bind(context.Background(), replica), "replica"}} {
		var got string
		if err := primary.WithContext(c.ctx).Raw(`SELECT current_setting('application_name')`).Scan(&got).Error; err != nil || got != c.want {
			t.Errorf("sent through %q (%v), want %q", got, err, c.want)
		}
	}
}

// count is the number of rows of from (a table and any condition).
func count(ctx context.Context, db *database.DB, from string) (n int, err error) {
	err = db.WithContext(ctx).Raw(`SELECT count(*) FROM ` + from).Scan(&n).Error
	return n, err
}

// raise returns a step that fails with PostgreSQL's error condition.
func raise(db *database.DB, condition string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		return db.WithContext(ctx).Exec(`DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '` + condition + `'; END $$`).Error
	}
}

// A transaction waits for its connection no longer than the pool's acquire
// timeout, like any statement: with every connection busy it fails with
// ErrPoolExhausted (OVERLOADED to the client), not at the request's
// deadline.
func TestTransact_WaitsForAConnectionAtMostTheAcquireTimeout(t *testing.T) {
	db := open(t, database.Options{MaxOpenConns: 1, AcquireTimeout: 100 * time.Millisecond})
	err := db.Transact(context.Background(), database.TxOptions{}, func(context.Context, *database.DB) error {
		// Another request's transaction, not this one's: it needs a
		// connection of its own, and the only one is held here.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := db.Transact(ctx, database.TxOptions{}, func(context.Context, *database.DB) error {
			t.Error("a second transaction ran with the pool's only connection taken")
			return nil
		})
		if !errors.Is(err, database.ErrPoolExhausted) || database.Fault(err).Code != "OVERLOADED" {
			t.Errorf("the second transaction: %v, want ErrPoolExhausted", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
