package store

import (
	"context"
	"fmt"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
)

// What internal/policy asks of rows to decide row-level access and to
// audit a read. The answers for a whole sibling set come from one
// statement, so a page of N employees costs the same as one.

// InReportingLineOf reports whether the employee sits below manager in the
// reporting line, at any depth (manager_id chain). It is decided for every
// employee of the sibling set at once.
func (e *Employee) InReportingLineOf(manager int64) (bool, error) {
	s := e.set
	if s == nil {
		return false, fmt.Errorf("employee %d was not read through the store", e.ID)
	}
	v, err := s.load("Employee.inReportingLineOf", page.Window{}, func(ctx context.Context) (any, error) {
		return reportingLine(ctx, s.st, manager, s.keys)
	})
	if err != nil {
		return false, err
	}
	return v.(map[int64]bool)[e.ID], nil
}

func reportingLine(ctx context.Context, st *Store, manager int64, keys []int64) (map[int64]bool, error) {
	return ReportingLine(ctx, st.db, manager, keys)
}

// ReportingLine returns which of keys sit below manager: one recursive
// walk up the manager_id chain from all of them together (by primary key,
// so it costs the depth of the tree, not its size), stopping at the
// manager; the depth bound guards against a cycle in bad data. The writes
// ask it too (a week is approved by a manager above its employee), in
// their transaction (db).
func ReportingLine(ctx context.Context, db *database.DB, manager int64, keys []int64) (map[int64]bool, error) {
	var below []int64
	err := db.WithContext(ctx).Raw(`
WITH RECURSIVE up(id, above, depth) AS (
    SELECT e.id, e.manager_id, 1 FROM employees e WHERE e.id = ANY(`+keysSQL+`)
    UNION ALL
    SELECT up.id, m.manager_id, up.depth + 1 FROM up JOIN employees m ON m.id = up.above
    WHERE up.above <> ? AND up.depth < 64)
SELECT DISTINCT id FROM up WHERE above = ?`, ids(keys), manager, manager).Scan(&below).Error
	if err != nil {
		return nil, fmt.Errorf("decide the reporting line of manager %d: %w", manager, err)
	}
	m := make(map[int64]bool, len(below))
	for _, id := range below {
		m[id] = true
	}
	return m, nil
}

// AuditKey is the row's key and the employee the audited read concerns.
func (e *Employee) AuditKey() (record, employee int64) { return e.ID, e.ID }

// AuditKey is the assignment's key and the employee staffed, whose rate it
// reveals.
func (a *Assignment) AuditKey() (record, employee int64) { return a.ID, a.EmployeeID }

// AuditKey is the project's key; project totals concern no one employee.
func (h *ProjectHours) AuditKey() (record, employee int64) { return h.ProjectID, 0 }
