package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

// The media types a GraphQL response is sent as (GraphQL over HTTP,
// "Accept"). application/json is what every client understands;
// application/graphql-response+json adds the promise that the status code
// tells a request error (4xx) from an executed operation (200).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
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
	// maxResponseBytes bounds the data of one operation's answer; over it
	// the answer is refused with RESPONSE_TOO_LARGE. 0: no bound.
	maxResponseBytes int
	// writeTimeout is how long past the request's deadline writing its
	// answer may take: a client that does not read it has its connection
	// closed. 0: no deadline.
	writeTimeout time.Duration
	// persisted resolves operations sent by id and caches their GETs.
	persisted *persisted.Extension
	// maxTokens bounds the documents this transport parses itself (to
	// refuse a mutation over GET), as the executor's parser does.
	maxTokens int
	// maxBatch bounds the operations of a batched POST (a JSON array);
	// 1 refuses every batch.
	maxBatch int
	// csrfPrevention refuses GET requests a browser could have sent from
	// any site without a preflight.
	csrfPrevention bool
}

var _ graphql.Transport = graphQLOverHTTP{}

// Supports claims every request to the endpoint, so that the ones the spec
// refuses (a PUT, a mutation over GET) are refused here, with a GraphQL
// error body and the right status, rather than by gqlgen's generic 400;
// except the two that ask for a stream, which other transports serve: a
// websocket upgrade (graphql-ws) and a request that prefers
// text/event-stream to any JSON (server-sent events).
func (graphQLOverHTTP) Supports(r *http.Request) bool {
	return !websocketUpgrade(r) && !prefersEventStream(r.Header.Values("Accept"))
}

