// Package apperr is the application's one error type. Each error carries a
// stable code that clients can branch on; the transport maps codes to
// GraphQL `extensions.code` and HTTP status in one place. Messages are safe
// to show to callers: internal causes are logged, never sent.
package apperr

import (
	"errors"
	"fmt"
)

// Codes are part of the API contract: never rename one.
const (
	// BadUserInput: an argument is malformed or out of range (a bad cursor,
	// a page size over the limit, an id of the wrong type).
	BadUserInput = "BAD_USER_INPUT"
	// Unauthenticated: the request has no valid credential (HTTP 401).
	Unauthenticated = "UNAUTHENTICATED"
	// Forbidden: the caller may not do or see this.
	Forbidden = "FORBIDDEN"
	// NotFound: the object asked for does not exist.
	NotFound = "NOT_FOUND"
	// Internal: something failed on the server; details are in the log.
	Internal = "INTERNAL_SERVER_ERROR"
	// Overloaded: the server is too busy to take the request now (its turn
	// to execute, or a database connection, did not come in time). Retry
	// after the response's Retry-After.
	Overloaded = "OVERLOADED"
	// Unavailable: the database cannot be reached or went away during the
	// request (it is starting or restarting). Retry after Retry-After.
	Unavailable = "UNAVAILABLE"
	// Timeout: the request ran past its deadline and its statements were
	// cancelled. Retrying the same request will likely take as long.
	Timeout = "TIMEOUT"
)

// Retryable reports whether a request that failed with code may succeed
// unchanged a little later: the server answers it with 503 and Retry-After.
func Retryable(code string) bool { return code == Overloaded || code == Unavailable }

// Error is an error a caller may see.
type Error struct {
	Code    string
	Message string
	// Field names the argument at fault, when there is one.
	Field string
}

func (e *Error) Error() string { return e.Message }

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
)
