package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/mutation"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// graphQLEndpoint serves /graphql: it picks the transport that claims a
// request, gives a plain request/response exchange its deadline,
// authenticates the caller, and lets the transport speak to the executor.
type graphQLEndpoint struct {
	*api
	exec Executor
	auth *auth.Authenticator
	// transports are asked in order; the first that claims a request
	// serves it. GraphQL over HTTP comes first.
	transports []graphql.Transport
}

func (e *graphQLEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := e.transport(r)
	if t == nil {
		e.unserved(w, r)
		return
	}
	ctx := r.Context()
	if _, plain := t.(graphQLOverHTTP); plain {
		// Every statement runs under this context: when the deadline
		// passes or the client goes away, PostgreSQL is told to stop. A
		// stream has no deadline of its own: it ends with its client.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.requestTimeout)
		defer cancel()
	}
	if _, itself := t.(interface{ authenticatesItself() }); r.Method != http.MethodOptions && !itself { // a preflight executes nothing
		var ok bool
		if ctx, ok = e.authenticate(ctx, w, r); !ok {
			return
		}
	}
	if key, sent := idempotencyKey(r); sent {
		if !mutation.ValidKey(key) {
			writeRefusal(w, r, e.exec, mediaJSON, refuse(apperr.BadRequest,
				"the Idempotency-Key header must be 1 to 255 visible ASCII characters"))
			return
		}
		ctx = mutation.WithIdempotencyKey(ctx, key)
	}
	// Read your writes: the position the client's reads must have reached
	// (sent back from an earlier answer), and the answer's position after
	// a write, set before the transport writes the body.
	since, ok := writePosition(r)
	if !ok {
		writeRefusal(w, r, e.exec, mediaJSON, refuse(apperr.BadRequest,
			"the %s header must be a position an answer of this API sent (like 0/16B3748), sent once", replica.Header))
		return
	}
	ctx = replica.WithSession(ctx, replica.NewSession(since, func(p replica.Position) {
		w.Header().Set(replica.Header, p.String())
	}))
	t.Do(w, r.WithContext(graphql.StartOperationTrace(ctx)), e.exec)
}

// idempotencyKey is the request's Idempotency-Key (the IETF draft sends
// it as a structured-field string: quoted; a bare token is taken too).
func idempotencyKey(r *http.Request) (string, bool) {
	v := r.Header.Values("Idempotency-Key")
	if len(v) == 0 {
		return "", false
	}
	if len(v) > 1 {
		return "", true // two keys name no one request
	}
	key := strings.TrimSpace(v[0])
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	return key, true
}

// writePosition is the request's Bizgraph-Write-Position, 0 without one;
// false when it is not one.
func writePosition(r *http.Request) (replica.Position, bool) {
	v := r.Header.Values(replica.Header)
	switch len(v) {
	case 0:
		return 0, true
	case 1:
		p, err := replica.ParsePosition(strings.TrimSpace(v[0]))
		return p, err == nil
	}
	return 0, false
}

func (e *graphQLEndpoint) transport(r *http.Request) graphql.Transport {
	for _, t := range e.transports {
		if t.Supports(r) {
			return t
		}
	}
	return nil
}

// unserved answers a request no transport of this server claims: a
// websocket upgrade or a request for text/event-stream, which GraphQL
// over HTTP leaves to transports this server may not have. The client
// learns that it asked in a way the server does not speak, in JSON, which
// every GraphQL client reads: a stream is not acceptable (406), an upgrade
// is a bad request here (400).
func (e *graphQLEndpoint) unserved(w http.ResponseWriter, r *http.Request) {
	code, msg := apperr.BadRequest, "this server does not serve GraphQL over websockets; send the request with POST or GET"
	if !websocketUpgrade(r) {
		code, msg = apperr.NotAcceptable, "this server does not stream responses as text/event-stream; accept "+
			mediaGraphQLResponse+" or "+mediaJSON
	}
	w.Header().Add("Vary", "Accept")
	writeRefusal(w, r, e.exec, mediaJSON, &refusal{code: code, message: msg})
}

// authenticate finds the request's caller. A request reaches the executor
// only with a valid credential (or, in the demo mode, none), with the
// caller's identity in its context, where internal/policy finds it. A bad,
// expired or revoked credential, or none, is 401 with UNAUTHENTICATED; a
// valid one that grants no known role is 403 with FORBIDDEN. Authentication
// comes before everything else the endpoint does, so an anonymous caller
// learns nothing, not even whether the schema can be introspected.
func (e *graphQLEndpoint) authenticate(ctx context.Context, w http.ResponseWriter, r *http.Request) (context.Context, bool) {
	id, err := e.auth.Authorization(ctx, r.Header.Get("Authorization"))
	if err == nil {
		return withCaller(ctx, id), true
	}
	ae := authError(err)
	if ae.Code == apperr.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="bizgraph"`)
	}
	if apperr.Retryable(ae.Code) {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	if ae.Code == apperr.Internal {
		id := requestid.From(r.Context())
		e.log.ErrorContext(r.Context(), "authenticate", "request_id", id, "err", err)
		ae.Message = "internal error: the credential could not be checked; the server log has details under request id " + id
	}
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		media = mediaJSON
	}
	writeJSON(w, media, apperr.Status(ae.Code), &graphql.Response{Errors: gqlerror.List{{Message: ae.Message,
		Extensions: map[string]any{"code": ae.Code}}}})
	return nil, false
}
