package write_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/operations"
)

const (
	startOnboarding = `mutation($in: StartOnboardingInput!) { startOnboarding(input: $in) { onboarding {
		id status startsOn completedAt employee { id } template { id }
		tasks(first: 20, orderBy: [{field: DUE_ON, direction: ASC}]) { totalCount nodes { id title owner dueOn completedAt overdue } } } } }`
	completeTask = `mutation($in: CompleteOnboardingTaskInput!) { completeOnboardingTask(input: $in) {
		task { id completedAt completedBy { id } overdue } onboarding { id status completedAt } } }`
	cancelOnboarding = `mutation($in: CancelOnboardingInput!) { cancelOnboarding(input: $in) { onboarding { id status completedAt } } }`
	myOpenTasks      = `{ me { openTasks(first: 50) { totalCount nodes { id owner onboarding { employee { id } } } } } }`
)

// checklist is a template of four tasks, one per owner, for the tests.
func (a *api) checklist() int64 {
	a.t.Helper()
	tpl := a.int(`INSERT INTO onboarding_templates (name) VALUES ('Test checklist') RETURNING id`)
	if _, err := a.db.Exec(a.t.Context(), `INSERT INTO onboarding_template_tasks (template_id, position, title, owner, due_offset_days)
		VALUES ($1, 1, 'Contract', 'hr', 0), ($1, 2, 'Laptop', 'it', 1), ($1, 3, 'Welcome', 'manager', 2), ($1, 4, 'Handbook', 'new_hire', 5)`, tpl); err != nil {
		a.t.Fatal(err)
	}
	return tpl
}

// underWay is an onboarding of employee in progress (another one in
// progress is cancelled first), with an open hr task that keeps it so.
func (a *api) underWay(employee, template int64) int64 {
	a.t.Helper()
	if _, err := a.db.Exec(a.t.Context(), `UPDATE onboardings SET status = 'cancelled' WHERE employee_id = $1 AND status = 'in_progress'`, employee); err != nil {
		a.t.Fatal(err)
	}
	o := a.int(`INSERT INTO onboardings (employee_id, template_id, starts_on) VALUES ($1, $2, '2026-11-02') RETURNING id`, employee, template)
	a.task(o, "hr")
	return o
}

func (a *api) exec(sql string, args ...any) {
	a.t.Helper()
	if _, err := a.db.Exec(a.t.Context(), sql, args...); err != nil {
		a.t.Fatalf("%s: %v", sql, err)
	}
}

// task adds an open task of owner to onboarding o.
func (a *api) task(o int64, owner string) int64 {
	a.t.Helper()
	return a.int(`INSERT INTO onboarding_tasks (onboarding_id, title, owner, due_on) VALUES ($1, 'A task', $2, '2026-11-09') RETURNING id`, o, owner)
}

func payload(data map[string]any, field, key string) map[string]any {
	return data[field].(map[string]any)[key].(map[string]any)
}

func ids(nodes []any) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.(map[string]any)["id"].(string))
	}
	return out
}

