package httpapi_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// The two media types, as a client asks for them and as the server labels
// its answer.
const (
	mediaJSON    = "application/json"
	mediaGraphQL = "application/graphql-response+json"
	typeJSON     = mediaJSON + "; charset=utf-8"
	typeGraphQL  = mediaGraphQL + "; charset=utf-8"
)

// A small valid operation, one with variables, and documents that fail at
// each stage.
const (
	okQuery      = `{ customers(first: 1) { totalCount } }`
	varQuery     = `query Names($n: Int) { customers(first: $n) { nodes { name } } }`
	parseError   = `{ customers(first: 1) { totalCount }`
	invalidField = `{ customers(first: 1) { noSuchField } }`
	// Too large a page is an error of the field, raised after execution
	// began: the response has data (null).
	fieldError = `{ customers(first: 100000) { totalCount } }`
	mutation   = `mutation { createCustomer(name: "x") { id } }`
	// A document with a query and a mutation: operationName picks one.
	queryAndMutation = `query Q { __typename } mutation M { x }`
)

// request is one HTTP request to the endpoint, without its Accept header.
type request struct {
	method      string
	target      string // after the server's URL; "" is /graphql
	contentType string
	body        string
}

// post is a POST of a JSON body with query and the members in extra.
func post(query string, extra ...string) request {
	q, _ := json.Marshal(query)
	return request{method: "POST", contentType: mediaJSON, body: `{"query":` + string(q) + strings.Join(extra, "") + `}`}
}

// get is a GET of query with variables and operationName, where not empty.
func get(query, variables, operationName string) request {
	return request{method: "GET", target: httpapitest.GetTarget("", query, variables, operationName)}
}

func (rq request) send(t *testing.T, srv *httptest.Server, accept string) httpapitest.Reply {
	t.Helper()
	return rq.sendWith(t, srv, accept, nil)
}

// sendWith sends rq with extra headers, which override the usual ones.
func (rq request) sendWith(t *testing.T, srv *httptest.Server, accept string, extra map[string]string) httpapitest.Reply {
	t.Helper()
	h := map[string]string{}
	if accept != "" {
		h["Accept"] = accept
	}
	if rq.contentType != "" {
		h["Content-Type"] = rq.contentType
	}
	if rq.method == "GET" {
		// What a client sends so that CSRF prevention lets its GET through
		// (TestCSRFPrevention checks GETs without it).
		h["Apollo-Require-Preflight"] = "true"
	}
	maps.Copy(h, extra)
	target := rq.target
	if target == "" {
		target = "/graphql"
	}
	return httpapitest.Do(t, rq.method, srv.URL+target, h, rq.body)
}

// check compares a reply with what a case wants; an empty want is not
// checked, a zero code means no errors.
func check(t *testing.T, r httpapitest.Reply, status int, contentType, code string, data bool) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %.300s", r.Status, status, r.Body)
	}
	if got := r.Header.Get("Content-Type"); contentType != "" && got != contentType {
		t.Errorf("Content-Type = %q, want %q", got, contentType)
	}
	if got := r.Code(); got != code {
		t.Errorf("error code = %q, want %q; body %.300s", got, code, r.Body)
	}
	if got := len(r.Data) > 0; got != data {
		t.Errorf("has data = %v, want %v; body %.300s", got, data, r.Body)
	}
	if !strings.Contains(r.Header.Get("Vary"), "Accept") {
		t.Errorf("Vary = %q, want it to name Accept: the media type depends on it", r.Header.Get("Vary"))
	}
}

