package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
)

// A write changes what the next request may say: a project's version moves
// with every update, and logging one week again and again would pile
// every entry onto one employee's totals. An operation with a rotation
// sends a body of its own with each request, from rows the rotation's SQL
// picks before the run; its answers are checked for their shape, not
// their bytes (ids and versions differ from one answer to the next).
type rotation struct {
	// As names the scheme: rotateLogWeek or rotateProjectStatus.
	As  string `json:"as"`
	SQL string `json:"sql"`
}

const (
	// rotateLogWeek: the SQL returns (employee id, project id, a Monday);
	// request i logs Monday to Friday of row i mod n, 8 billable hours a
	// day, for that employee on that project.
	rotateLogWeek = "log_week"
	// rotateProjectStatus: the SQL returns (project id, version, status)
	// of ACTIVE and ON_HOLD projects; each request moves one of them to
	// the other status by the version the last answer gave. A project is
	// lent to one request at a time, so no two requests race for it and
	// the version sent is always the current one.
	rotateProjectStatus = "project_status"
)

// feeder hands out the request bodies of an operation whose requests
// differ, and learns from each answer. slot names what a body was made
// from, to hand back with its answer.
type feeder interface {
	next() (body []byte, slot int, err error)
	answered(slot int, status int, body []byte)
}

func newFeeder(ctx context.Context, conn *pgx.Conn, r *rotation) (feeder, error) {
	rows, err := conn.Query(ctx, r.SQL)
	if err != nil {
		return nil, fmt.Errorf("rotate %s: %w", r.As, err)
	}
	defer rows.Close()
	switch r.As {
	case rotateLogWeek:
		f := &weeks{}
		for rows.Next() {
			var employee, project int64
			var monday time.Time
			if err := rows.Scan(&employee, &project, &monday); err != nil {
				return nil, fmt.Errorf("rotate %s: %w", r.As, err)
			}
			body, err := logWeekBody(employee, project, monday)
			if err != nil {
				return nil, err
			}
			f.bodies = append(f.bodies, body)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("rotate %s: %w", r.As, err)
		}
		if len(f.bodies) == 0 {
			return nil, fmt.Errorf("rotate %s: the SQL returned no row", r.As)
		}
		return f, nil
	case rotateProjectStatus:
		f := &statusMoves{}
		for rows.Next() {
			var p movable
			if err := rows.Scan(&p.key, &p.version, &p.status); err != nil {
				return nil, fmt.Errorf("rotate %s: %w", r.As, err)
			}
			p.status = strings.ToUpper(p.status)
			if p.status != "ACTIVE" && p.status != "ON_HOLD" {
				return nil, fmt.Errorf("rotate %s: project %d is %s, not ACTIVE or ON_HOLD", r.As, p.key, p.status)
			}
			f.projects = append(f.projects, p)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("rotate %s: %w", r.As, err)
		}
		if len(f.projects) == 0 {
			return nil, fmt.Errorf("rotate %s: the SQL returned no row", r.As)
		}
		f.free = make(chan int, len(f.projects))
		for i := range f.projects {
			f.free <- i
		}
		return f, nil
	}
	return nil, fmt.Errorf("rotate: %q is not %q or %q", r.As, rotateLogWeek, rotateProjectStatus)
}

// weeks cycles over prepared LogWeek bodies.
type weeks struct {
	bodies [][]byte
	sent   atomic.Uint64
}

func (w *weeks) next() ([]byte, int, error) {
	i := int((w.sent.Add(1) - 1) % uint64(len(w.bodies)))
	return w.bodies[i], i, nil
}

func (*weeks) answered(int, int, []byte) {}

// logWeekBody is LogWeek's variables: Monday to Friday of the week that
// starts on monday.
func logWeekBody(employee, project int64, monday time.Time) ([]byte, error) {
	type entry struct {
		ProjectID  string `json:"projectId"`
		EmployeeID string `json:"employeeId"`
		WorkDate   string `json:"workDate"`
		Hours      string `json:"hours"`
		Billable   bool   `json:"billable"`
		Note       string `json:"note"`
	}
	entries := make([]entry, 5)
	for d := range entries {
		entries[d] = entry{ProjectID: store.GlobalID("Project", project), EmployeeID: store.GlobalID("Employee", employee),
			WorkDate: monday.AddDate(0, 0, d).Format(time.DateOnly), Hours: "8", Billable: true, Note: "load benchmark"}
	}
	b, err := json.Marshal(map[string]any{"entries": entries})
	if err != nil {
		return nil, fmt.Errorf("log week body: %w", err)
	}
	return b, nil
}

// movable is a project the status rotation moves, as the last answer left
// it.
type movable struct {
	key     int64
	version int64
	status  string // ACTIVE or ON_HOLD
}

// statusMoves lends each project to one request at a time.
type statusMoves struct {
	mu       sync.Mutex
	projects []movable
	free     chan int // projects no request holds
	lost     atomic.Int64
}

// waitFree bounds the wait for a project to lend: every project held
// means answers went missing, and the attack stops rather than hangs.
const waitFree = 30 * time.Second