// TestOnboarding_StartCompleteEveryTaskAsItsOwner walks an onboarding
// through its life: hr starts it (the template's tasks copied, due from
// the start), each task is completed by its owner (it by an admin), the
// open tasks waiting on the new hire and on their managers are in their
// openTasks until done, and the last task completes the onboarding; every
// step writes its event.
func TestOnboarding_StartCompleteEveryTaskAsItsOwner(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	tpl := a.checklist()
	e := w.employee.employee
	data := a.ok(w.hr, startOnboarding, map[string]any{"in": map[string]any{
		"employeeId": gid("Employee", e), "templateId": gid("OnboardingTemplate", tpl), "startsOn": "2026-11-02"}})
	o := payload(data, "startOnboarding", "onboarding")
	oid := o["id"].(string)
	if o["status"] != "IN_PROGRESS" || o["startsOn"] != "2026-11-02" || o["completedAt"] != nil ||
		o["employee"].(map[string]any)["id"] != gid("Employee", e) || o["template"].(map[string]any)["id"] != gid("OnboardingTemplate", tpl) {
		t.Errorf("started: %v", o)
	}
	tasks := o["tasks"].(map[string]any)["nodes"].([]any)
	var due, owners []string
	byOwner := map[string]string{}
	for _, n := range tasks {
		n := n.(map[string]any)
		due = append(due, n["dueOn"].(string))
		owners = append(owners, n["owner"].(string))
		byOwner[n["owner"].(string)] = n["id"].(string)
		if n["completedAt"] != nil || n["overdue"] != true { // due in November 2026, open
			t.Errorf("a new task: %v", n)
		}
	}
	if want := []string{"2026-11-02", "2026-11-03", "2026-11-04", "2026-11-07"}; !slices.Equal(due, want) ||
		!slices.Equal(owners, []string{"HR", "IT", "MANAGER", "NEW_HIRE"}) {
		t.Errorf("tasks due %v owned by %v; want the template's, due %v", due, owners, want)
	}

	// What waits on whom: the new hire's task on them, the manager's task
	// on every manager above them; hr's and it's on no one.
	for _, c := range []struct {
		who  caller
		want []string
	}{{w.employee, []string{byOwner["NEW_HIRE"]}}, {w.manager, []string{byOwner["MANAGER"]}},
		{w.above, []string{byOwner["MANAGER"]}}, {w.peer, nil}} {
		got := ids(a.ok(c.who, myOpenTasks, nil)["me"].(map[string]any)["openTasks"].(map[string]any)["nodes"].([]any))
		mine := slices.DeleteFunc(got, func(id string) bool { return !slices.Contains(ids(tasks), id) })
		if !slices.Equal(mine, c.want) {
			t.Errorf("%s: open tasks of the onboarding %v, want %v", c.who.name, mine, c.want)
		}
	}

	for i, step := range []struct {
		owner string
		who   caller
	}{{"NEW_HIRE", w.employee}, {"MANAGER", w.manager}, {"HR", w.hr}, {"IT", w.admin}} {
		data := a.ok(step.who, completeTask, map[string]any{"in": map[string]any{"id": byOwner[step.owner]}})
		task, ob := payload(data, "completeOnboardingTask", "task"), payload(data, "completeOnboardingTask", "onboarding")
		by, _ := task["completedBy"].(map[string]any)
		if task["completedAt"] == nil || task["overdue"] != false || by == nil || by["id"] != gid("Employee", step.who.employee) {
			t.Errorf("%s's task completed: %v", step.owner, task)
		}
		last := i == 3
		if (ob["status"] == "COMPLETED") != last || (ob["completedAt"] != nil) != last || ob["id"] != oid {
			t.Errorf("after %d of 4 tasks the onboarding is %v", i+1, ob)
		}
	}
	if got := a.ok(w.employee, myOpenTasks, nil)["me"].(map[string]any)["openTasks"].(map[string]any)["totalCount"]; got != float64(0) {
		t.Errorf("after the onboarding completed, %v tasks wait on the new hire", got)
	}

	rows, err := a.db.Query(t.Context(), `SELECT type FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var typ string
		if err := rows.Scan(&typ); err != nil {
			t.Fatal(err)
		}
		got = append(got, typ)
	}
	want := []string{"onboarding.started", "onboarding_task.completed", "onboarding_task.completed", "onboarding_task.completed",
		"onboarding_task.completed", "onboarding.completed"}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	var employee string
	a.one(&employee, `SELECT data->>'employee' FROM events WHERE type = 'onboarding.completed'`)
	if employee != gid("Employee", e) {
		t.Errorf("the completion's event names the employee %q", employee)
	}
	// The tasks' creation is in the write audit with the onboarding's.
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table = 'onboarding_tasks' AND action = 'create'`); n != 4 {
		t.Errorf("%d task creations audited, want 4", n)
	}
}

