package write_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

// week is the timesheet workflow's cast in the demo data: an employee,
// their manager, the manager above, a manager elsewhere (a peer of no
// one's line), and hr and admin; every one an employee who may act.
type week struct {
	employee, manager, above, peer, hr, admin caller
	project                                   int64
}

func weekCast(a *api) week {
	a.t.Helper()
	f := cast(a)
	var e, m, g int64
	// An employee with no reports of their own, staffed on a project,
	// whose manager has a manager.
	a.one(&e, `SELECT e.id FROM employees e JOIN employees m ON m.id = e.manager_id
		WHERE m.manager_id IS NOT NULL AND e.status = 'active' AND e.hired_on < '2025-01-01'
		AND NOT EXISTS (SELECT 1 FROM employees r WHERE r.manager_id = e.id)
		AND EXISTS (SELECT 1 FROM assignments s WHERE s.employee_id = e.id)
		AND e.id NOT IN ($1, $2) ORDER BY e.id LIMIT 1`, f.hr, f.admin)
	m = a.int(`SELECT manager_id FROM employees WHERE id = $1`, e)
	g = a.int(`SELECT manager_id FROM employees WHERE id = $1`, m)
	// A manager of others, none of whom is in e's line, nor above e.
	peer := a.int(`SELECT p.id FROM employees p WHERE EXISTS (SELECT 1 FROM employees r WHERE r.manager_id = p.id)
		AND p.id NOT IN (WITH RECURSIVE up(id) AS (SELECT $1::bigint UNION SELECT x.manager_id FROM employees x JOIN up ON x.id = up.id
			WHERE x.manager_id IS NOT NULL) SELECT id FROM up) ORDER BY p.id LIMIT 1`, e)
	return week{
		employee: caller{"employee", e, []auth.Role{auth.Viewer}},
		manager:  caller{"manager", m, []auth.Role{auth.Manager}},
		above:    caller{"manager above", g, []auth.Role{auth.Manager}},
		peer:     caller{"peer manager", peer, []auth.Role{auth.Manager}},
		hr:       caller{"hr", f.hr, []auth.Role{auth.HR}},
		admin:    caller{"admin", f.admin, []auth.Role{auth.Admin}},
		project:  a.int(`SELECT min(project_id) FROM assignments WHERE employee_id = $1`, e),
	}
}

const (
	submitTimesheet = `mutation($in: SubmitTimesheetInput!) { submitTimesheet(input: $in) {
		timesheet { id status weekStart submittedAt comment decidedBy { id } employee { id } timeEntries { id workDate hours } } } }`
	approveTimesheet = `mutation($in: ApproveTimesheetInput!) { approveTimesheet(input: $in) {
		timesheet { id status comment decidedAt decidedBy { id } } } }`
	rejectTimesheet = `mutation($in: RejectTimesheetInput!) { rejectTimesheet(input: $in) {
		timesheet { id status comment decidedAt decidedBy { id } } } }`
	updateEntry = `mutation($in: UpdateTimeEntryInput!) { updateTimeEntry(input: $in) { timeEntry { id hours } } }`
	deleteEntry = `mutation($in: DeleteInput!) { deleteTimeEntry(input: $in) { deletedId } }`
)

func sheet(data map[string]any, field string) map[string]any {
	return data[field].(map[string]any)["timesheet"].(map[string]any)
}

// refusedAt checks that r is one BAD_USER_INPUT at field whose message
// names state, with no data.
func refusedAt(t *testing.T, what string, got []string, body []byte, field, state string) {
	t.Helper()
	if !slices.Equal(got, []string{"BAD_USER_INPUT " + field}) || !strings.Contains(string(body), state) {
		t.Errorf("%s: errors %q, want one BAD_USER_INPUT at %s naming %s\n%s", what, got, field, state, body)
	}
}

