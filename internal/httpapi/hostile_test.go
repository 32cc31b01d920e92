package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/service"
)

// Documents built to hurt, each a hostile input of its own kind.
var (
	// managerChain nests k manager levels inside a page of employees:
	// depth k + 3 (employees, nodes, the managers, id).
	managerChain = func(k int) string {
		return "{ employees(first: 1) { nodes { " + strings.Repeat("manager { ", k) + "id" + strings.Repeat(" }", k) + " } } }"
	}
	// nestedBraces nests n selection sets: past the parser's own bound of
	// 1,000 it is refused while parsing, whatever the fields.
	nestedBraces = func(n int) string { return strings.Repeat("{ a ", n) + strings.Repeat("}", n) }
	// aliases selects a customer's name n times under n names.
	aliases = func(n int) string {
		var b strings.Builder
		b.WriteString("{ customers(first: 1) { nodes {")
		for i := range n {
			fmt.Fprintf(&b, " a%d: name", i)
		}
		return b.String() + " } } }"
	}
	// costBomb is three full pages nested: 100 customers × 100 projects
	// × 100 team members, a million rows if the data has them.
	costBomb = `{ customers(first: 100) { nodes { projects(first: 100) { nodes { team(first: 100) { nodes { role } } } } } } }`
	// costBombByVariables asks the same through a variable page size.
	costBombByVariables = `query($n: Int) { customers(first: $n) { nodes { projects(first: $n) { nodes { team(first: $n) { nodes { role } } } } } } }`
	// costBombByFragments spreads one modest fragment into pages of pages
	// under several aliases.
	costBombByFragments = `{ a: employees(first: 100) { ...E } b: employees(first: 100) { ...E } c: employees(first: 100) { ...E } }
		fragment E on EmployeeConnection { nodes { assignments(first: 100) { nodes { project { team(first: 10) { nodes { role } } } } } } }`
	// fragmentCycle spreads fragments into each other.
	fragmentCycle = `{ ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }`
)

// hostile is one hostile request and what the server must answer it with
// under application/graphql-response+json. A request error (the operation
// was refused after parsing began) is 200 under application/json instead,
// as GraphQL over HTTP asks for legacy clients; a refusal of the HTTP
// request itself keeps its status under both.
type hostile struct {
	name    string
	srv     *httptest.Server
	req     request
	header  map[string]string
	status  int
	code    string
	refusal bool // refused before GraphQL: same status under application/json
	data    bool // a field error: the operation ran, data is null
}