// TestOnboarding_StartFindsTheDepartmentsTemplateElseTheGeneralOne: without
// templateId, the employee's department's template is used, else the one
// for any department; with neither, templateId is asked for.
func TestOnboarding_StartFindsTheDepartmentsTemplateElseTheGeneralOne(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	a.checklist() // a second template for any department: the first created is used
	a.exec(`DELETE FROM onboarding_tasks WHERE onboarding_id IN (SELECT id FROM onboardings WHERE employee_id = $1)`, e)
	a.exec(`DELETE FROM onboardings WHERE employee_id = $1`, e)
	ownDept := a.int(`SELECT id FROM onboarding_templates WHERE department_id = (SELECT department_id FROM employees WHERE id = $1) ORDER BY id LIMIT 1`, e)
	want := ownDept
	if want == 0 {
		want = a.int(`SELECT min(id) FROM onboarding_templates WHERE department_id IS NULL`)
	}
	start := func() map[string]any {
		r := a.do(w.hr, startOnboarding, map[string]any{"in": map[string]any{"employeeId": gid("Employee", e), "startsOn": "2026-11-02"}})
		var d map[string]any
		_ = json.Unmarshal(r.Data, &d)
		if len(r.Errors) > 0 {
			return map[string]any{"errors": fields(r)}
		}
		return payload(d, "startOnboarding", "onboarding")
	}
	if o := start(); o["template"] == nil || o["template"].(map[string]any)["id"] != gid("OnboardingTemplate", want) {
		t.Errorf("started from %v, want template %d", o["template"], want)
	}
	// The department loses its template: the general one is used.
	a.exec(`UPDATE onboardings SET status = 'cancelled' WHERE employee_id = $1`, e)
	a.exec(`UPDATE onboarding_templates SET department_id = NULL WHERE department_id = (SELECT department_id FROM employees WHERE id = $1)`, e)
	first := a.int(`SELECT min(id) FROM onboarding_templates WHERE department_id IS NULL`)
	if o := start(); o["template"] == nil || o["template"].(map[string]any)["id"] != gid("OnboardingTemplate", first) {
		t.Errorf("started from %v, want the general template %d", o, first)
	}
	// No template at all: templateId is needed.
	a.exec(`UPDATE onboardings SET status = 'cancelled' WHERE employee_id = $1`, e)
	a.exec(`UPDATE onboarding_templates SET department_id = (SELECT max(id) FROM departments WHERE id <> (SELECT department_id FROM employees WHERE id = $1))`, e)
	if o := start(); !slices.Equal(o["errors"].([]string), []string{"BAD_USER_INPUT input.templateId"}) {
		t.Errorf("without any template: %v", o)
	}
}

// TestOnboarding_StepsOutOfOrderNameTheState: every step from a state it
// does not leave is BAD_USER_INPUT naming the state, and writes nothing.
func TestOnboarding_StepsOutOfOrderNameTheState(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	tpl := a.checklist()
	at := func(status string) (onboarding, task string) {
		o := a.underWay(e, tpl)
		k := a.task(o, "new_hire")
		if _, err := a.db.Exec(t.Context(), `UPDATE onboarding_tasks SET completed_at = now() WHERE id = $1`, k); err != nil {
			t.Fatal(err)
		}
		if status != "in_progress" {
			if _, err := a.db.Exec(t.Context(), `UPDATE onboardings SET status = $2::onboarding_status,
				completed_at = CASE WHEN $2::text = 'completed' THEN now() END WHERE id = $1`, o, status); err != nil {
				t.Fatal(err)
			}
		}
		return gid("Onboarding", o), gid("OnboardingTask", k)
	}
	completedOnboarding, _ := at("completed")
	cancelled, cancelledsTask := at("cancelled")
	inProgress, doneTask := at("in_progress")
	for _, c := range []struct {
		name  string
		who   caller
		q     string
		in    map[string]any
		field string
		state string
	}{
		{"complete a completed task", w.employee, completeTask, map[string]any{"id": doneTask}, "input.id", "COMPLETED"},
		{"complete a task of a cancelled onboarding", w.admin, completeTask, map[string]any{"id": cancelledsTask}, "input.id", "CANCELLED"},
		{"cancel a cancelled onboarding", w.hr, cancelOnboarding, map[string]any{"id": cancelled}, "input.id", "CANCELLED"},
		{"cancel a completed onboarding", w.hr, cancelOnboarding, map[string]any{"id": completedOnboarding}, "input.id", "COMPLETED"},
		{"start while one is in progress", w.hr, startOnboarding, map[string]any{"employeeId": gid("Employee", e), "startsOn": "2026-11-30"},
			"input.employeeId", "IN_PROGRESS"},
		{"start from a template without tasks", w.hr, startOnboarding, map[string]any{"employeeId": gid("Employee", w.peer.employee),
			"startsOn": "2026-11-30", "templateId": gid("OnboardingTemplate", a.int(`INSERT INTO onboarding_templates (name) VALUES ('Empty') RETURNING id`))},
			"input.templateId", "no tasks"},
		{"cancel with a blank reason", w.hr, cancelOnboarding, map[string]any{"id": inProgress, "reason": " "}, "input.reason", "empty"},
	} {
		before := a.digest("onboardings") + a.digest("onboarding_tasks")
		audit, events := a.trail()
		r := a.do(c.who, c.q, map[string]any{"in": c.in})
		refusedAt(t, c.name, fields(r), r.Body, c.field, c.state)
		if r.Status != 400 {
			t.Errorf("%s: status %d, want 400", c.name, r.Status)
		}
		if a2, e2 := a.trail(); a.digest("onboardings")+a.digest("onboarding_tasks") != before || a2 != audit || e2 != events {
			t.Errorf("%s: refused, yet something was written", c.name)
		}
	}
	// Cancelled with a reason: the reason travels with the audit and the event.
	data := a.ok(w.hr, cancelOnboarding, map[string]any{"in": map[string]any{"id": inProgress, "reason": "Did not join"}})
	if o := payload(data, "cancelOnboarding", "onboarding"); o["status"] != "CANCELLED" || o["completedAt"] != nil {
		t.Errorf("cancelled: %v", o)
	}
	var reason string
	a.one(&reason, `SELECT data->>'reason' FROM events WHERE type = 'onboarding.cancelled'`)
	if reason != "Did not join" {
		t.Errorf("the cancellation's event says %q", reason)
	}
}

