package policy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// RightsKey is a stable key of everything the rules read when they decide
// what the caller in ctx sees: its roles (in any order, each once), its
// employee id (where Self, a reporting line or a managed project start)
// and whether it is anonymous. Two callers with equal keys are decided
// alike by every read rule, so they see identical answers to the same
// operation; live updates share one resolution between them. The subject
// is left out on purpose: no read rule asks for it (only a payroll run's
// approval does, a write). A rule that starts reading anything else of
// the identity must add it here, or callers who differ in it would
// receive each other's answers.
func RightsKey(ctx context.Context) string {
	id := auth.From(ctx)
	if id == nil {
		return "none"
	}
	roles := id.RoleNames()
	slices.Sort(roles)
	roles = slices.Compact(roles)
	return fmt.Sprintf("roles=%s;employee=%d;anonymous=%t", strings.Join(roles, ","), id.EmployeeID, id.Anonymous)
}
