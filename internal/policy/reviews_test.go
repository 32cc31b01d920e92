package policy_test

import (
	"context"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// The review rules from plain values: the employee (viewer 20) reads their
// texts always and their rating only once final; the managers above them
// read everything; the reviewer (manager 10) writes the assessment and the
// rating, the employee the self-assessment, hr calibrates (a recorded
// rating change) and finalizes; rating ranges are hr's and admin's.
func TestFirm_Reviews(t *testing.T) {
	pending := &policy.Facts{Employee: 20, Reviewer: 10, Below: func(m int64) (bool, error) { return m == 10, nil }}
	final := &policy.Facts{Employee: 20, Reviewer: 10, Final: true, Below: pending.Below}
	other := &policy.Facts{Employee: 21, Reviewer: 11, Final: true, Below: func(int64) (bool, error) { return false, nil }}
	for _, c := range []struct {
		name    string
		id      *auth.Identity
		action  policy.Action
		table   string
		row     policy.Row
		columns []string
		allowed bool
	}{
		{"the employee sees their review", viewer, policy.Read, "reviews", pending, nil, true},
		{"the employee reads their self-assessment", viewer, policy.Read, "reviews", pending, []string{"self_assessment"}, true},
		{"the employee reads the assessment", viewer, policy.Read, "reviews", pending, []string{"manager_assessment"}, true},
		{"the employee reads a rating not final", viewer, policy.Read, "reviews", pending, []string{"rating"}, false},
		{"the employee reads a final rating", viewer, policy.Read, "reviews", final, []string{"rating"}, true},
		{"a peer sees someone's review", viewer, policy.Read, "reviews", other, nil, false},
		{"the manager above reads a rating not final", manager, policy.Read, "reviews", pending, []string{"rating"}, true},
		{"a manager sees a review outside their line", manager, policy.Read, "reviews", other, nil, false},
		{"hr reads any rating", hr, policy.Read, "reviews", other, []string{"rating"}, true},
		{"analytics sees a review", analytics, policy.Read, "reviews", final, nil, false},
		{"hr compares ratings", hr, policy.ReadAcross, "reviews", nil, []string{"rating"}, true},
		{"a manager compares ratings", manager, policy.ReadAcross, "reviews", nil, []string{"rating"}, false},
		{"the employee writes their self-assessment", viewer, policy.Update, "reviews", pending, []string{"self_assessment", "status"}, true},
		{"the reviewer writes the self-assessment", manager, policy.Update, "reviews", pending, []string{"self_assessment", "status"}, false},
		{"the reviewer writes the assessment and rating", manager, policy.Update, "reviews", pending, []string{"manager_assessment", "rating", "status"}, true},
		{"a viewer reviewer writes the assessment", &auth.Identity{Subject: "v", Roles: []auth.Role{auth.Viewer}, EmployeeID: 10},
			policy.Update, "reviews", pending, []string{"manager_assessment"}, false},
		{"the employee writes the assessment", viewer, policy.Update, "reviews", pending, []string{"manager_assessment"}, false},
		{"hr writes a self-assessment", hr, policy.Update, "reviews", pending, []string{"self_assessment"}, false},
		{"hr calibrates a rating", hr, policy.Update, "reviews", pending, []string{"rating"}, true},
		{"hr records a rating change", hr, policy.Create, "review_rating_changes", pending, nil, true},
		{"the reviewer records a rating change", manager, policy.Create, "review_rating_changes", pending, nil, false},
		{"the reviewer finalizes", manager, policy.Update, "reviews", pending, []string{"status", "finalized_at"}, false},
		{"hr finalizes", hr, policy.Update, "reviews", pending, []string{"status", "finalized_at"}, true},
		{"hr opens a cycle", hr, policy.Create, "review_cycles", nil, []string{"name"}, true},
		{"a manager opens a cycle", manager, policy.Create, "review_cycles", nil, []string{"name"}, false},
	} {
		ok, err := policy.Firm.Can(c.id, c.action, c.table, c.row, c.columns...)
		if err != nil || ok != c.allowed {
			t.Errorf("%s: %v %v, want %v", c.name, ok, err, c.allowed)
		}
	}
}

// SelfFinal as a row scope: the caller's own rows once final, by the
// table's Final condition; a table without one grants no row by it.
func TestScope_SelfFinal(t *testing.T) {
	grant := &policy.Grant{Via: []policy.Via{{Relation: policy.SelfFinal}}}
	rules := policy.Rules{
		"final":   {Rows: grant, Keys: policy.Keys{Employee: "employee_id", Final: "t.status = 'finalized'"}},
		"unknown": {Rows: grant, Keys: policy.Keys{Employee: "employee_id"}},
	}
	ctx := auth.With(context.Background(), viewer)
	if cond, args := (policy.StoreRules{Rules: rules}).RowScope(ctx, "final"); cond != "(t.employee_id = ? AND t.status = 'finalized')" || len(args) != 1 || args[0] != int64(20) {
		t.Errorf("scope %q %v", cond, args)
	}
	if cond, _ := (policy.StoreRules{Rules: rules}).RowScope(ctx, "unknown"); cond != "FALSE" {
		t.Errorf("scope without a Final condition %q, want FALSE", cond)
	}
}
