package playground_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/service"
)

func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// newAPI serves the real API with the playground, as the binary does in
// the demo mode: with a button per role.
func newAPI(t *testing.T) (*httptest.Server, *database.DB) {
	var roles []playground.RoleToken
	for _, r := range auth.Roles {
		roles = append(roles, playground.RoleToken{Role: string(r), Token: httpapitest.Token(t, 0, r)})
	}
	return httpapitest.NewServer(t, service.Config{Introspection: true, Playground: true, PlaygroundRoles: roles})
}

// TestExamples_RunWithoutErrors runs every opening tab against the API: a
// newcomer's first click must show data, not an error.
func TestExamples_RunWithoutErrors(t *testing.T) {
	srv, _ := newAPI(t)
	// The writes are tried as a person of the firm, as the demo's role
	// buttons act (an employee who was at the firm on the day it logs).
	var employee int64
	if err := httpapitest.Conn(t).QueryRow(t.Context(),
		`SELECT min(id) FROM employees WHERE hired_on < '2026-11-30' AND status = 'active'`).Scan(&employee); err != nil {
		t.Fatal(err)
	}
	person := httpapitest.Token(t, employee, auth.Viewer)
	// Onboardings are seen by the new hire, their line, hr and admin: the
	// onboarding tab shows the firm's as hr (the demo's hr button).
	asHR := map[string]string{"Onboarding": httpapitest.Token(t, employee, auth.HR)}
	conn := httpapitest.Conn(t)
	var last int64
	if err := conn.QueryRow(t.Context(), `SELECT max(id) FROM time_entries`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // what the write tabs logged goes, with its trail
		if _, err := conn.Exec(context.Background(), `DELETE FROM time_entries WHERE id > $1`, last); err != nil {
			t.Error(err)
		}
		if _, err := conn.Exec(context.Background(), `TRUNCATE write_audit, events`); err != nil {
			t.Error(err)
		}
	})
	for _, ex := range playground.Examples {
		m := regexp.MustCompile(`(query|mutation) (\w+)`).FindStringSubmatch(ex.Query)
		// Writes, and the questions about one's own work, are asked as a
		// person of the firm.
		write, name := m[1] == "mutation", m[2]
		personal := write || strings.Contains(ex.Query, "me {")
		t.Run(name, func(t *testing.T) {
			var vars map[string]any
			if ex.Variables != "" {
				if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
					t.Fatalf("variables %s: %v", ex.Variables, err)
				}
			}
			body, _ := json.Marshal(map[string]any{"query": ex.Query, "variables": vars})
			header := map[string]string{"Content-Type": "application/json"}
			if personal {
				header["Authorization"] = "Bearer " + person
			}
			if tok, ok := asHR[name]; ok {
				header["Authorization"] = "Bearer " + tok
			}
			r := httpapitest.Do(t, "POST", srv.URL+"/graphql", header, string(body))
			var data map[string]json.RawMessage
			if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
				t.Fatalf("want data only, got %s (%v)", r.Body, err)
			}
			for field, v := range data {
				if !bytes.Contains(v, []byte(`"nodes":[{`)) && !bytes.Contains(v, []byte(`"edges":[{`)) && !(write && bytes.Contains(v, []byte(`":[{`))) {
					t.Errorf("%s came back empty: %s", field, v)
				}
			}
		})
	}
}

// TestHandler_Page checks the page: it configures GraphiQL with the
// endpoint and the examples, names its assets by content hash, and lets
// the browser load nothing from elsewhere.
func TestHandler_Page(t *testing.T) {
	srv, _ := newAPI(t)
	r := httpapitest.Do(t, "GET", srv.URL+"/", nil, "")
	if r.Status != 200 || r.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET / = %d %q, want 200 text/html; charset=utf-8", r.Status, r.Header.Get("Content-Type"))
	}
	config := regexp.MustCompile(`(?s)<script id="playground-config" type="application/json">(.*?)</script>`).FindSubmatch(r.Body)
	if config == nil {
		t.Fatalf("no config script in the page:\n%s", r.Body)
	}
	var cfg struct {
		Endpoint string
		Tabs     []playground.Tab
	}
	if err := json.Unmarshal(config[1], &cfg); err != nil {
		t.Fatalf("decode config %s: %v", config[1], err)
	}
	if cfg.Endpoint != "/graphql" || len(cfg.Tabs) != len(playground.Examples) || cfg.Tabs[0].Query != playground.Examples[0].Query {
		t.Fatalf("config = %+v, want endpoint /graphql and the examples", cfg)
	}
	csp := r.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	for _, ref := range []string{`src="/playground/assets/playground.[0-9a-f]{16}.js"`, `href="/playground/assets/playground.[0-9a-f]{16}.css"`} {
		if !regexp.MustCompile(ref).Match(r.Body) {
			t.Errorf("the page does not reference %s", ref)
		}
	}
	if bytes.Contains(r.Body, []byte("http://")) || bytes.Contains(r.Body, []byte("https://")) {
		t.Errorf("the page names another host:\n%s", r.Body)
	}
}

// TestHandler_Assets checks how assets are served: hashed URLs cached for
// good, gzip for those who take it, 404 for names of other builds.
func TestHandler_Assets(t *testing.T) {
	srv, _ := newAPI(t)
	html := httpapitest.Do(t, "GET", srv.URL+"/", nil, "").Body
	js := regexp.MustCompile(`/playground/assets/playground\.[0-9a-f]+\.js`).Find(html)
	if js == nil {
		t.Fatalf("no script in the page:\n%s", html)
	}
	url := srv.URL + string(js)

	plain := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "identity"}, "")
	if plain.Status != 200 || plain.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("GET %s = %d %q", js, plain.Status, plain.Header.Get("Content-Type"))
	}
	if cc := plain.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q, want a year, immutable: the name changes with the content", cc)
	}

	zipped := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "gzip, br"}, "")
	if zipped.Header.Get("Content-Encoding") != "gzip" || len(zipped.Body) >= len(plain.Body)/2 {
		t.Fatalf("with gzip accepted: Content-Encoding %q, %d of %d bytes", zipped.Header.Get("Content-Encoding"), len(zipped.Body), len(plain.Body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body) {
		t.Fatalf("the gzipped asset does not unzip to the plain one (err %v)", err)
	}
	if zipped.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Errorf("plain and gzipped answers share the ETag %s", plain.Header.Get("ETag"))
	}
	if r := httpapitest.Do(t, "GET", url, map[string]string{"Accept-Encoding": "gzip;q=0"}, ""); r.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q, want none", r.Header.Get("Content-Encoding"))
	}

	revalidated := httpapitest.Do(t, "GET", url, map[string]string{"If-None-Match": plain.Header.Get("ETag"), "Accept-Encoding": "identity"}, "")
	if revalidated.Status != http.StatusNotModified {
		t.Errorf("revalidation = %d, want 304", revalidated.Status)
	}
	for _, path := range []string{"/playground/assets/playground.js", "/playground/assets/playground.0000000000000000.js"} {
		if r := httpapitest.Do(t, "GET", srv.URL+path, nil, ""); r.Status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404: only the current build's hashed names exist", path, r.Status)
		}
	}
}
