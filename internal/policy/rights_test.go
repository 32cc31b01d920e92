package policy_test

import (
	"context"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// Callers the rules decide alike share a key whatever their subject and
// the order of their roles; one more role, another employee or
// anonymity is another key.
func TestRightsKey_SameForCallersDecidedAlike(t *testing.T) {
	key := func(id *auth.Identity) string { return policy.RightsKey(auth.With(context.Background(), id)) }
	alice := key(&auth.Identity{Subject: "alice", Roles: []auth.Role{auth.Manager, auth.Viewer}, EmployeeID: 7})
	same := key(&auth.Identity{Subject: "apikey:alice-laptop", Roles: []auth.Role{auth.Viewer, auth.Manager, auth.Viewer}, EmployeeID: 7})
	if alice != same {
		t.Fatalf("equal rights, different keys: %q and %q", alice, same)
	}
	for name, other := range map[string]*auth.Identity{
		"another employee": {Subject: "alice", Roles: []auth.Role{auth.Manager, auth.Viewer}, EmployeeID: 8},
		"fewer roles":      {Subject: "alice", Roles: []auth.Role{auth.Viewer}, EmployeeID: 7},
		"more roles":       {Subject: "alice", Roles: []auth.Role{auth.Manager, auth.Viewer, auth.HR}, EmployeeID: 7},
		"anonymous":        {Subject: "alice", Roles: []auth.Role{auth.Manager, auth.Viewer}, EmployeeID: 7, Anonymous: true},
	} {
		if key(other) == alice {
			t.Errorf("%s: same key %q", name, alice)
		}
	}
}