// TestTimesheet_SubmitRejectResubmitApprove walks a week through its
// whole life: submitted by its employee (its entries locked), rejected by
// their manager (open again), submitted anew and approved by the manager
// above; each step's event written, and an approved week's entries stay
// locked for good.
func TestTimesheet_SubmitRejectResubmitApprove(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	p := gid("Project", w.project)
	data := a.ok(w.employee, logTime, map[string]any{"in": map[string]any{"entries": []any{
		map[string]any{"projectId": p, "workDate": "2026-11-03", "hours": "6", "billable": true}}}})
	entry := data["logTime"].(map[string]any)["timeEntries"].([]any)[0].(map[string]any)["id"].(string)

	data = a.ok(w.employee, submitTimesheet, map[string]any{"in": map[string]any{"weekStart": "2026-11-02"}})
	ts := sheet(data, "submitTimesheet")
	id := ts["id"].(string)
	if ts["status"] != "SUBMITTED" || ts["submittedAt"] == nil || ts["employee"].(map[string]any)["id"] != gid("Employee", w.employee.employee) {
		t.Errorf("submitted: %v", ts)
	}
	if entries := ts["timeEntries"].([]any); len(entries) != 1 || entries[0].(map[string]any)["id"] != entry {
		t.Errorf("the week's entries are %v, want the one logged", entries)
	}

	// Submitted: the week's time is locked, each write at its field.
	locked := func(state string) {
		t.Helper()
		before := a.digest("time_entries")
		r := a.do(w.employee, logTime, map[string]any{"in": map[string]any{"entries": []any{
			map[string]any{"projectId": p, "workDate": "2026-11-04", "hours": "2", "billable": true}}}})
		refusedAt(t, "log into a "+state+" week", fields(r), r.Body, "input.entries.0.workDate", state)
		r = a.do(w.employee, updateEntry, map[string]any{"in": map[string]any{"id": entry, "hours": "7"}})
		refusedAt(t, "correct an entry of a "+state+" week", fields(r), r.Body, "input.workDate", state)
		r = a.do(w.employee, updateEntry, map[string]any{"in": map[string]any{"id": entry, "workDate": "2026-10-27"}})
		refusedAt(t, "move an entry out of a "+state+" week", fields(r), r.Body, "input.workDate", state)
		r = a.do(w.admin, deleteEntry, map[string]any{"in": map[string]any{"id": entry}})
		refusedAt(t, "delete an entry of a "+state+" week (even as admin)", fields(r), r.Body, "input.id", state)
		if a.digest("time_entries") != before {
			t.Errorf("a %s week's time changed", state)
		}
	}
	locked("SUBMITTED")
	// Another week of the same employee is not locked.
	a.ok(w.employee, logTime, map[string]any{"in": map[string]any{"entries": []any{
		map[string]any{"projectId": p, "workDate": "2026-11-09", "hours": "1", "billable": false}}}})

	data = a.ok(w.manager, rejectTimesheet, map[string]any{"in": map[string]any{"id": id, "comment": "Wrong project"}})
	ts = sheet(data, "rejectTimesheet")
	if ts["status"] != "REJECTED" || ts["comment"] != "Wrong project" || ts["decidedAt"] == nil ||
		ts["decidedBy"].(map[string]any)["id"] != gid("Employee", w.manager.employee) {
		t.Errorf("rejected: %v", ts)
	}
	// Rejected: open again.
	a.ok(w.employee, updateEntry, map[string]any{"in": map[string]any{"id": entry, "hours": "7"}})

	data = a.ok(w.employee, submitTimesheet, map[string]any{"in": map[string]any{"weekStart": "2026-11-02"}})
	ts = sheet(data, "submitTimesheet")
	if ts["id"] != id || ts["status"] != "SUBMITTED" || ts["comment"] != nil || ts["decidedBy"] != nil {
		t.Errorf("submitted again: %v (the same row, the last decision cleared)", ts)
	}
	data = a.ok(w.above, approveTimesheet, map[string]any{"in": map[string]any{"id": id}})
	ts = sheet(data, "approveTimesheet")
	if ts["status"] != "APPROVED" || ts["decidedBy"].(map[string]any)["id"] != gid("Employee", w.above.employee) {
		t.Errorf("approved: %v", ts)
	}
	locked("APPROVED")

	var got []string
	rows, err := a.db.Query(t.Context(), `SELECT type FROM events WHERE entity_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ string
		if err := rows.Scan(&typ); err != nil {
			t.Fatal(err)
		}
		got = append(got, typ)
	}
	if want := []string{"timesheet.submitted", "timesheet.rejected", "timesheet.submitted", "timesheet.approved"}; !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	var employee string
	a.one(&employee, `SELECT data->>'employee' FROM events WHERE entity_id = $1 ORDER BY id DESC LIMIT 1`, id)
	if employee != gid("Employee", w.employee.employee) {
		t.Errorf("the event names the employee %q", employee)
	}
}

// TestTimesheet_StepsOutOfOrderNameTheState: every step from a state it
// does not leave is BAD_USER_INPUT naming the state, and changes nothing.
func TestTimesheet_StepsOutOfOrderNameTheState(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	at := func(status, monday string) string {
		return gid("Timesheet", a.int(`INSERT INTO timesheets (employee_id, week_start, status) VALUES ($1, $2, $3) RETURNING id`, e, monday, status))
	}
	open, submitted, approved, rejected := at("open", "2026-10-05"), at("submitted", "2026-10-12"), at("approved", "2026-10-19"), at("rejected", "2026-10-26")
	for _, c := range []struct {
		name  string
		who   caller
		q     string
		in    map[string]any
		field string
		state string
	}{
		{"approve an open week", w.manager, approveTimesheet, map[string]any{"id": open}, "input.id", "OPEN"},
		{"reject an open week", w.manager, rejectTimesheet, map[string]any{"id": open, "comment": "no"}, "input.id", "OPEN"},
		{"approve an approved week", w.manager, approveTimesheet, map[string]any{"id": approved}, "input.id", "APPROVED"},
		{"reject an approved week", w.manager, rejectTimesheet, map[string]any{"id": approved, "comment": "no"}, "input.id", "APPROVED"},
		{"approve a rejected week", w.manager, approveTimesheet, map[string]any{"id": rejected}, "input.id", "REJECTED"},
		{"reject a rejected week", w.manager, rejectTimesheet, map[string]any{"id": rejected, "comment": "no"}, "input.id", "REJECTED"},
		{"submit a submitted week", w.employee, submitTimesheet, map[string]any{"weekStart": "2026-10-12"}, "input.weekStart", "SUBMITTED"},
		{"submit an approved week", w.employee, submitTimesheet, map[string]any{"weekStart": "2026-10-19"}, "input.weekStart", "APPROVED"},
		{"submit a week starting on a Tuesday", w.employee, submitTimesheet, map[string]any{"weekStart": "2026-10-06"}, "input.weekStart", "Tuesday"},
		{"submit a week to come", w.employee, submitTimesheet, map[string]any{"weekStart": "2099-01-05"}, "input.weekStart", "not begun"},
		{"submit a week before the hire", w.employee, submitTimesheet, map[string]any{"weekStart": "1990-01-01"}, "input.weekStart", "hired after"},
		{"reject without saying why", w.manager, rejectTimesheet, map[string]any{"id": submitted, "comment": "  "}, "input.comment", "empty"},
	} {
		before := a.digest("timesheets")
		audit, events := a.trail()
		r := a.do(c.who, c.q, map[string]any{"in": c.in})
		refusedAt(t, c.name, fields(r), r.Body, c.field, c.state)
		if r.Status != 400 {
			t.Errorf("%s: status %d, want 400", c.name, r.Status)
		}
		if a2, e2 := a.trail(); a.digest("timesheets") != before || a2 != audit || e2 != events {
			t.Errorf("%s: refused, yet something was written", c.name)
		}
	}
	// An open week is submitted like a week without a row.
	data := a.ok(w.employee, submitTimesheet, map[string]any{"in": map[string]any{"weekStart": "2026-10-05"}})
	if ts := sheet(data, "submitTimesheet"); ts["id"] != open || ts["status"] != "SUBMITTED" {
		t.Errorf("an open week submitted: %v", ts)
	}
}

// TestTimesheet_WhoMayTakeEachStep: a week is submitted by its employee
// (or an admin, naming them), decided by a manager anywhere above them (or
// an admin); everyone else is refused and nothing is written. A caller who
// may not see the week is told it does not exist.
func TestTimesheet_WhoMayTakeEachStep(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	analytics := caller{"analytics", 0, []auth.Role{auth.Analytics}}
	everyone := []caller{w.employee, w.manager, w.above, w.peer, w.hr, w.admin, analytics}
	// A week of its own for each attempt, after the seeded ones (the demo
	// data ends in the week of 2026-06-29) and before today.
	monday := time.Date(2026, time.July, 6, 0, 0, 0, 0, time.UTC)
	nextMonday := func() string {
		monday = monday.AddDate(0, 0, 7)
		return monday.Format(time.DateOnly)
	}
	submittedWeek := func() string {
		m := nextMonday()
		return gid("Timesheet", a.int(`INSERT INTO timesheets (employee_id, week_start, status, submitted_at)
			VALUES ($1, $2, 'submitted', now()) RETURNING id`, e, m))
	}
	steps := []struct {
		name   string
		make   func() (string, map[string]any)
		allow  []string
		hidden []string // refused as NOT_FOUND: the week does not exist for them
		event  string
	}{
		{"submitTimesheet", func() (string, map[string]any) {
			return submitTimesheet, map[string]any{"in": map[string]any{"weekStart": nextMonday(), "employeeId": gid("Employee", e)}}
		}, []string{"employee", "admin"}, nil, "timesheet.submitted"},
		{"approveTimesheet", func() (string, map[string]any) {
			return approveTimesheet, map[string]any{"in": map[string]any{"id": submittedWeek()}}
		}, []string{"manager", "manager above", "admin"}, []string{"peer manager"}, "timesheet.approved"},
		{"rejectTimesheet", func() (string, map[string]any) {
			return rejectTimesheet, map[string]any{"in": map[string]any{"id": submittedWeek(), "comment": "Please fix"}}
		}, []string{"manager", "manager above", "admin"}, []string{"peer manager"}, "timesheet.rejected"},
	}
	for _, s := range steps {
		for _, c := range everyone {
			q, vars := s.make()
			a.attempt(step{name: s.name, allow: s.allow, hidden: s.hidden, event: s.event, tables: []string{"timesheets"}}, c, q, vars)
		}
	}
	// The employee may not decide their own week, nor a manager theirs.
	for _, c := range []caller{w.employee, w.manager} {
		ts := a.int(`INSERT INTO timesheets (employee_id, week_start, status) VALUES ($1, '2024-01-01', 'submitted')
			ON CONFLICT (employee_id, week_start) DO UPDATE SET status = 'submitted' RETURNING id`, c.employee)
		if r := a.do(c, approveTimesheet, map[string]any{"in": map[string]any{"id": gid("Timesheet", ts)}}); r.Code() != "FORBIDDEN" {
			t.Errorf("%s approving their own week: %d %s", c.name, r.Status, r.Body)
		}
	}
}

// step is one attempt at a workflow's step, as the who-may tests make it:
// its name, the callers it allows and those to whom its row does not
// exist (NOT_FOUND; FORBIDDEN for the rest), the event it writes, and the
// tables it may change.
type step struct {
	name          string
	allow, hidden []string
	event         string
	tables        []string
}

// attempt sends q as c and checks the answer against s: done with an
// audit row and s's event, or refused with the right code and nothing
// written.
func (a *api) attempt(s step, c caller, q string, vars map[string]any) {
	a.t.Helper()
	digest := func() string {
		var d string
		for _, tbl := range s.tables {
			d += a.digest(tbl)
		}
		return d
	}
	before := digest()
	audit, events := a.trail()
	r := a.do(c, q, vars)
	if contains(s.allow, c.name) {
		if len(r.Errors) > 0 || r.Status != 200 {
			a.t.Errorf("%s as %s: want it done, got %d %s", s.name, c.name, r.Status, r.Body)
			return
		}
		var typ string
		a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
		if a2, _ := a.trail(); a2 == audit || typ != s.event {
			a.t.Errorf("%s as %s: audit %d→%d, last event %s; want an audit row and %s", s.name, c.name, audit, a2, typ, s.event)
		}
		return
	}
	want, status := "FORBIDDEN", 403
	if contains(s.hidden, c.name) {
		want, status = "NOT_FOUND", 404
	}
	if c.name == "analytics" {
		want, status = "TRUSTED_DOCUMENT_REQUIRED", r.Status
	}
	if r.Code() != want || r.Status != status || len(r.Data) != 0 {
		a.t.Errorf("%s as %s: want %d %s, got %d %s", s.name, c.name, status, want, r.Status, r.Body)
	}
	if a2, e2 := a.trail(); digest() != before || a2 != audit || e2 != events {
		a.t.Errorf("%s as %s: refused, yet something was written", s.name, c.name)
	}
}

// seen counts, in SQL, the rows of a table about a person (employee_id)
// matching cond that c sees: every one for hr and admin, else their own
// and, for a manager, those of the people below them.
func (a *api) seen(c caller, table, cond string) int64 {
	a.t.Helper()
	if c.name == "hr" || c.name == "admin" {
		return a.int(`SELECT count(*) FROM ` + table + ` WHERE ` + cond)
	}
	line := ""
	if slices.Contains(c.roles, auth.Manager) {
		line = ` OR employee_id IN (WITH RECURSIVE below(id) AS (SELECT id FROM employees WHERE manager_id = $1
			UNION SELECT x.id FROM employees x JOIN below b ON x.manager_id = b.id) SELECT id FROM below)`
	}
	return a.int(`SELECT count(*) FROM `+table+` WHERE `+cond+` AND (employee_id = $1`+line+`)`, c.employee)
}

// TestTimesheet_VisibleOnlyToTheEmployeeTheirLineHrAndAdmin: the
// visibility matrix through fields, node(id), the root list, an
// employee's list, totalCount, a filter and an ordering. To a peer a
// week of someone else does not exist anywhere.
func TestTimesheet_VisibleOnlyToTheEmployeeTheirLineHrAndAdmin(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	own := a.int(`SELECT count(*) FROM timesheets WHERE employee_id = $1`, e)
	if own < 50 {
		t.Fatalf("the demo employee has %d weeks; the seed gives about two years", own)
	}
	sheetID := gid("Timesheet", a.int(`SELECT min(id) FROM timesheets WHERE employee_id = $1`, e))
	emp := gid("Employee", e)
	const q = `query($e: ID!, $ts: ID!) {
		node(id: $ts) { ... on Timesheet { id status employee { id } } }
		timesheet(id: $ts) { id weekStart }
		employee(id: $e) { timesheets(first: 3, orderBy: [{field: WEEK_START, direction: DESC}]) { totalCount nodes { weekStart } } }
		mine: timesheets(filter: {employee: {id: {eq: $e}}}) { totalCount }
		approved: timesheets(first: 100, filter: {status: {eq: APPROVED}}, orderBy: [{field: WEEK_START, direction: DESC}]) {
			totalCount nodes { employee { id } weekStart } }
	}`
	// approvedSeen is what a caller sees of the approved weeks, by SQL.
	approvedSeen := func(c caller) int64 { return a.seen(c, "timesheets", "status = 'approved'") }
	for _, c := range []struct {
		who  caller
		sees bool
	}{{w.employee, true}, {w.manager, true}, {w.above, true}, {w.peer, false}, {w.hr, true}, {w.admin, true}} {
		data := a.ok(c.who, q, map[string]any{"e": emp, "ts": sheetID})
		var want int64
		if c.sees {
			want = own
		}
		node, _ := data["node"].(map[string]any)
		one, _ := data["timesheet"].(map[string]any)
		list := data["employee"].(map[string]any)["timesheets"].(map[string]any)
		mine := data["mine"].(map[string]any)["totalCount"]
		if (node != nil) != c.sees || (one != nil) != c.sees {
			t.Errorf("%s: node %v, timesheet %v; seen: %v", c.who.name, node, one, c.sees)
		}
		if list["totalCount"] != float64(want) || mine != float64(want) {
			t.Errorf("%s: Employee.timesheets counts %v, the filtered root list %v; want %d", c.who.name, list["totalCount"], mine, want)
		}
		if n := len(list["nodes"].([]any)); c.sees != (n == 3) || !c.sees && n != 0 {
			t.Errorf("%s: %d of the employee's weeks listed", c.who.name, n)
		}
		approved := data["approved"].(map[string]any)
		if approved["totalCount"] != float64(approvedSeen(c.who)) {
			t.Errorf("%s: %v approved weeks counted, %d visible to them", c.who.name, approved["totalCount"], approvedSeen(c.who))
		}
		prev := "9999"
		for _, n := range approved["nodes"].([]any) {
			n := n.(map[string]any)
			if !c.sees && n["employee"].(map[string]any)["id"] == emp {
				t.Errorf("%s: the employee's week %v is listed", c.who.name, n["weekStart"])
			}
			if ws := n["weekStart"].(string); ws > prev {
				t.Errorf("%s: %s after %s, not newest first", c.who.name, ws, prev)
			} else {
				prev = ws
			}
		}
	}
	// The analytics role runs registered operations only: no text query
	// reaches a timesheet.
	if r := a.do(caller{"analytics", 0, []auth.Role{auth.Analytics}}, q, map[string]any{"e": emp, "ts": sheetID}); len(r.Data) != 0 {
		t.Errorf("analytics read %s", r.Data)
	}
}

// TestTimesheet_SubmissionWaitsForTimeBeingWritten: time being logged into
// a week that has no row yet (its checks passed, its insert not yet
// committed) holds the week's submission back until it commits, so the
// entry is part of what is submitted rather than slipping in after.
func TestTimesheet_SubmissionWaitsForTimeBeingWritten(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	ctx := t.Context()
	// The insert of the time entry waits on this lock, after its checks.
	locker := httpapitest.Conn(t)
	tx, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE time_entries IN SHARE MODE`); err != nil {
		t.Fatal(err)
	}
	watcher := httpapitest.Conn(t)
	waiting := func(what, event string) func() bool {
		return func() bool {
			var n int
			_ = watcher.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'bizgraph'
				AND wait_event = $1 AND query LIKE $2`, event, what).Scan(&n)
			return n == 1
		}
	}
	logged := make(chan httpapitest.Reply, 1)
	go func() {
		logged <- a.do(w.employee, logTime, map[string]any{"in": map[string]any{"entries": []any{map[string]any{
			"projectId": gid("Project", w.project), "workDate": "2026-11-05", "hours": "3", "billable": true}}}})
	}()
	until(t, "the time entry's insert to wait", waiting("INSERT INTO time_entries%", "relation"))
	submitted := make(chan httpapitest.Reply, 1)
	go func() {
		submitted <- a.do(w.employee, submitTimesheet, map[string]any{"in": map[string]any{"weekStart": "2026-11-02"}})
	}()
	until(t, "the submission to wait for the week's time", func() bool {
		select {
		case r := <-submitted:
			t.Fatalf("submitted while time was being written into the week: %s", r.Body)
		default:
		}
		return waiting("%pg_advisory_xact_lock(%", "advisory")()
	})
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-logged; r.Status != 200 {
		t.Fatalf("logging: %d %s", r.Status, r.Body)
	}
	r := <-submitted
	var data struct {
		SubmitTimesheet struct {
			Timesheet struct {
				Status      string
				TimeEntries []struct{ WorkDate string }
			}
		}
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || r.Status != 200 {
		t.Fatalf("submission: %d %s", r.Status, r.Body)
	}
	if ts := data.SubmitTimesheet.Timesheet; ts.Status != "SUBMITTED" || len(ts.TimeEntries) != 1 || ts.TimeEntries[0].WorkDate != "2026-11-05" {
		t.Errorf("submitted %+v, want the week with the entry logged before it", ts)
	}
}

// until polls cond (a look at another session's state) for up to ten
// seconds.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
