package write_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/operations"
)

// TestShippedMutations_ServedInTrustedMode: the mutations a frontend ships
// (operations/) are registered documents, so a server that runs only those
// serves them by id: log a week, move a project, staff its team.
func TestShippedMutations_ServedInTrustedMode(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	srv, db := httpapitest.NewServer(t, service.Config{PersistedQueries: persisted.Options{Mode: persisted.Trusted},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ops, err := operations.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := persisted.NewStore(db).Import(context.Background(), graph.NewExecutableSchema(graph.Config{}).Schema(), ops); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the registrations go with the test
		if _, err := a.db.Exec(context.Background(), `DELETE FROM persisted_queries WHERE trusted`); err != nil {
			t.Error(err)
		}
	})
	id := map[string]string{}
	for _, op := range ops {
		id[op.Name] = op.ID
	}
	send := func(c caller, op string, vars map[string]any) httpapitest.Reply {
		body, _ := json.Marshal(map[string]any{"documentId": id[op], "variables": vars})
		return httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
			"Authorization": "Bearer " + c.token(t)}, string(body))
	}
	me := caller{"viewer", f.viewer, []auth.Role{auth.Viewer}}
	pm := caller{"project manager", f.manager, []auth.Role{auth.Manager}}
	var week []any
	for d := 23; d <= 27; d++ {
		week = append(week, map[string]any{"projectId": gid("Project", f.project), "workDate": "2026-11-" + strconv.Itoa(d), "hours": "8", "billable": true})
	}
	for _, c := range []struct {
		who  caller
		op   string
		vars map[string]any
	}{
		{me, "LogWeek", map[string]any{"entries": week}},
		{pm, "MoveProject", map[string]any{"input": map[string]any{"id": gid("Project", f.project),
			"version": a.int(`SELECT version FROM projects WHERE id = $1`, f.project), "status": "ON_HOLD"}}},
		{pm, "StaffTeam", map[string]any{"input": map[string]any{"projectId": gid("Project", f.project), "employeeId": gid("Employee", f.other),
			"role": "Engineer", "allocationPercent": 40, "startsOn": "2027-03-01", "billRate": "95.00"}}},
	} {
		if r := send(c.who, c.op, c.vars); r.Status != 200 || len(r.Errors) > 0 {
			t.Errorf("%s by id as %s: status %d, %s", c.op, c.who.name, r.Status, r.Body)
		}
	}
	// Text is refused in trusted mode, writes included.
	body, _ := json.Marshal(map[string]any{"query": logTime, "variables": map[string]any{"in": map[string]any{"entries": week}}})
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
		"Authorization": "Bearer " + me.token(t)}, string(body))
	if r.Code() != "TRUSTED_DOCUMENT_REQUIRED" {
		t.Errorf("a mutation's text in trusted mode: %s", r.Body)
	}
}
