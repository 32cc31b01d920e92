// Package apperr is the application's one error type and the one list of
// the codes the API answers with. Each error carries a stable code that
// clients can branch on; Status maps a code to its HTTP status in one
// place (the table below), and the transports present codes as GraphQL's
// `extensions.code`. Messages are safe to show to callers: internal causes
// are logged, never sent.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Codes are part of the API contract: never rename one, never change the
// status it answers with. Every code the API sends is declared here and
// nowhere else, with its row in the table of statuses (codes).
const (
	// BadUserInput: an argument is malformed or out of range (a bad cursor,
	// a page size over the limit, an id of the wrong type).
	BadUserInput = "BAD_USER_INPUT"
	// Unauthenticated: the request has no valid credential (HTTP 401).
	Unauthenticated = "UNAUTHENTICATED"
	// Forbidden: the caller may not do or see this (HTTP 403 when a
	// credential grants no role at all; a field refused inside an answer
	// is null with this code).
	Forbidden = "FORBIDDEN"
	// NotFound: the object asked for does not exist, or the caller may
	// not know that it does.
	NotFound = "NOT_FOUND"
	// Conflict: a write was based on a version of the object that is no
	// longer the current one (optimistic locking); read it again and
	// decide anew.
	Conflict = "CONFLICT"
	// Internal: something failed on the server; details are in the log.
	Internal = "INTERNAL_SERVER_ERROR"
	// Overloaded: the server is too busy to take the request now (its turn
	// to execute, or a database connection, did not come in time). Retry
	// after the response's Retry-After.
	Overloaded = "OVERLOADED"
	// Unavailable: the database cannot be reached or went away during the
	// request (it is starting or restarting). Retry after Retry-After.
	Unavailable = "UNAVAILABLE"
	// Suppressed: a sum over too few contributors, which would tell a
	// caller who may read only sums the parts it may not read (one
	// person's bill rate from their project's billable amount). The field
	// is null; a role that may read the parts gets the exact figure.
	Suppressed = "SUPPRESSED"
	// Timeout: the request ran past its deadline and its statements were
	// cancelled. Retrying the same request will likely take as long.
	Timeout = "TIMEOUT"
	// TooManyItems: a sync operation was sent more items than one call
	// takes (500); nothing of it was written. Send them in several calls.
	TooManyItems = "TOO_MANY_ITEMS"
)

