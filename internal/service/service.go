// Package service composes the API from its parts: the store over the
// database, the policy, the analytics, the executable schema of graph/, the
// executor with its extensions (persisted queries, limits, admission,
// introspection, tracing, error presentation), and the HTTP handler that
// serves it (internal/httpapi, which builds none of these). The serve
// command and the tests (internal/httpapi/httpapitest) compose it here
// alike, so what the tests speak to is what the binary serves.
package service

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/admission"
	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/mutation"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/playground"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/replica"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/tracing"
	"github.com/bizgraph/bizgraph/internal/webhook"
	"github.com/bizgraph/bizgraph/internal/write"
)

// Config is everything the API is composed from.
type Config struct {
	DB *database.DB
	// Store reads the graph; nil: a store over DB with PageLimits.
	Store *store.Store
	// PageLimits are the page sizes of lists (the store's, when it is made
	// here).
	PageLimits page.Limits
	Log        *slog.Logger
	// Introspection allows schema introspection (the playground's docs).
	Introspection bool
	// MaxInFlight bounds the queries and mutations executing at once; more
	// wait in line. Zero means 4 per CPU the Go runtime may use.
	MaxInFlight int
	// QueueTimeout is the longest an operation waits for its turn before
	// it is refused with 503 and OVERLOADED. Zero means 10 seconds.
	QueueTimeout time.Duration
	// Admitted is told of each operation that holds its execution slot
	// (admission.Config.Admitted); nil: no one.
	Admitted func(ctx context.Context, op ast.Operation)
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
	// Policy enforces the schema's @sensitive and @hasRole; nil: the rules
	// without an audit log.
	Policy *policy.Policy
	// Tracer records spans of requests, resolvers and statements; nil
	// means no tracing, at no cost.
	Tracer trace.Tracer
	// IdempotencyKeyTTL is how long the answer of a mutation sent with an
	// Idempotency-Key is kept for its retries; zero means 24 hours.
	IdempotencyKeyTTL time.Duration
	// Metrics receives the figures and serves them at /metrics; nil means
	// a registry of the handler's own.
	Metrics *metrics.Metrics
	// Replicas, when set, are DB's read replicas: query operations read
	// from them (internal/replica), and mutations answer with their write
	// position. Nil: everything reads from DB.
	Replicas *replica.Set

	// What the HTTP layer is given as it is; each means what the
	// httpapi.Config field of the same name says.
	Auth                  *auth.Authenticator
	Playground            bool
	PlaygroundRoles       []playground.RoleToken
	MaxBodyBytes          int64
	CORSOrigins           []string
	DisableCSRFPrevention bool
	RequestTimeout        time.Duration
	WriteTimeout          time.Duration
	MaxResponseBytes      int
	Transports            []graphql.Transport

	// Live feeds subscriptions (graphql-ws and SSE); nil: none are served.
	// The caller runs it and shuts it down before the HTTP server.
	Live *live.Feed
	// MaxSubscriptions bounds the subscriptions open at once
	// (admission); zero means 1,000.
	MaxSubscriptions int
	// Webhooks manages webhook endpoints; nil: a service over DB with
	// the default settings, which manages them without delivering (the
	// caller starts delivering).
	Webhooks *webhook.Service
}

// New returns the API's HTTP handler, composed from cfg.
func New(cfg Config) http.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.Policy == nil {
		cfg.Policy = policy.New(nil)
	}
	if cfg.Store == nil {
		// The store's uses of sensitive columns go to the policy's audit
		// log, with the operation they came in, as the fields' reads do.
		rules := cfg.Policy.StoreRules()
		rules.Operation = graph.OperationName
		cfg.Store = store.New(cfg.DB, cfg.PageLimits, rules)
	}
	cfg.Metrics.WatchDB(cfg.DB.SQL())
	if cfg.Replicas != nil {
		for name, db := range cfg.Replicas.Pools() {
			cfg.Metrics.WatchDBNamed(db.SQL(), "bizgraph-"+name)
		}
		cfg.Metrics.WatchPools(func() []metrics.Pool { return poolMetrics(cfg.Replicas.Status()) })
	}
	cfg.Store.ObserveBatches(cfg.Metrics.ObserveBatch)
	lim := cfg.Limits.WithDefaults()
	if cfg.PersistedQueries.Caller == nil {
		// Automatic registrations count against the caller's subject.
		cfg.PersistedQueries.Caller = func(ctx context.Context) string {
			if id := auth.From(ctx); id != nil {
				return id.Subject
			}
			return ""
		}
	}
	if cfg.Webhooks == nil {
		cfg.Webhooks = webhook.New(cfg.DB, cfg.Policy.Rules, webhook.Config{Log: cfg.Log})
	}
	pq := persisted.New(persisted.NewStore(cfg.DB), cfg.PersistedQueries)
	exec, gate := newExecutor(cfg, lim, pq)
	return httpapi.New(httpapi.Config{Executor: exec, DB: cfg.DB, Log: cfg.Log, Transports: cfg.Transports,
		Playground: cfg.Playground, MaxBodyBytes: cfg.MaxBodyBytes, MaxTokens: lim.Tokens, MaxBatch: lim.Batch,
		Persisted: pq, CORSOrigins: cfg.CORSOrigins, DisableCSRFPrevention: cfg.DisableCSRFPrevention,
		RequestTimeout: cfg.RequestTimeout, WriteTimeout: cfg.WriteTimeout, MaxResponseBytes: cfg.MaxResponseBytes,
		Metrics: cfg.Metrics, Tracer: cfg.Tracer, Auth: cfg.Auth,
		PlaygroundRoles: cfg.PlaygroundRoles, Pools: pools(cfg.Replicas), Live: cfg.Live, Gate: gate, RightsKey: policy.RightsKey})
}

