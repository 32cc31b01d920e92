package policy_test

import (
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// TestSync_OnlyIntegrationAndAdminSyncAndIntegrationWritesNothingElse:
// integration keys and admins sync customers, contacts and employees; no
// one else does (hr hires, but does not sync), and an integration key may
// not create, update or delete those rows any other way.
func TestSync_OnlyIntegrationAndAdminSyncAndIntegrationWritesNothingElse(t *testing.T) {
	integration := &auth.Identity{Subject: "apikey:crm", Roles: []auth.Role{auth.Integration}}
	callers := append([]*auth.Identity{integration}, everyone...)
	for _, table := range []string{"customers", "contacts", "employees"} {
		for _, id := range callers {
			got, err := policy.Firm.Can(id, policy.Sync, table, &policy.Facts{}, "name")
			if err != nil {
				t.Fatal(err)
			}
			want := id == integration || id == admin
			if got != want {
				t.Errorf("sync %s as %s: allowed %v, want %v", table, subject(id), got, want)
			}
		}
		for _, action := range []policy.Action{policy.Create, policy.Update, policy.Delete} {
			if ok, _ := policy.Firm.Can(integration, action, table, &policy.Facts{}); ok {
				t.Errorf("integration may %s %s outside the sync", action, table)
			}
		}
	}
	for _, table := range []string{"projects", "assignments", "time_entries", "departments"} {
		if ok, _ := policy.Firm.Can(admin, policy.Sync, table, nil); ok {
			t.Errorf("%s are synced, but no sync operation writes them", table)
		}
	}
	// The sync does not lift a column's own guard: an employee's salary
	// is set by hr and admins only.
	if ok, _ := policy.Firm.Can(integration, policy.Sync, "employees", &policy.Facts{}, "salary"); ok {
		t.Error("integration may set a salary through the sync")
	}
}
