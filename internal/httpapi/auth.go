package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

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

// revocations checks one long-lived connection's credential (an
// Authorization header) at each revocation the feed announces, for as long
// as the connection lives.
type revocations struct {
	auth       *auth.Authenticator
	log        *slog.Logger
	id         *auth.Identity
	credential string
	// retry fires when a check the database could not answer is owed;
	// wait is the pause before it (and up to half as much again),
	// doubling from a second to half a minute while the checks fail.
	retry <-chan time.Time
	wait  time.Duration
}

// Retry is when a check the database could not answer is made again (with
// Revoked("")); nil when none is owed.
func (r *revocations) Retry() <-chan time.Time { return r.retry }

// Revoked reports whether the revocation of subject ended the connection's
// credential, or, when revocations may have been missed (subject ""),
// whether it no longer authenticates. A credential that expires by itself
// (a token) is not revoked, but closed at its expiry. A check the database
// cannot answer keeps the connection for now and is made again (Retry)
// until it is answered: a missed revocation is not let pass for want of an
// answer.
func (r *revocations) Revoked(ctx context.Context, subject string) bool {
	id := r.id
	if id == nil || !id.Expires.IsZero() || id.Anonymous {
		return false
	}
	if subject != "" {
		return subject == id.Subject
	}
	_, err := r.auth.Authorization(ctx, r.credential)
	if err == nil {
		r.retry, r.wait = nil, 0
		return false
	}
	if code := authError(err).Code; code == apperr.Unauthenticated || code == apperr.Forbidden {
		return true
	}
	if ctx.Err() != nil {
		return false // the connection is ending anyway
	}
	r.wait = min(max(2*r.wait, time.Second), 30*time.Second)
	// Up to half the pause again, at random: the connections of a server
	// that all failed at one announcement do not all ask again at once.
	r.retry = time.After(r.wait + rand.N(r.wait/2))
	r.log.WarnContext(ctx, "a subscription's credential could not be checked again; retrying", "subject", id.Subject, "in", r.wait, "err", err)
	return false
}
