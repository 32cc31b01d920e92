// Package store is the application's data access: the GORM models of
// DOMAIN.md's tables, every SQL statement the API sends, and the batching
// that keeps a request at one statement per level of the graph (batch.go).
//
// Reading top to bottom: models.go (rows), tables.go (what each table
// declares: orderings, search, filters, relations), query.go (the SQL,
// generic over tables), relations.go (how rows reach each other), lists.go
// (the root lists and lookups resolvers call). Who may read what is not
// decided here: the store asks its Rules (rules.go) and shapes its SQL by
// the answer.
package store

import (
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/page"
)

// Store reads the firm's data.
type Store struct {
	db     *database.DB
	limits page.Limits
	rules  Rules
	// onBatch, when set, is told of every batched relation load.
	onBatch func(relation string, parents int)
}

// New returns a Store over db; limits bound every page size, and rules
// decide which sensitive columns a caller may filter and order by and which
// rows they see.
func New(db *database.DB, limits page.Limits, rules Rules) *Store {
	if limits.Default <= 0 {
		limits = page.DefaultLimits
	}
	if rules == nil {
		// No rules would mean every caller reads everything.
		panic("store: New needs the rules")
	}
	return &Store{db: db, limits: limits, rules: rules}
}

// PageLimits are the page sizes every list is read with.
func (st *Store) PageLimits() page.Limits { return st.limits }

// ObserveBatches makes f hear of every batched relation load: the
// relation's name and how many parent rows the one statement covered.
// Call it before serving; f runs on the request path, so keep it cheap.
func (st *Store) ObserveBatches(f func(relation string, parents int)) { st.onBatch = f }