// TestOnboarding_WhoMayTakeEachStep: hr and admin start and cancel; a
// task is completed by its owner (the new hire; a manager above them; hr;
// admins for it) or an admin. Everyone else is refused and nothing is
// written; a caller who may not see the onboarding is told it does not
// exist.
func TestOnboarding_WhoMayTakeEachStep(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	tpl := a.checklist()
	analytics := caller{"analytics", 0, []auth.Role{auth.Analytics}}
	everyone := []caller{w.employee, w.manager, w.above, w.peer, w.hr, w.admin, analytics}
	o := a.underWay(e, tpl)
	complete := func(owner string) func() (string, map[string]any) {
		return func() (string, map[string]any) {
			return completeTask, map[string]any{"in": map[string]any{"id": gid("OnboardingTask", a.task(o, owner))}}
		}
	}
	unseen := []string{"peer manager"} // who may not see the onboarding: NOT_FOUND
	steps := []struct {
		name   string
		make   func() (string, map[string]any)
		allow  []string
		hidden []string
		event  string
	}{
		{"startOnboarding", func() (string, map[string]any) {
			// The employee's manager (e has one in progress), anew each time.
			a.exec(`UPDATE onboardings SET status = 'cancelled' WHERE employee_id = $1`, w.manager.employee)
			return startOnboarding, map[string]any{"in": map[string]any{"employeeId": gid("Employee", w.manager.employee),
				"templateId": gid("OnboardingTemplate", tpl), "startsOn": "2026-11-30"}}
		}, []string{"hr", "admin"}, nil, "onboarding.started"},
		{"cancelOnboarding", func() (string, map[string]any) {
			// A fresh onboarding of e under way (the last one cancelled).
			return cancelOnboarding, map[string]any{"in": map[string]any{"id": gid("Onboarding", a.underWay(w.employee.employee, tpl))}}
		}, []string{"hr", "admin"}, unseen, "onboarding.cancelled"},
		{"complete a NEW_HIRE task", complete("new_hire"), []string{"employee", "admin"}, unseen, "onboarding_task.completed"},
		{"complete a MANAGER task", complete("manager"), []string{"manager", "manager above", "admin"}, unseen, "onboarding_task.completed"},
		{"complete an HR task", complete("hr"), []string{"hr", "admin"}, unseen, "onboarding_task.completed"},
		{"complete an IT task", complete("it"), []string{"admin"}, unseen, "onboarding_task.completed"},
	}
	for _, s := range steps {
		for _, c := range everyone {
			q, vars := s.make()
			if s.name == "cancelOnboarding" { // underWay cancelled o: the tasks' onboarding is the new one
				o = a.int(`SELECT id FROM onboardings WHERE employee_id = $1 AND status = 'in_progress'`, e)
			}
			a.attempt(step{name: s.name, allow: s.allow, hidden: s.hidden, event: s.event,
				tables: []string{"onboardings", "onboarding_tasks"}}, c, q, vars)
		}
	}
	// A new hire does not complete their manager's task of their own
	// onboarding, nor a manager the new hire's.
	for _, c := range []struct {
		who   caller
		owner string
	}{{w.employee, "manager"}, {w.manager, "new_hire"}, {w.hr, "it"}} {
		if r := a.do(c.who, completeTask, map[string]any{"in": map[string]any{"id": gid("OnboardingTask", a.task(o, c.owner))}}); r.Code() != "FORBIDDEN" ||
			!strings.Contains(string(r.Body), "onboarding_tasks") {
			t.Errorf("%s completing a %s task: %d %s", c.who.name, c.owner, r.Status, r.Body)
		}
	}
}