// websocketUpgrade reports whether r asks to switch to the websocket
// protocol (RFC 6455: Connection: Upgrade and Upgrade: websocket, each
// among the header's comma-separated tokens).
func websocketUpgrade(r *http.Request) bool {
	return hasToken(r.Header.Values("Connection"), "upgrade") && hasToken(r.Header.Values("Upgrade"), "websocket")
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// mediaEventStream is the media type of server-sent events.
const mediaEventStream = "text/event-stream"

// prefersEventStream reports whether an Accept header takes
// text/event-stream more willingly than either JSON type: more quality, or
// as much and named more specifically (an explicit text/event-stream
// beside */*). A client that names both a JSON type and the stream equally
// gets JSON, as today.
func prefersEventStream(accept []string) bool {
	header := strings.TrimSpace(strings.Join(accept, ","))
	if header == "" {
		return false
	}
	es := acceptance(header, mediaEventStream)
	if es.q == 0 {
		return false
	}
	for _, media := range []string{mediaJSON, mediaGraphQLResponse} {
		j := acceptance(header, media)
		if j.q > es.q || (j.q == es.q && j.specificity >= es.specificity) {
			return false
		}
	}
	return true
}

// refusal is a request turned away before GraphQL sees it, because it is
// not a well-formed GraphQL-over-HTTP request: it gets its code's HTTP
// status (apperr.Status) whichever media type the client asked for. (The
// spec's "request errors", such as a validation failure, are not
// refusals: they come from the executor.)
type refusal struct {
	code       string
	message    string
	allow      string         // the Allow header of a 405
	extensions map[string]any // more than the code, if any
}

func refuse(code, format string, args ...any) *refusal {
	return &refusal{code: code, message: fmt.Sprintf(format, args...)}
}

func (t graphQLOverHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if r.Method == http.MethodOptions {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// The same URL answers in two media types: caches must tell them apart.
	w.Header().Add("Vary", "Accept")
	if t.writeTimeout > 0 {
		// Set here, per request, so streaming transports after this one
		// (websockets, SSE) keep connections open as long as they like.
		// The write deadline also runs while the body is read and the
		// operation executes, so it starts at the request's own deadline:
		// a client gets writeTimeout to read an answer finished at the
		// last moment, and one that never reads has its connection closed.
		end, ok := r.Context().Deadline()
		if !ok {
			end = time.Now()
		}
		_ = http.NewResponseController(w).SetWriteDeadline(end.Add(t.writeTimeout))
	}
	media, acceptable := negotiate(r.Header.Values("Accept"))
	ops, batch, ref := t.readBy(w, r, acceptable)
	if ref != nil {
		if !acceptable {
			media = mediaJSON // the refusal itself is best understood as JSON
		}
		writeRefusal(w, r, exec, media, ref)
		return
	}

	ctx := r.Context()
	// A panic outside the resolvers, which recover their own (writing a
	// value out, in gqlgen's marshalling), would otherwise reach gqlgen's
	// handler: a 422 without a media type and with the panic's text.
	// Nothing is written before the response is complete, so it can still
	// be answered as a masked internal error.
	defer func() {
		if p := recover(); p != nil {
			resp := &graphql.Response{Errors: gqlerror.List{presentPanic(ctx, exec, p)}}
			writeJSON(w, media, http.StatusInternalServerError, resp)
		}
	}()
	if !batch {
		resp, rc, ref := execute(ctx, r, exec, ops[0])
		if ref != nil {
			writeRefusal(w, r, exec, media, ref)
			return
		}
		t.writeResult(w, r, rc, media, t.bounded(ctx, exec, resp))
		return
	}
	// A batch's operations run one after another, each admitted to
	// execution in its turn, and share one cost budget: together they may ask no more than one
	// operation may.
	ctx = limits.WithBatchBudget(ctx)
	resps := make([]*graphql.Response, len(ops))
	for i, op := range ops {
		resps[i], _, _ = execute(ctx, r, exec, op) // a POST is never refused here
		resps[i] = t.bounded(ctx, exec, resps[i])
	}
	writeBatch(w, media, resps)
}

// readBy is read with a deadline on the body: it is read before admission
// (the operation to admit is in it), so a client that sends it slowly, or
// stops halfway, has until the request's deadline; then the read fails and
// the request is refused, and a stalled body holds its goroutine and at
// most MAX_BODY_BYTES no longer than that. The deadline is cleared once the
// body is read: the server's watch for a client that goes away reads on
// while the operation executes, and must not take the deadline for a
// hang-up. After a refusal it stays: net/http reads what is left of an
// unread body before it writes the answer, and that read must not wait for
// a client that stopped sending.
func (t graphQLOverHTTP) readBy(w http.ResponseWriter, r *http.Request, acceptable bool) ([]request, bool, *refusal) {
	end, ok := r.Context().Deadline()
	if !ok {
		return t.read(w, r, acceptable)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(end)
	ops, batch, ref := t.read(w, r, acceptable)
	if ref == nil {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return ops, batch, ref
}

// request is one operation of a request: gqlgen's parameters, and the
// documentId of a persisted document, which they have no field for.
type request struct {
	*graphql.RawParams
	documentID string
}

// execute runs one operation: find its document (persisted operations),
// parse, validate, the limits, then the resolvers. It returns the
// operation context when the operation ran; a refusal is a mutation sent
// over GET.
func execute(ctx context.Context, r *http.Request, exec graphql.GraphExecutor, op request) (*graphql.Response, *graphql.OperationContext, *refusal) {
	ctx = persisted.WithDocumentID(ctx, op.documentID)
	rc, errs := exec.CreateOperationContext(ctx, op.RawParams)
	if errs != nil {
		return exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs), nil, nil
	}
	if rec := recordOf(ctx); rec != nil {
		rec.executed = true
		rec.operation = rc.OperationName
		if rec.operation == "" && rc.Operation != nil {
			rec.operation = rc.Operation.Name
		}
		d := persisted.Of(rc)
		rec.registered = d != nil && d.Trusted
	}
	// Again on the resolved operation: an extension (persisted operations)
	// may have supplied a document the first check did not see.
	if r.Method == http.MethodGet && rc.Operation.Operation != ast.Query {
		return nil, nil, mutationOverGET(rc.Operation.Operation)
	}
	if rc.Operation.Operation == ast.Subscription {
		// A subscription answers many times: it needs a stream.
		return nil, nil, refuse(apperr.BadRequest, "a subscription is served over a websocket (graphql-transport-ws) or as "+
			"server-sent events (Accept: %s), not as one answer", mediaEventStream)
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// Only a finished stream answers nil, and this transport starts none.
		resp = exec.DispatchError(ctx, gqlerror.List{{Err: errors.New("executor returned no response")}})
	}
	return resp, rc, nil
}

// bounded is resp, or RESPONSE_TOO_LARGE in its place when its data is
// over maxResponseBytes. The executor's cost limit bounds an answer in
// objects, not bytes (40,000 nodes of long texts are 14 MB); the bound is
// checked on the data the executor marshalled, before any of it is
// written, so a client is never sent half an answer and the server never
// encodes a second copy of an oversized one.
func (t graphQLOverHTTP) bounded(ctx context.Context, exec graphql.GraphExecutor, resp *graphql.Response) *graphql.Response {
	if t.maxResponseBytes <= 0 || resp == nil || len(resp.Data) <= t.maxResponseBytes {
		return resp
	}
	return exec.DispatchError(ctx, gqlerror.List{{Err: &apperr.Error{Code: apperr.ResponseTooLarge,
		Message: fmt.Sprintf("the answer is %d bytes, over the server's limit of %d: ask for smaller pages or fewer fields",
			len(resp.Data), t.maxResponseBytes)}}})
}

// writeResult answers an executed operation. A GET of a persisted query
// gets caching headers, and 304 Not Modified when the client already has
// this answer.
func (t graphQLOverHTTP) writeResult(w http.ResponseWriter, r *http.Request, rc *graphql.OperationContext, media string, resp *graphql.Response) {
	status, body := encodeWithStatus(resp, responseStatus(w, media, resp))
	if status == http.StatusOK && rc != nil && t.persisted != nil && t.persisted.CacheGET(w, r, rc, resp, media, body) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeBody(w, media, status, body)
}

// read checks that r is a well-formed GraphQL-over-HTTP request and returns
// its operations (several when batch), in the order a client would fix its
// mistakes: method, Accept, CSRF prevention, then the request itself.
func (t graphQLOverHTTP) read(w http.ResponseWriter, r *http.Request, acceptable bool) (ops []request, batch bool, _ *refusal) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		e := refuse(apperr.MethodNotAllowed, "send GraphQL requests with POST, or queries with GET")
		e.allow = "GET, POST"
		return nil, false, e
	}
	if !acceptable {
		return nil, false, refuse(apperr.NotAcceptable,
			"the Accept header allows neither %s nor %s", mediaGraphQLResponse, mediaJSON)
	}
	var ref *refusal
	if r.Method == http.MethodPost {
		ops, batch, ref = t.readPOST(w, r)
	} else {
		if t.csrfPrevention && !preflighted(r.Header) {
			return nil, false, refuse(apperr.PreflightRequired,
				"this GET request could have been sent by a page of any web site (it would not have asked the server's "+
					"CORS policy first), so it is refused as a possible cross-site request forgery: send it with a "+
					"Content-Type header such as %s, or a non-empty Apollo-Require-Preflight header", mediaJSON)
		}
		var p request
		p, ref = readGET(r)
		ops = []request{p}
	}
	if ref != nil {
		return nil, false, ref
	}
	for _, p := range ops {
		// A persisted-operation request names its document by documentId
		// or in extensions instead; the executor's extensions resolve it.
		if p.Query == "" && len(p.Extensions) == 0 && p.documentID == "" {
			return nil, false, refuse(apperr.BadRequest, "the request has no query")
		}
		p.Headers = r.Header
	}
	// GET must not change anything (it may be prefetched, cached, repeated),
	// so it runs queries only. This looks at the document alone, before
	// validation, so the answer is 405 whether or not the mutation would be
	// valid.
	if r.Method == http.MethodGet {
		if op := operationType(ops[0].Query, ops[0].OperationName, t.maxTokens); op != "" && op != ast.Query {
			return nil, false, mutationOverGET(op)
		}
	}
	return ops, batch, nil
}

// preflighted reports whether a browser would have asked the server's CORS
// policy before sending a request with these headers, as Apollo Server's
// CSRF prevention decides it: a page of any site can make the browser send
// a "simple" request (a GET, or a form's POST) straight away, with the
// user's ambient credentials, and a GET reads; so a request is taken only
// if it is not simple. That is a Content-Type other than the three a form
// may send (which Apollo Client sends even on GET), or an
// Apollo-Require-Preflight or X-Apollo-Operation-Name header (which
// Apollo's iOS and Kotlin clients send), since a page cannot add either
// without a preflight. A POST needs no such check here: it is refused
// unless its body is application/json, which no form can send.
func preflighted(h http.Header) bool {
	if ct := h.Get("Content-Type"); ct != "" {
		// The essence, as the Fetch standard reads it: a type it cannot
		// parse is not a simple one either.
		essence, _, _ := strings.Cut(ct, ";")
		switch strings.ToLower(strings.Trim(essence, " \t\r\n")) {
		case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		default:
			return true
		}
	}
	return h.Get("Apollo-Require-Preflight") != "" || h.Get("X-Apollo-Operation-Name") != ""
}

// postBody is the JSON object of one operation in a POST body.
type postBody struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
	DocumentID    string         `json:"documentId"`
}

