// Package httpapi serves the API over HTTP: the GraphQL endpoint (by the
// GraphQL-over-HTTP specification, transport.go), health checks, the
// playground, and the middleware every request passes (request id,
// statement accounting, logging). A request flows httpapi → gqlgen executor
// → root resolver in graph/ → store → PostgreSQL.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/semaphore"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/tracing"
)

// Config is what the HTTP layer needs.
type Config struct {
	DB    *database.DB
	Store *store.Store
	Log   *slog.Logger
	// Introspection allows schema introspection (the playground's docs).
	Introspection bool
	// Playground serves GraphiQL at "/", for people exploring the graph by
	// hand; it needs Introspection for its docs and autocompletion. Off
	// when unset; the command is meant to turn it on by default.
	Playground bool
	// MaxBodyBytes bounds a POST body; a larger one is refused with 413.
	// Zero means 1 MiB.
	MaxBodyBytes int64
	// MaxInFlight bounds the GraphQL operations executing at once; more
	// wait in line. Zero means 4 per CPU the Go runtime may use.
	MaxInFlight int
	// QueueTimeout is the longest a request waits for its turn before it
	// is refused with 503 and OVERLOADED. Zero means 10 seconds.
	QueueTimeout time.Duration
	// PersistedQueries says which operations run and how persisted ones
	// are cached (internal/persisted); the zero value is automatic mode.
	PersistedQueries persisted.Options
	// Limits bound every operation (internal/limits) and the operations of
	// a batch; a zero field means its default.
	Limits limits.Config
	// FieldSuggestions keeps the "Did you mean …?" of validation errors,
	// which name fields, arguments, types and enum values near a
	// misspelled one: a help when exploring, a map of the schema for
	// anyone guessing. Off when unset; the command turns it on in demo mode.
	FieldSuggestions bool
	// CORSOrigins are the origins whose pages may call the API from a
	// browser (CORS); "*" allows any, and one * in an origin stands for any
	// characters (https://*.example.com). Empty: no CORS headers are sent,
	// so browsers allow only pages of the API's own origin.
	CORSOrigins []string
	// DisableCSRFPrevention accepts GET requests a browser could send
	// from any site without asking the CORS policy first (no preflight);
	// by default such a request must carry a Content-Type other than a
	// form's, or an Apollo-Require-Preflight or X-Apollo-Operation-Name
	// header.
	DisableCSRFPrevention bool
	// RequestTimeout is each request's deadline, carried into every
	// statement it sends. Zero means 30 seconds.
	RequestTimeout time.Duration
	// Metrics receives the request's figures and is served at /metrics;
	// nil means a registry of the handler's own.
	Metrics *metrics.Metrics
	// Tracer records spans of requests and resolvers; nil means no
	// tracing, at no cost.
	Tracer trace.Tracer
	// Auth authenticates every request to the GraphQL endpoint; required.
	Auth *auth.Authenticator
	// Policy enforces the schema's @sensitive and @hasRole; nil: the rules
	// without an audit log.
	Policy *policy.Policy
	// Playground's role buttons (demo mode only): a development token per
	// role, so a newcomer can watch what each role sees.
	PlaygroundRoles []playground.RoleToken
}

type api struct {
	db             *database.DB
	log            *slog.Logger
	metrics        *metrics.Metrics
	tracer         trace.Tracer
	requestTimeout time.Duration
	suggestions    bool
}

// New returns the API's HTTP handler.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	h := &api{db: cfg.DB, log: cfg.Log, metrics: cfg.Metrics, tracer: cfg.Tracer, requestTimeout: cfg.RequestTimeout,
		suggestions: cfg.FieldSuggestions}
	cfg.Metrics.WatchDB(cfg.DB.SQL())
	cfg.Store.ObserveBatches(cfg.Metrics.ObserveBatch)
	if cfg.Auth == nil {
		panic("httpapi: Config.Auth is required: every request is authenticated")
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.New(nil)
	}

	srv := handler.New(graph.NewExecutableSchema(graph.Config{
		Resolvers:  &graph.Resolver{Store: cfg.Store, Analytics: analytics.New(cfg.DB)},
		Directives: graph.Directives(cfg.Policy)}))
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = 10 * time.Second
	}
	lim := cfg.Limits.WithDefaults()
	pq := persisted.New(persisted.NewStore(cfg.DB), cfg.PersistedQueries)
	srv.AddTransport(graphQLOverHTTP{maxBodyBytes: cfg.MaxBodyBytes,
		admit: semaphore.NewWeighted(int64(cfg.MaxInFlight)), queueTimeout: cfg.QueueTimeout, persisted: pq,
		maxTokens: lim.Tokens, maxBatch: lim.Batch, csrfPrevention: !cfg.DisableCSRFPrevention,
		presentPanic: func(ctx context.Context, p any) *gqlerror.Error { return h.presentError(ctx, h.recoverPanic(ctx, p)) }})
	srv.Use(pq)
	// Parsed and validated documents are reused across requests (a
	// persisted document's stay with it); the parser reads no document
	// past the token limit.
	srv.SetQueryCache(persisted.QueryCache(lru.New[*ast.QueryDocument](1000)))
	srv.SetParserTokenLimit(lim.Tokens)
	srv.Use(limits.NewExtension(lim, cfg.Store.PageLimits()))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(h.presentError)
	srv.SetRecoverFunc(h.recoverPanic)
	srv.Use(operationNamer{})
	if cfg.Tracer != nil {
		srv.Use(tracing.Resolvers{Tracer: cfg.Tracer})
	}

	mux := http.NewServeMux()
	// Every method: the transport refuses the ones GraphQL over HTTP does
	// not allow with a GraphQL error body, not the mux's plain text.
	mux.Handle(endpoint, withCORS(h.authenticate(cfg.Auth, srv), cfg.CORSOrigins))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
	mux.Handle("GET /metrics", cfg.Metrics.Handler())
	if cfg.Playground {
		pg := playground.Handler(endpoint, cfg.PlaygroundRoles...)
		mux.Handle("GET /{$}", pg)
		mux.Handle("GET "+playground.AssetPath, pg)
	}
	return h.middleware(mux)
}

// endpoint is where the GraphQL API is served.
const endpoint = "/graphql"

// ready reports whether the database answers.
func (h *api) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.db.Ping(ctx); err != nil {
		h.log.WarnContext(ctx, "not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// saneRequestID reports whether a client's X-Request-Id can be kept: 1 to
// 64 letters, digits and - _ . : (UUIDs, hex, ULIDs, "web:42"). It is
// echoed in a header, written to logs and quoted in error messages, so
// anything else (spaces, quotes, control characters, markup) is replaced
// by a fresh id rather than trimmed into a different one.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func requestID(ctx context.Context) string {
	if r := recordOf(ctx); r != nil {
		return r.id
	}
	return ""
}

// middleware gives each request an id and its deadline, counts the
// statements it sends, and logs and measures it when it is answered
// (observe.go).
func (h *api) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		rec := &record{id: id}
		ctx := context.WithValue(r.Context(), recordKey{}, rec)
		ctx = database.WithStatementCounter(ctx, &rec.statements)
		// Every statement runs under this context: when the deadline
		// passes or the client goes away, PostgreSQL is told to stop.
		ctx, cancel := context.WithTimeout(ctx, h.requestTimeout)
		defer cancel()
		ctx, span := h.startSpan(ctx, r, id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		h.finish(ctx, r, rec, span, sw.status, time.Since(start))
	})
}
