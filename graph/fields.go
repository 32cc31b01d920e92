package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// fieldsKey names one selection set of the operation's document and the
// type it is collected for: the address of its first selection and its
// length, and the address of the type's implementors (a package variable
// per type). Collected fields are never appended to in place, so two sets
// with the same key are the same set.
type fieldsKey struct {
	sel       *ast.Selection
	n         int
	satisfies *string
}

// fieldsCache is one operation's collected fields, by selection set and
// type; shared by the root fields' goroutines.
type fieldsCache struct {
	mu     sync.Mutex
	fields map[fieldsKey][]graphql.CollectedField
}

type fieldsCacheKey struct{}

// FieldsOncePerOperation is the executor extension that gives each
// operation its cache of collected fields (see collectFields).
type FieldsOncePerOperation struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = FieldsOncePerOperation{}

func (FieldsOncePerOperation) ExtensionName() string                   { return "FieldsOncePerOperation" }
func (FieldsOncePerOperation) Validate(graphql.ExecutableSchema) error { return nil }

func (FieldsOncePerOperation) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, fieldsCacheKey{}, &fieldsCache{fields: map[fieldsKey][]graphql.CollectedField{}}))
}

// collectFields is graphql.CollectFields computed once per selection set
// and type in an operation, instead of once per object: every element of
// a list has the same selection set. What it returns depends only on the
// document, the variables (@skip, @include, @defer) and the type, which an
// operation does not change; callers only read it.
func (ec *executionContext) collectFields(ctx context.Context, sel ast.SelectionSet, satisfies []string) []graphql.CollectedField {
	c, _ := ctx.Value(fieldsCacheKey{}).(*fieldsCache)
	if c == nil || len(sel) == 0 || len(satisfies) == 0 {
		return graphql.CollectFields(ec.OperationContext, sel, satisfies)
	}
	k := fieldsKey{&sel[0], len(sel), &satisfies[0]}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.fields[k]
	if !ok {
		f = graphql.CollectFields(ec.OperationContext, sel, satisfies)
		c.fields[k] = f
	}
	return f
}
