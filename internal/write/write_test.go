package write_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
)

func fields(r httpapitest.Reply) []string {
	var out []string
	for _, e := range r.Errors {
		f, _ := e.Extensions["field"].(string)
		out = append(out, fmt.Sprint(e.Extensions["code"])+" "+f)
	}
	sort.Strings(out)
	return out
}

const logTime = `mutation Log($in: LogTimeInput!) { logTime(input: $in) { timeEntries { id hours workDate project { code } } } }`

// TestLogTime_ReportsEveryProblemAtOnceAndWritesNothing: one request with
// several bad entries gets one BAD_USER_INPUT per problem, each at its
// input path, and not one entry is written (all or none).
func TestLogTime_ReportsEveryProblemAtOnceAndWritesNothing(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	me := caller{"viewer", f.viewer, []auth.Role{auth.Viewer}}
	p := gid("Project", f.project)
	entries := a.int(`SELECT count(*) FROM time_entries`)
	r := a.do(me, logTime, map[string]any{"in": map[string]any{"entries": []any{
		map[string]any{"projectId": p, "workDate": "2026-11-02", "hours": "8", "billable": true},
		map[string]any{"projectId": p, "workDate": "2026-11-03", "hours": "25", "billable": true},
		map[string]any{"projectId": p, "workDate": "2026-11-04", "hours": "0", "billable": true},
		map[string]any{"projectId": p, "workDate": "2026-11-05", "hours": "1.555", "billable": false},
		map[string]any{"projectId": gid("Project", 999999), "workDate": "2026-11-06", "hours": "1", "billable": false},
		map[string]any{"projectId": p, "workDate": "1990-01-01", "hours": "1", "billable": false},
	}}})
	want := []string{
		"BAD_USER_INPUT input.entries",         // 1990 to 2026 is not a week
		"BAD_USER_INPUT input.entries.1.hours", // over 24
		"BAD_USER_INPUT input.entries.2.hours", // not more than 0
		"BAD_USER_INPUT input.entries.3.hours", // three decimals
		"BAD_USER_INPUT input.entries.4.projectId",
		"BAD_USER_INPUT input.entries.5.workDate", // before the hire
	}
	if got := fields(r); !slices.Equal(got, want) {
		t.Errorf("errors at %q, want %q\n%s", got, want, r.Body)
	}
	if r.Status != 400 || len(r.Data) != 0 {
		t.Errorf("status %d, data %s; want 400 and no data", r.Status, r.Data)
	}
	if n := a.int(`SELECT count(*) FROM time_entries`); n != entries {
		t.Errorf("%d time entries after a refused log, %d before: all or none", n, entries)
	}
	// The same week, fixed, is logged whole and read back in order.
	var week []any
	for d := 2; d <= 6; d++ {
		week = append(week, map[string]any{"projectId": p, "workDate": fmt.Sprintf("2026-11-%02d", d), "hours": "7.5", "billable": true})
	}
	data := a.ok(me, logTime, map[string]any{"in": map[string]any{"entries": week}})
	got := data["logTime"].(map[string]any)["timeEntries"].([]any)
	if len(got) != 5 || got[4].(map[string]any)["workDate"] != "2026-11-06" || got[0].(map[string]any)["hours"] != "7.50" {
		t.Errorf("logged %v", got)
	}
	if n := a.int(`SELECT count(*) FROM time_entries WHERE employee_id = $1 AND work_date BETWEEN '2026-11-02' AND '2026-11-06' AND hours = 7.5`, f.viewer); n != 5 {
		t.Errorf("%d entries of the week in the table, want 5", n)
	}
}

// TestCreateProject_Validation: uniqueness, dates, codes, money scale and
// references, all reported together.
func TestCreateProject_Validation(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	var taken string
	a.one(&taken, `SELECT code FROM projects WHERE id = $1`, f.project)
	r := a.do(admin, `mutation($in: CreateProjectInput!) { createProject(input: $in) { project { id } } }`, map[string]any{"in": map[string]any{
		"code": taken, "name": " ", "customerId": gid("Employee", f.viewer), "currency": "euro", "billingModel": "FIXED_PRICE",
		"startOn": "2026-12-01", "dueOn": "2026-11-01", "budget": "10.001", "status": "COMPLETED"}})
	want := []string{"BAD_USER_INPUT input.budget", "BAD_USER_INPUT input.code", "BAD_USER_INPUT input.currency",
		"BAD_USER_INPUT input.customerId", "BAD_USER_INPUT input.dueOn", "BAD_USER_INPUT input.name", "BAD_USER_INPUT input.status"}
	if got := fields(r); !slices.Equal(got, want) {
		t.Errorf("errors at %q, want %q\n%s", got, want, r.Body)
	}
}

