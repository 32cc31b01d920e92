package limits

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/page"
)

// Extension enforces Config on every operation, as a gqlgen handler
// extension: it runs after the document is parsed and validated and the
// variables coerced (a page size may be a variable), before the executor
// calls the first resolver. Add it with handler.Server.Use; set the
// parser's token bound with SetParserTokenLimit(Config.Tokens).
type Extension struct {
	limits Config
	pages  page.Limits
	schema *ast.Schema
}

// NewExtension enforces c, with costs computed at the page sizes pages.
func NewExtension(c Config, pages page.Limits) *Extension {
	if pages.Default <= 0 {
		pages = page.DefaultLimits
	}
	return &Extension{limits: c.WithDefaults(), pages: pages}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*Extension)(nil)

// ExtensionName names the extension in gqlgen's stats.
func (*Extension) ExtensionName() string { return "Limits" }

// Validate keeps the schema, whose types tell objects from scalars.
func (e *Extension) Validate(es graphql.ExecutableSchema) error {
	if es.Schema() == nil {
		return errors.New("limits: the executable schema has no schema")
	}
	e.schema = es.Schema()
	return nil
}

// MutateOperationParameters refuses a document longer than
// Config.DocumentBytes before it is parsed: the token bound does not count
// comments or whitespace, and a parsed document is cached and an automatic
// persisted query stored. Use it after the persisted-query extension, which
// fills in the text of a document sent by id.
func (e *Extension) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if n := len(p.Query); n > e.limits.DocumentBytes {
		return refusal(apperr.QueryTooLarge, int64(e.limits.DocumentBytes), int64(n),
			"the document is %d bytes long, more than the limit of %d (comments and whitespace count)",
			n, e.limits.DocumentBytes)
	}
	return nil
}

// MutateOperationContext measures the operation and refuses it when it is
// over a bound, naming the first bound it is over in this order: depth,
// root fields, aliases, directives, filter hops, cost. The measures are kept in the
// operation's stats (Of) for logs and metrics.
func (e *Extension) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	m := Measure(e.schema, rc.Doc, rc.Operation, rc.Variables, e.pages)
	rc.Stats.SetExtension(statsKey, &m)
	l := e.limits
	for _, c := range []struct {
		code         string
		limit, found int64
		what         string
	}{
		{apperr.QueryTooDeep, int64(l.Depth), int64(m.Depth), "nests fields %d deep"},
		{apperr.TooManyRootFields, int64(l.RootFields), m.RootFields, "selects %d root fields"},
		{apperr.TooManyAliases, int64(l.Aliases), m.Aliases, "uses %d aliases"},
		{apperr.TooManyDirectives, int64(l.Directives), m.Directives, "uses %d directives"},
		{apperr.TooManyFilterHops, int64(l.FilterHops), m.FilterHops, "follows %d relations in its filters"},
	} {
		if c.found > c.limit {
			return refusal(c.code, c.limit, c.found, "the operation "+c.what+", more than the limit of %d", c.found, c.limit)
		}
	}
	if m.Cost > int64(l.Cost) {
		return refusal(apperr.QueryTooComplex, int64(l.Cost), m.Cost,
			"the operation may return %d objects, more than the limit of %d: each list counts as many items "+
				"as its first or last asks for (%d without them) times what is selected inside it; "+
				"ask for smaller pages", m.Cost, l.Cost, e.pages.Default)
	}
	if b := budgetOf(ctx); b != nil {
		total := add(b.spent, m.Cost)
		if total > int64(l.Cost) {
			return refusal(apperr.QueryTooComplex, int64(l.Cost), total,
				"this batch's operations up to this one may return %d objects, more than the limit of %d "+
					"for one request: send them in separate requests", total, l.Cost)
		}
		b.spent = total
	}
	return nil
}

const statsKey = "Limits"

// Of returns the measures of the operation running in ctx, or nil before
// the extension has measured it.
func Of(ctx context.Context) *Measures {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	m, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(statsKey).(*Measures)
	return m
}

// budget is the cost the operations of one batched request share, so that a
// batch cannot return more than one operation may. The operations of a
// batch are measured one after another, never at once.
type budget struct{ spent int64 }

type budgetKey struct{}

// WithBatchBudget returns a context in which every operation measured adds
// its cost to one shared total, refused once the total is over the cost
// limit. The transport uses it for the operations of a batched request.
func WithBatchBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, budgetKey{}, &budget{})
}

func budgetOf(ctx context.Context) *budget {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	return b
}