func (b postBody) params() request {
	return request{&graphql.RawParams{Query: b.Query, OperationName: b.OperationName,
		Variables: b.Variables, Extensions: b.Extensions}, b.DocumentID}
}

// readPOST reads a POST body: JSON with query, operationName, variables and
// extensions, or, when batching is on, a JSON array of such objects.
func (t graphQLOverHTTP) readPOST(w http.ResponseWriter, r *http.Request) ([]request, bool, *refusal) {
	ct, ctParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != mediaJSON {
		return nil, false, refuse(apperr.UnsupportedMediaType,
			"send the request body as %s (Content-Type was %q)", mediaJSON, r.Header.Get("Content-Type"))
	}
	if cs, ok := ctParams["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, false, refuse(apperr.UnsupportedMediaType,
			"send the request body in UTF-8 (charset was %q)", cs)
	}
	limit := t.maxBodyBytes
	if limit <= 0 {
		limit = defaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, false, refuse(apperr.PayloadTooLarge,
				"the request body is larger than %d bytes", limit)
		}
		return nil, false, refuse(apperr.BadRequest, "read the request body: %v", err)
	}
	return t.decodePOST(body)
}

// decodePOST decodes a POST body (see readPOST).
func (t graphQLOverHTTP) decodePOST(body []byte) ([]request, bool, *refusal) {
	// encoding/json would quietly turn invalid UTF-8 in a string into
	// U+FFFD, so a document could run other than as sent.
	if !utf8.Valid(body) {
		return nil, false, refuse(apperr.BadRequest, "the request body is not valid UTF-8")
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '[' {
		var p postBody
		if err := decodeJSON(body, &p); err != nil {
			return nil, false, refuse(apperr.BadRequest,
				"the request body is not a JSON object of query, operationName, variables and extensions: %v", err)
		}
		return []request{p.params()}, false, nil
	}
	var batch []json.RawMessage
	if err := decodeJSON(body, &batch); err != nil {
		return nil, false, refuse(apperr.BadRequest, "the request body is not a JSON array of requests: %v", err)
	}
	if len(batch) > t.maxBatch || t.maxBatch <= 1 {
		e := limits.BatchRefusal(len(batch), t.maxBatch)
		return nil, false, &refusal{code: apperr.BatchTooLarge, message: e.Message,
			extensions: e.Extensions}
	}
	if len(batch) == 0 {
		return nil, false, refuse(apperr.BadRequest, "the batch holds no request")
	}
	ops := make([]request, len(batch))
	for i, raw := range batch {
		var p postBody
		if err := decodeJSON(raw, &p); err != nil {
			return nil, false, refuse(apperr.BadRequest,
				"request %d of the batch (counting from 1) is not a JSON object of query, operationName, variables and extensions: %v", i+1, err)
		}
		ops[i] = p.params()
	}
	return ops, true, nil
}

// readGET reads the same parameters from the URL's query string, variables
// and extensions as JSON text.
func readGET(r *http.Request) (request, *refusal) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return request{}, refuse(apperr.BadRequest, "the URL's query string is malformed: %v", err)
	}
	if !utf8.ValidString(r.URL.RawQuery) || !validUTF8(q) {
		return request{}, refuse(apperr.BadRequest, "the URL's query string is not valid UTF-8")
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, param := range []struct {
		name string
		dst  *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		if s := q.Get(param.name); s != "" {
			if err := decodeJSON([]byte(s), param.dst); err != nil {
				return request{}, refuse(apperr.BadRequest, "%s is not a JSON object: %v", param.name, err)
			}
		}
	}
	return request{p, q.Get("documentId")}, nil
}

