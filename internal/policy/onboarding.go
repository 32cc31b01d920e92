package policy

// The onboarding workflow's rules (DOMAIN.md, "Who writes what" and
// "Workflows the firm runs on top"): hr starts and cancels onboardings;
// each task is completed by its owner: the new hire themselves, a manager
// in the new hire's reporting line, hr, or (it tasks) an admin; admins
// complete any. An onboarding and its tasks are seen as a week of time is
// (personAndLine: the new hire, their line, hr, admin); a task by whoever
// sees its onboarding. Templates are the firm's checklists: everyone reads
// them, hr writes them.
var taskCompleters = map[string]Grant{
	"new_hire": own,
	"manager":  lineManager,
	"hr":       hrWrites,
	"it":       admin,
}

func init() {
	Firm["onboarding_templates"] = Table{Create: hrWrites, Update: hrWrites}
	Firm["onboarding_template_tasks"] = Table{Create: hrWrites, Update: hrWrites}
	Firm["onboardings"] = Table{
		Rows: &personAndLine,
		Keys: Keys{Employee: "employee_id"},
		// Starting copies the template's tasks (hr's, as the onboarding).
		// Completing the last task completes the onboarding whoever
		// completed it: a consequence of the task's step, not an update
		// right; cancelling is hr's.
		Create: hrWrites, Update: hrWrites,
	}
	Firm["onboarding_tasks"] = Table{
		Rows:         &personAndLine,
		Keys:         Keys{Of: &Parent{Table: "onboardings", Key: "onboarding_id"}},
		Create:       hrWrites,
		UpdateByKind: taskCompleters,
	}
}
