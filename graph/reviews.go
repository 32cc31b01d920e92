package graph

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/store"
)

// The payloads of the review steps, read back as writes.go's are.

func cyclePayload(ctx context.Context, st *store.Store, k int64, err error) (*store.ReviewCyclePayload, error) {
	row, err := readBackOne[*store.ReviewCycle](ctx, st, "ReviewCycle", "cycle", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ReviewCyclePayload{Cycle: row}, nil
}

func reviewPayload(ctx context.Context, st *store.Store, k int64, err error) (*store.ReviewPayload, error) {
	row, err := readBackOne[*store.Review](ctx, st, "Review", "review", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ReviewPayload{Review: row}, nil
}
