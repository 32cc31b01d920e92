package seed

import (
	"hash/fnv"
	"math/bits"
	"math/rand/v2"
	"time"
)

// newStream returns the random stream for one purpose (usually one table).
// Each purpose has its own stream so that changing how one table is drawn
// leaves the other tables' draws as they were.
func newStream(seed int64, purpose string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// between returns a uniform integer in [lo, hi].
func between(r *rand.Rand, lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + r.IntN(hi-lo+1)
}

// chance reports true pct times in a hundred.
func chance(r *rand.Rand, pct int) bool { return r.IntN(100) < pct }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weightedIndex picks one of n options with probability proportional to
// weight(i).
func weightedIndex(r *rand.Rand, n int, weight func(i int) int) int {
	total := 0
	for i := range n {
		total += weight(i)
	}
	x := r.IntN(total)
	for i := range n {
		if x < weight(i) {
			return i
		}
		x -= weight(i)
	}
	return n - 1
}

// pickWeighted picks an index of weights with probability proportional to
// its weight.
func pickWeighted(r *rand.Rand, weights []int) int {
	return weightedIndex(r, len(weights), func(i int) int { return weights[i] })
}

// weightsOf lists the weights of xs for pickWeighted.
func weightsOf[T any](xs []T, weight func(T) int) []int {
	w := make([]int, len(xs))
	for i, x := range xs {
		w[i] = weight(x)
	}
	return w
}

// mixture is a distribution made of uniform ranges, each chosen with its
// weight: a value is step * a uniform integer in [lo, hi].
type mixture []struct{ weight, lo, hi, step int }

func (m mixture) draw(r *rand.Rand) int {
	c := m[weightedIndex(r, len(m), func(i int) int { return m[i].weight })]
	return between(r, c.lo, c.hi) * c.step
}

// apportion splits total into whole parts proportional to weights that add
// up to exactly total (or to 0 when every weight is 0). Part i is the
// difference of consecutive floors of total*prefix/sum, computed in 128-bit
// integers, so the split needs no sorting, has no floating-point rounding and
// is the same on every platform.
func apportion(total int64, weights []int64) []int64 {
	parts := make([]int64, len(weights))
	var sum uint64
	for _, w := range weights {
		sum += uint64(w)
	}
	if sum == 0 || total <= 0 {
		return parts
	}
	var prefix, prev uint64
	for i, w := range weights {
		prefix += uint64(w)
		hi, lo := bits.Mul64(uint64(total), prefix)
		q, _ := bits.Div64(hi, lo, sum) // q <= total, so it cannot overflow
		parts[i] = int64(q - prev)
		prev = q
	}
	return parts
}

// capParts limits every part to limit, moving the excess to later parts (and
// then from the start) that still have room, so the sum is kept when it can
// be. It returns what could not be placed anywhere.
func capParts(parts []int64, limit int64) (dropped int64) {
	var carry int64
	for pass := 0; pass < 2; pass++ {
		for i := range parts {
			parts[i] += carry
			carry = 0
			if parts[i] > limit {
				carry = parts[i] - limit
				parts[i] = limit
			}
		}
	}
	return carry
}

// day is a calendar date as days since 1970-01-01. The generator works in
// days because they are cheap to add, compare and store by the million.
type day int32

// noDay marks an absent (NULL) date; no generated date is anywhere near 1970.
const noDay day = 0

func dateOf(y int, m time.Month, d int) day {
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// The calendar the data lives in. asOf is the seeded database's "today": data
// never depends on the wall clock, so two runs produce the same rows.
var (
	founded   = dateOf(2010, time.January, 4)  // the firm opens
	firstWork = dateOf(2018, time.January, 1)  // the oldest project the firm still keeps
	asOf      = dateOf(2026, time.June, 30)    // the last day anything happened
	lastStart = dateOf(2026, time.December, 1) // proposed projects may start after asOf
)

// date converts d for a date column.
func (d day) date() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// at is the instant minute minutes after midnight (UTC) on d.
func (d day) at(minute int) time.Time { return time.Unix(int64(d)*86400+int64(minute)*60, 0).UTC() }

func (d day) year() int { return d.date().Year() }

// weekend reports Saturday or Sunday (1970-01-01 was a Thursday).
func (d day) weekend() bool {
	wd := (int(d) + 4) % 7
	return wd == 0 || wd == 6
}

// weekdays counts the Mondays to Fridays in [lo, hi].
func weekdays(lo, hi day) int64 {
	if hi < lo {
		return 0
	}
	n := int64(hi-lo) + 1
	count := n / 7 * 5
	for d := lo + day(n/7*7); d <= hi; d++ {
		if !d.weekend() {
			count++
		}
	}
	return count
}

// nullDate is the value for a nullable date column.
func nullDate(d day) any {
	if d == noDay {
		return nil
	}
	return d.date()
}

// dayBetween returns a uniform day in [lo, hi].
func dayBetween(r *rand.Rand, lo, hi day) day { return day(between(r, int(lo), int(hi))) }

// laterDay returns a day in [lo, hi] leaning towards hi, for things that grow
// over time (the firm hires and sells more every year).
func laterDay(r *rand.Rand, lo, hi day) day { return max(dayBetween(r, lo, hi), dayBetween(r, lo, hi)) }

// timestampAfter returns an instant on a day in [lo, hi] during office hours.
func timestampAfter(r *rand.Rand, lo, hi day) time.Time {
	return dayBetween(r, lo, max(lo, hi)).at(between(r, 7*60, 19*60))
}