// TestOnboarding_VisibleOnlyToTheNewHireTheirLineHrAndAdmin: the
// visibility matrix through node(id) (the onboarding and a task), the root
// list, an employee's list, totalCount, a filter and an ordering. To a
// peer an onboarding of someone else does not exist anywhere.
func TestOnboarding_VisibleOnlyToTheNewHireTheirLineHrAndAdmin(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	o := a.underWay(e, a.checklist())
	task := a.task(o, "new_hire")
	emp := gid("Employee", e)
	const q = `query($e: ID!, $o: ID!, $task: ID!) {
		node(id: $o) { ... on Onboarding { id status employee { id } } }
		onboarding(id: $o) { id tasks { totalCount } }
		task: node(id: $task) { ... on OnboardingTask { id title } }
		employee(id: $e) { onboardings(first: 3, orderBy: [{field: STARTS_ON, direction: DESC}]) { totalCount nodes { id } } }
		mine: onboardings(filter: {employee: {id: {eq: $e}}}) { totalCount }
		underWay: onboardings(first: 100, filter: {status: {eq: IN_PROGRESS}}, orderBy: [{field: STARTS_ON, direction: DESC}]) {
			totalCount nodes { employee { id } startsOn } }
	}`
	own := a.int(`SELECT count(*) FROM onboardings WHERE employee_id = $1`, e)
	underWaySeen := func(c caller) int64 { return a.seen(c, "onboardings", "status = 'in_progress'") }
	for _, c := range []struct {
		who  caller
		sees bool
	}{{w.employee, true}, {w.manager, true}, {w.above, true}, {w.peer, false}, {w.hr, true}, {w.admin, true}} {
		data := a.ok(c.who, q, map[string]any{"e": emp, "o": gid("Onboarding", o), "task": gid("OnboardingTask", task)})
		var want int64
		if c.sees {
			want = own
		}
		node, _ := data["node"].(map[string]any)
		one, _ := data["onboarding"].(map[string]any)
		tk, _ := data["task"].(map[string]any)
		if (node != nil) != c.sees || (one != nil) != c.sees || (tk != nil) != c.sees {
			t.Errorf("%s: node %v, onboarding %v, task %v; seen: %v", c.who.name, node, one, tk, c.sees)
		}
		if one != nil && one["tasks"].(map[string]any)["totalCount"] != float64(2) {
			t.Errorf("%s: the onboarding's tasks count %v, want 2", c.who.name, one["tasks"])
		}
		list := data["employee"].(map[string]any)["onboardings"].(map[string]any)
		if list["totalCount"] != float64(want) || data["mine"].(map[string]any)["totalCount"] != float64(want) {
			t.Errorf("%s: Employee.onboardings counts %v, the filtered root list %v; want %d", c.who.name, list["totalCount"], data["mine"], want)
		}
		underWay := data["underWay"].(map[string]any)
		if underWay["totalCount"] != float64(underWaySeen(c.who)) {
			t.Errorf("%s: %v onboardings under way counted, %d visible to them", c.who.name, underWay["totalCount"], underWaySeen(c.who))
		}
		prev := "9999"
		for _, n := range underWay["nodes"].([]any) {
			n := n.(map[string]any)
			if !c.sees && n["employee"].(map[string]any)["id"] == emp {
				t.Errorf("%s: the employee's onboarding is listed", c.who.name)
			}
			if s := n["startsOn"].(string); s > prev {
				t.Errorf("%s: %s after %s, not newest first", c.who.name, s, prev)
			} else {
				prev = s
			}
		}
	}
	// The peer's own openTasks list shows none of the employee's tasks,
	// and the employee's openTasks read by the peer is empty.
	const theirs = `query($e: ID!) { employee(id: $e) { openTasks { totalCount } } }`
	for _, c := range []struct {
		who  caller
		want float64
	}{{w.employee, 1}, {w.hr, 1}, {w.peer, 0}} {
		got := a.ok(c.who, theirs, map[string]any{"e": emp})["employee"].(map[string]any)["openTasks"].(map[string]any)["totalCount"]
		if got != c.want {
			t.Errorf("%s reads %v open tasks of the employee, want %v", c.who.name, got, c.want)
		}
	}
	// The analytics role runs registered operations only.
	if r := a.do(caller{"analytics", 0, []auth.Role{auth.Analytics}}, q, map[string]any{"e": emp, "o": gid("Onboarding", o),
		"task": gid("OnboardingTask", task)}); len(r.Data) != 0 {
		t.Errorf("analytics read %s", r.Data)
	}
}

