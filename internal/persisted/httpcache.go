package persisted

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// CacheGET sets the caching headers of a GET answer to a persisted query:
// Cache-Control (the document's own, else the server's default) and an
// ETag of the bytes sent. It reports whether the request's If-None-Match
// already names that ETag: then the caller answers 304 Not Modified without
// a body. The query still ran (a figure may have changed since), so a 304
// saves the transfer and the client's decoding, not the server's work.
//
// Only a persisted query's answer without errors is cacheable: text has no
// stable name a cache could be configured by, and an error may be
// transient. Any other GET of a persisted operation is marked no-store.
//
// An answer depends on who asked (a manager sees figures a viewer does
// not), so a cacheable one varies on the credential, as GitHub's API does
// (Vary: Accept, Authorization, Cookie): a browser shared by two people
// reuses one's answer only for a request carrying the same credential,
// and a shared cache keys it by the credential too. This keeps max-age
// useful to the one caller (a dashboard reloaded within five minutes)
// where no-store would throw that away.
func (e *Extension) CacheGET(w http.ResponseWriter, r *http.Request, opCtx *graphql.OperationContext, resp *graphql.Response, media string, body []byte) (notModified bool) {
	d := Of(opCtx)
	if r.Method != http.MethodGet || d == nil {
		return false
	}
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Query || len(resp.Errors) > 0 {
		w.Header().Set("Cache-Control", "no-store")
		return false
	}
	cc := d.CacheControl
	if cc == "" {
		cc = e.opts.CacheControl
	}
	tag := etag(media, body)
	w.Header().Set("Cache-Control", cc)
	w.Header().Set("ETag", tag)
	w.Header().Add("Vary", "Authorization, Cookie")
	return matches(r.Header.Values("If-None-Match"), tag)
}

// etag names the answer's exact bytes in its media type (the same URL
// answers in two, see Vary: Accept).
func etag(media string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(media))
	h.Write([]byte{0})
	h.Write(body)
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// matches applies If-None-Match's weak comparison (RFC 9110, 13.1.2).
func matches(header []string, tag string) bool {
	for _, h := range header {
		for _, t := range strings.Split(h, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}
