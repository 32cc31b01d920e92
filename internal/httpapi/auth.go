package httpapi

import (
	"context"
	"errors"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

// withCaller is ctx carrying the authenticated caller, as every transport
// hands it to the executor.
func withCaller(ctx context.Context, id *auth.Identity) context.Context {
	ctx = auth.With(ctx, id)
	if analyticsOnly(id) {
		// Analytics tools run the operations registered for them, never
		// text of their own, whatever the server's mode.
		ctx = persisted.RequireTrusted(ctx)
	}
	return ctx
}

// authError is what a client is told about a failed authentication: the
// credential is missing or bad (UNAUTHENTICATED), grants no known role
// (FORBIDDEN), could not be looked up for want of a database connection
// or time (an API key: OVERLOADED, UNAVAILABLE or TIMEOUT, as any
// statement), or could not be checked (INTERNAL_SERVER_ERROR, whose
// message the caller replaces with one that names the request id).
func authError(err error) *apperr.Error {
	var unauth *auth.Unauthenticated
	switch {
	case errors.As(err, &unauth):
		return &apperr.Error{Code: apperr.Unauthenticated, Message: unauth.Message}
	case errors.Is(err, auth.ErrNoRole):
		return &apperr.Error{Code: apperr.Forbidden, Message: err.Error()}
	}
	if f := database.Fault(err); f != nil {
		return f
	}
	return &apperr.Error{Code: apperr.Internal}
}

// analyticsOnly reports whether the caller's only role is analytics: a
// caller holding another role too may send what that role allows.
func analyticsOnly(id *auth.Identity) bool {
	for _, r := range id.Roles {
		if r != auth.Analytics {
			return false
		}
	}
	return len(id.Roles) > 0
}

// revokedBy reports whether the credential (an Authorization header) of
// the connection of id is the one a revocation ended (subject), or, when
// revocations may have been missed (subject ""), whether it no longer
// authenticates. A credential that expires by itself (a token) is not
// revoked, but closed at its expiry; a check that fails for want of the
// database keeps the connection (the next revocation checks again).
func revokedBy(ctx context.Context, a *auth.Authenticator, id *auth.Identity, credential, subject string) bool {
	if id == nil || !id.Expires.IsZero() || id.Anonymous {
		return false
	}
	if subject != "" {
		return subject == id.Subject
	}
	_, err := a.Authorization(ctx, credential)
	if err == nil {
		return false
	}
	code := authError(err).Code
	return code == apperr.Unauthenticated || code == apperr.Forbidden
}
