package persisted

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Extension is the executor extension that resolves persisted operations
// and enforces the mode: add it with handler.Server.Use, and put
// QueryCache in front of the executor's query cache.
type Extension struct {
	store *Store
	opts  Options
}

// New returns the extension over store.
func New(store *Store, opts Options) *Extension {
	if opts.Mode == "" {
		opts.Mode = Automatic
	}
	if opts.CacheControl == "" {
		opts.CacheControl = DefaultCacheControl
	}
	if opts.Quota.N <= 0 || opts.Quota.Window <= 0 {
		opts.Quota = DefaultQuota
	}
	if opts.Expiry <= 0 {
		opts.Expiry = DefaultExpiry
	}
	return &Extension{store: store, opts: opts}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*Extension)(nil)

// ExtensionName names the extension in gqlgen's stats.
func (*Extension) ExtensionName() string { return "PersistedOperations" }

// Validate accepts every schema.
func (*Extension) Validate(graphql.ExecutableSchema) error { return nil }

// statsKey is where a request's *Document sits in its operation context's
// stats, for the query cache, the registration and the HTTP cache.
const statsKey = "persisted"

// Of returns the persisted document the operation runs, or nil when it was
// sent as text that is not a registered document.
func Of(opCtx *graphql.OperationContext) *Document {
	if opCtx == nil {
		return nil
	}
	d, _ := opCtx.Stats.GetExtension(statsKey).(*Document)
	return d
}

func usedIn(ctx context.Context) *Document {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return Of(graphql.GetOperationContext(ctx))
}

// apq is Apollo's extensions.persistedQuery.
type apq struct {
	present bool
	hash    string
}

func readAPQ(ext map[string]any) (apq, *gqlerror.Error) {
	raw, ok := ext["persistedQuery"]
	if !ok || raw == nil {
		return apq{}, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return apq{}, badInput("extensions.persistedQuery", "extensions.persistedQuery is not an object of version and sha256Hash")
	}
	hash, _ := m["sha256Hash"].(string)
	if hash == "" {
		return apq{}, badInput("extensions.persistedQuery.sha256Hash", "extensions.persistedQuery has no sha256Hash")
	}
	// JSON numbers reach here as json.Number (the transport decodes so) or
	// float64; either way version 1 prints as "1".
	if v := m["version"]; v == nil || !isOne(v) {
		return apq{}, badInput("extensions.persistedQuery.version", "only version 1 of extensions.persistedQuery is supported")
	}
	return apq{present: true, hash: hash}, nil
}

func isOne(v any) bool {
	switch n := v.(type) {
	case float64:
		return n == 1
	case interface{ String() string }:
		return n.String() == "1"
	}
	return false
}

// MutateOperationParameters resolves the request's document before gqlgen
// parses anything: by documentId, by Apollo's hash, or the text as sent,
// which trusted mode accepts only when it is a trusted document.
func (e *Extension) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	id := documentID(ctx)
	pq, gerr := readAPQ(p.Extensions)
	if gerr != nil {
		return gerr
	}
	trustedOnly := TrustedOnly(ctx, e.opts.Mode)
	if e.opts.Mode == Off && !trustedOnly {
		if id != "" || pq.present {
			return coded(apperr.PersistedQueryNotSupported, "PersistedQueryNotSupported")
		}
		return nil
	}

	var d *Document
	var err error
	switch {
	case id != "":
		if p.Query != "" {
			return badInput("documentId", "send either documentId or query, not both")
		}
		// The GraphQL-over-HTTP draft prefixes hashes ("sha256:…").
		if hash, ok := strings.CutPrefix(id, "sha256:"); ok {
			d, err = e.byHash(ctx, hash, trustedOnly)
		} else {
			d, err = e.store.Get(ctx, id, trustedOnly)
		}
		if err == nil && d == nil {
			return notFound()
		}
	case pq.present && p.Query == "":
		d, err = e.byHash(ctx, pq.hash, trustedOnly)
		if err == nil && d == nil {
			return notFound()
		}
	case p.Query != "" && !pq.present && !trustedOnly:
		return nil // plain text in automatic mode: an ordinary request
	case p.Query != "":
		hash := HashText(p.Query)
		if pq.present && pq.hash != hash {
			return badInput("extensions.persistedQuery.sha256Hash",
				"extensions.persistedQuery.sha256Hash is not the SHA-256 of the query: the document was not registered")
		}
		switch {
		case trustedOnly:
			d, err = e.store.GetTrustedText(ctx, hash)
			if err == nil && d == nil {
				return coded(apperr.TrustedDocumentRequired, "this server runs only registered operations: "+
					"send a registered document's id as documentId or extensions.persistedQuery.sha256Hash")
			}
		default:
			// Automatic persisted queries: registered once the document is
			// known to be valid (MutateOperationContext).
			if d, err = e.store.Get(ctx, hash, false); err == nil && d == nil {
				graphql.GetOperationContext(ctx).Stats.SetExtension(statsKey,
					&Document{ID: hash, SHA256: hash, Body: p.Query, pending: true})
				return nil
			}
		}
	default:
		return nil // no document at all: the executor reports it
	}
	if err != nil {
		// Logged with the request id by the error presenter; the client
		// sees an internal error, never the database's words.
		return &gqlerror.Error{Err: err, Message: err.Error()}
	}
	p.Query = d.Body
	graphql.GetOperationContext(ctx).Stats.SetExtension(statsKey, d)
	return nil
}

