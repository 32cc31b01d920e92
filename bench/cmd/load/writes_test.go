package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/store"
)

// A write's answers are checked for their shape: what a client reads must
// be there, whatever the values.
func TestSameShape(t *testing.T) {
	t.Parallel()
	ref := `{"data":{"p":{"id":"a","version":3,"dueOn":null,"team":{"nodes":[{"role":"x","n":1}]}}}}`
	for _, tc := range []struct {
		name, got, wantErr string
	}{
		{"other values", `{"data":{"p":{"id":"b","version":4,"dueOn":"2026-01-01","team":{"nodes":[{"role":"y","n":2},{"role":"z","n":3}]}}}}`, ""},
		{"an empty list", `{"data":{"p":{"id":"b","version":4,"dueOn":null,"team":{"nodes":[]}}}}`, ""},
		{"a field missing", `{"data":{"p":{"id":"b","dueOn":null,"team":{"nodes":[]}}}}`, "data.p has the fields"},
		{"fields in another order", `{"data":{"p":{"version":4,"id":"b","dueOn":null,"team":{"nodes":[]}}}}`, "data.p has the fields"},
		{"a number as a string", `{"data":{"p":{"id":"b","version":"4","dueOn":null,"team":{"nodes":[]}}}}`, "data.p.version is a string, not a number"},
		{"an element shaped otherwise", `{"data":{"p":{"id":"b","version":4,"dueOn":null,"team":{"nodes":[{"role":"y","n":2},{"role":"z"}]}}}}`, "data.p.team.nodes.1 has the fields"},
		{"no data", `{"data":null}`, ""},
		{"not JSON", `{"data":`, "the answer"},
	} {
		err := sameShape([]byte(ref), []byte(tc.got))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: error %v, want one saying %q", tc.name, err, tc.wantErr)
		}
	}
}

func answerMoved(version int64, status string) []byte {
	b, _ := json.Marshal(map[string]any{"data": map[string]any{"updateProject": map[string]any{
		"project": map[string]any{"id": "x", "version": version, "status": status}}}})
	return b
}

type moveInput struct {
	Input struct {
		ID      string `json:"id"`
		Version int64  `json:"version"`
		Status  string `json:"status"`
	} `json:"input"`
}

func nextMove(t *testing.T, s *statusMoves) (moveInput, int) {
	t.Helper()
	b, slot, err := s.next()
	if err != nil {
		t.Fatal(err)
	}
	var in moveInput
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	return in, slot
}

// Each request sends the version the last answer gave and asks for the
// other status; a project is not lent twice at once, and one whose answer
// told nothing is not lent again.
func TestStatusMoves(t *testing.T) {
	t.Parallel()
	s := &statusMoves{projects: []movable{{key: 7, version: 3, status: "ACTIVE"}, {key: 8, version: 1, status: "ON_HOLD"}},
		free: make(chan int, 2)}
	s.free <- 0
	s.free <- 1

	in, slot := nextMove(t, s)
	if in.Input.ID != store.GlobalID("Project", 7) || in.Input.Version != 3 || in.Input.Status != "ON_HOLD" {
		t.Fatalf("first request: %+v", in.Input)
	}
	other, otherSlot := nextMove(t, s)
	if other.Input.ID != store.GlobalID("Project", 8) || other.Input.Status != "ACTIVE" {
		t.Fatalf("second request while the first is out: %+v", other.Input)
	}
	s.answered(slot, 200, answerMoved(4, "ON_HOLD"))
	in, slot = nextMove(t, s)
	if in.Input.Version != 4 || in.Input.Status != "ACTIVE" {
		t.Errorf("after the answer: %+v, want version 4 to ACTIVE", in.Input)
	}
	// Someone else moved it: the CONFLICT tells the version to send.
	s.answered(slot, 409, []byte(`{"errors":[{"message":"stale","extensions":{"code":"CONFLICT","currentVersion":9}}],"data":null}`))
	if in, _ = nextMove(t, s); in.Input.Version != 9 {
		t.Errorf("after a CONFLICT: version %d, want 9", in.Input.Version)
	}
	s.answered(otherSlot, 500, []byte(`oops`))
	if s.lost.Load() != 1 || len(s.free) != 0 {
		t.Errorf("after a failed answer: %d lost, %d free; want the project kept back", s.lost.Load(), len(s.free))
	}
}

// LogWeek's variables: Monday to Friday of one employee on one project.
func TestLogWeekBody(t *testing.T) {
	t.Parallel()
	f := &weeks{}
	for _, k := range []int64{1, 2} {
		b, err := logWeekBody(k, 10*k, mustDate(t, "2026-07-06"))
		if err != nil {
			t.Fatal(err)
		}
		f.bodies = append(f.bodies, b)
	}
	var vars struct {
		Entries []struct{ ProjectID, EmployeeID, WorkDate string }
	}
	b, _, _ := f.next()
	if err := json.Unmarshal(b, &vars); err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, e := range vars.Entries {
		days = append(days, e.WorkDate)
		if e.EmployeeID != store.GlobalID("Employee", 1) || e.ProjectID != store.GlobalID("Project", 10) {
			t.Errorf("entry %+v is not employee 1 on project 10", e)
		}
	}
	if got := strings.Join(days, " "); got != "2026-07-06 2026-07-07 2026-07-08 2026-07-09 2026-07-10" {
		t.Errorf("days %s", got)
	}
	if b2, _, _ := f.next(); string(b2) == string(b) {
		t.Error("the second request repeats the first")
	}
	if b3, _, _ := f.next(); string(b3) != string(b) {
		t.Error("the third request does not come round to the first")
	}
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// --warmup 0 and --prime 0 are allowed and mean no load, not endless load
// (vegeta attacks forever for a zero duration).
func TestAttack_ZeroDurationSendsNothing(t *testing.T) {
	t.Parallel()
	op := &operation{Name: "none", body: []byte(`{}`)}
	done := make(chan phase, 1)
	go func() { done <- attack(t.Context(), newClient(1), "http://127.0.0.1:1", op, 1, 0) }()
	select {
	case p := <-done:
		if p.requests != 0 {
			t.Errorf("%d requests sent", p.requests)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("an attack of no duration is still running")
	}
}