// TestOnboarding_ListsCostOneStatementPerLevel: hr's list of onboardings
// with their employee, template and tasks (with who completed them), and
// a manager's team with their open tasks, cost the same statements for one
// row as for forty.
func TestOnboarding_ListsCostOneStatementPerLevel(t *testing.T) {
	a := newAPI(t)
	var boss int64
	a.one(&boss, `SELECT manager_id FROM employees WHERE manager_id IS NOT NULL GROUP BY manager_id ORDER BY count(*) DESC, manager_id LIMIT 1`)
	tpl := a.checklist()
	// Three of the boss's reports under way, with a task for each and one for the boss.
	rows, err := a.db.Query(t.Context(), `SELECT id FROM employees WHERE manager_id = $1 ORDER BY id LIMIT 3`, boss)
	if err != nil {
		t.Fatal(err)
	}
	var reports []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		reports = append(reports, id)
	}
	for _, r := range reports {
		o := a.underWay(r, tpl)
		a.task(o, "new_hire")
		a.task(o, "manager")
	}
	hr := caller{"hr", boss, []auth.Role{auth.HR}}
	cost := func(who caller, q string, vars map[string]any, field string) (int64, int) {
		before := a.pool.Statements()
		d := a.ok(who, q, vars)
		b, _ := json.Marshal(d)
		return a.pool.Statements() - before, strings.Count(string(b), field)
	}
	// Oldest first: the seeded onboardings, done, their tasks completed by people.
	const list = `query($n: Int!) { onboardings(first: $n, orderBy: [{field: STARTS_ON, direction: ASC}]) { totalCount nodes {
		status employee { firstName department { name } } template { name }
		tasks(first: 10) { totalCount nodes { title overdue completedBy { lastName } } } } } }`
	one, tasksOne := cost(hr, list, map[string]any{"n": 1}, `"title"`)
	forty, tasksForty := cost(hr, list, map[string]any{"n": 40}, `"title"`)
	t.Logf("onboardings with tasks: %d statements for 1 (%d tasks), %d for 40 (%d tasks)", one, tasksOne, forty, tasksForty)
	if tasksForty <= tasksOne || tasksOne == 0 {
		t.Fatalf("read %d and %d tasks: too few to tell", tasksOne, tasksForty)
	}
	if one != forty {
		t.Errorf("1 onboarding cost %d statements, 40 cost %d: a level is read per row", one, forty)
	}
	me := caller{"manager", boss, []auth.Role{auth.Manager}}
	const team = `query($m: ID!, $n: Int!) { employee(id: $m) { openTasks { totalCount nodes { title } }
		directReports(first: $n) { nodes { openTasks(first: 5) { totalCount nodes { title owner onboarding { startsOn } } } } } } }`
	one, tasksOne = cost(me, team, map[string]any{"m": gid("Employee", boss), "n": 1}, `"owner"`)
	forty, tasksForty = cost(me, team, map[string]any{"m": gid("Employee", boss), "n": 40}, `"owner"`)
	t.Logf("a team's open tasks: %d statements for 1 report (%d tasks), %d for 40 (%d tasks)", one, tasksOne, forty, tasksForty)
	if tasksForty <= tasksOne || tasksOne == 0 {
		t.Fatalf("read %d and %d open tasks: too few to tell", tasksOne, tasksForty)
	}
	if one != forty {
		t.Errorf("1 report's open tasks cost %d statements, 40 reports' %d", one, forty)
	}
	// The boss's own list holds the three manager tasks (and the
	// reports' own hold their new hire tasks), under any manager above.
	d := a.ok(me, team, map[string]any{"m": gid("Employee", boss), "n": 40})
	if n := d["employee"].(map[string]any)["openTasks"].(map[string]any)["totalCount"]; n.(float64) < 3 {
		t.Errorf("the boss has %v open tasks, want at least the three manager tasks", n)
	}
}