// byHash finds the document a client names by its text's SHA-256: the one
// registered under that id (Apollo's manifests and automatic persisted
// queries use the hash as id), else a trusted document with that text
// whatever its id (Relay's manifests name documents otherwise).
func (e *Extension) byHash(ctx context.Context, hash string, trustedOnly bool) (*Document, error) {
	d, err := e.store.Get(ctx, hash, trustedOnly)
	if d != nil || err != nil {
		return d, err
	}
	return e.store.GetTrustedText(ctx, hash)
}

// MutateOperationContext registers an automatically persisted document
// after it parsed and validated: only valid documents are stored.
func (e *Extension) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	d := Of(opCtx)
	if d == nil || !d.pending {
		return nil
	}
	d.Operation = string(operationOf(opCtx.Doc))
	if op := opCtx.Doc.Operations; len(op) > 0 {
		d.Name = op[0].Name
	}
	caller := "anonymous"
	if e.opts.Caller != nil {
		if c := e.opts.Caller(ctx); c != "" {
			caller = c
		}
	}
	switch err := e.store.register(ctx, d, caller, e.opts.Quota); {
	case errors.Is(err, ErrQuota):
		return &gqlerror.Error{Message: fmt.Sprintf("this caller registered %d new documents within %s, the most allowed: "+
			"retry later, or send the text without a hash", e.opts.Quota.N, e.opts.Quota.Window),
			Extensions: map[string]any{"code": apperr.PersistedQueryQuotaExceeded, "limit": e.opts.Quota.N}}
	case err != nil:
		return &gqlerror.Error{Err: err, Message: err.Error()}
	}
	// Registrations are rare and bounded by the quota: each sweeps away
	// the automatic documents unused for long, so no process has to.
	if _, err := e.store.Sweep(ctx, e.opts.Expiry); err != nil {
		return &gqlerror.Error{Err: err, Message: err.Error()}
	}
	return nil
}

func coded(code, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": code}}
}

func notFound() *gqlerror.Error {
	// Apollo's clients match this message and code to resend the text.
	return coded(apperr.PersistedQueryNotFound, "PersistedQueryNotFound")
}

func badInput(argument, message string) *gqlerror.Error {
	return &gqlerror.Error{Message: message,
		Extensions: map[string]any{"code": apperr.BadUserInput, "argument": argument}}
}

// QueryCache puts the documents of persisted operations in front of next,
// the executor's cache of parsed and validated text: a persisted
// operation's AST lives with its document, found through the request
// without hashing its text, and is not pushed out by the variety of text
// other clients send.
func QueryCache(next graphql.Cache[*ast.QueryDocument]) graphql.Cache[*ast.QueryDocument] {
	return queryCache{next: next}
}

type queryCache struct {
	next graphql.Cache[*ast.QueryDocument]
}

func (c queryCache) Get(ctx context.Context, query string) (*ast.QueryDocument, bool) {
	if d := usedIn(ctx); d != nil && d.Body == query {
		if doc := d.parsed.Load(); doc != nil {
			return doc, true
		}
		// Sent as text before it was registered: take that AST along.
		doc, ok := c.next.Get(ctx, query)
		if ok {
			d.parsed.Store(doc)
		}
		return doc, ok
	}
	return c.next.Get(ctx, query)
}

// Add is called with a document that parsed and validated.
func (c queryCache) Add(ctx context.Context, query string, doc *ast.QueryDocument) {
	if d := usedIn(ctx); d != nil && d.Body == query {
		d.parsed.Store(doc)
		return
	}
	c.next.Add(ctx, query, doc)
}
