package store

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Batching by sibling set.
//
// Every statement that reads rows for a request puts them in one set. The
// first time any row of a set asks for a relation (its customer, its team),
// the relation is loaded for every row of the set in one statement and the
// result is kept on the set; the siblings' calls read it from there. So a
// level of the graph costs one statement however many parents it has and
// however many requests run at once: the batch is decided by the data that
// was read, not by a timer that concurrent requests split (see
// ../shared/PERFORMANCE.md: a 16 ms window gives ~11 statements per request
// under load, no window ~650).
//
// A set lives as long as the rows that point to it, i.e. one request; it is
// never shared between requests, so nothing cached here can leak across
// callers.
type set struct {
	// ctx is the request's context. Sets keep it because relations are bound
	// as plain methods, which gqlgen runs inline without a goroutine or a
	// context argument per field; the context bounds every statement the
	// request's relations send.
	ctx  context.Context
	st   *Store
	tbl  *table  // the members' table, whose relations they ask
	rows any     // []*T: the members, for collecting foreign keys
	keys []int64 // the members' own keys, for their children
	sel  *Selection

	mu     sync.Mutex
	loaded []*loaded
	// orders are the orderings the set's relations were asked in. Every
	// sibling asks its relation with the same arguments, so the ordering
	// (with its compiled filter) is resolved once per set, not per row.
	orders []setOrder
}

type setOrder struct {
	rel string
	l   List
	ord *ordering
}

// ordering is orderingOf(tbl, l) for relation rel of the set's rows,
// resolved by the first sibling that asks.
func (s *set) ordering(rel string, tbl *table, l List) (*ordering, error) {
	s.mu.Lock()
	for _, o := range s.orders {
		if o.rel == rel && o.l.same(l) {
			s.mu.Unlock()
			return o.ord, nil
		}
	}
	s.mu.Unlock()
	ord, err := orderingOf(s.ctx, s.st.rules, tbl, l)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.orders = append(s.orders, setOrder{rel: rel, l: l, ord: ord})
	s.mu.Unlock()
	return ord, nil
}

// loaded is one relation's result for a whole set. Few relations are asked
// per set, so a short list scanned linearly beats a map with boxed keys.
type loaded struct {
	rel  string
	w    page.Window
	done chan struct{}
	val  any
	err  error
}

// member is embedded in every model: it points to the row's sibling set.
type member struct {
	set  *set
	rank Decimal // relevance to a list's search, when it has one (search.go)
	// parent is the key of the row this one was read for, by a relation
	// no key holds (toMany.cond).
	parent int64
	// total is how many rows the list it was read in has (nested: for
	// its parent), when the page was read with its count (rootPage,
	// childPages).
	total int64
}

func (m *member) setPtr() **set { return &m.set }

// rowPtr is what the generic statements and batching need of a model: a
// pointer to it, its key, and its place in a sibling set.
type rowPtr[T any] interface {
	*T
	PageKey() int64
	setPtr() **set
}

// newSet makes a set of rows and points each row to it.
func newSet[T any, PT rowPtr[T]](ctx context.Context, st *Store, tbl *table, sel *Selection, rows []PT) {
	s := &set{ctx: ctx, st: st, tbl: tbl, rows: rows, keys: make([]int64, len(rows)), sel: sel}
	for i, r := range rows {
		*r.setPtr() = s
		s.keys[i] = r.PageKey()
	}
}

// load returns the result of relation rel (with page window w) for the whole
// set, running fetch once; concurrent callers wait for the first.
func (s *set) load(rel string, w page.Window, fetch func(ctx context.Context) (any, error)) (any, error) {
	s.mu.Lock()
	for _, l := range s.loaded {
		if l.rel == rel && l.w.Same(w) {
			s.mu.Unlock()
			select {
			case <-l.done:
				return l.val, l.err
			case <-s.ctx.Done():
				return nil, s.ctx.Err()
			}
		}
	}
	l := &loaded{rel: rel, w: w, done: make(chan struct{})}
	s.loaded = append(s.loaded, l)
	s.mu.Unlock()
	if s.st != nil && s.st.onBatch != nil {
		s.st.onBatch(rel, len(s.keys))
	}

	func() {
		// A panic must not leave the siblings waiting forever: it becomes
		// this relation's error for all of them.
		defer func() {
			if p := recover(); p != nil {
				// The stack goes into the error, which the HTTP layer logs
				// and never shows to a client.
				l.err = fmt.Errorf("load %s: panic: %v\n%s", rel, p, debug.Stack())
			}
			close(l.done)
		}()
		l.val, l.err = fetch(s.ctx)
	}()
	return l.val, l.err
}
