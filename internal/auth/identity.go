// Package auth tells who a request comes from: it verifies bearer JWTs
// (HS256 with a shared secret, RS256/ES256 with keys from a JWKS) and API
// keys, and puts the caller's Identity in the request's context. What an
// identity may see is decided elsewhere, by internal/policy.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is a set of permissions a caller holds (DOMAIN.md, "Who reads what").
type Role string

// The roles. A caller may hold several and gets the union of what they allow.
const (
	// Viewer reads customers, projects, departments and employees without
	// their sensitive columns, and assignments without bill rates.
	Viewer Role = "viewer"
	// Manager reads as a viewer, plus bill rates, plus the sensitive
	// columns of the employees in their own reporting line.
	Manager Role = "manager"
	// HR reads every employee column.
	HR Role = "hr"
	// Analytics runs the persisted operations registered for analytics.
	Analytics Role = "analytics"
	// Admin reads everything, including the audit log.
	Admin Role = "admin"
	// Integration is an external system's API key: it records what the
	// system sends (customer feedback) and reads nothing else
	// (policy.Scope hides every other table from it).
	Integration Role = "integration"
)

// Roles are all roles, in the order the playground and the docs list them.
var Roles = []Role{Viewer, Manager, HR, Analytics, Admin, Integration}

// ParseRole returns the role named s, spelled exactly as a token's roles
// claim (viewer) or the schema's Role enum (VIEWER) spells it. Nothing else
// is a role: " Admin" or "aDmin" is a claim the issuer did not mean, and a
// credential is not the place to guess.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	if s != "" && s == strings.ToUpper(s) {
		r = Role(strings.ToLower(s))
	}
	return r, slices.Contains(Roles, r)
}

// Identity is who a request comes from.
type Identity struct {
	// Subject names the caller: a JWT's subject, or "apikey:<name>".
	Subject string
	// Roles are the caller's known roles; never empty for an authenticated
	// caller.
	Roles []Role
	// EmployeeID is the caller's own employee id, 0 when the caller is not
	// an employee (a tool). A manager's reporting line starts here.
	EmployeeID int64
	// Anonymous is set for a request without credentials, which only the
	// demo mode lets through.
	Anonymous bool
	// Expires is when the credential stops being valid (a token's exp);
	// zero for one that does not expire by itself (an API key, until
	// revoked). A connection that outlives a request (a websocket) is
	// closed then.
	Expires time.Time
}

// Has reports whether the identity holds role r.
func (id *Identity) Has(r Role) bool { return id != nil && slices.Contains(id.Roles, r) }

// HasAny reports whether the identity holds any of roles.
func (id *Identity) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if id.Has(r) {
			return true
		}
	}
	return false
}

// RoleNames are the identity's roles as strings, for logs and the audit.
func (id *Identity) RoleNames() []string {
	out := make([]string, len(id.Roles))
	for i, r := range id.Roles {
		out[i] = string(r)
	}
	return out
}

type identityKey struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// From returns the identity in ctx; nil when the request was not
// authenticated (which the HTTP layer never lets reach the executor).
func From(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}
