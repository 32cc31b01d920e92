package seed

import (
	"context"
	"fmt"
	"math/big"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// table is one COPY into a table: its columns and a function that fills a
// reused row with the next row's values, reporting false after the last.
type table struct {
	name    string
	columns []string
	rows    int64 // how many next will produce, for progress
	next    func(row []any) bool
}

// indexed turns a function that fills the row for items[i] into a table's
// next.
func indexed[T any](items []T, fill func(i int, row []any)) func([]any) bool {
	i := 0
	return func(row []any) bool {
		if i >= len(items) {
			return false
		}
		fill(i, row)
		i++
		return true
	}
}

// copier is what copyTable needs of a connection or a transaction.
type copier interface {
	CopyFrom(ctx context.Context, tableName pgx.Identifier, columnNames []string, rowSrc pgx.CopyFromSource) (int64, error)
}

// progressBatch is how many rows are counted before progress hears of them,
// so reporting costs nothing next to encoding.
const progressBatch = 4096

// copyTable streams t's rows into the database with COPY. pgx encodes each
// row as soon as next has filled it, so one row slice serves the whole table
// and memory stays flat however many rows there are.
func copyTable(ctx context.Context, db copier, t table, prog *progress) (int64, error) {
	row := make([]any, len(t.columns))
	var pending int64
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if !t.next(row) {
			prog.add(t.name, pending)
			pending = 0
			return nil, nil
		}
		if pending++; pending == progressBatch {
			prog.add(t.name, pending)
			pending = 0
		}
		return row, nil
	})
	n, err := db.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, src)
	if err != nil {
		return n, fmt.Errorf("copy %s: %w", t.name, err)
	}
	return n, nil
}

// decimal is an exact numeric with two decimals from an integer count of
// hundredths (cents, hundredths of an hour): money never passes through a
// float.
func decimal(hundredths int64) pgtype.Numeric {
	return pgtype.Numeric{Int: big.NewInt(hundredths), Exp: -2, Valid: true}
}

// nullID is the value for a nullable reference; 0 means none.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nullText is the value for a nullable text column; "" means NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
