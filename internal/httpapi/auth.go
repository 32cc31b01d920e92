package httpapi

import (
	"errors"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// authenticate lets a request reach the GraphQL endpoint only with a valid
// credential (or, in the demo mode, none), and puts the caller's identity
// in its context, where internal/policy finds it. A bad, expired or
// revoked credential, or none, is 401 with UNAUTHENTICATED; a valid one
// that grants no known role is 403 with FORBIDDEN. Authentication comes
// before everything else the endpoint does, so an anonymous caller learns
// nothing, not even whether the schema can be introspected.
func (h *api) authenticate(a *auth.Authenticator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions { // a preflight executes nothing
			next.ServeHTTP(w, r)
			return
		}
		id, err := a.Authenticate(r)
		if err == nil {
			ctx := auth.With(r.Context(), id)
			if analyticsOnly(id) {
				// Analytics tools run the operations registered for them,
				// never text of their own, whatever the server's mode.
				ctx = persisted.RequireTrusted(ctx)
			}
			next.ServeHTTP(w, r.WithContext(requestid.With(ctx, requestID(ctx))))
			return
		}
		var unauth *auth.Unauthenticated
		status, code, msg := http.StatusInternalServerError, apperr.Internal, ""
		switch {
		case errors.As(err, &unauth):
			w.Header().Set("WWW-Authenticate", `Bearer realm="bizgraph"`)
			status, code, msg = http.StatusUnauthorized, apperr.Unauthenticated, unauth.Message
		case errors.Is(err, auth.ErrNoRole):
			status, code, msg = http.StatusForbidden, apperr.Forbidden, err.Error()
		default:
			id := requestID(r.Context())
			h.log.ErrorContext(r.Context(), "authenticate", "request_id", id, "err", err)
			msg = "internal error: the credential could not be checked; the server log has details under request id " + id
		}
		media, ok := negotiate(r.Header.Values("Accept"))
		if !ok {
			media = mediaJSON
		}
		writeJSON(w, media, status, &graphql.Response{Errors: gqlerror.List{{Message: msg,
			Extensions: map[string]any{"code": code}}}})
	})
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