func validUTF8(q url.Values) bool {
	for name, values := range q {
		for _, v := range values {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// decodeJSON decodes exactly one JSON value. Numbers stay json.Number so
// that variable coercion sees an Int as written, not a float64.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			// Said in the client's terms, not Go's types.
			where := "the value"
			if te.Field != "" {
				where = te.Field
			}
			return fmt.Errorf("%s is a JSON %s where %s belongs", where, te.Value, jsonKind(te.Type))
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("more than one JSON value")
	}
	return nil
}

// jsonKind names the JSON value a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// operationType is the type of the operation a request selects, read from
// the document without validating it; "" when the document does not parse
// or selects no operation, which execution then reports.
func operationType(query, operationName string, maxTokens int) ast.Operation {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		return ""
	}
	if op := doc.Operations.ForName(operationName); op != nil {
		return op.Operation
	}
	return ""
}

func mutationOverGET(op ast.Operation) *refusal {
	e := refuse(apperr.MethodNotAllowed, "a %s must be sent with POST; GET runs queries only", op)
	e.allow = "POST"
	return e
}

// writeRefusal answers a refused request. Its error passes through the
// executor so that it is presented like every other error.
func writeRefusal(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, media string, e *refusal) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	if apperr.Retryable(e.code) {
		w.Header().Set("Retry-After", apperr.RetryAfter)
	}
	ext := map[string]any{"code": e.code}
	maps.Copy(ext, e.extensions)
	resp := exec.DispatchError(r.Context(), gqlerror.List{{Message: e.message, Extensions: ext}})
	writeJSON(w, media, apperr.Status(e.code), resp)
}

