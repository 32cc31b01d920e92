package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bizgraph/bizgraph/internal/auth"
)

const secret = "a-test-secret-that-is-32-bytes-long!"

// keys is an RSA and an ECDSA key pair and the JWKS publishing their
// public halves, as an identity provider would.
type keys struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	jwks []byte
}

func newKeys(t *testing.T) *keys {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	ecPub, err := ek.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(rk.N.Bytes()),
			"e": b64(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256",
			"x": b64(ecPub[1:33]), "y": b64(ecPub[33:])},
	}})
	return &keys{rsa: rk, ec: ek, jwks: set}
}

func (k *keys) file(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, k.jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func claims(mod func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"sub": "ada", "roles": []string{"manager"}, "employee_id": 42,
		"iss": "https://idp.example", "aud": "bizgraph", "exp": now.Add(time.Hour).Unix(), "nbf": now.Unix()}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func request(cred string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	if cred != "" {
		r.Header.Set("Authorization", "Bearer "+cred)
	}
	return r
}

func newAuth(t *testing.T, jc auth.JWTConfig) *auth.Authenticator {
	t.Helper()
	jc.Issuer, jc.Audience = "https://idp.example", "bizgraph"
	a, err := auth.New(context.Background(), auth.Config{JWT: jc})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAuthenticate_ValidTokensGiveTheirIdentity(t *testing.T) {
	k := newKeys(t)
	a := newAuth(t, auth.JWTConfig{Secret: secret, JWKS: k.file(t)})
	for _, c := range []struct {
		name  string
		token string
	}{
		{"HS256 with the shared secret", sign(t, jwt.SigningMethodHS256, "", []byte(secret), claims(nil))},
		{"RS256 with a JWKS key", sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil))},
		{"ES256 with a JWKS key", sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil))},
		{"RS256 without kid", sign(t, jwt.SigningMethodRS256, "", k.rsa, claims(nil))},
		{"employee id as a string", sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["employee_id"] = "42" }))},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, err := a.Authenticate(request(c.token))
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "ada" || !slices.Equal(id.Roles, []auth.Role{auth.Manager}) || id.EmployeeID != 42 || id.Anonymous {
				t.Fatalf("identity %+v, want ada, manager, employee 42", id)
			}
		})
	}
}

func TestAuthenticate_SeveralRolesAreAllHeldAndUnknownOnesIgnored(t *testing.T) {
	a := newAuth(t, auth.JWTConfig{Secret: secret})
	tok := sign(t, jwt.SigningMethodHS256, "", []byte(secret),
		claims(func(c jwt.MapClaims) { c["roles"] = []string{"viewer", "HR", "superuser"} }))
	id, err := a.Authenticate(request(tok))
	if err != nil {
		t.Fatal(err)
	}
	if !id.Has(auth.Viewer) || !id.Has(auth.HR) || len(id.Roles) != 2 {
		t.Fatalf("roles %v, want viewer and hr", id.Roles)
	}
	none := sign(t, jwt.SigningMethodHS256, "", []byte(secret),
		claims(func(c jwt.MapClaims) { c["roles"] = []string{"superuser"} }))
	if _, err := a.Authenticate(request(none)); !errors.Is(err, auth.ErrNoRole) {
		t.Fatalf("a token with no known role: %v, want ErrNoRole", err)
	}
}

func TestAuthenticate_ClaimNamesAreConfigurable(t *testing.T) {
	a := newAuth(t, auth.JWTConfig{Secret: secret, SubjectClaim: "email", RolesClaim: "https://firm/roles",
		EmployeeIDClaim: "staff_no"})
	tok := sign(t, jwt.SigningMethodHS256, "", []byte(secret), claims(func(c jwt.MapClaims) {
		c["email"], c["https://firm/roles"], c["staff_no"] = "ada@firm", []string{"hr"}, 7
	}))
	id, err := a.Authenticate(request(tok))
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "ada@firm" || !id.Has(auth.HR) || id.EmployeeID != 7 {
		t.Fatalf("identity %+v", id)
	}
}

