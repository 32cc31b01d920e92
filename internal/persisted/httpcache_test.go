package persisted_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/operations"
)

// A GET of a persisted query carries Cache-Control and an ETag; sent again
// with If-None-Match it is 304 without a body while the answer is the same.
func TestGET_PersistedQueryHasETagAnd304(t *testing.T) {
	srv := newServer(t, persisted.Trusted)
	query := doc(t)
	importDocs(t,
		persisted.Operation{ID: "default-" + t.Name(), Body: query},
		persisted.Operation{ID: "hourly-" + t.Name(), Body: query, CacheControl: "private, max-age=3600"})

	first := get(t, srv, map[string]any{"documentId": "default-" + t.Name()}, nil)
	wantData(t, first)
	tag := first.Header.Get("ETag")
	if tag == "" || first.Header.Get("Cache-Control") != persisted.DefaultCacheControl {
		t.Fatalf("ETag %q, Cache-Control %q; want an ETag and %q", tag, first.Header.Get("Cache-Control"), persisted.DefaultCacheControl)
	}
	again := get(t, srv, map[string]any{"documentId": "default-" + t.Name()}, map[string]string{"If-None-Match": `"other", ` + tag})
	if again.Status != http.StatusNotModified || len(again.Body) != 0 || again.Header.Get("ETag") != tag {
		t.Errorf("with If-None-Match: status %d, ETag %q, %d bytes; want 304, %q, none", again.Status, again.Header.Get("ETag"), len(again.Body), tag)
	}
	stale := get(t, srv, map[string]any{"documentId": "default-" + t.Name()}, map[string]string{"If-None-Match": `"other"`})
	if stale.Status != http.StatusOK || string(stale.Body) != string(first.Body) {
		t.Errorf("with another ETag: status %d; want 200 and the answer", stale.Status)
	}

	// The same answer in the other media type is another representation.
	other := get(t, srv, map[string]any{"documentId": "default-" + t.Name()},
		map[string]string{"Accept": "application/graphql-response+json", "If-None-Match": tag})
	if other.Status != http.StatusOK || other.Header.Get("ETag") == tag {
		t.Errorf("other media type: status %d, ETag %q; want 200 and another ETag", other.Status, other.Header.Get("ETag"))
	}

	// A document's own Cache-Control wins over the server's default.
	hourly := get(t, srv, map[string]any{"documentId": "hourly-" + t.Name()}, nil)
	if got := hourly.Header.Get("Cache-Control"); got != "private, max-age=3600" {
		t.Errorf("Cache-Control = %q, want the document's", got)
	}
}

// What is not a persisted query's clean answer is never cached: text, an
// answer with errors, a POST.
func TestGET_OnlyPersistedAnswersWithoutErrorsAreCacheable(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	importDocs(t,
		persisted.Operation{ID: "ok-" + t.Name(), Body: doc(t)},
		persisted.Operation{ID: "err-" + t.Name(), Body: `query ` + t.Name() + `($n: Int) { customers(first: $n) { totalCount } }`})

	text := get(t, srv, map[string]any{"query": doc(t)}, nil)
	wantData(t, text)
	if text.Header.Get("ETag") != "" {
		t.Errorf("text over GET has an ETag")
	}
	failed := get(t, srv, map[string]any{"documentId": "err-" + t.Name(), "variables": map[string]any{"n": 100000}}, nil)
	if len(failed.Errors) == 0 || failed.Header.Get("ETag") != "" || failed.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("an answer with errors: ETag %q, Cache-Control %q; want none and no-store; %s",
			failed.Header.Get("ETag"), failed.Header.Get("Cache-Control"), failed.Body)
	}
	byPost := post(t, srv, map[string]any{"documentId": "ok-" + t.Name()})
	wantData(t, byPost)
	if byPost.Header.Get("ETag") != "" || byPost.Header.Get("Cache-Control") != "" {
		t.Errorf("POST has caching headers")
	}
}

// A manager's cacheable GET of a shipped document varies on the
// credential, so a browser shared with another user (or a viewer) does not
// hand them the manager's figures from its cache, and neither does a
// shared cache.
func TestGET_CacheableAnswerVariesOnCredential(t *testing.T) {
	srv := newServer(t, persisted.Trusted)
	shipped, err := operations.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	importDocs(t, shipped...)
	var id string
	for _, op := range shipped {
		if op.Name == "ProjectBudgetBurn" {
			id = op.ID
		}
	}
	r := get(t, srv, map[string]any{"documentId": id},
		map[string]string{"Authorization": "Bearer " + httpapitest.Token(t, 1, auth.Manager)})
	wantData(t, r)
	if !strings.HasPrefix(r.Header.Get("Cache-Control"), "private") {
		t.Errorf("Cache-Control = %q, want private", r.Header.Get("Cache-Control"))
	}
	vary := map[string]bool{}
	for _, v := range r.Header.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			vary[http.CanonicalHeaderKey(strings.TrimSpace(f))] = true
		}
	}
	for _, want := range []string{"Accept", "Authorization", "Cookie"} {
		if !vary[want] {
			t.Errorf("Vary %q lacks %s", r.Header.Values("Vary"), want)
		}
	}
}
