// Package persisted serves GraphQL operations sent by id instead of by text:
// Apollo's automatic persisted queries (a client sends a hash, and the text
// once when the server does not know it yet) and trusted documents (ids
// registered ahead of time from the manifests frontends build, sent as
// documentId or in Apollo's extensions.persistedQuery form).
//
// Both live in one table (migrations/00005_persisted_queries.sql), read
// through a bounded in-process cache (store.go), so every replica serves
// the same set and a restart loses nothing. A document's parsed and
// validated AST stays with its cache entry (querycache.go): a persisted
// operation skips parsing and validation on the hot path. The executor
// extension (extension.go) decides per request what may run (Mode,
// RequireTrusted); httpcache.go answers GETs of persisted queries with
// Cache-Control, ETag and 304.
package persisted

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// Mode says which operations a server runs.
type Mode string

const (
	// Off: only operations sent as text; a request by id is refused with
	// PERSISTED_QUERY_NOT_SUPPORTED, so Apollo clients stop sending hashes.
	Off Mode = "off"
	// Automatic: text, registered documents by id, and Apollo's automatic
	// persisted queries, which register any valid document a client sends
	// with its hash. For development and the demo.
	Automatic Mode = "automatic"
	// Trusted: only documents imported from a manifest (`bizgraph documents
	// import`), by id or as their exact text; any other text is refused
	// with TRUSTED_DOCUMENT_REQUIRED and never validated or executed.
	Trusted Mode = "trusted"
)

// ParseMode reads a PERSISTED_QUERIES setting.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Off, Automatic, Trusted:
		return m, nil
	}
	return "", fmt.Errorf("%q is not off, automatic or trusted", s)
}

// Options configure how a server serves persisted operations.
type Options struct {
	// Mode is the server's mode; empty means Automatic.
	Mode Mode
	// CacheControl is the Cache-Control of a GET answer to a persisted
	// query whose document names none; empty means DefaultCacheControl.
	CacheControl string
	// Quota bounds each caller's automatic registrations; zero means
	// DefaultQuota.
	Quota Quota
	// Expiry is how long an automatic document may go unused before a
	// registration sweeps it away; zero means DefaultExpiry.
	Expiry time.Duration
	// Caller names the caller of a request, whose automatic registrations
	// count against one quota; nil or "" is "anonymous". The auth layer
	// knows callers; this package does not depend on it.
	Caller func(context.Context) string
}

// DefaultCacheControl lets a browser or an analytics tool keep an answer
// but ask again every time (with If-None-Match, answered 304 when nothing
// changed), and keeps it out of shared caches: answers will depend on the
// caller's role, and a stale figure is worse than a round trip.
const DefaultCacheControl = "private, no-cache"

// Document is a registered GraphQL document.
type Document struct {
	// ID is what clients send: documentId, or
	// extensions.persistedQuery.sha256Hash. An automatically persisted
	// document's id is its SHA256.
	ID string
	// SHA256 is the hex SHA-256 of Body.
	SHA256 string
	Body   string
	// Operation is query, mutation or subscription (the first that is not
	// a query, when the document holds several operations).
	Operation string
	// Name is the operation's name, for people; may be empty.
	Name string
	// Trusted documents were imported from a manifest; only they run in
	// trusted mode.
	Trusted bool
	// CacheControl of GET answers; empty: the server's default.
	CacheControl string
	CreatedAt    time.Time

	// parsed is Body parsed and validated against the schema, set by the
	// executor the first time it runs the document (querycache.go).
	parsed atomic.Pointer[ast.QueryDocument]
	// loaded is when the entry was read from the database: entries are
	// read again after a while, so an import on another replica (a
	// document becoming trusted, a new Cache-Control) shows here too.
	loaded time.Time
	// pending marks a document a client sent with its hash, to be stored
	// once it validated; such a Document belongs to its request alone.
	pending bool
}

type trustedOnlyKey struct{}

// RequireTrusted returns a context whose request runs only trusted
// documents, whatever the server's mode: the auth layer sets it for callers
// that may run nothing else (the analytics role). It cannot be undone
// further down.
func RequireTrusted(ctx context.Context) context.Context {
	return context.WithValue(ctx, trustedOnlyKey{}, true)
}

// TrustedOnly reports whether a request in ctx, on a server in mode, may run
// only trusted documents: the one place that decision is made.
func TrustedOnly(ctx context.Context, mode Mode) bool {
	if mode == Trusted {
		return true
	}
	v, _ := ctx.Value(trustedOnlyKey{}).(bool)
	return v
}

type documentIDKey struct{}

// WithDocumentID returns a context carrying the request's documentId
// parameter (GraphQL over HTTP's persisted documents), which gqlgen's
// request parameters have no field for; the transport reads it, the
// extension resolves it.
func WithDocumentID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, documentIDKey{}, id)
}

func documentID(ctx context.Context) string {
	id, _ := ctx.Value(documentIDKey{}).(string)
	return id
}
