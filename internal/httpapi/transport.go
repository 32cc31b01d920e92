package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"golang.org/x/sync/semaphore"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// The media types a GraphQL response is sent as (GraphQL over HTTP,
// "Accept"). application/json is what every client understands;
// application/graphql-response+json adds the promise that the status code
// tells a request error (4xx) from an executed operation (200).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// Codes of requests the HTTP layer refuses before GraphQL sees them. Like
// apperr's codes they are part of the API contract: never rename one.
const (
	codeBadRequest           = "BAD_REQUEST"
	codeMethodNotAllowed     = "METHOD_NOT_ALLOWED"
	codeNotAcceptable        = "NOT_ACCEPTABLE"
	codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	codePayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	codeOverloaded           = apperr.Overloaded
)

// defaultMaxBodyBytes bounds a POST body when Config says nothing: far
// above any real operation, far below what would hurt the server.
const defaultMaxBodyBytes = 1 << 20

// graphQLOverHTTP is the one place the rules of the GraphQL-over-HTTP
// specification (graphql.github.io/graphql-over-http) live: which requests
// are well-formed, which media type answers, and which status code goes
// with which outcome. gqlgen's own GET and POST transports differ from the
// spec in places (mutations over GET get 406, request errors under
// application/json get 422, request errors carry "data": null), so this
// transport replaces them and leaves only execution to gqlgen.
type graphQLOverHTTP struct {
	maxBodyBytes int64
	// admit bounds the operations executing at once; the rest wait their
	// turn in arrival order, at most queueTimeout.
	admit        *semaphore.Weighted
	queueTimeout time.Duration
}

var _ graphql.Transport = graphQLOverHTTP{}

// Supports claims every request to the endpoint, so that the ones the spec
// refuses (a PUT, a mutation over GET) are refused here, with a GraphQL
// error body and the right status, rather than by gqlgen's generic 400.
func (graphQLOverHTTP) Supports(*http.Request) bool { return true }

// refusal is a request turned away before GraphQL sees it, because it is
// not a well-formed GraphQL-over-HTTP request: it gets its HTTP status
// whichever media type the client asked for. (The spec's "request errors",
// such as a validation failure, are not refusals: they come from the
// executor.)
type refusal struct {
	status  int
	code    string
	message string
	allow   string // the Allow header of a 405
}

func refuse(status int, code, format string, args ...any) *refusal {
	return &refusal{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func (t graphQLOverHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The same URL answers in two media types: caches must tell them apart.
	w.Header().Add("Vary", "Accept")
	media, acceptable := negotiate(r.Header.Values("Accept"))
	params, ref := t.read(w, r, acceptable)
	if ref != nil {
		if !acceptable {
			media = mediaJSON // the refusal itself is best understood as JSON
		}
		writeRefusal(w, r, exec, media, ref)
		return
	}

	ctx := r.Context()
	if ref := t.wait(ctx); ref != nil {
		w.Header().Set("Retry-After", "1")
		writeRefusal(w, r, exec, media, ref)
		return
	}
	defer t.admit.Release(1)
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		writeResponse(w, media, exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs))
		return
	}
	// Again on the resolved operation: an extension (persisted operations)
	// may have supplied a document the first check did not see.
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		writeRefusal(w, r, exec, media, mutationOverGET(rc.Operation.Operation))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// Only a finished stream answers nil, and this transport starts none.
		resp = exec.DispatchError(ctx, gqlerror.List{{Err: errors.New("executor returned no response")}})
	}
	writeResponse(w, media, resp)
}

// wait admits the request to execution. A GraphQL operation is CPU work
// (the executor) and memory (the response being built) more than it is
// waiting on the database, so running more at once than the machine has
// cores for only adds memory and latency: measured on 2 cores, 64 nested
// pages at once kept ~256 MB live, the collector ran without pause and
// throughput fell to a fifth of what 16 got. Waiting in line instead keeps
// both bounded, and a request that waits too long is told to come back
// rather than piling up.
func (t graphQLOverHTTP) wait(ctx context.Context) *refusal {
	wctx, cancel := context.WithTimeout(ctx, t.queueTimeout)
	defer cancel()
	if err := t.admit.Acquire(wctx, 1); err != nil {
		return refuse(http.StatusServiceUnavailable, codeOverloaded,
			"the server is busy: the request waited %s for its turn; retry shortly", t.queueTimeout)
	}
	return nil
}

