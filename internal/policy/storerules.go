package policy

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// StoreRules answers the store's questions (store.Rules) from Rules; the
// zero value answers from Firm.
type StoreRules struct {
	Rules Rules
}

func (s StoreRules) rules() Rules {
	if s.Rules == nil {
		return Firm
	}
	return s.Rules
}

// Sensitive reports whether table.column is guarded.
func (s StoreRules) Sensitive(table, column string) bool { return s.rules().Sensitive(table, column) }

// CanReadColumn reports whether the caller in ctx may read table.column of
// every row: what a filter, an ordering or an aggregate over it needs.
func (s StoreRules) CanReadColumn(ctx context.Context, table, column string) bool {
	ok, _ := s.rules().Can(auth.From(ctx), ReadAcross, table, nil, column)
	return ok
}

// RowScope keeps only the rows of table the caller in ctx may see (Scope).
func (s StoreRules) RowScope(ctx context.Context, table string) (string, []any) {
	return s.rules().Scope(auth.From(ctx), table)
}
