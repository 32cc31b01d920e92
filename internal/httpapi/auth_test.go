package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// newProductionServer serves the API as with DATABASE_URL: every request
// needs a credential.
func newProductionServer(t *testing.T) (string, *database.DB) {
	t.Helper()
	db, err := database.Open(context.Background(), httpapitest.URL(), database.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	srv, _ := httpapitest.NewServer(t, service.Config{Auth: httpapitest.Authenticator(t, db, nil), Introspection: true})
	return srv.URL, db
}

func postAs(t *testing.T, url, credential, query string) httpapitest.Reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}
	if credential != "" {
		h["Authorization"] = "Bearer " + credential
	}
	return httpapitest.Do(t, http.MethodPost, url+"/graphql", h, `{"query":"`+query+`"}`)
}

func TestAuth_RequestsWithoutAValidCredentialAre401(t *testing.T) {
	url, _ := newProductionServer(t)
	expired, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: "x", Roles: []auth.Role{auth.Admin}, TTL: -time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, credential string }{
		{"anonymous", ""},
		{"expired token", expired},
		{"garbage token", "abc.def.ghi"},
		{"unknown API key", auth.KeyPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, q := range []string{"{ customers(first: 1) { nodes { name } } }", "{ __schema { queryType { name } } }"} {
				r := postAs(t, url, c.credential, q)
				if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" || len(r.Data) != 0 {
					t.Fatalf("%s: status %d, code %q, data %s; want 401 UNAUTHENTICATED without data", q, r.Status, r.Code(), r.Data)
				}
				if r.Header.Get("WWW-Authenticate") == "" {
					t.Error("a 401 without WWW-Authenticate")
				}
			}
		})
	}
	t.Run("valid token", func(t *testing.T) {
		r := postAs(t, url, httpapitest.Token(t, 0, auth.Viewer), "{ customers(first: 1) { nodes { name } } }")
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("status %d, errors %v", r.Status, r.Errors)
		}
	})
	t.Run("token without a known role", func(t *testing.T) {
		tok, _ := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: "x", Roles: []auth.Role{"superuser"}, TTL: time.Hour})
		r := postAs(t, url, tok, "{ customers(first: 1) { nodes { name } } }")
		if r.Status != http.StatusForbidden || r.Code() != "FORBIDDEN" {
			t.Fatalf("status %d, code %q; want 403 FORBIDDEN", r.Status, r.Code())
		}
	})
}

func TestAuth_APIKeyWorksUntilRevoked(t *testing.T) {
	url, db := newProductionServer(t)
	keys := auth.NewAPIKeys(db)
	ctx := context.Background()
	key, err := keys.Create(ctx, "reporting-tool-"+t.Name(), auth.HR)
	if err != nil {
		t.Fatal(err)
	}
	r := postAs(t, url, key, "{ employees(first: 1) { nodes { salary } } }")
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("an hr API key reading a salary: status %d, errors %v", r.Status, r.Errors)
	}
	list, err := keys.List(ctx)
	if err != nil || len(list) == 0 || list[len(list)-1].Role != auth.HR || list[len(list)-1].RevokedAt != nil {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := keys.Revoke(ctx, "reporting-tool-"+t.Name()); err != nil {
		t.Fatal(err)
	}
	r = postAs(t, url, key, "{ employees(first: 1) { nodes { salary } } }")
	if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("a revoked key: status %d, code %q; want 401 UNAUTHENTICATED", r.Status, r.Code())
	}
	if err := keys.Revoke(ctx, "reporting-tool-"+t.Name()); err == nil {
		t.Error("revoking a revoked key again reported success")
	}
	var stored struct{ KeyHash []byte }
	if err := db.Raw("SELECT key_hash FROM api_keys WHERE name = ?", "reporting-tool-"+t.Name()).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if string(stored.KeyHash) == key || len(stored.KeyHash) != 32 {
		t.Errorf("the key is not stored as its SHA-256: %d bytes", len(stored.KeyHash))
	}
}

// The analytics role runs only registered operations: text it sends is
// refused whatever the server's mode (here automatic, which takes any
// text from other callers), while the same text from a viewer runs.
func TestAuth_AnalyticsRoleIsTrustedOnly(t *testing.T) {
	url, _ := newProductionServer(t)
	analytics := httpapitest.Token(t, 0, auth.Analytics)
	r := postAs(t, url, analytics, "{ customers(first: 1) { nodes { name } } }")
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "TRUSTED_DOCUMENT_REQUIRED") {
		t.Fatalf("analytics sending text: %d %s, want 400 TRUSTED_DOCUMENT_REQUIRED", r.Status, r.Body)
	}
	viewer := httpapitest.Token(t, 0, auth.Viewer)
	if r := postAs(t, url, viewer, "{ customers(first: 1) { nodes { name } } }"); r.Status != http.StatusOK || strings.Contains(string(r.Body), "errors") {
		t.Fatalf("viewer sending the same text: %d %s, want data", r.Status, r.Body)
	}
	both := httpapitest.Token(t, 0, auth.Analytics, auth.Viewer)
	if r := postAs(t, url, both, "{ customers(first: 1) { nodes { name } } }"); r.Status != http.StatusOK || strings.Contains(string(r.Body), "errors") {
		t.Fatalf("analytics and viewer sending text: %d %s, want data (the union of the roles)", r.Status, r.Body)
	}
}

// An API key sent bare (as a websocket's connection_init would carry it)
// names its tool while it lives and is refused once revoked, as in the
// Authorization header.
func TestAuth_BareAPIKeyIsJudgedAsInTheHeader(t *testing.T) {
	_, db := newProductionServer(t)
	ctx := context.Background()
	a := httpapitest.Authenticator(t, db, nil)
	keys := auth.NewAPIKeys(db)
	name := "bare-" + strings.ReplaceAll(t.Name(), "/", "-")
	key, err := keys.Create(ctx, name, auth.Analytics)
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.Credential(ctx, key)
	if err != nil || id.Subject != "apikey:"+name || !id.Has(auth.Analytics) {
		t.Fatalf("a live key: %+v, %v; want the analytics tool %q", id, err, name)
	}
	if err := keys.Revoke(ctx, name); err != nil {
		t.Fatal(err)
	}
	var u *auth.Unauthenticated
	if _, err := a.Credential(ctx, key); !errors.As(err, &u) {
		t.Fatalf("a revoked key: %v, want Unauthenticated", err)
	}
}
