package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// Config says which credentials are accepted.
type Config struct {
	JWT JWTConfig
	// Keys checks API keys; nil: API keys are not accepted.
	Keys *APIKeys
	// Anonymous is who a request without credentials is; nil (the
	// default, and always so in production) refuses it with 401.
	Anonymous *Identity
}

// Authenticator turns a request's credential into an Identity.
type Authenticator struct {
	jwt       *jwtVerifier
	keys      *APIKeys
	anonymous *Identity
}

// New returns the authenticator for cfg. With a JWKS URL it fetches the
// keys now and keeps them fresh until ctx ends.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	v, err := newJWTVerifier(ctx, cfg.JWT)
	if err != nil {
		return nil, err
	}
	return &Authenticator{jwt: v, keys: cfg.Keys, anonymous: cfg.Anonymous}, nil
}

// Unauthenticated is a missing, bad, expired or revoked credential: the
// request is answered 401 with UNAUTHENTICATED and the message.
type Unauthenticated struct{ Message string }

func (e *Unauthenticated) Error() string { return e.Message }

func errUnauthenticated(msg string) error { return &Unauthenticated{Message: msg} }

// ErrNoRole is a valid credential that grants no role this API knows.
var ErrNoRole = errors.New("the credential grants none of the roles viewer, manager, hr, analytics, admin, integration")

// Authenticate returns the identity of r's credential. The credential is
// `Authorization: Bearer <JWT or API key>`; API keys start with KeyPrefix.
// Errors are *Unauthenticated, ErrNoRole, or a failure to check (the
// database of API keys unreachable).
func (a *Authenticator) Authenticate(r *http.Request) (*Identity, error) {
	return a.Authorization(r.Context(), r.Header.Get("Authorization"))
}

// Authorization is Authenticate for the value of an Authorization header
// ("" when there is none), checked under ctx.
func (a *Authenticator) Authorization(ctx context.Context, header string) (*Identity, error) {
	if header == "" {
		if a.anonymous != nil {
			return a.anonymous, nil
		}
		return nil, errUnauthenticated("authentication required: send Authorization: Bearer <token or API key>")
	}
	scheme, cred, ok := strings.Cut(header, " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return nil, errUnauthenticated("the Authorization header must be: Bearer <token or API key>")
	}
	return a.Credential(ctx, cred)
}

// Credential returns the identity of a bare credential, a JWT or an API
// key, as a connection that authenticates once carries it (a websocket's
// connection_init payload), with the rules and errors of Authenticate. An
// empty credential is the anonymous caller's, where the server has one.
func (a *Authenticator) Credential(ctx context.Context, cred string) (*Identity, error) {
	if cred == "" {
		if a.anonymous != nil {
			return a.anonymous, nil
		}
		return nil, errUnauthenticated("authentication required: send a bearer token or API key")
	}
	var id *Identity
	var err error
	switch {
	case strings.HasPrefix(cred, KeyPrefix):
		if a.keys == nil {
			return nil, errUnauthenticated("API keys are not accepted by this server")
		}
		id, err = a.keys.identify(ctx, cred)
	case a.jwt == nil:
		return nil, errUnauthenticated("bearer tokens are not accepted by this server (no JWT_SECRET or JWT_JWKS_URL)")
	default:
		id, err = a.jwt.verify(cred)
		if err != nil {
			err = errUnauthenticated(err.Error())
		}
	}
	if err != nil {
		return nil, err
	}
	if len(id.Roles) == 0 {
		return nil, ErrNoRole
	}
	return id, nil
}
