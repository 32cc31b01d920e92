// Package admission decides when a GraphQL operation may run. Queries and
// mutations are CPU work (the executor) and memory (the answer being
// built) more than they are waiting on the database, so running more at
// once than the machine has cores for only adds memory and latency:
// measured on 2 cores, 64 nested pages at once kept ~256 MB live, the
// collector ran without pause and throughput fell to a fifth of what 16
// got. Waiting in line instead keeps both bounded, and an operation that
// waits too long is told to come back (OVERLOADED, which the transports
// answer with 503 and Retry-After) rather than piling up.
//
// Subscriptions hold no execution slot while they wait for events; they
// are counted apart, against a bound of open subscriptions.
//
// The Gate is a gqlgen operation and response interceptor: a query or
// mutation takes its slot when its execution begins (after parsing,
// validation and the limits) and gives it back when execution ends, before
// the answer is written to the client.
package admission

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/sync/semaphore"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Config bounds what runs at once.
type Config struct {
	// MaxInFlight bounds the queries and mutations executing at once; more
	// wait in line, first come first served. Zero means 4 per CPU the Go
	// runtime may use.
	MaxInFlight int
	// QueueTimeout is the longest an operation waits for its turn before
	// it is refused with OVERLOADED. Zero means 10 seconds.
	QueueTimeout time.Duration
	// MaxSubscriptions bounds the subscriptions open at once; more are
	// refused with OVERLOADED. Zero means 1,000.
	MaxSubscriptions int
	// Admitted, when set, is called with an operation's context once it
	// holds its slot (or, for a subscription, is counted open): for
	// metrics, and for tests that must know an operation is running.
	Admitted func(ctx context.Context, op ast.Operation)
}

// Gate admits operations to execution.
type Gate struct {
	cfg           Config
	slots         *semaphore.Weighted
	waiting       atomic.Int64
	executing     atomic.Int64
	subscriptions atomic.Int64
}

var (
	_ graphql.HandlerExtension     = (*Gate)(nil)
	_ graphql.OperationInterceptor = (*Gate)(nil)
	_ graphql.ResponseInterceptor  = (*Gate)(nil)
)

// New returns a gate for cfg.
func New(cfg Config) *Gate {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueTimeout <= 0 {
		cfg.QueueTimeout = 10 * time.Second
	}
	if cfg.MaxSubscriptions <= 0 {
		cfg.MaxSubscriptions = 1000
	}
	return &Gate{cfg: cfg, slots: semaphore.NewWeighted(int64(cfg.MaxInFlight))}
}

func (*Gate) ExtensionName() string                   { return "Admission" }
func (*Gate) Validate(graphql.ExecutableSchema) error { return nil }

// ticket is an operation's claim on the gate, carried in its context from
// dispatch to execution; the executor calls its response handler with that
// context, and also presents errors outside any operation without it.
type ticket struct {
	op      ast.Operation
	refused *apperr.Error
	used    bool
}

type ticketKey struct{}

// InterceptOperation issues an operation its ticket. A subscription is
// counted open here, once, and closed when its stream ends; a query or
// mutation waits for its slot only when it executes (InterceptResponse).
func (g *Gate) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	t := &ticket{op: ast.Query}
	if oc.Operation != nil {
		t.op = oc.Operation.Operation
	}
	if t.op != ast.Subscription || ctx.Value(countedKey{}) != nil {
		return next(context.WithValue(ctx, ticketKey{}, t))
	}
	done, err := g.Subscriber(ctx)
	if err != nil {
		errors.As(err, &t.refused)
		// The executor starts a subscription's resolver at dispatch: it
		// finds its context already ended, and the refusal is the answer.
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return next(context.WithValue(ctx, ticketKey{}, t))
	}
	responses := next(context.WithValue(ctx, ticketKey{}, t))
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp == nil { // the stream has ended
			done()
		}
		return resp
	}
}

// InterceptResponse runs a query or mutation in its turn: it waits for a
// slot in arrival order, at most QueueTimeout, and frees the slot as soon
// as the operation's response is built, whatever happened in it.
func (g *Gate) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	t, _ := ctx.Value(ticketKey{}).(*ticket)
	if t == nil || t.used {
		return next(ctx) // an error outside execution, or a later event of a stream
	}
	if t.refused != nil {
		t.used = true
		return refuse(ctx, t.refused)
	}
	if t.op == ast.Subscription {
		return next(ctx)
	}
	t.used = true
	wctx, cancel := context.WithTimeout(ctx, g.cfg.QueueTimeout)
	g.waiting.Add(1)
	err := g.slots.Acquire(wctx, 1)
	g.waiting.Add(-1)
	cancel()
	if err != nil {
		return refuse(ctx, apperr.New(apperr.Overloaded, "the server is busy: the request waited %s for its turn; retry shortly",
			g.cfg.QueueTimeout))
	}
	g.executing.Add(1)
	defer func() {
		g.executing.Add(-1)
		g.slots.Release(1)
	}()
	if g.cfg.Admitted != nil {
		g.cfg.Admitted(ctx, t.op)
	}
	return next(ctx)
}

type countedKey struct{}

// CountedApart marks a subscription whose subscribers are counted one by
// one (Subscriber), so the operation itself is not: a resolution shared
// by the subscribers of one document, variables and rights (live).
func CountedApart(ctx context.Context) context.Context {
	return context.WithValue(ctx, countedKey{}, true)
}

// Subscriber counts one subscriber open, against MaxSubscriptions, until
// done is called; OVERLOADED when as many are open as allowed.
func (g *Gate) Subscriber(ctx context.Context) (done func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	if g.subscriptions.Add(1) > int64(g.cfg.MaxSubscriptions) {
		g.subscriptions.Add(-1)
		return nil, apperr.New(apperr.Overloaded, "the server holds as many open subscriptions as it allows (%d); retry shortly",
			g.cfg.MaxSubscriptions)
	}
	if g.cfg.Admitted != nil {
		g.cfg.Admitted(ctx, ast.Subscription)
	}
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			g.subscriptions.Add(-1)
		}
	}, nil
}

// Hold waits for an execution slot, in line with the queries and
// mutations, for as long as ctx lasts, and holds it until release: one
// resolution of a subscription's message, however many subscribers it is
// for, runs as one operation.
func (g *Gate) Hold(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	g.waiting.Add(1)
	err = g.slots.Acquire(ctx, 1)
	g.waiting.Add(-1)
	if err != nil {
		return nil, err
	}
	g.executing.Add(1)
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			g.executing.Add(-1)
			g.slots.Release(1)
		}
	}, nil
}

// refuse answers an operation that was not admitted, its error presented
// as every other error is.
func refuse(ctx context.Context, err *apperr.Error) *graphql.Response {
	graphql.AddError(ctx, err)
	return &graphql.Response{Errors: graphql.GetErrors(ctx)}
}

// Load is what the gate holds now: queries and mutations executing and
// waiting for their turn, and subscriptions open.
type Load struct{ Executing, Waiting, Subscriptions int }

// Load reports what the gate holds now, for metrics.
func (g *Gate) Load() Load {
	return Load{Executing: int(g.executing.Load()), Waiting: int(g.waiting.Load()),
		Subscriptions: int(g.subscriptions.Load())}
}