// TestGraphQLOverHTTP_MediaType checks which media type answers which
// Accept header: application/graphql-response+json when the client names
// it at least as willingly as application/json, application/json for
// legacy clients (no Accept, wildcards), 406 when neither is allowed.
func TestGraphQLOverHTTP_MediaType(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	for _, tt := range []struct {
		accept string
		want   string // Content-Type; "" for 406
	}{
		{"", typeJSON},
		{"*/*", typeJSON},
		{"application/*", typeJSON},
		{mediaJSON, typeJSON},
		{mediaJSON + "; charset=utf-8", typeJSON},
		{mediaGraphQL, typeGraphQL},
		{mediaJSON + ", " + mediaGraphQL, typeGraphQL},
		{mediaGraphQL + ";q=0.5, " + mediaJSON, typeJSON},
		{mediaGraphQL + ", */*;q=0.8", typeGraphQL},
		{"*/*, " + mediaJSON + ";q=0", typeGraphQL},
		{"text/html", ""},
		{mediaJSON + ";q=0", ""},
	} {
		t.Run("Accept "+tt.accept, func(t *testing.T) {
			for _, rq := range []request{post(okQuery), get(okQuery, "", "")} {
				r := rq.send(t, srv, tt.accept)
				if tt.want == "" {
					check(t, r, http.StatusNotAcceptable, typeJSON, "NOT_ACCEPTABLE", false)
				} else {
					check(t, r, http.StatusOK, tt.want, "", true)
				}
			}
		})
	}
}

// TestGraphQLOverHTTP_Refusals checks requests that are not well-formed
// GraphQL-over-HTTP requests: each gets its 4xx status under either media
// type, with an error code and no data.
func TestGraphQLOverHTTP_Refusals(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	body := post(okQuery).body
	for _, tt := range []struct {
		name   string
		req    request
		status int
		code   string
		allow  string
	}{
		{"a body that is not application/json", request{"POST", "", "text/plain", body}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"a body without Content-Type", request{"POST", "", "", body}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"a charset other than UTF-8", request{"POST", "", mediaJSON + "; charset=iso-8859-1", body}, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
		{"malformed JSON", request{"POST", "", mediaJSON, `{"query": `}, 400, "BAD_REQUEST", ""},
		{"a query that is not a string", request{"POST", "", mediaJSON, `{"query": 1}`}, 400, "BAD_REQUEST", ""},
		{"variables that are not an object", post(varQuery, `,"variables":[2]`), 400, "BAD_REQUEST", ""},
		{"a second JSON value after the request", request{"POST", "", mediaJSON, body + `{}`}, 400, "BAD_REQUEST", ""},
		{"a POST without query", request{"POST", "", mediaJSON, `{"variables": {}}`}, 400, "BAD_REQUEST", ""},
		{"a POST with a null query", request{"POST", "", mediaJSON, `{"query": null}`}, 400, "BAD_REQUEST", ""},
		{"a GET without query", request{method: "GET"}, 400, "BAD_REQUEST", ""},
		{"a GET with malformed variables", get(varQuery, `{"n":`, ""), 400, "BAD_REQUEST", ""},
		{"a GET with variables that are not an object", get(varQuery, `[2]`, ""), 400, "BAD_REQUEST", ""},
		// GET runs queries only; the refusal comes before validation, so it
		// holds for a schema without mutations too.
		{"a mutation over GET", get(mutation, "", ""), 405, "METHOD_NOT_ALLOWED", "POST"},
		{"a mutation over GET picked by operationName", get(queryAndMutation, "", "M"), 405, "METHOD_NOT_ALLOWED", "POST"},
		{"a subscription over GET", get("subscription { x }", "", ""), 405, "METHOD_NOT_ALLOWED", "POST"},
		{"PUT", request{"PUT", "", mediaJSON, body}, 405, "METHOD_NOT_ALLOWED", "GET, POST"},
		{"DELETE", request{method: "DELETE"}, 405, "METHOD_NOT_ALLOWED", "GET, POST"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for accept, contentType := range map[string]string{mediaJSON: typeJSON, mediaGraphQL: typeGraphQL} {
				r := tt.req.send(t, srv, accept)
				check(t, r, tt.status, contentType, tt.code, false)
				if got := r.Header.Get("Allow"); got != tt.allow {
					t.Errorf("Allow = %q, want %q", got, tt.allow)
				}
			}
		})
	}
}