// read checks that r is a well-formed GraphQL-over-HTTP request and returns
// its parameters, in the order a client would fix its mistakes: method,
// Accept, then the request itself.
func (t graphQLOverHTTP) read(w http.ResponseWriter, r *http.Request, acceptable bool) (*graphql.RawParams, *refusal) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		e := refuse(http.StatusMethodNotAllowed, codeMethodNotAllowed, "send GraphQL requests with POST, or queries with GET")
		e.allow = "GET, POST"
		return nil, e
	}
	if !acceptable {
		return nil, refuse(http.StatusNotAcceptable, codeNotAcceptable,
			"the Accept header allows neither %s nor %s", mediaGraphQLResponse, mediaJSON)
	}
	var p *graphql.RawParams
	var ref *refusal
	if r.Method == http.MethodPost {
		p, ref = t.readPOST(w, r)
	} else {
		p, ref = readGET(r)
	}
	if ref != nil {
		return nil, ref
	}
	// A persisted-operation request names its document in extensions
	// instead; the executor's extensions resolve it.
	if p.Query == "" && len(p.Extensions) == 0 {
		return nil, refuse(http.StatusBadRequest, codeBadRequest, "the request has no query")
	}
	// GET must not change anything (it may be prefetched, cached, repeated),
	// so it runs queries only. This looks at the document alone, before
	// validation, so the answer is 405 whether or not the mutation would be
	// valid.
	if r.Method == http.MethodGet {
		if op := operationType(p.Query, p.OperationName); op != "" && op != ast.Query {
			return nil, mutationOverGET(op)
		}
	}
	p.Headers = r.Header
	return p, nil
}

// readPOST reads a POST body: JSON with query, operationName, variables and
// extensions.
func (t graphQLOverHTTP) readPOST(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, *refusal) {
	ct, ctParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != mediaJSON {
		return nil, refuse(http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
			"send the request body as %s (Content-Type was %q)", mediaJSON, r.Header.Get("Content-Type"))
	}
	if cs, ok := ctParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, refuse(http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
			"send the request body in UTF-8 (charset was %q)", cs)
	}
	limit := t.maxBodyBytes
	if limit <= 0 {
		limit = defaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, refuse(http.StatusRequestEntityTooLarge, codePayloadTooLarge,
				"the request body is larger than %d bytes", limit)
		}
		return nil, refuse(http.StatusBadRequest, codeBadRequest, "read the request body: %v", err)
	}
	var p struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
	}
	if err := decodeJSON(body, &p); err != nil {
		return nil, refuse(http.StatusBadRequest, codeBadRequest,
			"the request body is not a JSON object of query, operationName, variables and extensions: %v", err)
	}
	return &graphql.RawParams{Query: p.Query, OperationName: p.OperationName,
		Variables: p.Variables, Extensions: p.Extensions}, nil
}

// readGET reads the same parameters from the URL's query string, variables
// and extensions as JSON text.
func readGET(r *http.Request) (*graphql.RawParams, *refusal) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, codeBadRequest, "the URL's query string is malformed: %v", err)
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, param := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		if s := q.Get(param.name); s != "" {
			if err := decodeJSON([]byte(s), param.dst); err != nil {
				return nil, refuse(http.StatusBadRequest, codeBadRequest, "%s is not a JSON object: %v", param.name, err)
			}
		}
	}
	return p, nil
}

// decodeJSON decodes exactly one JSON value. Numbers stay json.Number so
// that variable coercion sees an Int as written, not a float64.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// operationType is the type of the operation a request selects, read from
// the document without validating it; "" when the document does not parse
// or selects no operation, which execution then reports.
func operationType(query, operationName string) ast.Operation {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return ""
	}
	if op := doc.Operations.ForName(operationName); op != nil {
		return op.Operation
	}
	return ""
}

func mutationOverGET(op ast.Operation) *refusal {
	e := refuse(http.StatusMethodNotAllowed, codeMethodNotAllowed, "a %s must be sent with POST; GET runs queries only", op)
	e.allow = "POST"
	return e
}

// writeRefusal answers a refused request. Its error passes through the
// executor so that it is presented like every other error.
func writeRefusal(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, e *refusal) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	resp := exec.DispatchError(r.Context(), gqlerror.List{{Message: e.message, Extensions: map[string]any{"code": e.code}}})
	writeJSON(w, media, e.status, resp)
}

