package write

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// The two paths most writes take, in the order the package's doc gives:
// create adds a row, alter changes one. A write says what is particular to
// it (its table, its input's set, the facts the rules need, its own checks
// of the row as it is, its event); the order of the steps is here only.

// creation is what a write adding a row says of it.
type creation struct {
	sp *spec
	s  *set
	// facts are the new row's facts for the rules (its project's
	// manager…), read in the transaction; nil: the right is by role alone.
	facts func(ctx context.Context, tx *database.DB) (*policy.Facts, error)
	event string
	// uniques name the input field at which a unique constraint's refusal
	// is reported (see uniqueViolation).
	uniques map[string]string
	// rows adds the new row's dependent rows (a template's tasks) in the
	// same transaction, answering them for the audit; nil: none.
	rows func(ctx context.Context, tx *database.DB, k int64) ([]row, error)
	// rowsOf is the spec of what rows adds.
	rowsOf *spec
}

// create adds the row c describes and answers its key.
func (w *Writer) create(ctx context.Context, c creation) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		facts := &policy.Facts{}
		if c.facts != nil {
			var err error
			if facts, err = c.facts(ctx, tx); err != nil {
				return err
			}
		}
		if err := w.allow(id, policy.Create, c.sp, facts, c.s.cols); err != nil {
			return err
		}
		if c.rowsOf != nil {
			if err := w.allow(id, policy.Create, c.rowsOf, &policy.Facts{}, nil); err != nil {
				return err
			}
		}
		if err := verify(ctx, tx, c.s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, c.sp, c.s)
		if err != nil {
			return uniqueViolation(err, c.uniques)
		}
		k = rows[0].int("id")
		if c.rows != nil {
			added, err := c.rows(ctx, tx, k)
			if err != nil {
				return err
			}
			changes := make([]change, len(added))
			for i, r := range added {
				changes[i] = change{after: r}
			}
			// The dependent rows' creation is audited; the one event is
			// the row's.
			if err := w.record(ctx, tx, id, c.rowsOf, "", changes...); err != nil {
				return err
			}
		}
		return w.record(ctx, tx, id, c.sp, c.event, change{after: rows[0]})
	})
	return k, err
}

// alteration is what a write changing one row says of it.
type alteration struct {
	sp  *spec
	key int64
	// version is the version the caller read (versioned tables); nil
	// for a table without one.
	version *int
	s       *set
	// facts are the row's facts for the rules, from the row as it is
	// (and the transaction, for facts of related rows); nil: by role.
	facts func(ctx context.Context, tx *database.DB, before row) (*policy.Facts, error)
	// check validates the input against the row as it is, adding
	// problems (or derived columns) to s; nil: none.
	check   func(before row)
	event   string
	uniques map[string]string
}

// alter changes the row a describes and answers its key.
func (w *Writer) alter(ctx context.Context, a alteration) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	return a.key, w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		before, err := w.lock(ctx, tx, a.sp, a.key)
		if err != nil {
			return err
		}
		facts := &policy.Facts{}
		if a.facts != nil {
			if facts, err = a.facts(ctx, tx, before); err != nil {
				return err
			}
		}
		if err := w.allow(id, policy.Update, a.sp, facts, a.s.cols); err != nil {
			return err
		}
		if a.version != nil {
			if err := checkVersion(a.sp, before, *a.version); err != nil {
				return err
			}
		}
		if a.check != nil {
			a.check(before)
		}
		if err := verify(ctx, tx, a.s); err != nil {
			return err
		}
		after, err := w.update(ctx, tx, a.sp, a.key, a.s)
		if err != nil {
			return uniqueViolation(err, a.uniques)
		}
		return w.record(ctx, tx, id, a.sp, a.event, change{before, after})
	})
}

// by are facts that depend on the row alone.
func by(f func(before row) *policy.Facts) func(context.Context, *database.DB, row) (*policy.Facts, error) {
	return func(_ context.Context, _ *database.DB, before row) (*policy.Facts, error) { return f(before), nil }
}
