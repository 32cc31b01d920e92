package graph

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/store"
)

// runPayload is what the payroll run steps answer, read back as writes.go's are.
func runPayload(ctx context.Context, st *store.Store, k int64, err error) (*store.PayrollRunPayload, error) {
	row, err := readBackOne[*store.PayrollRun](ctx, st, "PayrollRun", "run", k, err)
	if row == nil {
		return nil, err
	}
	return &store.PayrollRunPayload{Run: row}, nil
}