// writeResponse answers a well-formed request. Under application/json that
// is always 200, whatever the errors, since legacy clients read the body
// only then. Under application/graphql-response+json a response without
// data (the request failed before execution: parse, validation, variables)
// is 400, and one with data, even null, is 200.
//
// Either way, an operation the server could not complete for want of
// capacity or time is told so by its status, as the admission refusal is:
// 503 with Retry-After when retrying soon may succeed (OVERLOADED,
// UNAVAILABLE), 504 when the request ran out of time (TIMEOUT). Clients
// and proxies retry on those statuses, not on error codes inside a 200.
func writeResponse(w http.ResponseWriter, media string, resp *graphql.Response) {
	status := http.StatusOK
	if media == mediaGraphQLResponse && len(resp.Data) == 0 {
		status = http.StatusBadRequest
		if hasCode(resp.Errors, apperr.Internal) {
			status = http.StatusInternalServerError
		}
	}
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if apperr.Retryable(code) {
			status = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "1")
			break
		}
		if code == apperr.Timeout {
			status = http.StatusGatewayTimeout
		}
	}
	writeJSON(w, media, status, resp)
}

func hasCode(errs gqlerror.List, code string) bool {
	for _, e := range errs {
		if e.Extensions["code"] == code {
			return true
		}
	}
	return false
}

// writeJSON sends resp. Unlike graphql.Response's own encoding it leaves
// out "data" when execution never began, as the GraphQL spec asks. The data
// is gqlgen's own compact JSON and is written through as it is: handing it
// to json.Marshal would validate and re-compact the whole answer again
// (~4% of the CPU of a 100 KB page).
func writeJSON(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	body, err := encodeResponse(resp)
	if err != nil {
		// Only a value a resolver produced can fail to encode: a bug.
		status = http.StatusInternalServerError
		body = []byte(`{"errors":[{"message":"internal error: the response could not be encoded",` +
			`"extensions":{"code":"` + apperr.Internal + `"}}]}`)
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func encodeResponse(resp *graphql.Response) ([]byte, error) {
	body := make([]byte, 0, len(resp.Data)+256)
	body = append(body, '{')
	add := func(name string, v []byte) {
		if len(body) > 1 {
			body = append(body, ',')
		}
		body = append(body, '"')
		body = append(body, name...)
		body = append(body, '"', ':')
		body = append(body, v...)
	}
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			return nil, err
		}
		add("errors", b)
	}
	if len(resp.Data) > 0 {
		add("data", resp.Data)
	}
	if len(resp.Extensions) > 0 {
		b, err := json.Marshal(resp.Extensions)
		if err != nil {
			return nil, err
		}
		add("extensions", b)
	}
	return append(body, '}'), nil
}

// negotiate picks the response's media type from the Accept header values.
// application/graphql-response+json is the spec's preference, so it wins
// when the client names it at least as willingly as application/json. A
// request without Accept, or one that accepts anything (*/*,
// application/*), gets application/json: that is what legacy clients send
// and understand, as the spec's rules for them say. ok is false when the
// header rules out both.
func negotiate(accept []string) (media string, ok bool) {
	header := strings.TrimSpace(strings.Join(accept, ","))
	if header == "" {
		return mediaJSON, true
	}
	plain, gql := acceptance(header, mediaJSON), acceptance(header, mediaGraphQLResponse)
	switch {
	case plain.q == 0 && gql.q == 0:
		return "", false
	case plain.q != gql.q:
		return pick(gql.q > plain.q), true
	case plain.specificity != gql.specificity:
		return pick(gql.specificity > plain.specificity), true
	default:
		return pick(gql.specificity == specificExact), true
	}
}

func pick(graphQLResponse bool) string {
	if graphQLResponse {
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// How closely a media range of an Accept header names a type.
const (
	specificNone  = iota - 1 // no range matches
	specificAny              // */*
	specificType             // application/*
	specificExact            // application/json
)

type accepted struct {
	q           float64
	specificity int
}

// acceptance is how willingly the header takes media: the quality of the
// most specific range that matches it (RFC 9110, section 12.5.1).
func acceptance(header, media string) accepted {
	best := accepted{specificity: specificNone}
	mainType, _, _ := strings.Cut(media, "/")
	for _, part := range strings.Split(header, ",") {
		rng, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		s := specificNone
		switch rng {
		case media:
			s = specificExact
		case mainType + "/*":
			s = specificType
		case "*/*":
			s = specificAny
		}
		if s <= best.specificity {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		best = accepted{q: q, specificity: s}
	}
	return best
}
