package persisted_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/httpapi"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Apollo's protocol: the hash alone first; an unknown one answers
// PERSISTED_QUERY_NOT_FOUND with the message Apollo's link matches; the
// client resends hash and text, which registers it; then the hash alone
// runs it. Over POST and over GET.
func TestAPQ_UnknownHashThenRegisterThenHit(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			query := doc(t)
			hash := persisted.HashText(query)
			send := func(body map[string]any) httpapitest.Reply {
				if method == "GET" {
					return get(t, srv, body, nil)
				}
				return post(t, srv, body)
			}
			r := send(map[string]any{"extensions": pq(hash)})
			wantCode(t, r, apperr.PersistedQueryNotFound)
			if r.Errors[0].Message != "PersistedQueryNotFound" {
				t.Errorf("message = %q, want Apollo's PersistedQueryNotFound", r.Errors[0].Message)
			}
			registered := send(map[string]any{"query": query, "extensions": pq(hash)})
			wantData(t, registered)
			hit := send(map[string]any{"extensions": pq(hash)})
			wantData(t, hit)
			if string(hit.Data) != string(registered.Data) {
				t.Errorf("by hash: %s; with the text: %s", hit.Data, registered.Data)
			}
		})
	}
}

// A hash that is not the text's is refused and registers nothing: else a
// client could plant any text under another document's hash.
func TestAPQ_HashMismatchIsRefusedAndNotRegistered(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	other := persisted.HashText(doc(t) + " ")
	r := post(t, srv, map[string]any{"query": doc(t), "extensions": pq(other)})
	wantCode(t, r, apperr.BadUserInput)
	if r.Errors[0].Extensions["argument"] != "extensions.persistedQuery.sha256Hash" {
		t.Errorf("argument = %v", r.Errors[0].Extensions["argument"])
	}
	wantCode(t, post(t, srv, map[string]any{"extensions": pq(other)}), apperr.PersistedQueryNotFound)
}

// Only valid documents are stored: an invalid one sent with its hash is
// reported as invalid and its hash stays unknown.
func TestAPQ_InvalidDocumentIsNotRegistered(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	bad := `query ` + t.Name() + ` { customers(first: 1) { noSuchField } }`
	hash := persisted.HashText(bad)
	wantCode(t, post(t, srv, map[string]any{"query": bad, "extensions": pq(hash)}), "GRAPHQL_VALIDATION_FAILED")
	wantCode(t, post(t, srv, map[string]any{"extensions": pq(hash)}), apperr.PersistedQueryNotFound)
}

func TestAPQ_UnsupportedVersionIsBadInput(t *testing.T) {
	srv := newServer(t, persisted.Automatic)
	r := post(t, srv, map[string]any{"query": doc(t), "extensions": map[string]any{
		"persistedQuery": map[string]any{"version": 2, "sha256Hash": persisted.HashText(doc(t))}}})
	wantCode(t, r, apperr.BadUserInput)
}

// Off: text runs, ids are refused with Apollo's "not supported", on which
// its link stops sending hashes.
func TestOff_RefusesIDsAndRunsText(t *testing.T) {
	srv := newServer(t, persisted.Off)
	wantData(t, post(t, srv, map[string]any{"query": doc(t)}))
	r := post(t, srv, map[string]any{"extensions": pq(persisted.HashText(doc(t)))})
	wantCode(t, r, apperr.PersistedQueryNotSupported)
	if r.Errors[0].Message != "PersistedQueryNotSupported" {
		t.Errorf("message = %q", r.Errors[0].Message)
	}
	wantCode(t, post(t, srv, map[string]any{"documentId": "x"}), apperr.PersistedQueryNotSupported)
}

// Trusted mode runs imported documents by every form of id, and their exact
// text; it refuses any other text, and documents registered only by
// automatic persisted queries.
func TestTrusted_AcceptsRegisteredIDsAndRefusesEverythingElse(t *testing.T) {
	trusted := doc(t)
	importDocs(t, persisted.Operation{ID: "relay-" + t.Name(), Body: trusted})
	sha := persisted.HashText(trusted)
	importDocs(t, persisted.Operation{ID: sha, Body: trusted}) // Apollo's manifest ids are the hash

	// Registered on an automatic server, so it is in the table, untrusted.
	auto := `query ` + t.Name() + `Auto { departments(first: 1) { totalCount } }`
	wantData(t, post(t, newServer(t, persisted.Automatic),
		map[string]any{"query": auto, "extensions": pq(persisted.HashText(auto))}))

	srv := newServer(t, persisted.Trusted)
	other := `query ` + t.Name() + `Other { departments(first: 2) { totalCount } }`
	importDocs(t, persisted.Operation{ID: "relay-other-" + t.Name(), Body: other}) // only under an id of its own
	for name, r := range map[string]httpapitest.Reply{
		"a hash of a document registered under another id": post(t, srv, map[string]any{"extensions": pq(persisted.HashText(other))}),
		"documentId sha256: of that document":              post(t, srv, map[string]any{"documentId": "sha256:" + persisted.HashText(other)}),
		"documentId POST":                                  post(t, srv, map[string]any{"documentId": "relay-" + t.Name()}),
		"documentId GET":                                   get(t, srv, map[string]any{"documentId": "relay-" + t.Name()}, nil),
		"documentId sha256:":                               post(t, srv, map[string]any{"documentId": "sha256:" + sha}),
		"persistedQuery POST":                              post(t, srv, map[string]any{"extensions": pq(sha)}),
		"persistedQuery GET":                               get(t, srv, map[string]any{"extensions": pq(sha)}, nil),
		"its exact text":                                   post(t, srv, map[string]any{"query": trusted}),
		"its text with its hash":                           post(t, srv, map[string]any{"query": trusted, "extensions": pq(sha)}),
	} {
		t.Run("accepts "+name, func(t *testing.T) { wantData(t, r) })
	}
	for name, c := range map[string]struct {
		r    httpapitest.Reply
		code string
	}{
		"other text":                   {post(t, srv, map[string]any{"query": `{ customers(first: 1) { totalCount } }`}), apperr.TrustedDocumentRequired},
		"other text over GET":          {get(t, srv, map[string]any{"query": `{ customers(first: 1) { totalCount } }`}, nil), apperr.TrustedDocumentRequired},
		"text with its hash":           {post(t, srv, map[string]any{"query": trusted + " ", "extensions": pq(persisted.HashText(trusted + " "))}), apperr.TrustedDocumentRequired},
		"an unknown id":                {post(t, srv, map[string]any{"documentId": "nope"}), apperr.PersistedQueryNotFound},
		"an automatic document":        {post(t, srv, map[string]any{"extensions": pq(persisted.HashText(auto))}), apperr.PersistedQueryNotFound},
		"an automatic document's text": {post(t, srv, map[string]any{"query": auto}), apperr.TrustedDocumentRequired},
		"documentId and query":         {post(t, srv, map[string]any{"documentId": "relay-" + t.Name(), "query": trusted}), apperr.BadUserInput},
	} {
		t.Run("refuses "+name, func(t *testing.T) { wantCode(t, c.r, c.code) })
	}
}

