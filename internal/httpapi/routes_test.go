package httpapi_test

import (
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// TestHealth checks the probes: /healthz answers while the process runs,
// /readyz only while the database does.
func TestHealth(t *testing.T) {
	up, _ := httpapitest.NewServer(t, service.Config{})
	down, downDB := httpapitest.NewServer(t, service.Config{})
	if err := downDB.Close(); err != nil {
		t.Fatalf("close database: %v", err)
	}
	for _, tt := range []struct {
		name   string
		base   string
		path   string
		status int
		body   string
	}{
		{"healthz with the database up", up.URL, "/healthz", 200, "ok\n"},
		{"readyz with the database up", up.URL, "/readyz", 200, "ready\n"},
		{"healthz with the database down: the process still runs", down.URL, "/healthz", 200, "ok\n"},
		{"readyz with the database down", down.URL, "/readyz", 503, "database unreachable\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httpapitest.Do(t, "GET", tt.base+tt.path, nil, "")
			if r.Status != tt.status || string(r.Body) != tt.body {
				t.Fatalf("got %d %q, want %d %q", r.Status, r.Body, tt.status, tt.body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Fatalf("Content-Type = %q, want text/plain; charset=utf-8", ct)
			}
		})
	}
}

// TestInternalErrorsAreMasked checks that a failure inside the server
// reaches the client as a generic message with the request id to look it
// up by, never the driver's text.
func TestInternalErrorsAreMasked(t *testing.T) {
	srv, db := httpapitest.NewServer(t, service.Config{})
	if err := db.Close(); err != nil {
		t.Fatalf("close database: %v", err)
	}
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": mediaJSON, "X-Request-Id": "trace-me"},
		post(okQuery).body)
	if r.Status != 200 || r.Code() != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("got %d, code %q; want 200 with INTERNAL_SERVER_ERROR; body %s", r.Status, r.Code(), r.Body)
	}
	msg := r.Errors[0].Message
	if !strings.Contains(msg, "trace-me") || strings.Contains(msg, "sql") || strings.Contains(msg, "closed") {
		t.Fatalf("message %q: want the request id and no driver text", msg)
	}
	if id := r.Header.Get("X-Request-Id"); id != "trace-me" {
		t.Fatalf("X-Request-Id = %q, want the client's trace-me", id)
	}
}

// TestRequestID checks that every response carries a request id: the
// client's when it sent a sane one (it is echoed, logged and quoted in
// error messages), a fresh one otherwise.
func TestRequestID(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	for _, tt := range []struct {
		name, sent string
		keep       bool
	}{
		{"the client's id is kept", "abc-123", true},
		{"a UUID is kept", "3f2b8c1e-9d4a-4f6b-8e2a-1c5d7e9f0a2b", true},
		{"letters, digits and - _ . : are kept", "web:checkout_v2.17-A", true},
		{"64 characters are kept", strings.Repeat("x", 64), true},
		{"no id gets a fresh one", "", false},
		{"an overlong id is replaced", strings.Repeat("x", 65), false},
		{"spaces are replaced", "see http://evil.example", false},
		{"quotes and markup are replaced", `"><script>`, false},
		{"control characters are replaced", "a\tb", false},
		{"non-ASCII is replaced", "idé", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.sent != "" {
				h["X-Request-Id"] = tt.sent
			}
			got := httpapitest.Do(t, "GET", srv.URL+"/healthz", h, "").Header.Get("X-Request-Id")
			if tt.keep && got != tt.sent || !tt.keep && (got == "" || got == tt.sent) {
				t.Fatalf("X-Request-Id = %q after sending %q", got, tt.sent)
			}
		})
	}
}

// TestPlaygroundRoute checks that the playground is served at exactly "/",
// for GET, and only when the configuration asks for it.
func TestPlaygroundRoute(t *testing.T) {
	on, _ := httpapitest.NewServer(t, service.Config{Playground: true, Introspection: true})
	off, _ := httpapitest.NewServer(t, service.Config{})
	for _, tt := range []struct {
		name, method, base, path string
		status                   int
	}{
		{"GET / serves the page", "GET", on.URL, "/", 200},
		{"HEAD / too", "HEAD", on.URL, "/", 200},
		{"POST / is not a playground request", "POST", on.URL, "/", 405},
		{"only the exact path", "GET", on.URL, "/index.html", 404},
		{"off: no page", "GET", off.URL, "/", 404},
		{"off: no assets", "GET", off.URL, "/playground/assets/", 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httpapitest.Do(t, tt.method, tt.base+tt.path, nil, "")
			if r.Status != tt.status {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.path, r.Status, tt.status)
			}
			if tt.status == 200 && r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type = %q, want the HTML page", r.Header.Get("Content-Type"))
			}
		})
	}
}

// With introspection off, the schema query is refused with a stable code
// that says why, not presented as a server failure.
func TestIntrospection_OffIsForbiddenNotInternal(t *testing.T) {
	off, _ := httpapitest.NewServer(t, service.Config{Introspection: false})
	on, _ := httpapitest.NewServer(t, service.Config{Introspection: true})
	body := `{"query":"{ __schema { queryType { name } } }"}`
	hdr := map[string]string{"Content-Type": "application/json"}

	r := httpapitest.Do(t, "POST", off.URL+"/graphql", hdr, body)
	if r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "introspection is disabled") {
		t.Fatalf("introspection off: errors %+v, want FORBIDDEN saying introspection is disabled", r.Errors)
	}
	r = httpapitest.Do(t, "POST", on.URL+"/graphql", hdr, body)
	if len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"Query"`) {
		t.Fatalf("introspection on: %s %+v", r.Data, r.Errors)
	}
}