// Every way a token can be wrong is refused as unauthenticated, with a
// message that says what is wrong.
func TestAuthenticate_BadTokensAreRefused(t *testing.T) {
	k := newKeys(t)
	rsaPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&k.rsa.PublicKey))})
	good := sign(t, jwt.SigningMethodHS256, "", []byte(secret), claims(nil))
	parts := strings.Split(good, ".")
	tamperedClaims, _ := json.Marshal(claims(func(c jwt.MapClaims) { c["roles"] = []string{"admin"} }))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedClaims) + "." + parts[2]
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)

	both := newAuth(t, auth.JWTConfig{Secret: secret, JWKS: k.file(t)})
	jwksOnly := newAuth(t, auth.JWTConfig{JWKS: k.file(t)})
	secretOnly := newAuth(t, auth.JWTConfig{Secret: secret})
	for _, c := range []struct {
		name  string
		a     *auth.Authenticator
		token string
		want  string
	}{
		{"expired", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), "expired"},
		{"not valid yet", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), "not valid yet"},
		{"without exp", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { delete(c, "exp") })), "exp"},
		{"wrong audience", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["aud"] = "another-api" })), "audience"},
		{"wrong issuer", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "issuer"},
		{"tampered claims", both, tampered, "signature"},
		{"signed with another secret", both, sign(t, jwt.SigningMethodHS256, "", []byte(strings.Repeat("x", 40)), claims(nil)), "signature"},
		{"signed with a key not in the JWKS", both, sign(t, jwt.SigningMethodRS256, "rsa-1", otherRSA, claims(nil)), "signature"},
		{"alg none", both, sign(t, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, claims(nil)), "algorithm"},
		// The HS/RS confusion: HS256 "signed" with the public RSA key as
		// the secret, for a server that verifies RS256 with that key.
		{"HS256 with the RSA public key, JWKS only", jwksOnly, sign(t, jwt.SigningMethodHS256, "rsa-1", rsaPubPEM, claims(nil)), "algorithm"},
		{"HS256 with the RSA public key, secret and JWKS", both, sign(t, jwt.SigningMethodHS256, "rsa-1", rsaPubPEM, claims(nil)), "signature"},
		{"RS256 where only HS256 is accepted", secretOnly, sign(t, jwt.SigningMethodRS256, "rsa-1", k.rsa, claims(nil)), "algorithm"},
		{"RS256 naming the EC key", both, sign(t, jwt.SigningMethodRS256, "ec-1", k.rsa, claims(nil)), ""},
		{"HS512", both, sign(t, jwt.SigningMethodHS512, "", []byte(secret), claims(nil)), "algorithm"},
		{"garbage", both, "not.a.token", "malformed"},
		{"no subject", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { delete(c, "sub") })), "sub"},
		{"valid for longer than the maximum lifetime", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(25 * time.Hour).Unix() })), "longer"},
		{"issued long before a far exp", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret), claims(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = time.Now().Add(-30*time.Hour).Unix(), time.Now().Add(time.Hour).Unix()
		})), "longer"},
		{"employee id not a number", both, sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["employee_id"] = 1.5 })), "employee"},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, err := c.a.Authenticate(request(c.token))
			var u *auth.Unauthenticated
			if !errors.As(err, &u) {
				t.Fatalf("identity %+v, error %v; want Unauthenticated", id, err)
			}
			if !strings.Contains(u.Message, c.want) {
				t.Fatalf("message %q does not say %q", u.Message, c.want)
			}
		})
	}
}