// TestOnboardingProgress_FiguresEqualSQL: the shipped OnboardingProgress
// operation's figures per department equal an independent count in SQL,
// for hr; a manager, who sees only their line's onboardings, is refused.
func TestOnboardingProgress_FiguresEqualSQL(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	// One more under way, with a task done late and one overdue.
	o := a.underWay(w.employee.employee, a.checklist())
	late := a.task(o, "new_hire")
	a.exec(`UPDATE onboarding_tasks SET completed_at = due_on + 3 + time '10:00', completed_by = $2 WHERE id = $1`, late, w.employee.employee)
	ops, err := operations.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	var body string
	for _, op := range ops {
		if op.Name == "OnboardingProgress" {
			body = op.Body
		}
	}
	if body == "" {
		t.Fatal("OnboardingProgress is not shipped")
	}
	got := map[string][7]float64{}
	for _, row := range a.ok(w.hr, body, nil)["analytics"].(map[string]any)["onboardingProgress"].([]any) {
		r := row.(map[string]any)
		got[r["departmentCode"].(string)] = [7]float64{r["inProgress"].(float64), r["completed"].(float64), r["cancelled"].(float64),
			r["tasksDoneOnTime"].(float64), r["tasksDoneLate"].(float64), r["tasksOpenOverdue"].(float64), r["tasksOpen"].(float64)}
	}
	rows, err := a.db.Query(t.Context(), `SELECT d.code,
		(SELECT count(*) FROM onboardings o JOIN employees e ON e.id = o.employee_id WHERE e.department_id = d.id AND o.status = 'in_progress'),
		(SELECT count(*) FROM onboardings o JOIN employees e ON e.id = o.employee_id WHERE e.department_id = d.id AND o.status = 'completed'),
		(SELECT count(*) FROM onboardings o JOIN employees e ON e.id = o.employee_id WHERE e.department_id = d.id AND o.status = 'cancelled'),
		(SELECT count(*) FROM onboarding_tasks t JOIN onboardings o ON o.id = t.onboarding_id JOIN employees e ON e.id = o.employee_id
		 WHERE e.department_id = d.id AND date_trunc('day', t.completed_at AT TIME ZONE 'UTC') <= t.due_on),
		(SELECT count(*) FROM onboarding_tasks t JOIN onboardings o ON o.id = t.onboarding_id JOIN employees e ON e.id = o.employee_id
		 WHERE e.department_id = d.id AND date_trunc('day', t.completed_at AT TIME ZONE 'UTC') > t.due_on),
		(SELECT count(*) FROM onboarding_tasks t JOIN onboardings o ON o.id = t.onboarding_id JOIN employees e ON e.id = o.employee_id
		 WHERE e.department_id = d.id AND o.status = 'in_progress' AND t.completed_at IS NULL AND t.due_on < $1::date),
		(SELECT count(*) FROM onboarding_tasks t JOIN onboardings o ON o.id = t.onboarding_id JOIN employees e ON e.id = o.employee_id
		 WHERE e.department_id = d.id AND o.status = 'in_progress' AND t.completed_at IS NULL)
		FROM departments d WHERE EXISTS (SELECT 1 FROM onboardings o JOIN employees e ON e.id = o.employee_id WHERE e.department_id = d.id)`,
		store.Today().Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][7]float64{}
	var sum [7]float64
	for rows.Next() {
		var code string
		var v [7]int64
		if err := rows.Scan(&code, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]); err != nil {
			t.Fatal(err)
		}
		var f [7]float64
		for i := range v {
			f[i], sum[i] = float64(v[i]), sum[i]+float64(v[i])
		}
		want[code] = f
	}
	if len(got) != len(want) {
		t.Errorf("%d departments reported, %d have onboardings", len(got), len(want))
	}
	for code, w := range want {
		if got[code] != w {
			t.Errorf("%s: got %v, want %v (in progress, completed, cancelled, on time, late, overdue, open)", code, got[code], w)
		}
	}
	if sum[0] < 1 || sum[1] < 1 || sum[3] < 1 || sum[4] < 1 || sum[5] < 1 {
		t.Errorf("the demo data does not exercise every figure: %v", sum)
	}
	if r := a.do(w.manager, body, nil); r.Code() != "FORBIDDEN" {
		t.Errorf("a manager ran OnboardingProgress: %d %s", r.Status, r.Body)
	}
}