// responseStatus is the status of a well-formed request's response. Under
// application/json that is always 200, whatever the errors, since legacy
// clients read the body only then. Under application/graphql-response+json
// a response without data (the request failed before execution: parse,
// validation, variables) is 400, or its code's status when that is a
// server error (an internal failure: 500), and one with data, even null,
// is 200.
//
// Either way, an operation the server could not complete for want of
// capacity or time is told so by its code's status (apperr.Always): 503
// with Retry-After (set on w) when retrying soon may succeed (OVERLOADED,
// UNAVAILABLE), 504 when the request ran out of time (TIMEOUT). Clients
// and proxies retry on those statuses, not on error codes inside a 200.
func responseStatus(w http.ResponseWriter, media string, resp *graphql.Response) int {
	status := http.StatusOK
	if media == mediaGraphQLResponse && len(resp.Data) == 0 {
		// No data: the request was refused before it executed, or it was
		// a mutation that rolled back as a whole (internal/mutation). The
		// first error's code says why, by its status (a refused write's
		// 403, 404 or 409); a server error among them wins.
		status = http.StatusBadRequest
		if len(resp.Errors) > 0 {
			if code := codeOf(resp.Errors[0]); apperr.Known(code) && apperr.Status(code) < http.StatusInternalServerError {
				status = apperr.Status(code)
			}
		}
		for _, e := range resp.Errors {
			code := codeOf(e)
			if s := apperr.Status(code); apperr.Known(code) && s >= http.StatusInternalServerError && !apperr.Always(code) {
				status = s
			}
		}
	}
	for _, e := range resp.Errors {
		code := codeOf(e)
		if apperr.Always(code) {
			if apperr.Retryable(code) {
				w.Header().Set("Retry-After", apperr.RetryAfter)
				return apperr.Status(code)
			}
			status = apperr.Status(code)
		}
	}
	return status
}

func codeOf(e *gqlerror.Error) string {
	code, _ := e.Extensions["code"].(string)
	return code
}

// writeJSON sends resp. Unlike graphql.Response's own encoding it leaves
// out "data" when execution never began, as the GraphQL spec asks. The data
// is gqlgen's own compact JSON and is written through as it is: handing it
// to json.Marshal would validate and re-compact the whole answer again
// (~4% of the CPU of a 100 KB page).
func writeJSON(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	status, body := encodeWithStatus(resp, status)
	writeBody(w, media, status, body)
}

// encodeWithStatus returns resp's body and the status to send it with.
func encodeWithStatus(resp *graphql.Response, status int) (int, []byte) {
	body, err := encodeResponse(resp)
	if err != nil {
		// Only a value a resolver produced can fail to encode: a bug.
		return http.StatusInternalServerError, []byte(encodeFailure)
	}
	return status, body
}

func writeBody(w http.ResponseWriter, media string, status int, body []byte) {
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeBatch answers a batch: an array of the operations' responses, in
// the order of the request. It is 200 whatever each operation's outcome,
// which each response tells; the GraphQL-over-HTTP specification has no
// batches, so no status could tell more.
func writeBatch(w http.ResponseWriter, media string, resps []*graphql.Response) {
	body := []byte{'['}
	for i, resp := range resps {
		b, err := encodeResponse(resp)
		if err != nil {
			b = []byte(encodeFailure)
		}
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, b...)
	}
	writeBody(w, media, http.StatusOK, append(body, ']'))
}

// presentPanic is the masked error a client sees for a panic that escaped
// execution; the executor logs it.
func presentPanic(ctx context.Context, exec graphql.GraphExecutor, p any) *gqlerror.Error {
	if e, ok := exec.(Executor); ok {
		if ge, ok := errors.AsType[*gqlerror.Error](e.PresentRecoveredError(ctx, p)); ok {
			return ge
		}
	}
	return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": apperr.Internal}}
}

// encodeFailure is the response to an operation whose answer could not be
// encoded.
const encodeFailure = `{"errors":[{"message":"internal error: the response could not be encoded",` +
	`"extensions":{"code":"` + apperr.Internal + `"}}]}`

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