func TestAuthenticate_NoCredential(t *testing.T) {
	a := newAuth(t, auth.JWTConfig{Secret: secret})
	var u *auth.Unauthenticated
	if _, err := a.Authenticate(request("")); !errors.As(err, &u) {
		t.Fatalf("no credential without the demo mode: %v, want Unauthenticated", err)
	}
	r := request("")
	r.Header.Set("Authorization", "Basic YWRhOnB3")
	if _, err := a.Authenticate(r); !errors.As(err, &u) {
		t.Fatalf("a Basic credential: %v, want Unauthenticated", err)
	}
	demo, err := auth.New(context.Background(), auth.Config{JWT: auth.JWTConfig{Secret: secret},
		Anonymous: &auth.Identity{Subject: "anonymous", Roles: []auth.Role{auth.Viewer}, Anonymous: true}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := demo.Authenticate(request(""))
	if err != nil || !id.Anonymous || !id.Has(auth.Viewer) || id.Has(auth.HR) {
		t.Fatalf("demo mode without credential: %+v, %v; want the anonymous viewer", id, err)
	}
	// A bad credential is refused in the demo mode too: it is not anonymous.
	if _, err := demo.Authenticate(request("not.a.token")); !errors.As(err, &u) {
		t.Fatalf("demo mode with a bad token: %v, want Unauthenticated", err)
	}
}

func TestAuthenticate_JWKSFromURL(t *testing.T) {
	k := newKeys(t)
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(k.jwks)
	}))
	defer idp.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := auth.New(ctx, auth.Config{JWT: auth.JWTConfig{JWKS: idp.URL}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(request(sign(t, jwt.SigningMethodES256, "ec-1", k.ec, claims(nil)))); err != nil {
		t.Fatal(err)
	}
}

func TestNew_RefusesAShortSecret(t *testing.T) {
	if _, err := auth.New(context.Background(), auth.Config{JWT: auth.JWTConfig{Secret: "short"}}); err == nil {
		t.Fatal("a 5-byte HS256 secret was accepted")
	}
}

func TestMint_TokensVerify(t *testing.T) {
	jc := auth.JWTConfig{Secret: secret, Issuer: "https://idp.example", Audience: "bizgraph"}
	tok, err := auth.Mint(jc, auth.MintOptions{Subject: "dev", Roles: []auth.Role{auth.HR, auth.Viewer}, EmployeeID: 12, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	id, err := newAuth(t, jc).Authenticate(request(tok))
	if err != nil || id.Subject != "dev" || !id.Has(auth.HR) || !id.Has(auth.Viewer) || id.EmployeeID != 12 {
		t.Fatalf("%+v, %v", id, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// BenchmarkAuthenticate_HS256 is what verifying a bearer token adds to
// every request.
func BenchmarkAuthenticate_HS256(b *testing.B) {
	a, err := auth.New(context.Background(), auth.Config{JWT: auth.JWTConfig{Secret: secret, Audience: "bizgraph"}})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := auth.Mint(auth.JWTConfig{Secret: secret, Audience: "bizgraph"},
		auth.MintOptions{Subject: "ada", Roles: []auth.Role{auth.HR}, EmployeeID: 7, TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	r := request(tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}

// A bare credential, as a websocket's connection_init payload carries it,
// is judged by the same rules as the Authorization header's, with the same
// identity or the same error.
func TestCredential_SameRulesAndErrorsAsTheHeader(t *testing.T) {
	hs := func(mod func(jwt.MapClaims)) string {
		return sign(t, jwt.SigningMethodHS256, "", []byte(secret), claims(mod))
	}
	strict := newAuth(t, auth.JWTConfig{Secret: secret})
	demo, err := auth.New(context.Background(), auth.Config{JWT: auth.JWTConfig{Secret: secret, Issuer: "https://idp.example",
		Audience: "bizgraph"}, Anonymous: &auth.Identity{Subject: "anonymous", Roles: []auth.Role{auth.Viewer}, Anonymous: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		a       *auth.Authenticator
		cred    string
		subject string // of the identity; "" when refused
		refusal string // the error's message, when refused
	}{
		{"valid token", strict, hs(nil), "ada", ""},
		{"expired token", strict, hs(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), "", "expired"},
		{"garbage", strict, "not.a.token", "", "malformed"},
		{"no known role", strict, hs(func(c jwt.MapClaims) { c["roles"] = []string{"pilot"} }), "", "grants none of the roles"},
		{"API key where none are accepted", strict, auth.KeyPrefix + "abc", "", "API keys are not accepted"},
		{"none, without an anonymous caller", strict, "", "", "authentication required"},
		{"none, in the demo mode", demo, "", "anonymous", ""},
		{"a bad one, in the demo mode", demo, "not.a.token", "", "malformed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bare, bareErr := c.a.Credential(context.Background(), c.cred)
			header, headerErr := c.a.Authenticate(request(c.cred))
			if c.subject != "" {
				if bareErr != nil || bare.Subject != c.subject || headerErr != nil || header.Subject != c.subject {
					t.Fatalf("bare: %+v, %v; header: %+v, %v; want subject %q", bare, bareErr, header, headerErr, c.subject)
				}
				return
			}
			if bareErr == nil || headerErr == nil || !strings.Contains(bareErr.Error(), c.refusal) {
				t.Fatalf("bare: %+v, %v; header: %+v, %v; want refused with %q", bare, bareErr, header, headerErr, c.refusal)
			}
			var bu, hu *auth.Unauthenticated
			if errors.As(bareErr, &bu) != errors.As(headerErr, &hu) || errors.Is(bareErr, auth.ErrNoRole) != errors.Is(headerErr, auth.ErrNoRole) {
				t.Fatalf("bare error %T %v, header error %T %v: want the same kind", bareErr, bareErr, headerErr, headerErr)
			}
			// The header names itself where a credential is missing; the
			// judgement of a credential sent is word for word the same.
			if c.cred != "" && bareErr.Error() != headerErr.Error() {
				t.Fatalf("bare error %q, header error %q: want the same", bareErr, headerErr)
			}
		})
	}
}

// Role names are matched exactly as the roles claim (viewer) or the
// schema's Role enum (VIEWER) spells them; any other spelling is no role.
func TestAuthenticate_RoleNamesMatchExactly(t *testing.T) {
	a := newAuth(t, auth.JWTConfig{Secret: secret})
	for _, roles := range [][]string{{" admin"}, {"Admin"}, {"aDMIN"}, {"admin "}, {"ADMIN\t"}} {
		tok := sign(t, jwt.SigningMethodHS256, "", []byte(secret),
			claims(func(c jwt.MapClaims) { c["roles"] = roles }))
		if id, err := a.Authenticate(request(tok)); !errors.Is(err, auth.ErrNoRole) {
			t.Errorf("roles %q: identity %+v, error %v; want ErrNoRole", roles, id, err)
		}
	}
}

// The maximum lifetime is a setting: a server may accept longer tokens.
func TestAuthenticate_MaxLifetimeIsConfigurable(t *testing.T) {
	a := newAuth(t, auth.JWTConfig{Secret: secret, MaxLifetime: 72 * time.Hour})
	tok := sign(t, jwt.SigningMethodHS256, "", []byte(secret),
		claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(48 * time.Hour).Unix() }))
	if _, err := a.Authenticate(request(tok)); err != nil {
		t.Fatalf("a 48 h token under a 72 h maximum: %v", err)
	}
}
