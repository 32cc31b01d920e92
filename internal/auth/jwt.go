package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// JWTConfig says which bearer tokens are accepted and how to read them.
type JWTConfig struct {
	// Secret verifies HS256 tokens; empty: HS256 is not accepted.
	Secret string
	// JWKS is where RS256/ES256 keys come from: an http(s) URL, refreshed
	// in the background, or a file path read at start; empty: neither is
	// accepted.
	JWKS string
	// Issuer and Audience, when set, must match the token's iss and aud.
	Issuer, Audience string
	// The claims that carry the subject, the roles (an array of role
	// names) and the caller's employee id. Empty: sub, roles, employee_id.
	SubjectClaim, RolesClaim, EmployeeIDClaim string
	// MaxLifetime is the longest a token may be valid: a token whose exp
	// is further than this after its iat, or after now, is refused, so a
	// leaked token cannot be minted to last for years. 0: DefaultMaxLifetime.
	MaxLifetime time.Duration
}

// DefaultMaxLifetime is the longest lifetime of a token unless configured.
const DefaultMaxLifetime = 24 * time.Hour

// Leeway is the clock skew tolerated on exp and nbf.
const Leeway = 30 * time.Second

// jwtVerifier checks bearer JWTs. The algorithm a token may use is pinned
// by where its key comes from: HS256 only against the shared secret,
// RS256 only against an RSA key and ES256 only against an ECDSA key of the
// JWKS. So "alg: none" is never accepted, and a token signed with HS256
// using a public key as the secret (the HS/RS confusion) finds no key.
type jwtVerifier struct {
	cfg     JWTConfig
	secret  []byte // cfg.Secret, converted once
	jwks    jwt.Keyfunc
	methods []string
	parser  *jwt.Parser
}

