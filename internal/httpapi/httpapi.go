// Package httpapi serves the API over HTTP: the GraphQL endpoint, health
// checks, and the middleware every request passes (request id, statement
// accounting, logging). A request flows httpapi → gqlgen executor → root
// resolver in graph/ → store → PostgreSQL.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Config is what the HTTP layer needs.
type Config struct {
	DB    *database.DB
	Store *store.Store
	Log   *slog.Logger
	// Introspection allows schema introspection (the playground's docs).
	Introspection bool
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

	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &graph.Resolver{Store: cfg.Store}}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	// Parsed and validated documents are reused across requests.
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(h.presentError)
	srv.SetRecoverFunc(h.recoverPanic)

	mux := http.NewServeMux()
	mux.Handle("/graphql", h.middleware(srv))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", h.ready)
	return mux
}

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
