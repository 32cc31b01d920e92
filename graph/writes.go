package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The mutations are thin: internal/write writes and answers the keys of
// the rows written, and the payload reads them back here through the
// store, with what the payload's field selects, inside the write's
// transaction (the context is bound to it), as a query would read them.

// readBack is the rows of type typ with keys, read with the selection of
// the payload's field; nil, with the errors added, when the write failed.
func readBack[T store.Node](ctx context.Context, st *store.Store, typ, field string, keys []int64, err error) ([]T, error) {
	if err != nil {
		return nil, refused(ctx, err)
	}
	return store.ByKeys[T](ctx, st, typ, keys, selection(ctx).Child(field))
}

// readBackOne is readBack for one row; the zero T when the write failed.
func readBackOne[T store.Node](ctx context.Context, st *store.Store, typ, field string, key int64, err error) (T, error) {
	var zero T
	rows, err := readBack[T](ctx, st, typ, field, []int64{key}, err)
	if len(rows) == 0 {
		return zero, err
	}
	return rows[0], nil
}

// deletion is what a deletion answers.
func deletion(ctx context.Context, gid string, err error) (*store.DeletePayload, error) {
	if err != nil {
		return nil, refused(ctx, err)
	}
	return &store.DeletePayload{DeletedID: gid}, nil
}

// refused is the mutation's answer to a write's error: each problem of a
// refused input is its own error at the mutation's path (with its input
// path in extensions.field), so a client sees them all at once.
func refused(ctx context.Context, err error) error {
	var problems apperr.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			graphql.AddError(ctx, p)
		}
		return nil
	}
	return err
}

// synced is what a sync operation answers: a result per item, or, when
// the call as a whole was refused, nothing.
func synced(ctx context.Context, results []*store.SyncResult, err error) (*store.SyncPayload, error) {
	if err != nil {
		return nil, refused(ctx, err)
	}
	return &store.SyncPayload{Results: results}, nil
}
