package write_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
)

const createTemplate = `mutation($in: CreateOnboardingTemplateInput!) { createOnboardingTemplate(input: $in) { template {
	id name department { id } tasks(first: 20) { nodes { title owner dueOffsetDays } } } } }`

// templateInput is a template of two tasks for department (0: any).
func templateInput(name string, department int64) map[string]any {
	in := map[string]any{"name": name, "tasks": []any{
		map[string]any{"title": "Contract", "owner": "HR", "dueOffsetDays": 0},
		map[string]any{"title": "Laptop", "owner": "IT", "dueOffsetDays": 3},
	}}
	if department != 0 {
		in["departmentId"] = gid("Department", department)
	}
	return map[string]any{"in": in}
}

// TestOnboardingTemplate_HRCreatesAndStartsFromIt: hr adds a template
// (its tasks in list order, audited with one event), and an onboarding
// started from it copies its tasks.
func TestOnboardingTemplate_HRCreatesAndStartsFromIt(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	dept := a.int(`SELECT department_id FROM employees WHERE id = $1`, w.employee.employee)
	tpl := payload(a.ok(w.hr, createTemplate, templateInput("Engineering start", dept)), "createOnboardingTemplate", "template")
	if tpl["name"] != "Engineering start" || tpl["department"].(map[string]any)["id"] != gid("Department", dept) {
		t.Errorf("created: %v", tpl)
	}
	var titles []string
	for _, n := range tpl["tasks"].(map[string]any)["nodes"].([]any) {
		n := n.(map[string]any)
		titles = append(titles, fmt.Sprint(n["title"], "/", n["owner"], "/", n["dueOffsetDays"]))
	}
	if want := []string{"Contract/HR/0", "Laptop/IT/3"}; !slices.Equal(titles, want) {
		t.Errorf("tasks %v, want %v", titles, want)
	}
	if n := a.int(`SELECT count(*) FROM events WHERE type = 'onboarding_template.created'`); n != 1 {
		t.Errorf("%d created events, want 1", n)
	}
	if n := a.int(`SELECT count(*) FROM write_audit WHERE entity_table IN ('onboarding_templates', 'onboarding_template_tasks') AND action = 'create'`); n != 3 {
		t.Errorf("%d audit rows, want 3 (the template and its two tasks)", n)
	}

	a.exec(`UPDATE onboardings SET status = 'cancelled' WHERE employee_id = $1 AND status = 'in_progress'`, w.employee.employee)
	o := payload(a.ok(w.hr, startOnboarding, map[string]any{"in": map[string]any{
		"employeeId": gid("Employee", w.employee.employee), "templateId": tpl["id"], "startsOn": "2026-11-02"}}), "startOnboarding", "onboarding")
	var due []string
	for _, n := range o["tasks"].(map[string]any)["nodes"].([]any) {
		n := n.(map[string]any)
		due = append(due, fmt.Sprint(n["title"], "@", n["dueOn"]))
	}
	if want := []string{"Contract@2026-11-02", "Laptop@2026-11-05"}; !slices.Equal(due, want) {
		t.Errorf("onboarding's tasks %v, want %v", due, want)
	}
}

// TestOnboardingTemplate_ProblemsTogetherNothingWritten: every problem of
// the input is reported at once, at its field, and nothing is written.
func TestOnboardingTemplate_ProblemsTogetherNothingWritten(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	before := a.digest("onboarding_templates") + a.digest("onboarding_template_tasks")
	audit, events := a.trail()
	for _, c := range []struct {
		name string
		in   map[string]any
		want []string
	}{
		{"empty name, unknown department, bad tasks", map[string]any{"name": " ", "departmentId": gid("Department", 1<<40), "tasks": []any{
			map[string]any{"title": "ok", "owner": "HR", "dueOffsetDays": 0},
			map[string]any{"title": "Late", "owner": "IT", "dueOffsetDays": -1},
			map[string]any{"title": "", "owner": "MANAGER", "dueOffsetDays": 2},
		}}, []string{"input.departmentId", "input.name", "input.tasks.1.dueOffsetDays", "input.tasks.2.title"}},
		{"no tasks", map[string]any{"name": "Empty", "tasks": []any{}}, []string{"input.tasks"}},
	} {
		r := a.do(w.hr, createTemplate, map[string]any{"in": c.in})
		var got []string
		for _, e := range r.Errors {
			if e.Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("%s: %s: %v", c.name, e.Message, e.Extensions)
			}
			got = append(got, fmt.Sprint(e.Extensions["field"]))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: problems at %v, want %v", c.name, got, c.want)
		}
	}
	// An owner that is not one of the four is refused by the schema.
	bad := templateInput("Bad owner", 0)
	bad["in"].(map[string]any)["tasks"].([]any)[0].(map[string]any)["owner"] = "JANITOR"
	if r := a.do(w.hr, createTemplate, bad); len(r.Errors) == 0 {
		t.Errorf("a task owned by JANITOR was accepted")
	}
	if after := a.digest("onboarding_templates") + a.digest("onboarding_template_tasks"); after != before {
		t.Errorf("a refused template changed the templates")
	}
	if au, ev := a.trail(); au != audit || ev != events {
		t.Errorf("a refused template left audit %d→%d, events %d→%d", audit, au, events, ev)
	}
}

// TestOnboardingTemplate_OnlyHRAndAdminWrite: every other role is refused
// (analytics runs registered documents only, refused before any write)
// and nothing is written; an admin may.
func TestOnboardingTemplate_OnlyHRAndAdminWrite(t *testing.T) {
	a := newAPI(t)
	w := weekCast(a)
	e := w.employee.employee
	audit, events := a.trail()
	for _, role := range []auth.Role{auth.Viewer, auth.Manager, auth.Integration} {
		c := caller{string(role), e, []auth.Role{role}}
		if r := a.do(c, createTemplate, templateInput("Refused", 0)); r.Code() != "FORBIDDEN" {
			t.Errorf("%s: %s %+v, want FORBIDDEN", role, r.Code(), r.Errors)
		}
	}
	if n := a.int(`SELECT count(*) FROM onboarding_templates WHERE name = 'Refused'`); n != 0 {
		t.Errorf("%d refused templates written", n)
	}
	if au, ev := a.trail(); au != audit || ev != events {
		t.Errorf("refused writes left audit %d→%d, events %d→%d", audit, au, events, ev)
	}
	a.ok(w.admin, createTemplate, templateInput("By admin", 0))
}
