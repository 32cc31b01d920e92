package replica

import (
	"testing"
	"time"
)

func TestPositionText(t *testing.T) {
	for _, s := range []string{"0/0", "0/16B3748", "16/B374D848", "FFFFFFFF/FFFFFFFF"} {
		p, err := ParsePosition(s)
		if err != nil || p.String() != s {
			t.Errorf("%q: read %v (%v), written back %q", s, uint64(p), err, p.String())
		}
	}
	if p, _ := ParsePosition("16/B374D848"); p != 0x16B374D848 {
		t.Errorf("16/B374D848 is %X", uint64(p))
	}
	for _, s := range []string{"", "/", "1/", "/1", "0x1/2", "1/2/3", "123456789/0", "g/0", "1 /2", "-1/2"} {
		if _, err := ParsePosition(s); err == nil {
			t.Errorf("%q was taken for a position", s)
		}
	}
}

// A position just past a page's header is the page's boundary (nothing is
// written between the two); any other is itself.
func TestPageStart(t *testing.T) {
	const blk, seg = 8192, 16 << 20
	for _, c := range []struct{ in, want Position }{
		{3*blk + 24, 3 * blk},    // after a short header
		{seg + 40, seg},          // after a segment's long header
		{3*blk + 40, 3*blk + 40}, // 16 bytes into a page: a record may end there
		{seg + 24, seg + 24},     // inside a segment's first page's long header: not a boundary position
		{3*blk + 100, 3*blk + 100},
		{3 * blk, 3 * blk},
	} {
		if got := pageStart(c.in, blk, seg); got != c.want {
			t.Errorf("pageStart(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// The lag of a replica: 0 once it has what the primary had at the last
// sample; else the age of the newest sample it has passed, or that of its
// last replayed commit when smaller; unknown when neither says.
func TestLag(t *testing.T) {
	now := time.Now()
	s := &Set{samples: []sample{{now.Add(-3 * time.Second), 100}, {now.Add(-2 * time.Second), 200}, {now.Add(-time.Second), 300}}}
	age := func(d float64) *float64 { return &d }
	for _, c := range []struct {
		replay Position
		age    *float64
		want   time.Duration
		known  bool
	}{
		{300, nil, 0, true},
		{301, age(100), 0, true},                      // a quiet primary: old last commit, up to date all the same
		{250, nil, 2 * time.Second, true},             // has the sample of 2s ago, not the last
		{250, age(0.5), 500 * time.Millisecond, true}, // its last commit is finer
		{250, age(9), 2 * time.Second, true},
		{50, nil, 0, false}, // older than every sample
		{50, age(7), 7 * time.Second, true},
		{50, age(-1), 0, true}, // clocks apart: never below 0
	} {
		got, known := s.lag(c.replay, c.age, now)
		if got != c.want || known != c.known {
			t.Errorf("lag(%d, %v) = %v, %v; want %v, %v", c.replay, c.age, got, known, c.want, c.known)
		}
	}
}
