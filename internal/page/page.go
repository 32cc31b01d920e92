// Package page is the one pagination mechanism behind every list in the API:
// Relay cursor connections over keyset positions. A page is asked for with
// first/after (forwards) or last/before (backwards); the store turns the
// resulting Window into `WHERE key > $after ORDER BY key LIMIT n+1`, never
// OFFSET, so the thousandth page costs what the first does.
package page

import (
	"encoding/base64"
	"strconv"
	"strings"

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

// Window is a validated page request in store terms. Keys are exclusive
// bounds; Limit rows are wanted, and the store fetches one more to learn
// whether the list goes on.
type Window struct {
	Limit     int
	Backward  bool  // last/before: read in descending key order, then reverse
	HasAfter  bool  // only rows with a key greater than After
	After     int64 //
	HasBefore bool  // only rows with a key less than Before
	Before    int64 //
}

// order names the ordering a cursor belongs to, so that a cursor from another
// ordering is recognised and refused rather than silently misread.
const order = "id"

// cursorPrefix versions the cursor format.
const cursorPrefix = "c1:" + order + ":"

// Parse validates a and decodes its cursors.
func Parse(a Args, lim Limits) (Window, error) {
	if lim.Default <= 0 {
		lim = DefaultLimits
	}
	var w Window
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
		if w.After, err = decode("after", *a.After); err != nil {
			return w, err
		}
		w.HasAfter = true
	}
	if a.Before != nil {
		if w.Before, err = decode("before", *a.Before); err != nil {
			return w, err
		}
		w.HasBefore = true
	}
	return w, nil
}

// Encode returns the opaque cursor of the row with key k.
func Encode(k int64) string {
	buf := make([]byte, 0, len(cursorPrefix)+20)
	buf = append(buf, cursorPrefix...)
	buf = strconv.AppendInt(buf, k, 10)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func decode(arg, c string) (int64, error) {
	bad := apperr.Invalid(arg, "%s is not a cursor returned by this API", arg)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	s := string(raw)
	if !strings.HasPrefix(s, "c1:") {
		return 0, bad
	}
	if !strings.HasPrefix(s, cursorPrefix) {
		return 0, apperr.Invalid(arg, "%s is a cursor of another ordering", arg)
	}
	k, err := strconv.ParseInt(s[len(cursorPrefix):], 10, 64)
	// Canonical only: exactly one string names each position (the decoder
	// would also accept line breaks, stray bits and "+8" or "08").
	if err != nil || Encode(k) != c {
		return 0, bad
	}
	return k, nil
}