// pools is what /readyz says of the replicas; nil without them.
func pools(s *replica.Set) func() []replica.PoolStatus {
	if s == nil {
		return nil
	}
	return s.Status
}

func poolMetrics(st []replica.PoolStatus) []metrics.Pool {
	out := make([]metrics.Pool, len(st))
	for i, p := range st {
		lag := p.Lag.Seconds()
		if !p.LagKnown {
			lag = math.NaN()
		}
		out[i] = metrics.Pool{Name: p.Name, Replica: !p.Primary, InUse: p.InUse, Lag: lag,
			Replayed: float64(p.Replay), Reads: p.Reads, RecoveryConflicts: p.RecoveryConflicts}
	}
	return out
}

// documentCacheBytes bounds the text of the documents whose parsed form is
// kept across requests: 32 MiB holds a thousand documents at the size of
// the shipped ones many times over, and no document longer than
// MAX_DOCUMENT_BYTES reaches it.
const documentCacheBytes = 32 << 20

// newExecutor is the GraphQL executor every transport runs operations
// with: the schema over the store, analytics and policy, and the
// extensions in the order an operation meets them; and its admission
// gate, which the subscription transports ask too.
func newExecutor(cfg Config, lim limits.Config, pq *persisted.Extension) (*executor.Executor, *admission.Gate) {
	exec := executor.New(graph.NewExecutableSchema(graph.Config{
		Resolvers: &graph.Resolver{Store: cfg.Store, Analytics: analytics.New(cfg.DB, cfg.Policy.Rules),
			Writer: write.New(cfg.DB, cfg.Policy.Rules), Live: cfg.Live, Webhooks: cfg.Webhooks},
		Directives: graph.Directives(cfg.Policy)}))
	// Operations wait for their turn only once parsed, validated and
	// within the limits, and only while they execute.
	gate := admission.New(admission.Config{MaxInFlight: cfg.MaxInFlight, QueueTimeout: cfg.QueueTimeout,
		MaxSubscriptions: cfg.MaxSubscriptions, Admitted: cfg.Admitted})
	cfg.Metrics.WatchAdmission(func() (int, int, int) {
		l := gate.Load()
		return l.Executing, l.Waiting, l.Subscriptions
	})
	exec.Use(gate)
	if cfg.Replicas != nil {
		// A query reads from the replica chosen for its request; a
		// mutation's position is read once its transaction (next) has
		// committed.
		exec.Use(cfg.Replicas)
	}
	// A mutation runs in one transaction, taken once it holds its slot
	// (inside the gate), with its idempotency key.
	exec.Use(mutation.New(cfg.DB, cfg.IdempotencyKeyTTL))
	exec.Use(pq)
	// Parsed and validated documents are reused across requests (a
	// persisted document's stay with it); the parser reads no document
	// past the token limit.
	exec.SetQueryCache(persisted.QueryCache(persisted.NewDocumentCache(documentCacheBytes)))
	exec.SetParserTokenLimit(lim.Tokens)
	exec.Use(limits.NewExtension(lim, cfg.Store.PageLimits()))
	exec.Use(graph.FieldsOncePerOperation{})
	if cfg.Introspection {
		exec.Use(extension.Introspection{})
	}
	p := httpapi.NewPresenter(cfg.Log, cfg.Metrics, cfg.FieldSuggestions)
	exec.SetErrorPresenter(p.Present)
	exec.SetRecoverFunc(p.Recover)
	if cfg.Tracer != nil {
		exec.Use(tracing.Resolvers{Tracer: cfg.Tracer})
	}
	return exec, gate
}