// withClaimDefaults names the claims cfg leaves unnamed: what tokens are
// read with and minted with alike.
func (cfg JWTConfig) withClaimDefaults() JWTConfig {
	if cfg.SubjectClaim == "" {
		cfg.SubjectClaim = "sub"
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.EmployeeIDClaim == "" {
		cfg.EmployeeIDClaim = "employee_id"
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	return cfg
}

func newJWTVerifier(ctx context.Context, cfg JWTConfig) (*jwtVerifier, error) {
	cfg = cfg.withClaimDefaults()
	v := &jwtVerifier{cfg: cfg, secret: []byte(cfg.Secret)}
	if cfg.Secret != "" {
		if len(cfg.Secret) < 32 {
			return nil, errors.New("JWT_SECRET must be at least 32 bytes: a shorter HS256 secret can be guessed offline")
		}
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if cfg.JWKS != "" {
		kf, err := loadJWKS(ctx, cfg.JWKS)
		if err != nil {
			return nil, err
		}
		v.jwks = kf
		v.methods = append(v.methods, jwt.SigningMethodRS256.Alg(), jwt.SigningMethodES256.Alg())
	}
	if len(v.methods) == 0 {
		return nil, nil // no JWT accepted at all
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(v.methods), jwt.WithExpirationRequired(), jwt.WithLeeway(Leeway)}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

// loadJWKS reads a JWKS from a URL (kept fresh by keyfunc) or a file.
func loadJWKS(ctx context.Context, src string) (jwt.Keyfunc, error) {
	if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
		kf, err := keyfunc.NewDefaultCtx(ctx, []string{src})
		if err != nil {
			return nil, fmt.Errorf("JWT_JWKS_URL %s: %w", src, err)
		}
		return kf.Keyfunc, nil
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("JWT_JWKS_URL: read JWKS file: %w", err)
	}
	kf, err := keyfunc.NewJWKSetJSON(json.RawMessage(raw))
	if err != nil {
		return nil, fmt.Errorf("JWT_JWKS_URL: parse JWKS file %s: %w", src, err)
	}
	return kf.Keyfunc, nil
}

// key returns the key that may verify t, refusing any key whose type does
// not belong to t's algorithm.
func (v *jwtVerifier) key(t *jwt.Token) (any, error) {
	switch t.Method {
	case jwt.SigningMethodHS256:
		if v.cfg.Secret == "" {
			return nil, errors.New("HS256 tokens are not accepted")
		}
		return v.secret, nil
	case jwt.SigningMethodRS256, jwt.SigningMethodES256:
		if v.jwks == nil {
			return nil, errors.New("RS256/ES256 tokens are not accepted")
		}
		k, err := v.jwks(t)
		if err != nil {
			return nil, err
		}
		if set, ok := k.(jwt.VerificationKeySet); ok {
			// No kid: only the keys of the token's own type are candidates.
			var keep []jwt.VerificationKey
			for _, c := range set.Keys {
				if keyFits(t.Method, c) {
					keep = append(keep, c)
				}
			}
			return jwt.VerificationKeySet{Keys: keep}, nil
		}
		if !keyFits(t.Method, k) {
			return nil, fmt.Errorf("the key %v names does not fit %s", t.Header["kid"], t.Method.Alg())
		}
		return k, nil
	}
	return nil, fmt.Errorf("algorithm %v is not accepted", t.Header["alg"])
}

func keyFits(m jwt.SigningMethod, k any) bool {
	switch m {
	case jwt.SigningMethodRS256:
		_, ok := k.(*rsa.PublicKey)
		return ok
	case jwt.SigningMethodES256:
		pk, ok := k.(*ecdsa.PublicKey)
		return ok && pk.Curve.Params().BitSize == 256
	}
	return false
}

// verify checks token and returns its identity.
func (v *jwtVerifier) verify(token string) (*Identity, error) {
	claims := jwt.MapClaims{}
	if _, err := v.parser.ParseWithClaims(token, claims, v.key); err != nil {
		return nil, describe(err)
	}
	if err := v.checkLifetime(claims); err != nil {
		return nil, err
	}
	id := &Identity{}
	if exp, err := claims.GetExpirationTime(); err == nil && exp != nil {
		id.Expires = exp.Time
	}
	id.Subject, _ = claims[v.cfg.SubjectClaim].(string)
	if id.Subject == "" {
		return nil, fmt.Errorf("the token has no %q claim", v.cfg.SubjectClaim)
	}
	raw, _ := claims[v.cfg.RolesClaim].([]any)
	for _, r := range raw {
		if s, ok := r.(string); ok {
			if role, ok := ParseRole(s); ok {
				id.Roles = append(id.Roles, role)
			}
		}
	}
	switch e := claims[v.cfg.EmployeeIDClaim].(type) {
	case nil:
	case float64:
		if e != math.Trunc(e) || e <= 0 {
			return nil, fmt.Errorf("the token's %q claim is not an employee id", v.cfg.EmployeeIDClaim)
		}
		id.EmployeeID = int64(e)
	case string:
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("the token's %q claim is not an employee id", v.cfg.EmployeeIDClaim)
		}
		id.EmployeeID = n
	default:
		return nil, fmt.Errorf("the token's %q claim is not an employee id", v.cfg.EmployeeIDClaim)
	}
	return id, nil
}

// checkLifetime refuses a token valid for longer than MaxLifetime, counted
// from its iat when it has one and from now in any case.
func (v *jwtVerifier) checkLifetime(claims jwt.MapClaims) error {
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return errors.New("the token lacks a required claim (exp)")
	}
	limit := v.cfg.MaxLifetime + Leeway
	if time.Until(exp.Time) > limit {
		return fmt.Errorf("the token is valid for longer than the %s this server accepts", v.cfg.MaxLifetime)
	}
	if iat, err := claims.GetIssuedAt(); err == nil && iat != nil && exp.Sub(iat.Time) > limit {
		return fmt.Errorf("the token is valid for longer than the %s this server accepts", v.cfg.MaxLifetime)
	}
	return nil
}

// describe turns the library's error into a message safe and useful for
// the caller: what is wrong with the token, not how verification works.
func describe(err error) error {
	if strings.Contains(err.Error(), "signing method") { // the library's words for an algorithm not in WithValidMethods
		return errors.New("the token's algorithm is not accepted")
	}
	for _, c := range []struct {
		is  error
		msg string
	}{
		{jwt.ErrTokenExpired, "the token has expired"},
		{jwt.ErrTokenNotValidYet, "the token is not valid yet"},
		{jwt.ErrTokenInvalidAudience, "the token is for another audience"},
		{jwt.ErrTokenInvalidIssuer, "the token is from another issuer"},
		{jwt.ErrTokenRequiredClaimMissing, "the token lacks a required claim (exp)"},
		{jwt.ErrTokenSignatureInvalid, "the token's signature does not verify"},
		{jwt.ErrTokenMalformed, "the token is malformed"},
	} {
		if errors.Is(err, c.is) {
			return errors.New(c.msg)
		}
	}
	return errors.New("the token cannot be verified (its algorithm or key is not accepted)")
}

// MintOptions describe a development token.
type MintOptions struct {
	Subject    string
	Roles      []Role
	EmployeeID int64
	TTL        time.Duration
}

// Mint signs an HS256 token with cfg's secret, claims named as cfg says:
// what `bizgraph token` prints and what the demo playground's role buttons
// send.
func Mint(cfg JWTConfig, o MintOptions) (string, error) {
	if cfg.Secret == "" {
		return "", errors.New("set JWT_SECRET to mint tokens")
	}
	cfg = cfg.withClaimDefaults()
	now := time.Now()
	c := jwt.MapClaims{
		cfg.SubjectClaim: o.Subject,
		cfg.RolesClaim:   (&Identity{Roles: o.Roles}).RoleNames(),
		"iat":            now.Unix(),
		"nbf":            now.Unix(),
		"exp":            now.Add(o.TTL).Unix(),
	}
	if o.EmployeeID > 0 {
		c[cfg.EmployeeIDClaim] = o.EmployeeID
	}
	if cfg.Issuer != "" {
		c["iss"] = cfg.Issuer
	}
	if cfg.Audience != "" {
		c["aud"] = cfg.Audience
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(cfg.Secret))
}