const updateProject = `mutation Move($in: UpdateProjectInput!) { updateProject(input: $in) {
	project { id status version completedAt team(first: 50) { totalCount nodes { role employee { lastName department { name } } } } } } }`

// TestUpdateProject_StatusMovesAndReadsBackTheTeam: the status machine, a
// completed project's completedAt, and the payload read through the graph
// in the write's transaction.
func TestUpdateProject_StatusMovesAndReadsBackTheTeam(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	pm := caller{"project manager", f.manager, []auth.Role{auth.Manager}}
	p := gid("Project", f.project)
	v := a.int(`SELECT version FROM projects WHERE id = $1`, f.project)
	r := a.do(pm, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v, "status": "PROPOSED"}})
	if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.status"}) {
		t.Errorf("active → proposed: errors %q\n%s", got, r.Body)
	}
	for i, step := range []string{"ON_HOLD", "ACTIVE", "COMPLETED"} {
		data := a.ok(pm, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v + int64(i), "status": step}})
		got := data["updateProject"].(map[string]any)["project"].(map[string]any)
		if got["status"] != step || got["version"] != float64(v+int64(i)+1) {
			t.Errorf("move to %s: %v", step, got)
		}
		team := got["team"].(map[string]any)
		if n := a.int(`SELECT count(*) FROM assignments WHERE project_id = $1`, f.project); team["totalCount"] != float64(n) {
			t.Errorf("team read back with %v members, the table has %d", team["totalCount"], n)
		}
		first := team["nodes"].([]any)[0].(map[string]any)["employee"].(map[string]any)["department"].(map[string]any)
		if first["name"] == "" {
			t.Errorf("team member's department not read back: %v", first)
		}
		if done := got["completedAt"]; (step == "COMPLETED") != (done != nil) {
			t.Errorf("after %s completedAt is %v", step, done)
		}
	}
	r = a.do(pm, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v + 3, "status": "ACTIVE"}})
	if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.status"}) {
		t.Errorf("completed → active: errors %q", got)
	}
}

// TestUpdate_StaleVersionIsAConflictAndOverwritesNothing, and sixteen
// writers racing on one version: exactly one wins, the others conflict,
// and the version counts the winners.
func TestUpdate_StaleVersionIsAConflictAndOverwritesNothing(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	p := gid("Project", f.project)
	v := a.int(`SELECT version FROM projects WHERE id = $1`, f.project)
	a.ok(admin, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v, "description": "first"}})
	r := a.do(admin, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v, "description": "second"}})
	if r.Code() != "CONFLICT" || r.Status != 409 || r.Errors[0].Extensions["currentVersion"] != float64(v+1) {
		t.Errorf("stale version: status %d, errors %+v", r.Status, r.Errors)
	}
	var desc string
	a.one(&desc, `SELECT description FROM projects WHERE id = $1`, f.project)
	if desc != "first" {
		t.Errorf("description %q after a conflict, want the first write's", desc)
	}

	const writers = 16
	v = a.int(`SELECT version FROM projects WHERE id = $1`, f.project)
	var wg sync.WaitGroup
	codes := make([]string, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a.do(admin, updateProject, map[string]any{"in": map[string]any{"id": p, "version": v, "description": fmt.Sprint("writer ", i)}})
			codes[i] = r.Code()
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "CONFLICT":
		default:
			t.Errorf("a racing writer got %s", c)
		}
	}
	if won != 1 || a.int(`SELECT version FROM projects WHERE id = $1`, f.project) != v+1 {
		t.Errorf("%d of %d racing writers won; version %d → %d", won, writers, v, a.int(`SELECT version FROM projects WHERE id = $1`, f.project))
	}
}

