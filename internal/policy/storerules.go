package policy

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// StoreRules answers the store's questions (store.Rules) from Rules; the
// zero value answers from Firm.
type StoreRules struct {
	Rules Rules
	// Audit records every allowed use of a sensitive column across rows
	// (a filter or an ordering by it): such a use reveals the column as
	// surely as reading it (27 salary ranges narrow one salary to the
	// unit). nil: not recorded, for tests that are not about the audit.
	Audit *audit.Log
	// Operation names the operation running in a context, for the audit
	// rows (the client's claim; graph.OperationName, which policy cannot
	// import). nil: rows carry no operation.
	Operation func(context.Context) string
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
// An allowed use of a sensitive column is recorded in the audit log, once
// per statement the store compiles (a filter on a nested list is compiled
// once per level, not per row), with the use "compare".
func (s StoreRules) CanReadColumn(ctx context.Context, table, column string) bool {
	id := auth.From(ctx)
	ok, _ := s.rules().Can(id, ReadAcross, table, nil, column)
	if ok && s.Audit != nil && s.rules().Sensitive(table, column) {
		e := audit.Event{At: time.Now(), Subject: id.Subject, Roles: id.RoleNames(),
			RequestID: requestid.From(ctx), RequestIDClaimed: requestid.Claimed(ctx), Use: ReadAcross.String(), Field: table + "." + column}
		if s.Operation != nil {
			e.Operation = s.Operation(ctx)
		}
		s.Audit.Record(ctx, e)
	}
	return ok
}

// RowScope keeps only the rows of table the caller in ctx may see (Scope).
func (s StoreRules) RowScope(ctx context.Context, table string) (string, []any) {
	return s.rules().Scope(auth.From(ctx), table)
}
