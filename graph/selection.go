package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/store"
)

// selection turns what the operation selects below the current root field
// into the store's Selection tree, so every statement reads only the
// columns its level needs. Fragments, aliases and @skip/@include are
// resolved by gqlgen's CollectFields; a connection's rows are what its
// `nodes` and `edges { node }` select, merged.
func selection(ctx context.Context) *store.Selection {
	fc := graphql.GetFieldContext(ctx)
	return collect(graphql.GetOperationContext(ctx), fc.Field.Selections, fc.Field.Definition.Type.Name())
}

func collect(op *graphql.OperationContext, set ast.SelectionSet, typeName string) *store.Selection {
	sel := &store.Selection{}
	if nodeType, ok := strings.CutSuffix(typeName, "Connection"); ok {
		for _, f := range graphql.CollectFields(op, set, []string{typeName}) {
			switch f.Name {
			case "totalCount":
				sel.Counted = true
			case "nodes":
				sel.Merge(collect(op, f.Selections, nodeType))
			case "edges":
				for _, e := range graphql.CollectFields(op, f.Selections, []string{nodeType + "Edge"}) {
					if e.Name == "node" {
						sel.Merge(collect(op, e.Selections, nodeType))
					}
				}
			}
		}
		return sel
	}
	for _, f := range graphql.CollectFields(op, set, []string{typeName, "Node"}) {
		sel.Fields = append(sel.Fields, f.Name)
		if len(f.Selections) > 0 {
			sel.Merge(&store.Selection{Children: map[string]*store.Selection{
				f.Name: collect(op, f.Selections, f.Definition.Type.Name()),
			}})
		}
	}
	return sel
}
