package persisted_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/service"
)

// stored counts the rows registered under id.
func stored(t *testing.T, id string) int {
	t.Helper()
	var n int
	if err := openDB(t).Raw(`SELECT count(*) FROM persisted_queries WHERE id = ?`, id).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A document over MAX_DOCUMENT_BYTES sent with its hash is refused before
// it is parsed and is never stored (issue 21, finding 4: a 900,000-character
// body was stored for good).
func TestAutomatic_OversizedRegistrationRefusedAndNotStored(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	text := doc(t) + "\n#" + strings.Repeat("x", 900_000)
	hash := persisted.HashText(text)
	r := post(t, srv, map[string]any{"query": text, "extensions": pq(hash)})
	if r.Code() != apperr.QueryTooLarge {
		t.Fatalf("a 900 KB registration: %d %.300s, want %s", r.Status, r.Body, apperr.QueryTooLarge)
	}
	if n := stored(t, hash); n != 0 {
		t.Fatalf("the refused document was stored (%d rows)", n)
	}
}

// One caller registers at most Quota.N new documents per window, counted
// in the database, so two replicas share one quota; the next is refused
// with a retryable code and not stored, while the documents already
// registered still run by hash.
func TestAutomatic_CallerOverQuotaRefused(t *testing.T) {
	caller := "quota:" + t.Name()
	opts := persisted.Options{Mode: persisted.Automatic, Quota: persisted.Quota{N: 2, Window: time.Hour},
		Caller: func(context.Context) string { return caller }}
	a, _ := httpapitest.NewServer(t, service.Config{PersistedQueries: opts})
	b, _ := httpapitest.NewServer(t, service.Config{PersistedQueries: opts})
	for i, srv := range []*httptest.Server{a, b, a} {
		text := fmt.Sprintf("%s\n# %d", doc(t), i)
		hash := persisted.HashText(text)
		r := post(t, srv, map[string]any{"query": text, "extensions": pq(hash)})
		if i < 2 {
			if r.Code() != "" || stored(t, hash) != 1 {
				t.Fatalf("registration %d within the quota: %d %.300s", i+1, r.Status, r.Body)
			}
			if r := post(t, b, map[string]any{"extensions": pq(hash)}); r.Code() != "" {
				t.Fatalf("registered document %d by hash: %.300s", i+1, r.Body)
			}
			continue
		}
		if r.Code() != apperr.PersistedQueryQuotaExceeded || !apperr.Retryable(r.Code()) {
			t.Fatalf("registration over the quota: %d %.300s, want %s", r.Status, r.Body, apperr.PersistedQueryQuotaExceeded)
		}
		if n := stored(t, hash); n != 0 {
			t.Fatalf("the document over the quota was stored (%d rows)", n)
		}
	}
}

// Sweep removes automatic documents unused for longer than the expiry and
// keeps recently used ones and every trusted document, however old.
func TestStore_SweepRemovesOnlyUnusedAutomaticDocuments(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	db := openDB(t)
	ctx := context.Background()
	var old, fresh string
	for i, h := range []*string{&old, &fresh} {
		text := fmt.Sprintf("%s\n# %d", doc(t), i)
		*h = persisted.HashText(text)
		if r := post(t, srv, map[string]any{"query": text, "extensions": pq(*h)}); r.Code() != "" {
			t.Fatalf("register: %.300s", r.Body)
		}
	}
	trusted := "trusted:" + t.Name()
	if err := db.Exec(`INSERT INTO persisted_queries (id, sha256, body, operation, trusted) VALUES (?, 'x', '{ __typename }', 'query', true)`,
		trusted).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`UPDATE persisted_queries SET last_used_at = now() - interval '31 days' WHERE id IN (?, ?)`,
		old, trusted).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := openStore(t).Sweep(ctx, persisted.DefaultExpiry); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{old: 0, fresh: 1, trusted: 1} {
		if n := stored(t, id); n != want {
			t.Errorf("%s: %d rows after the sweep, want %d", id, n, want)
		}
	}
}
