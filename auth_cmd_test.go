package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// `bizgraph token` prints a token the server accepts with the same
// settings, and refuses to mint without a secret or for an unknown role.
func TestTokenCommand_MintsATokenTheServerAccepts(t *testing.T) {
	const secret = "a-development-secret-of-32-bytes-or-more"
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(os.Args[0], append([]string{"token"}, args...)...)
		cmd.Env = append(os.Environ(), append([]string{"BIZGRAPH_MAIN=1"}, env...)...)
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	env := []string{"JWT_SECRET=" + secret, "JWT_AUDIENCE=bizgraph"}
	tok, err := run(env, "--role", "hr,viewer", "--employee-id", "12")
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(context.Background(), auth.Config{JWT: auth.JWTConfig{Secret: secret, Audience: "bizgraph"}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	id, err := a.Authenticate(r)
	if err != nil || !id.Has(auth.HR) || !id.Has(auth.Viewer) || id.EmployeeID != 12 {
		t.Fatalf("the printed token: %+v, %v", id, err)
	}
	if _, err := run([]string{"JWT_SECRET="}, "--role", "hr"); err == nil {
		t.Error("minted a token without JWT_SECRET")
	}
	if _, err := run(env, "--role", "superuser"); err == nil {
		t.Error("minted a token for an unknown role")
	}
}

// With DATABASE_URL a request without credentials is refused: the open
// demo mode is never the default there.
func TestSetupSecurity_ProductionRefusesAnonymous(t *testing.T) {
	var cfg config
	cfg.Auth.JWTSecret = "a-production-secret-of-32-bytes-or-more"
	cfg.DatabaseURL = "postgres://nobody@127.0.0.1:1/none" // the audit connects lazily; nothing is read here
	sec, err := setupSecurity(context.Background(), &cfg, &target{url: cfg.DatabaseURL}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer sec.audit.Close(context.Background())
	var u *auth.Unauthenticated
	if _, err := sec.auth.Authenticate(httptest.NewRequest("POST", "/graphql", nil)); !errors.As(err, &u) {
		t.Fatalf("anonymous with DATABASE_URL: %v, want Unauthenticated", err)
	}
	if len(sec.roles) != 0 {
		t.Errorf("the production playground offers %d development tokens", len(sec.roles))
	}
}

// The demo's tokens are signed with a key of the demo process's own: a
// server sharing the configured JWT_SECRET refuses them.
func TestDemoJWT_TokensAreRefusedByServersSharingTheSecret(t *testing.T) {
	prod := auth.JWTConfig{Secret: "a-production-secret-of-32-bytes-or-more"}
	tok, err := auth.Mint(demoJWT(prod), auth.MintOptions{Subject: "demo-admin", Roles: []auth.Role{auth.Admin}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(context.Background(), auth.Config{JWT: prod})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if id, err := a.Authenticate(r); err == nil {
		t.Fatalf("a production server accepted the demo's admin token as %+v", id)
	}
}

// Demo mode, whose API is open, listens on loopback unless told otherwise.
func TestListenAddr_DemoModeDefaultsToLoopback(t *testing.T) {
	for _, c := range []struct{ addr, dbURL, want string }{
		{"", "", "127.0.0.1:8080"},
		{"", "postgres://db/firm", ":8080"},
		{":9000", "", ":9000"},
		{"0.0.0.0:8080", "", "0.0.0.0:8080"},
	} {
		if got := listenAddr(&config{Addr: c.addr, DatabaseURL: c.dbURL}); got != c.want {
			t.Errorf("addr %q, database %q: listen on %q, want %q", c.addr, c.dbURL, got, c.want)
		}
	}
}
