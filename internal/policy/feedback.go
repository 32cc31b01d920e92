package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// Customer feedback's rules (DOMAIN.md, "Who writes what"): answers are
// recorded by external systems' API keys (integration) and admins. There
// is no row scope: whoever sees a project sees its feedback. The Rows
// grant names every role only so that integration, which reads no other
// table (Scope), reads back the answers it records.
var feedbackRows = Grant{Roles: []auth.Role{auth.Viewer, auth.Manager, auth.HR, auth.Analytics, auth.Admin, auth.Integration}}

func init() {
	Firm["project_feedback"] = Table{
		Rows:   &feedbackRows,
		Create: Grant{Roles: []auth.Role{auth.Integration, auth.Admin}},
	}
}