// Codes of GraphQL's own request phase, which the executor (gqlgen and
// gqlparser) sets; declared here so the table knows them.
const (
	// ParseFailed: the document is not GraphQL.
	ParseFailed = "GRAPHQL_PARSE_FAILED"
	// ValidationFailed: the document does not fit the schema, or its
	// variables do not fit the operation.
	ValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// Codes of requests turned away before GraphQL reads them, because they
// are not well-formed GraphQL over HTTP.
const (
	// BadRequest: the body or URL is not a GraphQL request (malformed
	// JSON, no query, not UTF-8).
	BadRequest = "BAD_REQUEST"
	// MethodNotAllowed: a method other than GET or POST, or an operation
	// other than a query over GET.
	MethodNotAllowed = "METHOD_NOT_ALLOWED"
	// NotAcceptable: the Accept header rules out every media type the
	// server can answer the request in.
	NotAcceptable = "NOT_ACCEPTABLE"
	// UnsupportedMediaType: a POST body that is not application/json in
	// UTF-8.
	UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
	// PayloadTooLarge: a body over MAX_BODY_BYTES.
	PayloadTooLarge = "PAYLOAD_TOO_LARGE"
	// PreflightRequired: a GET any web page could have made a browser send
	// (CSRF prevention).
	PreflightRequired = "PREFLIGHT_REQUIRED"
)

// Codes of operations refused for a limit (internal/limits), with
// extensions.limit and extensions.found.
const (
	// QueryTooLarge: the document has more tokens than MAX_TOKENS or more
	// bytes than MAX_DOCUMENT_BYTES (comments and whitespace included).
	QueryTooLarge = "QUERY_TOO_LARGE"
	// QueryTooDeep: fields nest deeper than MAX_DEPTH.
	QueryTooDeep = "QUERY_TOO_DEEP"
	// TooManyAliases: more aliased fields than MAX_ALIASES.
	TooManyAliases = "TOO_MANY_ALIASES"
	// TooManyRootFields: more root fields than MAX_ROOT_FIELDS.
	TooManyRootFields = "TOO_MANY_ROOT_FIELDS"
	// TooManyDirectives: more directives than MAX_DIRECTIVES.
	TooManyDirectives = "TOO_MANY_DIRECTIVES"
	// QueryTooComplex: the operation's cost is over MAX_COST.
	QueryTooComplex = "QUERY_TOO_COMPLEX"
	// TooManyFilterHops: the operation's filters follow more relations
	// (each a subquery) than MAX_FILTER_HOPS.
	TooManyFilterHops = "TOO_MANY_FILTER_HOPS"
	// BatchTooLarge: a batched request holds more operations than
	// MAX_BATCH (any batch, when batching is off).
	BatchTooLarge = "BATCH_TOO_LARGE"
	// ResponseTooLarge: the answer's data is over MAX_RESPONSE_BYTES; ask
	// for smaller pages or fewer fields.
	ResponseTooLarge = "RESPONSE_TOO_LARGE"
)

// Codes of persisted operations (internal/persisted). The first two are
// Apollo's: its clients branch on them (and on the messages
// "PersistedQueryNotFound", "PersistedQueryNotSupported") to resend the
// text or stop sending hashes.
const (
	// PersistedQueryNotFound: no document is registered under the id or
	// hash sent; an automatic-persisted-queries client resends the text.
	PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND"
	// PersistedQueryNotSupported: the server does not take operations by
	// id (persisted queries are off).
	PersistedQueryNotSupported = "PERSISTED_QUERY_NOT_SUPPORTED"
	// TrustedDocumentRequired: the server (or the caller's role) runs only
	// registered documents, and the request sent other text.
	TrustedDocumentRequired = "TRUSTED_DOCUMENT_REQUIRED"
	// PersistedQueryQuotaExceeded: the caller registered as many automatic
	// persisted queries as its quota allows in the current window; retry
	// later (429).
	PersistedQueryQuotaExceeded = "PERSISTED_QUERY_QUOTA_EXCEEDED"
)

// Codes of mutation requests that carry an Idempotency-Key
// (internal/mutation; the IETF draft "The Idempotency-Key HTTP Header
// Field"). Their status is sent under either media type, as the draft
// says, so that a retrying client or proxy can act on it.
const (
	// IdempotencyKeyInUse: a request with the same key is still running;
	// retry after Retry-After to get its answer (409).
	IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE"
	// IdempotencyKeyReused: the key was used before by the same caller for
	// a different request; a key names one request (422).
	IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
)

// Codes of subscriptions (internal/live): why a stream of events ended
// or could not resume.
const (
	// SlowConsumer: the subscriber did not read its events as fast as they
	// came; its buffer filled and the subscription was ended. Subscribe
	// again (over SSE, resume with Last-Event-ID).
	SlowConsumer = "SLOW_CONSUMER"
	// ResumeExpired: the event to resume after is older than the events
	// kept (EVENTS_RETENTION), or too much happened since; subscribe
	// afresh and read the current state (410).
	ResumeExpired = "RESUME_EXPIRED"
)

// answer is what a code means over HTTP.
type answer struct {
	// status is the HTTP status of a request the code turns away as a
	// whole (a transport's refusal, authentication, admission).
	status int
	// always: the status is sent even when the code is on an operation
	// that ran, and under application/json, because it tells of the
	// server's capacity or time, on which clients and proxies retry.
	always bool
	// retry: the same request may succeed a little later; the answer
	// carries Retry-After.
	retry bool
}

// codes is the one table of codes and their HTTP answers.
var codes = map[string]answer{
	BadUserInput:                {status: http.StatusBadRequest},
	Unauthenticated:             {status: http.StatusUnauthorized},
	Forbidden:                   {status: http.StatusForbidden},
	NotFound:                    {status: http.StatusNotFound},
	Conflict:                    {status: http.StatusConflict},
	Internal:                    {status: http.StatusInternalServerError},
	Overloaded:                  {status: http.StatusServiceUnavailable, always: true, retry: true},
	Unavailable:                 {status: http.StatusServiceUnavailable, always: true, retry: true},
	Timeout:                     {status: http.StatusGatewayTimeout, always: true},
	TooManyItems:                {status: http.StatusBadRequest},
	Suppressed:                  {status: http.StatusForbidden},
	ParseFailed:                 {status: http.StatusBadRequest},
	ValidationFailed:            {status: http.StatusBadRequest},
	BadRequest:                  {status: http.StatusBadRequest},
	MethodNotAllowed:            {status: http.StatusMethodNotAllowed},
	NotAcceptable:               {status: http.StatusNotAcceptable},
	UnsupportedMediaType:        {status: http.StatusUnsupportedMediaType},
	PayloadTooLarge:             {status: http.StatusRequestEntityTooLarge},
	PreflightRequired:           {status: http.StatusBadRequest},
	QueryTooLarge:               {status: http.StatusBadRequest},
	QueryTooDeep:                {status: http.StatusBadRequest},
	TooManyAliases:              {status: http.StatusBadRequest},
	TooManyRootFields:           {status: http.StatusBadRequest},
	TooManyDirectives:           {status: http.StatusBadRequest},
	QueryTooComplex:             {status: http.StatusBadRequest},
	TooManyFilterHops:           {status: http.StatusBadRequest},
	BatchTooLarge:               {status: http.StatusBadRequest},
	ResponseTooLarge:            {status: http.StatusBadRequest},
	PersistedQueryNotFound:      {status: http.StatusBadRequest},
	PersistedQueryNotSupported:  {status: http.StatusBadRequest},
	TrustedDocumentRequired:     {status: http.StatusBadRequest},
	PersistedQueryQuotaExceeded: {status: http.StatusTooManyRequests, retry: true},
	IdempotencyKeyInUse:         {status: http.StatusConflict, always: true, retry: true},
	IdempotencyKeyReused:        {status: http.StatusUnprocessableEntity, always: true},
	SlowConsumer:                {status: http.StatusServiceUnavailable, retry: true},
	ResumeExpired:               {status: http.StatusGone},
}

// Codes are every code the API answers with, sorted.
func Codes() []string {
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Status is the HTTP status of a request that code turns away as a whole:
// refused before any operation ran, or (for the codes that always set it,
// see Always) whose operation failed so. An unknown code is an internal
// error's 500.
func Status(code string) int {
	if a, ok := codes[code]; ok {
		return a.status
	}
	return http.StatusInternalServerError
}

// Known reports whether code is one of the API's codes.
func Known(code string) bool {
	_, ok := codes[code]
	return ok
}

// Always reports whether code sets the response's status even on an
// operation that ran, under either media type: the server lacked capacity
// (503) or time (504), which clients and proxies act on by status.
func Always(code string) bool { return codes[code].always }

// Retryable reports whether a request that failed with code may succeed
// unchanged a little later: the server answers it with 503 and
// Retry-After.
func Retryable(code string) bool { return codes[code].retry }

// RetryAfter is the Retry-After, in seconds, of a retryable code's answer.
const RetryAfter = "1"

// Error is an error a caller may see.
type Error struct {
	Code    string
	Message string
	// Field names the argument at fault, when there is one.
	Field string
	// Extensions are further members of the error's extensions, for a
	// caller to act on without reading the message: a write's input path
	// ("field": "input.entries.2.hours"), a conflict's current version.
	Extensions map[string]any
}

func (e *Error) Error() string { return e.Message }

// New returns an error with code and a message made as fmt.Sprintf does.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports a bad argument.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns err's code, or Internal when err is not an *Error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Problems are every problem found in one input, reported together so
// that a caller fixes them all in one go; each is its own GraphQL error
// (graph adds them one by one).
type Problems []*Error

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Message
	}
	return strings.Join(msgs, "; ")
}

// Add records a problem with the input at path (a write's input path such
// as "input.entries.2.hours", sent as extensions.field).
func (p *Problems) Add(path, format string, args ...any) {
	*p = append(*p, &Error{Code: BadUserInput, Message: fmt.Sprintf(format, args...),
		Extensions: map[string]any{"field": path}})
}

// Path is the input path of a problem (Problems.Add) as a list of field
// names and list indexes, ["items", 3, "email"]; nil for an error of no
// input field.
func (e *Error) Path() []any {
	field, _ := e.Extensions["field"].(string)
	if field == "" {
		return nil
	}
	parts := strings.Split(field, ".")
	out := make([]any, len(parts))
	for i, p := range parts {
		if n, err := strconv.Atoi(p); err == nil {
			out[i] = n
		} else {
			out[i] = p
		}
	}
	return out
}

// Err is nil when there are no problems, else p.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}
