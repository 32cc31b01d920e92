// Package pgtime says which dates and points in time PostgreSQL can read
// back from the text the store sends it, so that an out-of-range value is
// refused as the caller's mistake where it enters (a scalar, a cursor)
// instead of failing the statement as an internal error.
//
// Values reach PostgreSQL as ISO 8601 text. Go parses the year 0000 (the
// proleptic year before 1 AD) but PostgreSQL's ISO input has no year 0
// ("date/time field value out of range", SQLSTATE 22008); earlier years
// would need a " BC" suffix the store never writes. Go's layouts read four
// digit years only, so 9999 is the latest a caller can write, well inside
// both date (5874897 AD) and timestamptz (294276 AD). The range a caller
// can use is therefore 0001-01-01 .. 9999-12-31, for a time in UTC.
package pgtime

import "time"

// MinYear and MaxYear bound the years accepted for dates and times.
const (
	MinYear = 1
	MaxYear = 9999
)

// Storable reports whether t, read in UTC, is a date or time PostgreSQL
// reads back from the text the store sends. A time with an offset counts
// by its UTC instant: 0001-01-01T00:00:00+01:00 is in year 0.
func Storable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= MinYear && y <= MaxYear
}
