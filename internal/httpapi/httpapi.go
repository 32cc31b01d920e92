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
	"golang.org/x/sync/semaphore"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/store"
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
}

type api struct {
	db  *database.DB
	log *slog.Logger
}

// New returns the API's HTTP handler.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	h := &api{db: cfg.DB, log: cfg.Log}

	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{Store: cfg.Store,
		Analytics: analytics.New(cfg.DB)}}))
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = 10 * time.Second
	}
	srv.AddTransport(graphQLOverHTTP{maxBodyBytes: cfg.MaxBodyBytes,
		admit: semaphore.NewWeighted(int64(cfg.MaxInFlight)), queueTimeout: cfg.QueueTimeout})
	// Parsed and validated documents are reused across requests.
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(h.presentError)
	srv.SetRecoverFunc(h.recoverPanic)

	mux := http.NewServeMux()
	// Every method: the transport refuses the ones GraphQL over HTTP does
	// not allow with a GraphQL error body, not the mux's plain text.
	mux.Handle(endpoint, srv)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
	if cfg.Playground {
		pg := playground.Handler(endpoint)
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

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// middleware gives each request an id and counts the statements it sends.
func (h *api) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		var stmts database.StatementCounter
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = database.WithStatementCounter(ctx, &stmts)
		next.ServeHTTP(w, r.WithContext(ctx))
		h.log.DebugContext(ctx, "request", "request_id", id, "method", r.Method,
			"duration", time.Since(start), "statements", stmts.Count())
	})
}
