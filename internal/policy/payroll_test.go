package policy_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// The payroll rules from plain values: a payslip of employee 20 (viewer
// 20, whose manager is 10) is seen, gross included, by its employee, hr
// and admin, never by the manager above; gross ranges are hr's and
// admin's; runs are written by hr and admin and seen by everyone.
func TestFirm_Payroll(t *testing.T) {
	own := &policy.Facts{Employee: 20, Below: func(m int64) (bool, error) { return m == 10, nil }}
	for _, c := range []struct {
		name    string
		id      *auth.Identity
		action  policy.Action
		table   string
		row     policy.Row
		columns []string
		allowed bool
	}{
		{"the employee sees their payslip", viewer, policy.Read, "payslips", own, nil, true},
		{"the employee reads their gross", viewer, policy.Read, "payslips", own, []string{"gross"}, true},
		{"the manager above sees the payslip", manager, policy.Read, "payslips", own, nil, false},
		{"the manager above reads the gross", manager, policy.Read, "payslips", own, []string{"gross"}, false},
		{"hr reads any gross", hr, policy.Read, "payslips", own, []string{"gross"}, true},
		{"admin reads any gross", admin, policy.Read, "payslips", own, []string{"gross"}, true},
		{"analytics sees a payslip", analytics, policy.Read, "payslips", own, nil, false},
		{"hr compares gross", hr, policy.ReadAcross, "payslips", nil, []string{"gross"}, true},
		{"the employee compares gross", viewer, policy.ReadAcross, "payslips", nil, []string{"gross"}, false},
		{"analytics sums gross", analytics, policy.ReadSum, "payslips", nil, []string{"gross"}, false},
		{"hr sums gross", hr, policy.ReadSum, "payslips", nil, []string{"gross"}, true},
		{"a viewer sees a run", viewer, policy.Read, "payroll_runs", nil, nil, true},
		{"hr creates a run", hr, policy.Create, "payroll_runs", nil, []string{"period_start"}, true},
		{"a manager creates a run", manager, policy.Create, "payroll_runs", nil, []string{"period_start"}, false},
		{"hr computes payslips", hr, policy.Create, "payslips", nil, []string{"gross"}, true},
		{"hr changes a payslip", hr, policy.Update, "payslips", own, []string{"gross"}, false},
		{"the employee changes their payslip", viewer, policy.Update, "payslips", own, []string{"gross"}, false},
	} {
		ok, err := policy.Firm.Can(c.id, c.action, c.table, c.row, c.columns...)
		if err != nil || ok != c.allowed {
			t.Errorf("%s: %v %v, want %v", c.name, ok, err, c.allowed)
		}
	}
	// A payslip's row scope: the caller's own, for everyone but hr and admin.
	if cond, args := (policy.StoreRules{}).RowScope(auth.With(context.Background(), manager), "payslips"); cond != "t.employee_id = ?" || len(args) != 1 || args[0] != int64(10) {
		t.Errorf("a manager's payslip scope %q %v, want their own", cond, args)
	}
	if cond, _ := (policy.StoreRules{}).RowScope(auth.With(context.Background(), hr), "payslips"); cond != "" {
		t.Errorf("hr's payslip scope %q, want every row", cond)
	}
}

// Four eyes: a run is approved by hr or admin other than its creator.
func TestCheckApprover(t *testing.T) {
	for _, c := range []struct {
		name      string
		id        *auth.Identity
		createdBy string
		refused   string // "" allowed
	}{
		{"hr approves another's run", hr, "admin", ""},
		{"admin approves another's run", admin, "hr", ""},
		{"hr approves their own run", hr, "hr", "other than its creator, and you created it"},
		{"admin approves their own run", admin, "admin", "other than its creator, and you created it"},
		{"a manager approves", manager, "hr", "it needs the role hr or admin"},
		{"analytics approves", analytics, "hr", "it needs the role hr or admin"},
	} {
		err := policy.Firm.CheckApprover(c.id, c.createdBy)
		var refused *policy.Refused
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: %v, want allowed", c.name, err)
		case c.refused != "" && (!errors.As(err, &refused) || !strings.Contains(err.Error(), c.refused)):
			t.Errorf("%s: %v, want refused saying %q", c.name, err, c.refused)
		}
	}
}
