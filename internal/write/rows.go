package write

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/store"
)

// spec is what the generic steps know of a table.
type spec struct {
	table string
	// typ is the GraphQL type of its rows (their global ids), noun what a
	// message calls one.
	typ, noun string
	// versioned tables carry a version column that every update bumps;
	// stamped ones an updated_at.
	versioned, stamped bool
	// refs are the foreign key columns and the GraphQL type they point
	// at: an event names related rows by global id.
	refs map[string]string
}

// row is a row as PostgreSQL's to_jsonb writes it: column → value, numbers
// kept exact (json.Number).
type row map[string]any

func decodeRow(b []byte) (row, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var r row
	if err := d.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode row: %w", err)
	}
	return r, nil
}

// int is the integer column col; 0 when null.
func (r row) int(col string) int64 {
	n, _ := r[col].(json.Number)
	v, _ := n.Int64()
	return v
}

func (r row) str(col string) string {
	s, _ := r[col].(string)
	return s
}

// date is the date column col; the zero time when null.
func (r row) date(col string) time.Time {
	t, _ := time.Parse(time.DateOnly, r.str(col))
	return t
}

// lock reads the row of sp with key and locks it until the transaction
// ends, so that what is checked is what is changed; NOT_FOUND when there
// is none.
func (w *Writer) lock(ctx context.Context, tx *database.DB, sp *spec, key int64) (row, error) {
	rows, err := w.returning(ctx, tx, "lock "+sp.noun, `SELECT to_jsonb(t) FROM `+sp.table+` t WHERE id = ? FOR UPDATE`, []any{key})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "no %s has the id %s", sp.noun, store.GlobalID(sp.typ, key))
	}
	return rows[0], nil
}

// insert adds rows of sp, each setting the columns of its set (all sets
// name the same columns), in one statement; it answers the rows written,
// in order.
func (w *Writer) insert(ctx context.Context, tx *database.DB, sp *spec, sets ...*set) ([]row, error) {
	cols := sets[0].cols
	var q strings.Builder
	args := make([]any, 0, len(sets)*len(cols))
	q.WriteString("INSERT INTO " + sp.table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i, s := range sets {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")")
		args = append(args, s.vals...)
	}
	q.WriteString(" RETURNING to_jsonb(" + sp.table + ".*)")
	return w.returning(ctx, tx, "insert into "+sp.table, q.String(), args)
}

// update sets the columns of s on the row of sp with key, bumping its
// version and time stamp, and answers the row after.
func (w *Writer) update(ctx context.Context, tx *database.DB, sp *spec, key int64, s *set) (row, error) {
	var q strings.Builder
	q.WriteString("UPDATE " + sp.table + " SET ")
	for i, c := range s.cols {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(c + " = ?")
	}
	switch {
	case sp.stamped:
		q.WriteString(sep(len(s.cols)) + "updated_at = now()")
	case len(s.cols) == 0:
		q.WriteString("id = id")
	}
	if sp.versioned {
		q.WriteString(", version = version + 1")
	}
	q.WriteString(" WHERE id = ? RETURNING to_jsonb(" + sp.table + ".*)")
	rows, err := w.returning(ctx, tx, "update "+sp.noun, q.String(), append(s.vals, key))
	if err != nil {
		return nil, err
	}
	return rows[0], nil
}

func sep(n int) string {
	if n == 0 {
		return ""
	}
	return ", "
}

// remove deletes the row of sp with key.
func (w *Writer) remove(ctx context.Context, tx *database.DB, sp *spec, key int64) error {
	if err := tx.WithContext(ctx).Exec(`DELETE FROM `+sp.table+` WHERE id = ?`, key).Error; err != nil {
		return fmt.Errorf("delete %s: %w", sp.noun, err)
	}
	return nil
}

func (w *Writer) returning(ctx context.Context, tx *database.DB, what, q string, args []any) ([]row, error) {
	res, err := tx.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer res.Close()
	var rows []row
	for res.Next() {
		var b []byte
		if err := res.Scan(&b); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		r, err := decodeRow(b)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return rows, nil
}
