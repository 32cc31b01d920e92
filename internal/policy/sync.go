package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// Sync from other systems (DOMAIN.md, "Who writes what"): an external
// system's API key (integration) keeps customers, their contacts and
// employees in step with its own records through the sync operations
// (upsert by its id), and admins may too. It is a right of its own, not
// Create or Update: an integration key may not call createCustomer or
// hireEmployee, and hr, who hires, does not sync. A column guarded for
// writes (an employee's salary) stays guarded: the sync operations do not
// set those.
var syncers = Grant{Roles: []auth.Role{auth.Integration, auth.Admin}}

// synced are the tables the sync operations write.
var synced = []string{"customers", "contacts", "employees"}

func init() {
	for _, table := range synced {
		t := Firm[table]
		t.Sync = syncers
		Firm[table] = t
	}
}
