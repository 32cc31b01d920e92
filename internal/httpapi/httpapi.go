// Package httpapi serves the API over HTTP: the GraphQL endpoint, health
// checks, the playground, and the middleware every request passes (request
// id, statement accounting, logging). It is handed an executor, composed
// by internal/service, and builds none of what the executor runs. At the
// endpoint, transports are asked in order: GraphQL over HTTP
// (transport.go) first, claiming every request but a websocket upgrade and
// a request for an event stream, which transports after it serve. A
// request flows httpapi → gqlgen executor → root resolver in graph/ →
// store → PostgreSQL.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/trace"

	"github.com/bizgraph/bizgraph/internal/admission"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// Executor runs GraphQL operations: gqlgen's executor with the extensions
// the server composes (internal/server). The HTTP layer only decodes
// requests into its parameters and encodes its responses.
type Executor interface {
	graphql.GraphExecutor
	// PresentRecoveredError turns a panic that escaped execution into the
	// masked error a client sees.
	PresentRecoveredError(ctx context.Context, p any) error
}

// Pinger answers whether the database is reachable, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the HTTP layer needs.
type Config struct {
	// Executor runs the operations; required.
	Executor Executor
	// DB is pinged by /readyz; required.
	DB  Pinger
	Log *slog.Logger
	// Transports serve GraphQL at the endpoint after GraphQL over HTTP, in
	// order: the first whose Supports claims a request serves it. GraphQL
	// over HTTP claims every request except a websocket upgrade and one
	// that asks for text/event-stream, which are left for these (the
	// graphql-ws and server-sent-events transports). They run without the
	// request deadline: they may stream for as long as the client stays.
	Transports []graphql.Transport
	// Playground serves GraphiQL at "/", for people exploring the graph by
	// hand; it needs introspection for its docs and autocompletion. Off
	// when unset; the command is meant to turn it on by default.
	Playground bool
	// MaxBodyBytes bounds a POST body; a larger one is refused with 413.
	// Zero means 1 MiB.
	MaxBodyBytes int64
	// MaxTokens bounds the documents the transport parses itself (to
	// refuse a mutation over GET), as the executor's parser does; MaxBatch
	// the operations of a batched POST (1 refuses every batch).
	MaxTokens, MaxBatch int
	// Persisted caches the GET answers of persisted queries; nil: none.
	Persisted *persisted.Extension
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
	// RequestTimeout is the deadline of each plain request/response
	// exchange (GraphQL over HTTP), carried into every statement it sends.
	// Zero means 30 seconds.
	RequestTimeout time.Duration
	// WriteTimeout is how long past RequestTimeout a client has to read a
	// plain answer (GraphQL over HTTP, not streams); then its connection
	// is closed. Zero means 10 seconds.
	WriteTimeout time.Duration
	// MaxResponseBytes bounds the data of one operation's answer; over it
	// the answer is RESPONSE_TOO_LARGE. Zero means 4 MiB.
	MaxResponseBytes int
	// Metrics receives the request's figures; nil means a registry of the
	// handler's own. The API's port does not serve them: they show every
	// caller's operations and errors, so the binary serves Metrics.Handler
	// on an address of the operators' choosing (METRICS_ADDR).
	Metrics *metrics.Metrics
	// Tracer records spans of requests; nil means no tracing, at no cost.
	Tracer trace.Tracer
	// Auth authenticates every request to the GraphQL endpoint; required.
	Auth *auth.Authenticator
	// Playground's role buttons (demo mode only): a development token per
	// role, so a newcomer can watch what each role sees.
	PlaygroundRoles []playground.RoleToken
	// Pools, when set, reports the primary and its read replicas, which
	// /readyz lists; nil: no replicas.
	Pools func() []replica.PoolStatus
	// Live, when set, serves subscriptions: over websockets
	// (graphql-transport-ws) and server-sent events, before Transports.
	// Its shutdown closes the websockets with 1001 (going away).
	Live *live.Feed
	// Gate counts each subscriber of a shared subscription open and holds
	// an execution slot for each of its resolutions (the executor's own
	// extension); nil: neither.
	Gate *admission.Gate
	// RightsKey keys what decides what a caller sees (policy.RightsKey):
	// subscribers with the same document, variables and key share one
	// resolution per event. nil: each subscriber is resolved alone.
	RightsKey func(context.Context) string
	// StreamPing is how often a websocket is pinged and an event stream
	// sent a keep-alive comment; zero means 15 seconds.
	StreamPing time.Duration
	// StreamInitTimeout is how long a websocket may wait before its
	// connection_init; zero means 5 seconds.
	StreamInitTimeout time.Duration
}