// TestHostileInputs sends each kind of hostile input and checks the
// refusal: its status under both media types, its code, that it carries
// no data, nothing from inside the server (SQL, driver text, a stack) and
// only valid UTF-8, that it came quickly, and that the server answers the
// next ordinary request as if nothing happened.
func TestHostileInputs(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	// A server whose token limit lets larger documents reach the other
	// limits, to show each of them on its own.
	roomy, _ := httpapitest.NewServer(t, service.Config{Limits: limits.Config{Tokens: 200_000, DocumentBytes: 1 << 20}})
	batching, _ := httpapitest.NewServer(t, service.Config{Limits: limits.Config{Batch: 3}})
	bigN := `,"variables":{"n":100}`

	cases := []hostile{
		// Depth.
		{name: "fields nested one level deeper than the limit", srv: srv, req: post(managerChain(limits.Defaults.Depth - 2)),
			status: 400, code: apperr.QueryTooDeep},
		{name: "selection sets nested past the parser's bound", srv: roomy, req: post(nestedBraces(1500)),
			status: 400, code: apperr.QueryTooDeep},
		// Size.
		{name: "10,000 aliases: too many tokens", srv: srv, req: post(aliases(10_000)), status: 400, code: apperr.QueryTooLarge},
		{name: "10,000 aliases within the token limit", srv: roomy, req: post(aliases(10_000)), status: 400, code: apperr.TooManyAliases},
		{name: "a huge document within the body limit", srv: srv, req: post("{" + strings.Repeat(" __typename", 80_000) + " }"),
			status: 400, code: apperr.QueryTooLarge},
		{name: "a body over the body limit", srv: srv, req: post("{" + strings.Repeat(" __typename", 100_000) + " }"),
			status: 413, code: "PAYLOAD_TOO_LARGE", refusal: true},
		{name: "21 root fields", srv: srv, req: post("{" + strings.Repeat(" __typename", 21) + " }"),
			status: 400, code: apperr.TooManyRootFields},
		{name: "52 directives", srv: srv, req: post("{ customers(first: 1) { nodes {" +
			strings.Repeat(" name @skip(if: false) @include(if: true)", 26) + " } } }"),
			status: 400, code: apperr.TooManyDirectives},
		// Cost.
		{name: "a cost bomb of nested pages", srv: srv, req: post(costBomb), status: 400, code: apperr.QueryTooComplex},
		{name: "a cost bomb through variables", srv: srv, req: post(costBombByVariables, bigN), status: 400, code: apperr.QueryTooComplex},
		{name: "a cost bomb through fragments and aliases", srv: srv, req: post(costBombByFragments), status: 400, code: apperr.QueryTooComplex},
		// Batches.
		{name: "a batch when batching is off", srv: srv,
			req:    request{"POST", "", mediaJSON, "[" + post(okQuery).body + "," + post(okQuery).body + "]"},
			status: 400, code: apperr.BatchTooLarge, refusal: true},
		{name: "a batch over the batch limit", srv: batching,
			req:    request{"POST", "", mediaJSON, "[" + strings.Repeat(post(okQuery).body+",", 3) + post(okQuery).body + "]"},
			status: 400, code: apperr.BatchTooLarge, refusal: true},
		{name: "an empty batch", srv: batching, req: request{"POST", "", mediaJSON, "[]"},
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "a batch with a malformed member", srv: batching, req: request{"POST", "", mediaJSON, "[" + post(okQuery).body + `,{"query":1}]`},
			status: 400, code: "BAD_REQUEST", refusal: true},
		// Fragments.
		{name: "a fragment cycle", srv: srv, req: post(fragmentCycle), status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		// Encoding.
		{name: "invalid UTF-8 in the document", srv: srv, req: request{"POST", "", mediaJSON, "{\"query\":\"{ __typename \xff }\"}"},
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "invalid UTF-8 in a variable", srv: srv, req: post(varQuery, ",\"variables\":{\"x\":\"\xc3\x28\"}"),
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "invalid UTF-8 in a GET", srv: srv, req: request{method: "GET", target: "/graphql?query=%7B%20__typename%20%FF%7D"},
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "a NUL in the document", srv: srv, req: post("{ __typename \x00 }"), status: 400, code: "GRAPHQL_PARSE_FAILED"},
		// Media types and CSRF.
		{name: "a form's content type", srv: srv, req: request{"POST", "", "application/x-www-form-urlencoded", "query=%7B__typename%7D"},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", refusal: true},
		{name: "a multipart body", srv: srv, req: request{"POST", "", "multipart/form-data; boundary=x", "--x--"},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", refusal: true},
		{name: "application/graphql", srv: srv, req: request{"POST", "", "application/graphql", okQuery},
			status: 415, code: "UNSUPPORTED_MEDIA_TYPE", refusal: true},
		{name: "a GET any web page could send", srv: srv, req: get(okQuery, "", ""), header: map[string]string{"Apollo-Require-Preflight": ""},
			status: 400, code: "PREFLIGHT_REQUIRED", refusal: true},
		// Malformed JSON and variables.
		{name: "truncated JSON", srv: srv, req: request{"POST", "", mediaJSON, `{"query": "{ __typename }"`},
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "JSON nested 100,000 deep", srv: srv, req: post(okQuery, `,"variables":{"x":`+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+"}"),
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "variables as a string", srv: srv, req: post(varQuery, `,"variables":"{\"n\": 2}"`),
			status: 400, code: "BAD_REQUEST", refusal: true},
		{name: "a variable of the wrong type", srv: srv, req: post(varQuery, `,"variables":{"n":{"$gt":1}}`),
			status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "an Int variable past 64 bits", srv: srv, req: post(varQuery, `,"variables":{"n":1e400}`),
			status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		{name: "a required variable missing", srv: srv, req: post(`query($id: ID!) { node(id: $id) { id } }`),
			status: 400, code: "GRAPHQL_VALIDATION_FAILED"},
		// Reaching a resolver: an error of the field, never of the server.
		{name: "an id built to inject SQL", srv: srv, req: post(`{ node(id: "1'; SELECT pg_sleep(10); --") { id } }`),
			status: 200, code: "BAD_USER_INPUT", data: true},
		{name: "a cursor built to inject SQL", srv: srv, req: post(`{ customers(first: 1, after: "') OR 1=1 --") { totalCount } }`),
			status: 200, code: "BAD_USER_INPUT", data: true},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			for accept, contentType := range map[string]string{mediaGraphQL: typeGraphQL, mediaJSON: typeJSON} {
				began := time.Now()
				r := tt.req.sendWith(t, tt.srv, accept, tt.header)
				took := time.Since(began)
				status := tt.status
				if accept == mediaJSON && !tt.refusal {
					status = http.StatusOK
				}
				if r.Status != status || r.Header.Get("Content-Type") != contentType {
					t.Errorf("Accept %s: %d %s, want %d %s; body %.300s", accept, r.Status, r.Header.Get("Content-Type"), status, contentType, r.Body)
				}
				if tt.code != "" && r.Code() != tt.code {
					t.Errorf("Accept %s: code %q, want %q; body %.300s", accept, r.Code(), tt.code, r.Body)
				}
				if !tt.data && len(r.Data) > 0 {
					t.Errorf("Accept %s: has data: %.300s", accept, r.Body)
				}
				if took > 5*time.Second {
					t.Errorf("Accept %s: answered after %s", accept, took)
				}
				checkNothingInternal(t, r.Body)
				// The server is unharmed: the next ordinary request works.
				next := post(okQuery).send(t, tt.srv, accept)
				if next.Status != http.StatusOK || len(next.Errors) > 0 || !strings.Contains(string(next.Data), "totalCount") {
					t.Fatalf("the next request: %d %.300s", next.Status, next.Body)
				}
			}
		})
	}
}

// checkNothingInternal fails when a response carries what only the server
// should see: SQL or driver text, a Go stack, a panic, or invalid UTF-8.
func checkNothingInternal(t *testing.T, body []byte) {
	t.Helper()
	if !utf8.Valid(body) {
		t.Errorf("the response is not valid UTF-8: %q", body)
	}
	for _, s := range []string{"SQLSTATE", "pgx", "pgconn", "sql:", "postgres", "goroutine ", ".go:", "runtime/", "panic"} {
		if strings.Contains(string(body), s) {
			t.Errorf("the response shows %q: %.500s", s, body)
		}
	}
}
