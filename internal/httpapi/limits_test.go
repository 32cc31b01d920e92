package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/service"
)

// Each limit is the server's to set: an operation at a configured limit
// runs, one a step over it is refused with the limit's code, before any
// resolver runs (no statement reaches the database).
func TestLimits_AtAndOverEachConfiguredLimit(t *testing.T) {
	for _, tt := range []struct {
		name     string
		limits   limits.Config
		at, over string
		code     string
	}{
		// 20 tokens and 21.
		{"tokens", limits.Config{Tokens: 20}, `{ customers(first: 1) { nodes { name id country segment status website legalName } } }`,
			`{ customers(first: 1) { nodes { name id country segment status website legalName industry } } }`, apperr.QueryTooLarge},
		{"depth", limits.Config{Depth: 4}, `{ projects(first: 1) { nodes { customer { name } } } }`,
			`{ projects(first: 1) { nodes { customer { accountManager { id } } } } }`, apperr.QueryTooDeep},
		{"aliases", limits.Config{Aliases: 2}, `{ a: customers(first: 1) { n: totalCount } }`,
			`{ a: customers(first: 1) { n: totalCount m: totalCount } }`, apperr.TooManyAliases},
		{"root fields", limits.Config{RootFields: 2}, `{ customers(first: 1) { totalCount } projects(first: 1) { totalCount } }`,
			`{ customers(first: 1) { totalCount } projects(first: 1) { totalCount } __typename }`, apperr.TooManyRootFields},
		{"directives", limits.Config{Directives: 2}, `{ customers(first: 1) @skip(if: false) { totalCount @include(if: true) } }`,
			`{ customers(first: 1) @skip(if: false) { totalCount @include(if: true) } __typename @skip(if: false) }`, apperr.TooManyDirectives},
		// 1 + 29 and 1 + 30 objects.
		{"cost", limits.Config{Cost: 30}, `{ customers(first: 29) { nodes { name } } }`, `{ customers(first: 30) { nodes { name } } }`, apperr.QueryTooComplex},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, db := httpapitest.NewServer(t, service.Config{Limits: tt.limits})
			if r := post(tt.at).send(t, srv, mediaGraphQL); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("at the limit: %d %s", r.Status, r.Body)
			}
			before := db.Statements()
			r := post(tt.over).send(t, srv, mediaGraphQL)
			if r.Status != http.StatusBadRequest || r.Code() != tt.code {
				t.Fatalf("over the limit: %d %s, want 400 %s", r.Status, r.Body, tt.code)
			}
			if n := db.Statements() - before; n != 0 {
				t.Fatalf("the refused operation sent %d statements", n)
			}
		})
	}
}

// With batching on, a JSON array of operations is answered with an array
// of their responses, in order, each with its own errors; the operations
// share one cost budget, so a batch cannot ask more than one operation may.
func TestBatch(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{Limits: limits.Config{Batch: 3, Cost: 2_000}})
	batch := func(ops ...request) request {
		bodies := make([]string, len(ops))
		for i, op := range ops {
			bodies[i] = op.body
		}
		return request{"POST", "", mediaJSON, "[" + strings.Join(bodies, ",") + "]"}
	}
	send := func(rq request) []httpapitest.Reply {
		t.Helper()
		r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": mediaJSON, "Accept": mediaGraphQL}, rq.body)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != typeGraphQL {
			t.Fatalf("%d %s: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		var replies []httpapitest.Reply
		if err := json.Unmarshal(r.Body, &replies); err != nil {
			t.Fatalf("not an array of responses: %v\n%s", err, r.Body)
		}
		return replies
	}

	replies := send(batch(post(okQuery), post(invalidField), post(varQuery, `,"variables":{"n":2}`)))
	if len(replies) != 3 {
		t.Fatalf("%d responses to 3 operations", len(replies))
	}
	if len(replies[0].Data) == 0 || replies[0].Code() != "" ||
		len(replies[1].Data) != 0 || replies[1].Code() != "GRAPHQL_VALIDATION_FAILED" ||
		!strings.Contains(string(replies[2].Data), "nodes") {
		t.Fatalf("responses: %+v", replies)
	}

	// 1 + 1,000 objects, twice: each alone is within 2,000, both are not.
	costly := post(`{ employees(first: 100) { nodes { assignments(first: 9) { nodes { role } } } } }`)
	replies = send(batch(costly, costly))
	if len(replies[0].Data) == 0 || replies[1].Code() != apperr.QueryTooComplex || len(replies[1].Data) != 0 {
		t.Fatalf("the second costly operation: %+v", replies[1])
	}
}

