package limits_test

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/page"
)

// operation is q as the executor hands it to the extension: parsed,
// validated, variables coerced.
func operation(t *testing.T, q string) *graphql.OperationContext {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, q)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], RawQuery: q}
}

// The extension keeps each operation's measures for logs and metrics, and
// the operations of a batch share one cost budget: each is measured in
// turn, and the one that takes the total over the limit is refused.
func TestExtension_MeasuresAndBatchBudget(t *testing.T) {
	ext := limits.NewExtension(limits.Config{Cost: 150}, page.DefaultLimits)
	if err := ext.Validate(graph.NewExecutableSchema(graph.Config{})); err != nil {
		t.Fatal(err)
	}
	ctx := limits.WithBatchBudget(context.Background())
	const q = `{ customers(first: 59) { nodes { name } } }` // 60 objects
	for i, want := range []string{"", "", apperr.QueryTooComplex} {
		rc := operation(t, q)
		err := ext.MutateOperationContext(ctx, rc)
		if got := codeOf(err); got != want {
			t.Fatalf("operation %d of the batch: %v, want code %q", i+1, err, want)
		}
		if m := limits.Of(graphql.WithOperationContext(ctx, rc)); m == nil || m.Cost != 60 {
			t.Fatalf("operation %d: measures %+v, want cost 60", i+1, m)
		}
	}
	// Alone, the same operation is well within the limit.
	if err := ext.MutateOperationContext(context.Background(), operation(t, q)); err != nil {
		t.Fatalf("alone: %v", err)
	}
	if limits.Of(context.Background()) != nil {
		t.Fatal("measures outside an operation")
	}
}

func codeOf(err *gqlerror.Error) string {
	if err == nil {
		return ""
	}
	code, _ := err.Extensions["code"].(string)
	return code
}
