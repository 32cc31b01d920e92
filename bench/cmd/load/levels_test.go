package main

import (
	"slices"
	"testing"
)

// A report capped at 16 clients runs the asked concurrencies up to 16,
// and an operation without a cap runs them all.
func TestOperationLevels_StopAtMaxConcurrency(t *testing.T) {
	asked := []int{1, 16, 64}
	for _, tc := range []struct {
		max  int
		want []int
	}{{0, []int{1, 16, 64}}, {16, []int{1, 16}}, {8, []int{1}}, {64, []int{1, 16, 64}}} {
		op := &operation{MaxConcurrency: tc.max}
		if got := op.levels(asked); !slices.Equal(got, tc.want) {
			t.Errorf("max_concurrency %d: levels %v, want %v", tc.max, got, tc.want)
		}
	}
	if !slices.Equal(asked, []int{1, 16, 64}) {
		t.Errorf("levels changed the asked concurrencies: %v", asked)
	}
}

// The seed's fingerprint is the same from one call to the next (the
// template is reused) and names the seed's arguments' hash.
func TestSeedFingerprint_Stable(t *testing.T) {
	t.Chdir("../../..")
	a, err := seedFingerprint()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := seedFingerprint()
	if a != b || len(a) < 20 {
		t.Fatalf("fingerprints %q and %q", a, b)
	}
}
