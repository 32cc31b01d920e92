package store

import "context"

// Rules is what the store asks of the rules on who reads what
// (internal/policy implements it; main hands it to New). The store never
// decides a right itself: it asks, and shapes its SQL by the answer.
type Rules interface {
	// Sensitive reports whether table.column is guarded by a rule at all.
	Sensitive(table, column string) bool
	// CanReadColumn reports whether the caller in ctx may read table.column
	// of every row: what a filter, an ordering or an aggregate over the
	// column needs, since each reveals the column across rows.
	CanReadColumn(ctx context.Context, table, column string) bool
	// RowScope is an SQL condition over the table aliased "t", with its
	// arguments, that keeps only the rows the caller in ctx may see; "" when
	// every row is visible. A row outside it is absent everywhere: lists,
	// edges, totalCount, node(id).
	RowScope(ctx context.Context, table string) (cond string, args []any)
}
