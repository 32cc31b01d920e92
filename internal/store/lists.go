package store

import (
	"context"
	"reflect"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Page is a page of the rows of T's table (tables.go) that l asks for: the
// root list of every node type.
func Page[T any, PT rowPtr[T]](ctx context.Context, st *Store, a page.Args, l List, sel *Selection) (*page.Connection[PT], error) {
	return list[T, PT](ctx, st, tables[reflect.TypeFor[T]().Name()], a, l, sel)
}

// list reads one page of a whole table.
func list[T any, PT rowPtr[T]](ctx context.Context, st *Store, tbl *table, a page.Args, l List, sel *Selection) (*page.Connection[PT], error) {
	ord, err := orderingOf(ctx, st.rules, tbl, l)
	if err != nil {
		return nil, err
	}
	w, err := page.Parse(a, st.limits, ord.Order)
	if err != nil {
		return nil, err
	}
	res, total, err := rootPage[T, PT](ctx, st, ord, sel, w)
	if err != nil {
		return nil, err
	}
	return page.New(res, func() (int, error) {
		if total >= 0 {
			return total, nil
		}
		return count(ctx, st, ord)
	}), nil
}
