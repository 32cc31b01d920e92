package httpapi

import (
	"net/http"

	"github.com/rs/cors"

	"github.com/bizgraph/bizgraph/internal/replica"
)

// withCORS lets pages of the given origins call next from a browser: it
// answers their preflight requests and marks the answers they may read.
// Without origins it adds nothing, and browsers keep the API to pages of
// its own origin.
//
// No credentials are allowed: callers authenticate with a bearer token or
// API key in a header, never a cookie, so a page of another origin gains
// nothing from the browser's ambient credentials.
func withCORS(next http.Handler, origins []string) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		// What GraphQL clients send: the body's type, a credential, a
		// request id to trace by, the headers CSRF prevention accepts, and a
		// mutation's Idempotency-Key, and the write position a page sends
		// back to read its own writes.
		AllowedHeaders: []string{"Accept", "Authorization", "Content-Type", "X-Request-Id",
			"Apollo-Require-Preflight", "X-Apollo-Operation-Name", "Idempotency-Key", replica.Header},
		// Beyond the CORS-safelisted ones, a page may read the request id
		// (to quote to support), when to retry an overloaded server, and
		// the position of its write.
		ExposedHeaders: []string{"X-Request-Id", "Retry-After", replica.Header},
		// Browsers keep a preflight's answer this many seconds (Chromium
		// caps it at 7200).
		MaxAge: 600,
	}).Handler(next)
}
