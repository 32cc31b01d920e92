package write

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Onboarding templates: hr's checklists (DOMAIN.md, "Who writes what").
// An onboarding copies its template's tasks when it starts, so a template
// written later leaves onboardings already started as they are.

var (
	onboardingTemplates = &spec{table: "onboarding_templates", typ: "OnboardingTemplate", noun: "onboarding template",
		refs: map[string]string{"department_id": "Department"}}
	onboardingTemplateTasks = &spec{table: "onboarding_template_tasks", typ: "OnboardingTemplateTask", noun: "template task",
		refs: map[string]string{"template_id": "OnboardingTemplate"}}
)

// taskOwners are who may be a task's owner (the column's enum).
var taskOwners = []store.OnboardingTaskOwner{"hr", "manager", "new_hire", "it"}

// templateTask is one task of a template's input, checked, as the insert
// takes it.
type templateTask struct {
	Position      int    `json:"position"`
	Title         string `json:"title"`
	Owner         string `json:"owner"`
	DueOffsetDays int    `json:"due_offset_days"`
}

// templateTasks checks the tasks of a template's input (all problems
// reported at input.tasks.N.field) and answers them positioned in list
// order.
func templateTasks(s *set, tasks []*store.OnboardingTemplateTaskInput) []templateTask {
	if len(tasks) == 0 {
		// A template without tasks would start onboardings that can never
		// complete.
		s.problem("tasks", "cannot be empty: a template has at least one task")
	}
	out := make([]templateTask, 0, len(tasks))
	for i, t := range tasks {
		at := fmt.Sprintf("tasks.%d.", i)
		name(s, at+"title", t.Title)
		if !allowed(taskOwners, t.Owner) {
			s.problem(at+"owner", "is not one of %s", uppers(taskOwners))
		}
		if t.DueOffsetDays < 0 {
			s.problem(at+"dueOffsetDays", "is %d: a task is due on or after the start (0 or more)", t.DueOffsetDays)
		}
		out = append(out, templateTask{Position: i + 1, Title: t.Title, Owner: string(t.Owner), DueOffsetDays: t.DueOffsetDays})
	}
	return out
}

// insertTemplateTasks adds tasks to template k in one statement and
// answers the rows added.
func (w *Writer) insertTemplateTasks(ctx context.Context, tx *database.DB, k int64, tasks []templateTask) ([]row, error) {
	list, err := json.Marshal(tasks)
	if err != nil {
		return nil, fmt.Errorf("encode the template's tasks: %w", err)
	}
	return w.returning(ctx, tx, "add the template's tasks", `INSERT INTO onboarding_template_tasks (template_id, position, title, owner, due_offset_days)
		SELECT ?, t.position, t.title, t.owner::onboarding_task_owner, t.due_offset_days FROM jsonb_to_recordset(?::jsonb)
			AS t(position int, title text, owner text, due_offset_days int)
		ORDER BY t.position RETURNING to_jsonb(onboarding_template_tasks.*)`, []any{k, string(list)})
}

// CreateOnboardingTemplate adds a template with its tasks and answers its
// key.
func (w *Writer) CreateOnboardingTemplate(ctx context.Context, in store.CreateOnboardingTemplateInput) (int64, error) {
	s := newSet("input")
	req(s, "name", "name", in.Name, name)
	s.optRef("departmentId", "department_id", in.DepartmentID, "Department")
	tasks := templateTasks(s, in.Tasks)
	return w.create(ctx, creation{sp: onboardingTemplates, s: s, event: events.OnboardingTemplateCreated,
		rowsOf: onboardingTemplateTasks,
		rows: func(ctx context.Context, tx *database.DB, k int64) ([]row, error) {
			return w.insertTemplateTasks(ctx, tx, k, tasks)
		}})
}