func (s *statusMoves) next() ([]byte, int, error) {
	var i int
	select {
	case i = <-s.free:
	case <-time.After(waitFree):
		return nil, 0, fmt.Errorf("no project to move for %s: %d of %d were lost to failed answers", waitFree, s.lost.Load(), len(s.projects))
	}
	s.mu.Lock()
	p := s.projects[i]
	s.mu.Unlock()
	to := "ON_HOLD"
	if p.status == "ON_HOLD" {
		to = "ACTIVE"
	}
	b, err := json.Marshal(map[string]any{"input": map[string]any{
		"id": store.GlobalID("Project", p.key), "version": p.version, "status": to}})
	if err != nil {
		s.free <- i
		return nil, 0, fmt.Errorf("move project body: %w", err)
	}
	return b, i, nil
}

// answered keeps the version and status the answer tells. A CONFLICT
// tells the current version (someone else moved the project); an answer
// that tells neither leaves the project's state unknown, so it is not
// lent again.
func (s *statusMoves) answered(slot, status int, body []byte) {
	if slot < 0 || slot >= len(s.projects) {
		return
	}
	a := readMove(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &s.projects[slot]
	if moved := a.moved(status); moved != nil {
		p.version, p.status = moved.Version, moved.Status
	} else if current, ok := a.conflict(); ok {
		p.version = current
	} else {
		s.lost.Add(1)
		return
	}
	s.free <- slot
}

// moveAnswer is what the harness reads of an answer to MoveProject.
type moveAnswer struct {
	Data *struct {
		UpdateProject *struct {
			Project *movedTo `json:"project"`
		} `json:"updateProject"`
	} `json:"data"`
	Errors []struct {
		Extensions struct {
			Code           string `json:"code"`
			CurrentVersion int64  `json:"currentVersion"`
		} `json:"extensions"`
	} `json:"errors"`
}

// movedTo is where an update left a project.
type movedTo struct {
	Version int64  `json:"version"`
	Status  string `json:"status"`
}

// readMove reads an answer to MoveProject; one that is not JSON reads as
// neither a move nor a conflict.
func readMove(body []byte) *moveAnswer {
	var a moveAnswer
	_ = json.Unmarshal(body, &a)
	return &a
}

// moved is the project as the update left it, nil when it was not moved.
func (a *moveAnswer) moved(status int) *movedTo {
	if status != 200 || len(a.Errors) > 0 || a.Data == nil || a.Data.UpdateProject == nil {
		return nil
	}
	return a.Data.UpdateProject.Project
}

// conflict is the current version a CONFLICT (the only error) tells.
func (a *moveAnswer) conflict() (int64, bool) {
	if len(a.Errors) != 1 || a.Errors[0].Extensions.Code != apperr.Conflict {
		return 0, false
	}
	return a.Errors[0].Extensions.CurrentVersion, true
}

// sameShape reports where got's JSON differs in shape from want's: the
// same keys in the same order in every object, the same kind of value at
// every place (null matches anything: a nullable field), and every
// element of an array shaped like want's first. It is the check of an
// answer whose values change from one request to the next.
func sameShape(want, got []byte) error {
	var w, g any
	if err := decodeOrdered(want, &w); err != nil {
		return fmt.Errorf("the reference: %w", err)
	}
	if err := decodeOrdered(got, &g); err != nil {
		return fmt.Errorf("the answer: %w", err)
	}
	return shapeOf("", w, g)
}

// object is a JSON object with its keys in order.
type object struct {
	keys []string
	vals map[string]any
}

func decodeOrdered(b []byte, v *any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var err error
	*v, err = decodeValue(d)
	return err
}

func decodeValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := &object{vals: map[string]any{}}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			o.keys = append(o.keys, k.(string))
			o.vals[k.(string)] = v
		}
		_, err := d.Token()
		return o, err
	case json.Delim('['):
		var a []any
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if a == nil {
			a = []any{}
		}
		_, err := d.Token()
		return a, err
	}
	return t, nil
}

func kind(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "null"
}

func shapeOf(path string, want, got any) error {
	if want == nil || got == nil {
		return nil
	}
	if kind(want) != kind(got) {
		return fmt.Errorf("%s is %s, not %s", orRoot(path), kind(got), kind(want))
	}
	switch w := want.(type) {
	case *object:
		g := got.(*object)
		if strings.Join(w.keys, ",") != strings.Join(g.keys, ",") {
			return fmt.Errorf("%s has the fields %v, not %v", orRoot(path), g.keys, w.keys)
		}
		for _, k := range w.keys {
			if err := shapeOf(path+"."+k, w.vals[k], g.vals[k]); err != nil {
				return err
			}
		}
	case []any:
		if len(w) == 0 {
			return nil
		}
		for i, e := range got.([]any) {
			if err := shapeOf(path+"."+strconv.Itoa(i), w[0], e); err != nil {
				return err
			}
		}
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "the answer"
	}
	return strings.TrimPrefix(path, ".")
}
