package seed

import (
	"slices"
	"testing"
	"time"
)

func TestApportion_PartsAddUpExactlyAndFollowTheWeights(t *testing.T) {
	for _, c := range []struct {
		total   int64
		weights []int64
		want    []int64
	}{
		{10, []int64{1, 1}, []int64{5, 5}},
		{10, []int64{1, 2, 2}, []int64{2, 4, 4}},
		{7, []int64{1, 1, 1}, []int64{2, 2, 3}},
		{5, []int64{0, 3, 0}, []int64{0, 5, 0}},
		{5, []int64{0, 0}, []int64{0, 0}},
		{5_000_000_000, []int64{1 << 40, 1 << 40}, []int64{2_500_000_000, 2_500_000_000}}, // needs 128 bits
	} {
		if got := apportion(c.total, c.weights); !slices.Equal(got, c.want) {
			t.Errorf("apportion(%d, %v) = %v, want %v", c.total, c.weights, got, c.want)
		}
	}
}

func TestCapParts_MovesTheExcessToPartsWithRoom(t *testing.T) {
	parts := []int64{1, 9, 0, 2}
	if dropped := capParts(parts, 3); dropped != 0 || !slices.Equal(parts, []int64{3, 3, 3, 3}) {
		t.Errorf("got %v, dropped %d", parts, dropped)
	}
	parts = []int64{5, 5}
	if dropped := capParts(parts, 3); dropped != 4 || !slices.Equal(parts, []int64{3, 3}) {
		t.Errorf("got %v, dropped %d", parts, dropped)
	}
}

func TestWeekdays_CountsMondayToFriday(t *testing.T) {
	start := dateOf(2024, time.January, 1)
	for lo := start; lo < start+10; lo++ {
		for hi := lo - 1; hi < lo+30; hi++ {
			var want int64
			for d := lo; d <= hi; d++ {
				if wd := d.date().Weekday(); wd != time.Saturday && wd != time.Sunday {
					want++
				}
			}
			if got := weekdays(lo, hi); got != want {
				t.Fatalf("weekdays(%s, %s) = %d, want %d", lo.date(), hi.date(), got, want)
			}
		}
	}
}

func TestWorkDays_AreSortedWeekdaysInTheWindow(t *testing.T) {
	r := newStream(1, "test")
	saturday := dateOf(2024, time.January, 6)
	for _, w := range [][2]day{{saturday, saturday + 2}, {saturday - 1, saturday + 1}, {saturday, saturday + 60}} {
		days := workDays(r, nil, w[0], w[1], 50)
		if !slices.IsSorted(days) {
			t.Errorf("window %v: not sorted", w)
		}
		for _, d := range days {
			if d.weekend() || d < w[0] || d > w[1] {
				t.Errorf("window %s..%s: got %s", w[0].date(), w[1].date(), d.date())
			}
		}
	}
}

func TestVolumesFor_ScalesTheDomainVolumes(t *testing.T) {
	got, err := volumesFor(1)
	want := volumes{60, 5_000, 20_000, 60_000, 100_000, 400_000, 5_000_000}
	if err != nil || got != want {
		t.Errorf("scale 1: %+v, %v", got, err)
	}
	got, err = volumesFor(0.01)
	want = volumes{13, 50, 200, 600, 1_000, 4_000, 50_000}
	if err != nil || got != want {
		t.Errorf("scale 0.01: %+v, %v", got, err)
	}
}

// A firm far smaller than the org chart still gets a consistent plan.
func TestPlan_TinyScalesStayConsistent(t *testing.T) {
	for _, scale := range []float64{0.0001, 0.001} {
		vol, err := volumesFor(scale)
		if err != nil {
			t.Fatal(err)
		}
		w := plan(3, vol)
		if int64(len(w.employees)) != vol.employees || int64(len(w.projects)) != vol.projects {
			t.Errorf("scale %v: %d employees, %d projects", scale, len(w.employees), len(w.projects))
		}
		for _, e := range w.employees[1:] {
			if e.manager == 0 || e.manager == e.id {
				t.Errorf("scale %v: employee %d has manager %d", scale, e.id, e.manager)
			}
		}
		for _, a := range w.assignments {
			if a.entries > 0 && weekdays(a.from, a.to) == 0 {
				t.Errorf("scale %v: entries without a working day to log them on", scale)
			}
		}
	}
}