// The auth layer makes a request trusted-only whatever the mode (the
// analytics role): RequireTrusted on its context.
func TestRequireTrusted_MakesAnAutomaticServerTrustedForThatRequest(t *testing.T) {
	trusted := doc(t)
	importDocs(t, persisted.Operation{ID: "id-" + t.Name(), Body: trusted})
	db := openDB(t)
	h := httpapi.New(httpapi.Config{Auth: httpapitest.Authenticator(t, db, httpapitest.Admin), DB: db, Store: store.New(db, page.Limits{}, policy.StoreRules{}),
		PersistedQueries: persisted.Options{Mode: persisted.Automatic}})
	analytics := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(persisted.RequireTrusted(r.Context())))
	}))
	wantCode(t, post(t, analytics, map[string]any{"query": `{ customers(first: 1) { totalCount } }`}), apperr.TrustedDocumentRequired)
	wantData(t, post(t, analytics, map[string]any{"documentId": "id-" + t.Name()}))
	if !persisted.TrustedOnly(persisted.RequireTrusted(context.Background()), persisted.Off) ||
		persisted.TrustedOnly(context.Background(), persisted.Automatic) {
		t.Error("TrustedOnly does not follow RequireTrusted")
	}
}

// Replicas share one table: what one registers, another runs, and a
// document imported while both run is served by both.
func TestStore_SharedByTwoServersOnOneDatabase(t *testing.T) {
	a, b := newServer(t, persisted.Automatic), newServer(t, persisted.Automatic)
	query := doc(t)
	hash := persisted.HashText(query)
	wantCode(t, post(t, b, map[string]any{"extensions": pq(hash)}), apperr.PersistedQueryNotFound)
	wantData(t, post(t, a, map[string]any{"query": query, "extensions": pq(hash)}))
	wantData(t, post(t, b, map[string]any{"extensions": pq(hash)}))

	ta, tb := newServer(t, persisted.Trusted), newServer(t, persisted.Trusted)
	wantCode(t, post(t, ta, map[string]any{"documentId": "late-" + t.Name()}), apperr.PersistedQueryNotFound)
	importDocs(t, persisted.Operation{ID: "late-" + t.Name(), Body: query})
	wantData(t, post(t, ta, map[string]any{"documentId": "late-" + t.Name()}))
	wantData(t, post(t, tb, map[string]any{"documentId": "late-" + t.Name()}))
}

// A persisted operation is parsed and validated once: later requests get
// the same AST from the document, even with no text cache behind it.
func TestQueryCache_PersistedDocumentIsParsedOnce(t *testing.T) {
	importDocs(t, persisted.Operation{ID: "once-" + t.Name(), Body: doc(t)})
	e := executor.New(graph.NewExecutableSchema(graph.Config{}))
	e.Use(persisted.New(openStore(t), persisted.Options{Mode: persisted.Trusted}))
	e.SetQueryCache(persisted.QueryCache(graphql.NoCache[*ast.QueryDocument]{}))
	create := func() *graphql.OperationContext {
		ctx := persisted.WithDocumentID(graphql.StartOperationTrace(context.Background()), "once-"+t.Name())
		opCtx, errs := e.CreateOperationContext(ctx, &graphql.RawParams{})
		if errs != nil {
			t.Fatal(errs)
		}
		return opCtx
	}
	first, second := create(), create()
	if first.Doc != second.Doc {
		t.Error("the document was parsed again")
	}
	if d := persisted.Of(second); d == nil || d.ID != "once-"+t.Name() || !d.Trusted {
		t.Errorf("Of = %+v", d)
	}
}

// A failing database is an internal error: logged, never shown.
func TestDatabaseFailureIsMasked(t *testing.T) {
	srv, db := httpapitest.NewServer(t, httpapi.Config{})
	_ = db.Close()
	r := post(t, srv, map[string]any{"documentId": "anything"})
	wantCode(t, r, apperr.Internal)
	if msg := r.Errors[0].Message; strings.Contains(msg, "persisted_queries") || strings.Contains(msg, "sql") {
		t.Errorf("message shows internals: %q", msg)
	}
}