// TestGraphQLOverHTTP_Status checks the status of well-formed requests.
// Under application/json it is 200 whatever the errors, since legacy
// clients read a body only then. Under application/graphql-response+json a
// request error, raised before execution began, is 400, and an executed
// operation is 200, even when a field failed. Only an executed operation
// has a data entry.
func TestGraphQLOverHTTP_Status(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	for _, tt := range []struct {
		name     string
		req      request
		code     string
		executed bool
	}{
		{"a parse error", post(parseError), "GRAPHQL_PARSE_FAILED", false},
		{"a validation error", post(invalidField), "GRAPHQL_VALIDATION_FAILED", false},
		{"a validation error over GET", get(invalidField, "", ""), "GRAPHQL_VALIDATION_FAILED", false},
		{"a variable of the wrong type", post(varQuery, `,"variables":{"n":"two"}`), "GRAPHQL_VALIDATION_FAILED", false},
		{"an unknown operationName", post(varQuery, `,"operationName":"Other"`), "GRAPHQL_VALIDATION_FAILED", false},
		{"a mutation over POST is validated, not refused", post(mutation), "GRAPHQL_VALIDATION_FAILED", false},
		{"a query over GET beside a mutation is validated, not refused", get(queryAndMutation, "", "Q"), "GRAPHQL_VALIDATION_FAILED", false},

		{"a query", post(okQuery), "", true},
		{"a query over GET", get(okQuery, "", ""), "", true},
		{"variables and operationName", post(varQuery, `,"variables":{"n":2},"operationName":"Names"`), "", true},
		{"variables and operationName over GET", get(varQuery, `{"n": 2}`, "Names"), "", true},
		{"a field error: data is null", post(fieldError), "BAD_USER_INPUT", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, tt.req.send(t, srv, mediaJSON), http.StatusOK, typeJSON, tt.code, tt.executed)
			status := http.StatusBadRequest
			if tt.executed {
				status = http.StatusOK
			}
			check(t, tt.req.send(t, srv, mediaGraphQL), status, typeGraphQL, tt.code, tt.executed)
		})
	}
}

// TestGraphQLOverHTTP_GETUsesVariables checks that variables sent in the
// URL reach the operation.
func TestGraphQLOverHTTP_GETUsesVariables(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	r := get(varQuery, `{"n": 2}`, "Names").send(t, srv, "")
	var data struct {
		Customers struct{ Nodes []struct{ Name string } }
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(r.Errors) > 0 {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
	if n := len(data.Customers.Nodes); n != 2 || data.Customers.Nodes[0].Name == "" {
		t.Fatalf("got %d customers (%s), want 2 named ones: first: $n with n=2", n, r.Data)
	}
}

// TestGraphQLOverHTTP_Options checks that OPTIONS lists the methods.
func TestGraphQLOverHTTP_Options(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	r := request{method: "OPTIONS"}.send(t, srv, "")
	if r.Status != http.StatusNoContent || r.Header.Get("Allow") != "GET, POST, OPTIONS" {
		t.Fatalf("OPTIONS = %d, Allow %q; want 204 and GET, POST, OPTIONS", r.Status, r.Header.Get("Allow"))
	}
}

// TestGraphQLOverHTTP_BodyLimit checks that a body over the limit is
// refused with 413, at the default of 1 MiB and at a configured limit.
func TestGraphQLOverHTTP_BodyLimit(t *testing.T) {
	// A valid request exactly n bytes long: the JSON padded with spaces
	// after the query (padding inside it would meet MAX_DOCUMENT_BYTES).
	sized := func(n int) request {
		rq := post(okQuery)
		b := rq.body
		rq.body = b[:len(b)-1] + strings.Repeat(" ", n-len(b)) + b[len(b)-1:]
		return rq
	}
	for _, tt := range []struct {
		name  string
		limit int64
		size  int
		want  int
	}{
		{"default limit, a body of 1 MiB is taken", 0, 1 << 20, http.StatusOK},
		{"default limit, a byte more is refused", 0, 1<<20 + 1, http.StatusRequestEntityTooLarge},
		{"configured limit, a body at it is taken", 4096, 4096, http.StatusOK},
		{"configured limit, a byte more is refused", 4096, 4097, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := httpapitest.NewServer(t, service.Config{MaxBodyBytes: tt.limit})
			r := sized(tt.size).send(t, srv, mediaGraphQL)
			if tt.want == http.StatusOK {
				check(t, r, http.StatusOK, typeGraphQL, "", true)
			} else {
				check(t, r, tt.want, typeGraphQL, "PAYLOAD_TOO_LARGE", false)
			}
		})
	}
}
