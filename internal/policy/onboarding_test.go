package policy_test

import (
	"context"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// Who completes an onboarding task is decided by its owner (the row's
// kind), from plain values: the new hire (employee 20, the viewer) their
// own; a manager above the new hire (10 above 11) the manager's; hr the
// hr's; admins the it tasks and every other. A task that names no owner
// is completed by no one.
func TestOnboarding_TaskCompletedByItsOwner(t *testing.T) {
	own := func(kind string) *policy.Facts { return &policy.Facts{Employee: 20, Kind: kind} }
	line := func(kind string) *policy.Facts { return &policy.Facts{Employee: 11, Below: belowManager, Kind: kind} }
	cols := []string{"completed_at", "completed_by"}
	for _, c := range []struct {
		name    string
		row     *policy.Facts
		allowed map[*auth.Identity]bool
	}{
		{"the new hire's own task", own("new_hire"), allowedTo(viewer, admin)},
		{"a new hire's task of someone else", line("new_hire"), allowedTo(admin)},
		{"a manager task of someone in the line", line("manager"), allowedTo(manager, admin)},
		{"a manager task of the new hire's own onboarding", own("manager"), allowedTo(admin)},
		{"an hr task", own("hr"), allowedTo(hr, viewerAndHR, admin)},
		{"an it task", line("it"), allowedTo(admin)},
		{"a task of no known owner", own("facilities"), allowedTo()},
	} {
		for _, id := range everyone {
			ok, err := policy.Firm.Can(id, policy.Update, "onboarding_tasks", c.row, cols...)
			if err != nil || ok != c.allowed[id] {
				t.Errorf("%s as %s: allowed %v (%v), want %v", c.name, subject(id), ok, err, c.allowed[id])
			}
		}
	}
	// A refusal says who may, for the task's owner.
	err := policy.Firm.Check(viewer, policy.Update, "onboarding_tasks", own("it"), cols...)
	if err == nil || err.Error() != "not allowed to update onboarding_tasks: it needs the role admin" {
		t.Errorf("refused an it task: %v", err)
	}
}

// A task's row scope is its onboarding's: whoever sees the onboarding sees
// its tasks, and no one else, by the same relations.
func TestScope_OnboardingTasksThroughTheirOnboarding(t *testing.T) {
	for _, id := range append(everyone, &auth.Identity{Subject: "integration", Roles: []auth.Role{auth.Integration}}) {
		ctx := auth.With(context.Background(), id)
		parent, pargs := policy.StoreRules{}.RowScope(ctx, "onboardings")
		cond, args := policy.StoreRules{}.RowScope(ctx, "onboarding_tasks")
		want := parent
		if parent != "" && parent != "FALSE" {
			want = "t.onboarding_id IN (SELECT t.id FROM onboardings t WHERE " + parent + ")"
		}
		if cond != want || len(args) != len(pargs) {
			t.Errorf("%s: tasks scoped by %q %v, want %q %v", subject(id), cond, args, want, pargs)
		}
	}
}
