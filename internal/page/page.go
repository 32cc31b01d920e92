// Package page is the one pagination mechanism behind every list in the API:
// Relay cursor connections over keyset positions. A page is asked for with
// first/after (forwards) or last/before (backwards) in some Order; the store
// turns the resulting Window into `WHERE (keys) > (cursor keys) ORDER BY keys
// LIMIT n+1`, never OFFSET, so the thousandth page costs what the first does.
//
// A cursor carries the sort key values of the row it was made from, typed
// by the ordering's keys, and the ordering's signature: a cursor is only
// valid for the ordering (and, once lists filter, the filter) it came from.
package page

import (
	"encoding/base64"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Limits bound page sizes. A request for more than Max is refused, not cut.
type Limits struct {
	Default int // rows when neither first nor last is given
	Max     int
}

// DefaultLimits are used where no configuration says otherwise.
var DefaultLimits = Limits{Default: 20, Max: 100}

// Args are a connection field's arguments as GraphQL delivers them.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Window is a validated page request in store terms. The cursors are
// exclusive bounds; Limit rows are wanted, and the store fetches one more to
// learn whether the list goes on.
type Window struct {
	Limit     int
	Backward  bool // last/before: read in the reverse order, then reverse
	Order     Order
	HasAfter  bool    // only rows after the position After
	After     []Value // the key values of the after cursor, one per Order key
	HasBefore bool    // only rows before the position Before
	Before    []Value //
	// afterRaw and beforeRaw are the canonical cursors, so that two windows
	// compare equal exactly when they ask for the same page.
	afterRaw, beforeRaw string
}

// Same reports whether w and o ask for the same page of the same ordering.
func (w Window) Same(o Window) bool {
	return w.Limit == o.Limit && w.Backward == o.Backward && w.Order.sig == o.Order.sig &&
		w.HasAfter == o.HasAfter && w.HasBefore == o.HasBefore &&
		w.afterRaw == o.afterRaw && w.beforeRaw == o.beforeRaw
}

// Parse validates a for ordering ord and decodes its cursors.
func Parse(a Args, lim Limits, ord Order) (Window, error) {
	if lim.Default <= 0 {
		lim = DefaultLimits
	}
	w := Window{Order: ord}
	switch {
	case a.First != nil && a.Last != nil:
		return w, apperr.Invalid("first", "pass either first or last, not both")
	case a.First != nil:
		w.Limit = *a.First
		if w.Limit < 0 {
			return w, apperr.Invalid("first", "first must not be negative, got %d", w.Limit)
		}
		if w.Limit > lim.Max {
			return w, apperr.Invalid("first", "first may be at most %d, got %d", lim.Max, w.Limit)
		}
	case a.Last != nil:
		w.Limit = *a.Last
		w.Backward = true
		if w.Limit < 0 {
			return w, apperr.Invalid("last", "last must not be negative, got %d", w.Limit)
		}
		if w.Limit > lim.Max {
			return w, apperr.Invalid("last", "last may be at most %d, got %d", lim.Max, w.Limit)
		}
	default:
		w.Limit = lim.Default
		// last without first, or before alone, means "the page before".
		w.Backward = a.Before != nil && a.After == nil
	}
	var err error
	if a.After != nil {
		if w.After, err = decode("after", *a.After, ord); err != nil {
			return w, err
		}
		w.HasAfter, w.afterRaw = true, *a.After
	}
	if a.Before != nil {
		if w.Before, err = decode("before", *a.Before, ord); err != nil {
			return w, err
		}
		w.HasBefore, w.beforeRaw = true, *a.Before
	}
	return w, nil
}

// Encode returns the opaque cursor of the row whose key values in ord are
// vals.
func Encode(ord Order, vals []Value) string {
	return base64.RawURLEncoding.EncodeToString(appendCursor(nil, ord, vals))
}
