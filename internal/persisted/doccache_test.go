package persisted

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

// Documents padded with comments (each within the document limit) cannot
// grow the cache past its budget in bytes; the most recent stay.
func TestDocumentCache_RetainedBytesStayWithinBudget(t *testing.T) {
	const budget = 1 << 20
	c := NewDocumentCache(budget)
	ctx := context.Background()
	pad := strings.Repeat("#", 30_000) + "\n"
	var last string
	for i := range 1000 {
		last = fmt.Sprintf("{ __typename } %s# %d", pad, i)
		c.Add(ctx, last, &ast.QueryDocument{})
		if c.Bytes() > budget {
			t.Fatalf("after %d documents the cache keeps %d bytes, budget %d", i+1, c.Bytes(), budget)
		}
	}
	if _, ok := c.Get(ctx, last); !ok {
		t.Fatal("the last document added is not kept")
	}
	if c.Bytes() < budget/2 {
		t.Fatalf("the cache keeps only %d bytes of a %d budget", c.Bytes(), budget)
	}
	c.Add(ctx, strings.Repeat(" ", budget+1), &ast.QueryDocument{})
	if _, ok := c.Get(ctx, last); !ok {
		t.Fatal("a document over the whole budget emptied the cache")
	}
}
