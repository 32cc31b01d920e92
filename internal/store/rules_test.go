package store

import (
	"context"
	"os"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// schemaRules are the rules the store's own tests run with, read from the
// schema rather than written down a second time: a column is sensitive
// when a field of schema.graphqls is @sensitive(column: ...) by it, and
// only admins may read a sensitive column on every row. Every row is
// visible.
type schemaRules map[string]bool

// testSchema is schema.graphqls, parsed.
var testSchema = func() *ast.Schema {
	src, err := os.ReadFile("../../schema.graphqls")
	if err != nil {
		panic(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		panic(gerr)
	}
	return schema
}()

var testRules = func() schemaRules {
	r := schemaRules{}
	for _, def := range testSchema.Types {
		for _, f := range def.Fields {
			if d := f.Directives.ForName("sensitive"); d != nil {
				r[d.Arguments.ForName("column").Value.Raw] = true
			}
		}
	}
	return r
}()

func (r schemaRules) Sensitive(table, column string) bool { return r[table+"."+column] }

func (r schemaRules) CanReadColumn(ctx context.Context, table, column string) bool {
	return !r.Sensitive(table, column) || auth.From(ctx).HasAny(auth.Admin)
}

func (schemaRules) RowScope(context.Context, string) (string, []any) { return "", nil }

// filterable reports whether a caller who may read every column could
// filter tbl by field name: what the schema's XFilter must offer.
func filterable(tbl *table, name string) bool {
	ff := tbl.filters[name]
	return ff.col == "" || !testRules.Sensitive(tbl.name, ff.col) || tbl.acrossRows[ff.col]
}
