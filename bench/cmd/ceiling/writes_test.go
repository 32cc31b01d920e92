package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The ceiling is measured against the API, so it must make the same
// writes and answer what the API answers: checked here against the real
// API over the demo data.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../../operations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type both struct {
	t    *testing.T
	api  string
	pool *pgxpool.Pool
}

func newBoth(t *testing.T) *both {
	t.Helper()
	srv, _ := httpapitest.NewServer(t, service.Config{Log: slog.New(slog.DiscardHandler)})
	pool, err := pgxpool.New(context.Background(), httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &both{t: t, api: srv.URL, pool: pool}
}

// viaAPI sends a request to the API as an admin.
func (b *both) viaAPI(query string, vars any) httpapitest.Reply {
	b.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		b.t.Fatal(err)
	}
	return httpapitest.Do(b.t, "POST", b.api+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + httpapitest.Token(b.t, 0, auth.Admin)}, string(body))
}

// viaCeiling sends the same request to the ceiling's handler.
func (b *both) viaCeiling(query string, vars any) ([]byte, error) {
	b.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		b.t.Fatal(err)
	}
	return answer(context.Background(), b.pool, bytes.NewReader(body))
}

func (b *both) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		b.t.Fatal(err)
	}
	return n
}

// week is LogWeek's variables: Monday 7 January 2030 to Friday.
func week(employee, project int64) map[string]any {
	var entries []map[string]any
	monday := time.Date(2030, 1, 7, 0, 0, 0, 0, time.UTC)
	for d := range 5 {
		entries = append(entries, map[string]any{"projectId": store.GlobalID("Project", project),
			"employeeId": store.GlobalID("Employee", employee), "workDate": monday.AddDate(0, 0, d).Format(time.DateOnly),
			"hours": "7.5", "billable": true, "note": "bench"})
	}
	return map[string]any{"entries": entries}
}

// LogWeek: the ceiling logs the week with an audit row and an event per
// entry, and answers the API's fields with the API's values but the ids.
func TestLogWeek_AsTheAPI(t *testing.T) {
	b := newBoth(t)
	var employee, project int64
	if err := b.pool.QueryRow(context.Background(), `SELECT a.employee_id, a.project_id FROM assignments a
		JOIN employees e ON e.id = a.employee_id WHERE e.hired_on < '2029-01-01' ORDER BY a.id LIMIT 1`).Scan(&employee, &project); err != nil {
		t.Fatal(err)
	}
	doc := readDoc(t, "LogWeek.graphql")
	ref := b.viaAPI(doc, week(employee, project))
	if ref.Status != 200 || ref.Code() != "" {
		t.Fatalf("API: %d %s", ref.Status, ref.Body)
	}
	got, err := b.viaCeiling(doc, week(employee, project))
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		ID, WorkDate, Hours string
		Billable            bool
		Note                *string
		Project             struct{ ID, Code, Name string }
	}
	decode := func(body []byte) []entry {
		var a struct {
			Data struct{ LogTime struct{ TimeEntries []entry } }
		}
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatal(err)
		}
		return a.Data.LogTime.TimeEntries
	}
	want, have := decode([]byte(ref.Body)), decode(got)
	if len(want) != 5 || len(have) != 5 {
		t.Fatalf("entries: API %d, ceiling %d: %s", len(want), len(have), got)
	}
	var ids []string
	for i := range want {
		if have[i].ID == want[i].ID {
			t.Errorf("entry %d: the ceiling answers the API's id %s", i, want[i].ID)
		}
		ids = append(ids, have[i].ID)
		want[i].ID, have[i].ID = "", ""
		hj, _ := json.Marshal(have[i])
		wj, _ := json.Marshal(want[i])
		if !bytes.Equal(hj, wj) {
			t.Errorf("entry %d:\nceiling %s\nAPI     %s", i, hj, wj)
		}
	}
	if n := b.count(`SELECT count(*) FROM events WHERE type = 'time_entry.logged' AND entity_id = ANY($1)`, ids); n != 5 {
		t.Errorf("%d events for the ceiling's entries, want 5", n)
	}
	if n := b.count(`SELECT count(*) FROM write_audit WHERE entity_table = 'time_entries' AND action = 'create'
		AND entity_key IN (SELECT id FROM time_entries WHERE employee_id = $1 AND project_id = $2 AND work_date >= '2030-01-07')`,
		employee, project); n != 10 {
		t.Errorf("%d audit rows for both weeks' entries, want 10", n)
	}
}

// MoveProject: the ceiling moves the project back by the version the API's
// move answered, reads back the same team, and refuses a stale version
// with the API's CONFLICT, writing nothing.
func TestMoveProject_AsTheAPI(t *testing.T) {
	b := newBoth(t)
	var key, version int64
	if err := b.pool.QueryRow(context.Background(), `SELECT p.id, p.version FROM projects p WHERE p.status = 'active'
		AND (SELECT count(*) FROM assignments a WHERE a.project_id = p.id) > 1 ORDER BY p.id LIMIT 1`).Scan(&key, &version); err != nil {
		t.Fatal(err)
	}
	id := store.GlobalID("Project", key)
	doc := readDoc(t, "MoveProject.graphql")
	move := func(v int64, status string) map[string]any {
		return map[string]any{"input": map[string]any{"id": id, "version": v, "status": status}}
	}
	ref := b.viaAPI(doc, move(version, "ON_HOLD"))
	if ref.Status != 200 || ref.Code() != "" {
		t.Fatalf("API: %d %s", ref.Status, ref.Body)
	}
	got, err := b.viaCeiling(doc, move(version+1, "ACTIVE"))
	if err != nil {
		t.Fatal(err)
	}
	var want, have moveAnswer
	if err := json.Unmarshal([]byte(ref.Body), &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatal(err)
	}
	w, h := want.Data.UpdateProject.Project, have.Data.UpdateProject.Project
	if w.Version != version+1 || h.Version != version+2 || w.Status != "ON_HOLD" || h.Status != "ACTIVE" {
		t.Errorf("versions and statuses: API %d %s, ceiling %d %s; want %d ON_HOLD, %d ACTIVE", w.Version, w.Status, h.Version, h.Status, version+1, version+2)
	}
	w.Version, w.Status, h.Version, h.Status = 0, "", 0, ""
	wj, _ := json.Marshal(w)
	hj, _ := json.Marshal(h)
	if !bytes.Equal(wj, hj) || h.Team.TotalCount < 2 {
		t.Errorf("the rest differs:\nceiling %s\nAPI     %s", hj, wj)
	}

	audits := `SELECT count(*) FROM write_audit WHERE entity_table = 'projects' AND entity_key = $1`
	before := b.count(audits, key)
	_, err = b.viaCeiling(doc, move(version, "ON_HOLD"))
	var refused *answerError
	if !errors.As(err, &refused) || refused.status != http.StatusConflict || refused.code != "CONFLICT" || refused.ext["currentVersion"] != version+2 {
		t.Fatalf("a stale version: %v, want a CONFLICT at version %d", err, version+2)
	}
	if n := b.count(`SELECT version FROM projects WHERE id = $1`, key); int64(n) != version+2 || b.count(audits, key) != before {
		t.Errorf("after the CONFLICT: version %d, %d audit rows (were %d)", n, b.count(audits, key), before)
	}
}