// TestIdempotencyKey: a retry replays the first answer byte for byte and
// writes nothing more; the key with another request is refused; a retry
// while the first still runs is told so.
func TestIdempotencyKey(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	me := caller{"viewer", f.viewer, []auth.Role{auth.Viewer}}
	in := map[string]any{"in": map[string]any{"entries": []any{
		map[string]any{"projectId": gid("Project", f.project), "workDate": "2026-11-09", "hours": "4", "billable": true}}}}
	count := func() int64 {
		return a.int(`SELECT count(*) FROM time_entries WHERE employee_id = $1 AND work_date = '2026-11-09'`, f.viewer)
	}
	first := a.do(me, logTime, in, "Idempotency-Key", "key-1")
	again := a.do(me, logTime, in, "Idempotency-Key", "key-1")
	if first.Status != 200 || !bytes.Equal(first.Body, again.Body) {
		t.Errorf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	// The draft sends the key as a structured-field string, quoted: the
	// same key.
	if quoted := a.do(me, logTime, in, "Idempotency-Key", `"key-1"`); !bytes.Equal(first.Body, quoted.Body) {
		t.Errorf("the quoted key is another key:\n%s\n%s", first.Body, quoted.Body)
	}
	if n := count(); n != 1 {
		t.Errorf("%d entries after a request and its retries, want 1", n)
	}
	in["in"].(map[string]any)["entries"].([]any)[0].(map[string]any)["hours"] = "5"
	if r := a.do(me, logTime, in, "Idempotency-Key", "key-1"); r.Code() != "IDEMPOTENCY_KEY_REUSED" || r.Status != 422 {
		t.Errorf("key reused for another request: status %d, errors %+v", r.Status, r.Errors)
	}
	// Another caller's key of the same name is theirs.
	other := caller{"hr", f.hr, []auth.Role{auth.HR}}
	if r := a.do(other, logTime, in, "Idempotency-Key", "key-1"); r.Code() != "" {
		t.Errorf("another caller's same key: %+v", r.Errors)
	}
	// While a request with the key runs (its transaction holds the key's
	// lock, as this session now does), a retry is told to wait.
	ctx := context.Background()
	tx, err := a.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, "test-viewer\nkey-2"); err != nil {
		t.Fatal(err)
	}
	r := a.do(me, logTime, in, "Idempotency-Key", "key-2")
	if r.Code() != "IDEMPOTENCY_KEY_IN_USE" || r.Status != 409 || r.Header.Get("Retry-After") == "" {
		t.Errorf("key in use: status %d, Retry-After %q, errors %+v", r.Status, r.Header.Get("Retry-After"), r.Errors)
	}
	if r := a.do(me, logTime, in, "Idempotency-Key", "bad key with spaces"); r.Code() != "BAD_REQUEST" || r.Status != 400 {
		t.Errorf("malformed key: status %d, errors %+v", r.Status, r.Errors)
	}
}

// TestOperation_RootFieldsCommitTogether: when the second mutation of an
// operation fails, the first is rolled back too, and data is null.
func TestOperation_RootFieldsCommitTogether(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	v := a.int(`SELECT version FROM projects WHERE id = $1`, f.project)
	before := a.digest("projects")
	audit, events := a.trail()
	r := a.do(admin, `mutation($p: ID!, $v: Int!) {
		ok: updateProject(input: {id: $p, version: $v, description: "committed?"}) { project { id } }
		bad: updateProject(input: {id: $p, version: $v, description: "stale"}) { project { id } } }`,
		map[string]any{"p": gid("Project", f.project), "v": v})
	if r.Code() != "CONFLICT" || r.Status != 409 || len(r.Data) != 0 {
		t.Errorf("second field stale: data %s, errors %+v", r.Data, r.Errors)
	}
	if a.digest("projects") != before {
		t.Error("the first field's write committed though the operation failed")
	}
	if a2, e2 := a.trail(); a2 != audit || e2 != events {
		t.Errorf("the trail grew for a rolled back operation: audit %d→%d, events %d→%d", audit, a2, events, e2)
	}
}

