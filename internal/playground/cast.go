package playground

import (
	"context"
	"fmt"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
)

// Cast is the employee each role button of the demo acts as (0: none), so
// a visitor can try the writes and the workflows as each one, and the
// examples' test runs each tab as the button it names.
type Cast map[auth.Role]int64

// FindCast picks the cast from the demo data. The manager is a real
// manager in the middle of the tree whose reporting line has weeks waiting
// for approval, preferably one with a review to assess in an open cycle
// and projects to run, so the workflows' tabs have something to act on;
// the viewer, hr and admin are people without reports of their own. The
// analytics and integration roles are tools', never a person's.
func FindCast(ctx context.Context, db *database.DB) (Cast, error) {
	var c struct{ Manager, Viewer, HR, Admin int64 }
	err := db.WithContext(ctx).Raw(`WITH manager AS (
			SELECT m.id FROM employees m
			WHERE m.manager_id IS NOT NULL AND m.status = 'active'
				AND EXISTS (SELECT 1 FROM employees e JOIN timesheets s ON s.employee_id = e.id AND s.status = 'submitted'
				            WHERE e.manager_id = m.id)
			ORDER BY EXISTS (SELECT 1 FROM reviews r JOIN review_cycles c ON c.id = r.cycle_id AND c.status = 'open'
			                 WHERE r.reviewer_id = m.id AND r.status = 'self_submitted') DESC,
			         EXISTS (SELECT 1 FROM projects p WHERE p.manager_id = m.id AND p.status = 'active') DESC, m.id
			LIMIT 1),
		others AS (
			SELECT e.id, row_number() OVER (ORDER BY e.id) AS n FROM employees e
			WHERE e.status = 'active' AND e.id NOT IN (SELECT id FROM manager)
				AND NOT EXISTS (SELECT 1 FROM employees r WHERE r.manager_id = e.id)
			ORDER BY e.id LIMIT 3)
		SELECT (SELECT id FROM manager) AS manager, (SELECT id FROM others WHERE n = 1) AS viewer,
			(SELECT id FROM others WHERE n = 2) AS hr, (SELECT id FROM others WHERE n = 3) AS admin`).Scan(&c).Error
	if err != nil {
		return nil, fmt.Errorf("find employees for the demo's roles: %w", err)
	}
	return Cast{auth.Manager: c.Manager, auth.Viewer: c.Viewer, auth.HR: c.HR, auth.Admin: c.Admin}, nil
}
