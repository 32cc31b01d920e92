package store

import (
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// The onboarding workflow (DOMAIN.md, "Workflows the firm runs on top"):
// the firm's checklists for new hires (templates, per department or for
// any) and each hire's onboarding, whose tasks were copied from a template
// when it started. Who sees an onboarding is the rules' (internal/policy:
// the new hire, the managers above them, hr, admin), and a task is seen by
// whoever sees its onboarding; every statement here ANDs that row scope.

// OnboardingStatus is where an onboarding is: in_progress, completed or
// cancelled.
type OnboardingStatus string

// OnboardingTaskOwner is who does a task: hr, the new hire's manager, the
// new hire, or it (admins).
type OnboardingTaskOwner string

// OnboardingTemplate is a checklist for new hires of one department, or of
// any department (no department).
type OnboardingTemplate struct {
	ID           int64     `gorm:"column:id;primaryKey"`
	Name         string    `gorm:"column:name"`
	DepartmentID *int64    `gorm:"column:department_id"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	member
}

// OnboardingTemplateTask is one step of a checklist: its title, who does
// it, and how many days after the start it is due.
type OnboardingTemplateTask struct {
	ID            int64               `gorm:"column:id;primaryKey"`
	TemplateID    int64               `gorm:"column:template_id"`
	Position      int                 `gorm:"column:position"`
	Title         string              `gorm:"column:title"`
	Owner         OnboardingTaskOwner `gorm:"column:owner"`
	DueOffsetDays int                 `gorm:"column:due_offset_days"`
	member
}

// Onboarding is one new hire's way in, from a template.
type Onboarding struct {
	ID          int64            `gorm:"column:id;primaryKey"`
	EmployeeID  int64            `gorm:"column:employee_id"`
	TemplateID  int64            `gorm:"column:template_id"`
	StartsOn    Date             `gorm:"column:starts_on"`
	Status      OnboardingStatus `gorm:"column:status"`
	CreatedAt   time.Time        `gorm:"column:created_at"`
	CompletedAt *time.Time       `gorm:"column:completed_at"`
	member
}

// OnboardingTask is one task of an onboarding, copied from its template.
type OnboardingTask struct {
	ID            int64               `gorm:"column:id;primaryKey"`
	OnboardingID  int64               `gorm:"column:onboarding_id"`
	Title         string              `gorm:"column:title"`
	Owner         OnboardingTaskOwner `gorm:"column:owner"`
	DueOn         Date                `gorm:"column:due_on"`
	CompletedAt   *time.Time          `gorm:"column:completed_at"`
	CompletedByID *int64              `gorm:"column:completed_by"`
	member
}

// TableName, PageKey and GlobalID name the rows: their table, key and global id.
func (OnboardingTemplate) TableName() string       { return "onboarding_templates" }
func (t *OnboardingTemplate) PageKey() int64       { return t.ID }
func (t *OnboardingTemplate) GlobalID() string     { return GlobalID("OnboardingTemplate", t.ID) }
func (OnboardingTemplateTask) TableName() string   { return "onboarding_template_tasks" }
func (t *OnboardingTemplateTask) PageKey() int64   { return t.ID }
func (t *OnboardingTemplateTask) GlobalID() string { return GlobalID("OnboardingTemplateTask", t.ID) }
func (Onboarding) TableName() string               { return "onboardings" }
func (o *Onboarding) PageKey() int64               { return o.ID }
func (o *Onboarding) GlobalID() string             { return GlobalID("Onboarding", o.ID) }
func (OnboardingTask) TableName() string           { return "onboarding_tasks" }
func (t *OnboardingTask) PageKey() int64           { return t.ID }
func (t *OnboardingTask) GlobalID() string         { return GlobalID("OnboardingTask", t.ID) }

type (
	OnboardingTemplateConnection     = page.Connection[*OnboardingTemplate]
	OnboardingTemplateEdge           = page.Edge[*OnboardingTemplate]
	OnboardingTemplateTaskConnection = page.Connection[*OnboardingTemplateTask]
	OnboardingTemplateTaskEdge       = page.Edge[*OnboardingTemplateTask]
	OnboardingConnection             = page.Connection[*Onboarding]
	OnboardingEdge                   = page.Edge[*Onboarding]
	OnboardingTaskConnection         = page.Connection[*OnboardingTask]
	OnboardingTaskEdge               = page.Edge[*OnboardingTask]
)

var (
	onboardingTemplatesTable = declare[OnboardingTemplate](decl{
		orders: map[string]string{"NAME": "name", "CREATED_AT": "created_at"},
		toOne:  []toOne{{field: "department", fkCol: "department_id", to: "Department"}},
		toMany: []toMany{
			{field: "tasks", of: "OnboardingTemplateTask", fkCol: "template_id"},
			{field: "onboardings", of: "Onboarding", fkCol: "template_id"}},
	})

	onboardingTemplateTasksTable = declare[OnboardingTemplateTask](decl{
		orders: map[string]string{"POSITION": "position", "DUE_OFFSET_DAYS": "due_offset_days", "OWNER": "owner"},
		toOne:  []toOne{{field: "template", fkCol: "template_id", to: "OnboardingTemplate"}},
	})

	onboardingsTable = declare[Onboarding](decl{
		orders: map[string]string{"STARTS_ON": "starts_on", "STATUS": "status",
			"CREATED_AT": "created_at", "COMPLETED_AT": "completed_at"},
		toOne: []toOne{
			{field: "employee", fkCol: "employee_id", to: "Employee"},
			{field: "template", fkCol: "template_id", to: "OnboardingTemplate"}},
		toMany: []toMany{{field: "tasks", of: "OnboardingTask", fkCol: "onboarding_id"}},
	})

	onboardingTasksTable = declare[OnboardingTask](decl{
		orders:  map[string]string{"DUE_ON": "due_on", "OWNER": "owner", "COMPLETED_AT": "completed_at", "TITLE": "title"},
		filters: map[string]condition{"overdue": tasksOverdue},
		toOne: []toOne{
			{field: "onboarding", fkCol: "onboarding_id", to: "Onboarding"},
			{field: "completedBy", fkCol: "completed_by", to: "Employee"}},
		// Overdue is decided from the due date and whether it is done.
		fields: map[string]string{"overdue": "due_on"},
		also:   map[string]string{"overdue": "completed_at"},
	})
)

// openTasks is Employee.openTasks: the open tasks of onboardings in
// progress that wait on the employee p.id: the new hire's tasks of their
// own onboarding, and the manager's tasks of onboardings of the people
// below them in the reporting line (any depth, as the rules let each of
// those managers complete them). hr's and it's tasks wait on a role, not a
// person, and are not in anyone's list.
const openTasks = `t.completed_at IS NULL AND (
    (t.owner = 'new_hire' AND t.onboarding_id IN (
        SELECT o.id FROM onboardings o WHERE o.status = 'in_progress' AND o.employee_id = p.id))
    OR (t.owner = 'manager' AND t.onboarding_id IN (
        SELECT o.id FROM onboardings o WHERE o.status = 'in_progress' AND o.employee_id IN (
            WITH RECURSIVE below(id) AS (
                SELECT id FROM employees WHERE manager_id = p.id
                UNION SELECT e.id FROM employees e JOIN below b ON e.manager_id = b.id)
            SELECT id FROM below))))`

// tasksOverdue is the tasks' filter field overdue: open and due before
// today (true), or not (false).
func tasksOverdue(b *filterBuilder, _ *table, alias string, v any) (string, error) {
	x, ok := v.(bool)
	if !ok {
		return "", b.fail("expected true or false")
	}
	cond := "(" + alias + ".completed_at IS NULL AND " + alias + ".due_on < " + today + ")"
	if !x {
		cond = "NOT " + cond
	}
	return cond, nil
}

// today is the day a task's overdue is counted against, in UTC as Today.
const today = "(now() AT TIME ZONE 'UTC')::date"

// Today is the current day in UTC, as the database's today counts it.
func Today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

// Department is the department the template is for; nil: any department.
func (t *OnboardingTemplate) Department() (*Department, error) {
	return one[Department](t, t.set, "department")
}

// Tasks is a page of the template's tasks.
func (t *OnboardingTemplate) Tasks(first *int, after *string, last *int, before *string, orderBy []*Order, filter *OnboardingTemplateTaskFilter) (*OnboardingTemplateTaskConnection, error) {
	return many[OnboardingTemplateTask](t.ID, t.set, "tasks", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Onboardings is a page of the onboardings started from the template that
// the caller may see.
func (t *OnboardingTemplate) Onboardings(first *int, after *string, last *int, before *string, orderBy []*Order, filter *OnboardingFilter) (*OnboardingConnection, error) {
	return many[Onboarding](t.ID, t.set, "onboardings", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Template is the checklist the task belongs to.
func (t *OnboardingTemplateTask) Template() (*OnboardingTemplate, error) {
	return one[OnboardingTemplate](t, t.set, "template")
}

// Employee is the new hire.
func (o *Onboarding) Employee() (*Employee, error) { return one[Employee](o, o.set, "employee") }

// Template is the checklist the onboarding was started from.
func (o *Onboarding) Template() (*OnboardingTemplate, error) {
	return one[OnboardingTemplate](o, o.set, "template")
}

// Tasks is a page of the onboarding's tasks.
func (o *Onboarding) Tasks(first *int, after *string, last *int, before *string, orderBy []*Order, filter *OnboardingTaskFilter) (*OnboardingTaskConnection, error) {
	return many[OnboardingTask](o.ID, o.set, "tasks", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Onboarding is the onboarding the task belongs to.
func (t *OnboardingTask) Onboarding() (*Onboarding, error) {
	return one[Onboarding](t, t.set, "onboarding")
}

// CompletedBy is who completed the task; nil while it is open (or when an
// admin without an employee record completed it).
func (t *OnboardingTask) CompletedBy() (*Employee, error) {
	return one[Employee](t, t.set, "completedBy")
}

// Overdue reports whether the task is open and was due before today.
func (t *OnboardingTask) Overdue() bool {
	return t.CompletedAt == nil && t.DueOn.Before(Today())
}

// Onboardings is a page of the person's onboardings the caller may see.
func (e *Employee) Onboardings(first *int, after *string, last *int, before *string, orderBy []*Order, filter *OnboardingFilter) (*OnboardingConnection, error) {
	return many[Onboarding](e.ID, e.set, "onboardings", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// OpenTasks is a page of the open onboarding tasks waiting on the person
// (openTasks) that the caller may see.
func (e *Employee) OpenTasks(first *int, after *string, last *int, before *string, orderBy []*Order, filter *OnboardingTaskFilter) (*OnboardingTaskConnection, error) {
	return many[OnboardingTask](e.ID, e.set, "openTasks", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}