// TestTrail_AuditAndEvents: a write leaves its audit row (old and new
// values, sensitive ones apart) and its event (non-sensitive data only,
// the entity's global id, the actor), in its transaction.
func TestTrail_AuditAndEvents(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	hr := caller{"hr", f.hr, []auth.Role{auth.HR}}
	v := a.int(`SELECT version FROM employees WHERE id = $1`, f.other)
	var oldTitle *string
	a.one(&oldTitle, `SELECT title FROM employees WHERE id = $1`, f.other)
	a.ok(hr, `mutation Raise($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id salary } } }`,
		map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": v, "salary": "91234.50", "title": "Principal"}})
	var changes, sensitive, op string
	var claimed bool
	a.one(&changes, `SELECT changes::text FROM write_audit WHERE entity_table = 'employees' AND entity_key = $1`, f.other)
	a.one(&sensitive, `SELECT sensitive_changes::text FROM write_audit WHERE entity_table = 'employees' AND entity_key = $1`, f.other)
	a.one(&op, `SELECT operation FROM write_audit WHERE entity_key = $1`, f.other)
	a.one(&claimed, `SELECT operation_claimed FROM write_audit WHERE entity_key = $1`, f.other)
	var c, s map[string][2]any
	_ = json.Unmarshal([]byte(changes), &c)
	_ = json.Unmarshal([]byte(sensitive), &s)
	if c["title"][1] != "Principal" || c["title"][0] != deref(oldTitle) || c["salary"] != [2]any{} && len(c["salary"]) > 0 && c["salary"][1] != nil {
		t.Errorf("changes %s", changes)
	}
	if _, leaked := c["salary"]; leaked {
		t.Errorf("salary in the audit's changes, which non-admins may read: %s", changes)
	}
	if fmt.Sprint(s["salary"][1]) != "91234.5" {
		t.Errorf("sensitive changes %s, want the new salary", sensitive)
	}
	if op != "Raise" || !claimed {
		t.Errorf("operation %q claimed %v", op, claimed)
	}
	var typ, entity, actor, data string
	a.one(&typ, `SELECT type FROM events WHERE entity_type = 'Employee'`)
	a.one(&entity, `SELECT entity_id FROM events WHERE entity_type = 'Employee'`)
	a.one(&actor, `SELECT actor FROM events WHERE entity_type = 'Employee'`)
	a.one(&data, `SELECT data::text FROM events WHERE entity_type = 'Employee'`)
	var d map[string]any
	_ = json.Unmarshal([]byte(data), &d)
	if typ != "employee.updated" || entity != gid("Employee", f.other) || actor != "test-hr" || d["title"] != "Principal" {
		t.Errorf("event %s %s by %s: %s", typ, entity, actor, data)
	}
	for _, col := range []string{"salary", "salaryCurrency", "personalEmail", "phone", "birthDate", "homeAddress"} {
		if _, leaked := d[col]; leaked {
			t.Errorf("the event carries the sensitive %s: %s", col, data)
		}
	}
	if d["department"] == nil || d["id"] != gid("Employee", f.other) {
		t.Errorf("the event names related rows by global id: %s", data)
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// TestTrees_StayTrees: a department under its own descendant, or an
// employee managed by someone who reports to them, is refused.
func TestTrees_StayTrees(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	root := a.int(`SELECT id FROM departments WHERE parent_id IS NULL ORDER BY id LIMIT 1`)
	child := a.int(`SELECT id FROM departments WHERE parent_id = $1 ORDER BY id LIMIT 1`, root)
	r := a.do(admin, `mutation($in: UpdateDepartmentInput!) { updateDepartment(input: $in) { department { id } } }`,
		map[string]any{"in": map[string]any{"id": gid("Department", root), "parentId": gid("Department", child)}})
	if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.parentId"}) {
		t.Errorf("department under its child: %q", got)
	}
	boss := a.int(`SELECT manager_id FROM employees WHERE manager_id IS NOT NULL ORDER BY id LIMIT 1`)
	report := a.int(`SELECT id FROM employees WHERE manager_id = $1 ORDER BY id LIMIT 1`, boss)
	v := a.int(`SELECT version FROM employees WHERE id = $1`, boss)
	r = a.do(admin, `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id } } }`,
		map[string]any{"in": map[string]any{"id": gid("Employee", boss), "version": v, "managerId": gid("Employee", report)}})
	if got := fields(r); !slices.Equal(got, []string{"BAD_USER_INPUT input.managerId"}) {
		t.Errorf("manager managed by their report: %q", got)
	}
	r = a.do(admin, `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id } } }`,
		map[string]any{"in": map[string]any{"id": gid("Employee", 999999), "version": 1}})
	if r.Code() != "NOT_FOUND" || r.Status != 404 {
		t.Errorf("unknown employee: status %d, %+v", r.Status, r.Errors)
	}
}

// TestStatements_AMutationsAnswerCostsOnePerLevel: a mutation's answer is
// read like a query's, one statement per level, so logging five entries
// costs what logging one does, and a project's status change read back
// with a large team costs what one with a small team does.
func TestStatements_AMutationsAnswerCostsOnePerLevel(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	me := caller{"viewer", f.viewer, []auth.Role{auth.Viewer}}
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	statements := func(c caller, q string, vars map[string]any) int64 {
		before := a.pool.Statements()
		a.ok(c, q, vars)
		return a.pool.Statements() - before
	}
	week := func(days int) map[string]any {
		var entries []any
		for d := range days {
			entries = append(entries, map[string]any{"projectId": gid("Project", f.project),
				"workDate": fmt.Sprintf("2026-11-%02d", 16+d), "hours": "8", "billable": true})
		}
		return map[string]any{"in": map[string]any{"entries": entries}}
	}
	one, five := statements(me, logTime, week(1)), statements(me, logTime, week(5))
	t.Logf("logTime: %d statements for one entry, %d for five", one, five)
	if one != five {
		t.Errorf("logging one entry costs %d statements, five %d: want the same", one, five)
	}
	small := a.int(`SELECT project_id FROM assignments GROUP BY project_id HAVING count(*) = 1 ORDER BY project_id LIMIT 1`)
	large := a.int(`SELECT project_id FROM assignments GROUP BY project_id ORDER BY count(*) DESC, project_id LIMIT 1`)
	move := func(p int64) int64 {
		v := a.int(`SELECT version FROM projects WHERE id = $1`, p)
		return statements(admin, updateProject, map[string]any{"in": map[string]any{"id": gid("Project", p), "version": v, "priority": "CRITICAL"}})
	}
	s, l := move(small), move(large)
	t.Logf("updateProject read back with its team: %d statements for a team of 1, %d for a team of %d", s, l,
		a.int(`SELECT count(*) FROM assignments WHERE project_id = $1`, large))
	if s != l {
		t.Errorf("a project's change read back with a team of one costs %d statements, with a large team %d", s, l)
	}
}

// TestWriteAudit_AdminsReadItWithTheSensitiveValues: the audit of writes is
// read through the API by admins only; the sensitive columns' old and new
// values are there, apart.
func TestWriteAudit_AdminsReadItWithTheSensitiveValues(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	hr := caller{"hr", f.hr, []auth.Role{auth.HR}}
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	v := a.int(`SELECT version FROM employees WHERE id = $1`, f.other)
	a.ok(hr, `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id } } }`,
		map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": v, "salary": "88000.00", "location": "Lyon"}})
	const q = `{ writeAudit(last: 1) { nodes { subject roles action table record operation
		changes { column new } sensitiveChanges { column new } } } }`
	if r := a.do(hr, q, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("hr reads the audit of writes: %s", r.Body)
	}
	data := a.ok(admin, q, nil)
	got, _ := json.Marshal(data["writeAudit"].(map[string]any)["nodes"])
	want := fmt.Sprintf(`[{"action":"update","changes":[{"column":"location","new":"Lyon"}],"operation":null,"record":%q,`+
		`"roles":["hr"],"sensitiveChanges":[{"column":"salary","new":"88000.00"}],"subject":"test-hr","table":"employees"}]`, gid("Employee", f.other))
	if string(got) != want {
		t.Errorf("write audit\n got %s\nwant %s", got, want)
	}
	// Reading the sensitive values is a read of a salary: it is audited,
	// under the employee whose salary it is.
	if err := a.audit.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var employee int64
	if err := a.db.QueryRow(context.Background(), `SELECT employee_id FROM audit_events
		WHERE field = 'WriteAuditEntry.sensitiveChanges' ORDER BY id DESC LIMIT 1`).Scan(&employee); err != nil {
		t.Fatalf("no audit record of the read of the audit's sensitive values: %v", err)
	}
	if employee != f.other {
		t.Errorf("the read of the audit's salary is recorded for employee %d, want %d", employee, f.other)
	}
}
