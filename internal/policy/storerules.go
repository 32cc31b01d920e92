package policy

import "context"

// StoreRules answers the store's questions (store.Rules) from these rules.
type StoreRules struct{}

// Sensitive reports whether table.column is guarded.
func (StoreRules) Sensitive(table, column string) bool { return IsSensitive(table, column) }

// CanReadColumn reports whether the caller may read table.column of every row.
func (StoreRules) CanReadColumn(ctx context.Context, table, column string) bool {
	return CanReadColumn(ctx, table, column)
}

// RowScope limits no table yet: every row of today's tables is visible to
// every role; reviews, payslips and timesheets will be the first scoped.
func (StoreRules) RowScope(context.Context, string) (string, []any) { return "", nil }