type api struct {
	db             Pinger
	pools          func() []replica.PoolStatus
	log            *slog.Logger
	metrics        *metrics.Metrics
	tracer         trace.Tracer
	requestTimeout time.Duration
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
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Auth == nil {
		panic("httpapi: Config.Auth is required: every request is authenticated")
	}
	if cfg.Executor == nil || cfg.DB == nil {
		panic("httpapi: Config.Executor and Config.DB are required")
	}
	h := &api{db: cfg.DB, pools: cfg.Pools, log: cfg.Log, metrics: cfg.Metrics, tracer: cfg.Tracer, requestTimeout: cfg.RequestTimeout}
	plain := graphQLOverHTTP{maxBodyBytes: cfg.MaxBodyBytes, persisted: cfg.Persisted,
		maxResponseBytes: cfg.MaxResponseBytes, writeTimeout: cfg.WriteTimeout,
		maxTokens: cfg.MaxTokens, maxBatch: cfg.MaxBatch, csrfPrevention: !cfg.DisableCSRFPrevention}
	transports := []graphql.Transport{plain}
	if cfg.Live != nil {
		if cfg.StreamPing <= 0 {
			cfg.StreamPing = 15 * time.Second
		}
		if cfg.StreamInitTimeout <= 0 {
			cfg.StreamInitTimeout = 5 * time.Second
		}
		maxMessage := cfg.MaxBodyBytes
		if maxMessage <= 0 {
			maxMessage = defaultMaxBodyBytes
		}
		share := sharing{feed: cfg.Live, gate: cfg.Gate, plain: plain, rights: cfg.RightsKey}
		transports = append(transports,
			graphQLWS{auth: cfg.Auth, feed: cfg.Live, origins: cfg.CORSOrigins, initTimeout: cfg.StreamInitTimeout,
				pingInterval: cfg.StreamPing, maxMessageBytes: maxMessage, plain: plain, share: share, log: cfg.Log},
			eventStream{auth: cfg.Auth, plain: plain, keepAlive: cfg.StreamPing, share: share, log: cfg.Log})
	}
	ep := &graphQLEndpoint{api: h, exec: cfg.Executor, auth: cfg.Auth,
		transports: append(transports, cfg.Transports...)}

	mux := http.NewServeMux()
	// Every method: the transport refuses the ones GraphQL over HTTP does
	// not allow with a GraphQL error body, not the mux's plain text.
	mux.Handle(endpoint, withCORS(ep, cfg.CORSOrigins))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
	if cfg.Playground {
		pg := playground.Handler(endpoint, cfg.PlaygroundRoles...)
		mux.Handle("GET /{$}", pg)
		mux.Handle("GET "+playground.AssetPath, pg)
	}
	return h.middleware(mux)
}

// DefaultMaxResponseBytes bounds an answer's data when the configuration
// does not: a page of 100 rows with their nested lists is well under it.
const DefaultMaxResponseBytes = 4 << 20

// endpoint is where the GraphQL API is served.
const endpoint = "/graphql"

// ready reports whether the database answers, and with read replicas
// where reads go: the primary decides readiness (reads fall back to it),
// each replica says whether it is in use, its lag and how far it has
// replayed, or why it is out. Replicas are named, not located: the API's
// port is no place for the operators' hosts (the log maps names to hosts).
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
	var b strings.Builder
	b.WriteString("ready\n")
	if h.pools != nil {
		for _, p := range h.pools() {
			switch {
			case p.Primary:
				fmt.Fprintf(&b, "%s: in use (writes; reads no replica takes), %d reads\n", p.Name, p.Reads)
			case p.InUse:
				fmt.Fprintf(&b, "%s: in use, lag %s, replayed %s, %d reads\n", p.Name, p.Lag.Round(time.Millisecond), p.Replay, p.Reads)
			default:
				fmt.Fprintf(&b, "%s: out, %s, %d reads\n", p.Name, p.Reason, p.Reads)
			}
		}
	}
	_, _ = w.Write([]byte(b.String()))
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

// middleware gives each request an id, counts the statements it sends,
// and logs and measures it when it is answered (observe.go). The deadline
// is the transport's to set: only a plain request/response exchange has
// one, a stream lasts as long as its client stays.
func (h *api) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		ctx := r.Context()
		if saneRequestID(id) {
			ctx = requestid.WithClaimed(ctx) // the audit marks it as the client's
		} else {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		rec := &record{id: id}
		ctx = context.WithValue(ctx, recordKey{}, rec)
		ctx = requestid.With(ctx, id)
		ctx = database.WithStatementCounter(ctx, &rec.statements)
		ctx, span := h.startSpan(ctx, r, id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		h.finish(ctx, r, rec, span, sw, time.Since(start))
	})
}