// CSRF prevention: a GET that any web page could make a browser send (no
// preflight) is refused; one a page could send only after asking the CORS
// policy (a JSON Content-Type, as Apollo Client sends, or an
// Apollo-Require-Preflight or X-Apollo-Operation-Name header) runs. POST
// needs a JSON body, which no page can send without a preflight either.
func TestCSRFPrevention(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	open, _ := httpapitest.NewServer(t, service.Config{DisableCSRFPrevention: true})
	target := httpapitest.GetTarget("", okQuery, "", "")
	for _, tt := range []struct {
		name   string
		header map[string]string
		ok     bool
	}{
		{"no header", nil, false},
		{"a form's Content-Type", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, false},
		{"text/plain with parameters", map[string]string{"Content-Type": "Text/Plain ; charset=utf-8"}, false},
		{"an empty Apollo-Require-Preflight", map[string]string{"Apollo-Require-Preflight": ""}, false},
		{"a JSON Content-Type", map[string]string{"Content-Type": "application/json"}, true},
		{"a Content-Type no form can send", map[string]string{"Content-Type": "x/y"}, true},
		{"Apollo-Require-Preflight", map[string]string{"Apollo-Require-Preflight": "true"}, true},
		{"X-Apollo-Operation-Name", map[string]string{"X-Apollo-Operation-Name": "Q"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httpapitest.Do(t, "GET", srv.URL+target, tt.header, "")
			if tt.ok && (r.Status != http.StatusOK || len(r.Data) == 0) {
				t.Fatalf("refused: %d %s", r.Status, r.Body)
			}
			if !tt.ok && (r.Status != http.StatusBadRequest || r.Code() != "PREFLIGHT_REQUIRED") {
				t.Fatalf("got %d %s, want 400 PREFLIGHT_REQUIRED", r.Status, r.Body)
			}
			if r := httpapitest.Do(t, "GET", open.URL+target, tt.header, ""); r.Status != http.StatusOK {
				t.Fatalf("with CSRF prevention off: %d %s", r.Status, r.Body)
			}
		})
	}
}

// CORS: pages of the configured origins may call the API from a browser
// (the preflight allows them, answers carry Access-Control-Allow-Origin);
// other origins get no CORS headers, and neither does anyone when no
// origin is configured.
func TestCORS(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{CORSOrigins: []string{"https://app.example.com", "https://*.example.org"}})
	none, _ := httpapitest.NewServer(t, service.Config{})
	preflight := func(base, origin string) httpapitest.Reply {
		return httpapitest.Do(t, "OPTIONS", base+"/graphql", map[string]string{"Origin": origin,
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}, "")
	}
	actual := func(base, origin string) httpapitest.Reply {
		return httpapitest.Do(t, "POST", base+"/graphql", map[string]string{"Origin": origin, "Content-Type": mediaJSON}, post(okQuery).body)
	}
	for _, tt := range []struct {
		name, base, origin string
		allowed            bool
	}{
		{"a listed origin", srv.URL, "https://app.example.com", true},
		{"an origin matching a pattern", srv.URL, "https://eu.example.org", true},
		{"another origin", srv.URL, "https://evil.example.net", false},
		{"a listed origin's other scheme", srv.URL, "http://app.example.com", false},
		{"no origins configured", none.URL, "https://app.example.com", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := preflight(tt.base, tt.origin)
			a := actual(tt.base, tt.origin)
			if a.Status != http.StatusOK || len(a.Data) == 0 {
				t.Fatalf("the request itself: %d %s", a.Status, a.Body)
			}
			got := p.Header.Get("Access-Control-Allow-Origin")
			if tt.allowed != (got == tt.origin) || tt.allowed != (a.Header.Get("Access-Control-Allow-Origin") == tt.origin) {
				t.Fatalf("Access-Control-Allow-Origin %q (preflight) and %q, allowed %v",
					got, a.Header.Get("Access-Control-Allow-Origin"), tt.allowed)
			}
			if !tt.allowed {
				return
			}
			if p.Status != http.StatusNoContent || !strings.Contains(p.Header.Get("Access-Control-Allow-Methods"), "POST") ||
				!strings.Contains(strings.ToLower(p.Header.Get("Access-Control-Allow-Headers")), "authorization") {
				t.Fatalf("preflight: %d %v", p.Status, p.Header)
			}
			if p.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Fatal("credentials allowed: the API takes none from a browser")
			}
			if !strings.Contains(a.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
				t.Fatalf("Access-Control-Expose-Headers = %q, want X-Request-Id", a.Header.Get("Access-Control-Expose-Headers"))
			}
		})
	}
}

// Field suggestions ("Did you mean …?") name fields, arguments, types and
// enum values near a misspelled one: kept when configured (demo mode), cut
// otherwise, wherever gqlparser makes them.
func TestFieldSuggestions(t *testing.T) {
	on, _ := httpapitest.NewServer(t, service.Config{FieldSuggestions: true})
	off, _ := httpapitest.NewServer(t, service.Config{})
	for _, tt := range []struct{ name, query, message string }{
		{"a field", `{ customers(first: 1) { nodes { nam } } }`, `Cannot query field "nam" on type "Customer".`},
		{"an argument", `{ customers(frist: 1) { totalCount } }`, `Unknown argument "frist" on field "Query.customers".`},
		{"an enum value", `{ customers(orderBy: [{field: NAMEE, direction: ASC}]) { totalCount } }`,
			`Value "NAMEE" does not exist in "CustomerOrderField!" enum.`},
		{"an input field", `{ customers(orderBy: [{feld: NAME, direction: ASC}]) { totalCount } }`, ""},
		{"a fragment's type", `{ node(id: "x") { ...F } } fragment F on Custommer { id }`, `Unknown type "Custommer".`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := post(tt.query).send(t, on, mediaJSON)
			if !strings.Contains(string(r.Body), "Did you mean") {
				t.Errorf("suggestions on: %s", r.Body)
			}
			r = post(tt.query).send(t, off, mediaJSON)
			if len(r.Errors) == 0 || strings.Contains(string(r.Body), "Did you mean") {
				t.Errorf("suggestions off: %s", r.Body)
			}
			if tt.message != "" && r.Errors[0].Message != tt.message {
				t.Errorf("suggestions off: message %q, want %q", r.Errors[0].Message, tt.message)
			}
		})
	}
}
