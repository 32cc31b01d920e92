package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// Figures counted over the firm's reviews count what the caller sees, by
// the reviews' own row scope: everything for hr and admin, a condition for
// a person, and a refusal saying who may for a caller who sees no review.
func TestCountScope_CountsTheRowsTheCallerSeesOrRefuses(t *testing.T) {
	for _, c := range []struct {
		name    string
		id      *auth.Identity
		all     bool // no condition
		refused bool
	}{
		{"hr", &auth.Identity{Roles: []auth.Role{auth.HR}}, true, false},
		{"admin", &auth.Identity{Roles: []auth.Role{auth.Admin}}, true, false},
		{"a manager: their line and their own", &auth.Identity{Roles: []auth.Role{auth.Manager}, EmployeeID: 7}, false, false},
		{"a person: their own", &auth.Identity{Roles: []auth.Role{auth.Viewer}, EmployeeID: 7}, false, false},
		{"a manager's role without an employee record", &auth.Identity{Roles: []auth.Role{auth.Manager}}, false, true},
		{"analytics", &auth.Identity{Roles: []auth.Role{auth.Analytics}}, false, true},
		{"integration", &auth.Identity{Roles: []auth.Role{auth.Integration}}, false, true},
		{"no one", nil, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			cond, args, err := policy.Firm.CountScope(c.id, "reviews")
			var refused *policy.Refused
			switch {
			case c.refused:
				if !errors.As(err, &refused) || !strings.Contains(refused.Needs, "hr or admin") {
					t.Fatalf("got %q %v %v, want a refusal saying who may", cond, args, err)
				}
			case err != nil:
				t.Fatalf("refused: %v", err)
			case c.all != (cond == ""):
				t.Fatalf("condition %q, want one only for a caller who may not see every review", cond)
			case !c.all && (!strings.Contains(cond, "t.employee_id") || len(args) == 0 || args[0] != c.id.EmployeeID):
				t.Fatalf("condition %q %v, want the caller's reviews (their employee id)", cond, args)
			}
		})
	}
}
