package graph_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/store"
)

// TestMe_IsTheCallersOwnEmployee: `me` is the employee the credential
// names, read with the same rules as anywhere (a manager's own salary is
// not in their reporting line), and null for a caller who is no employee.
func TestMe_IsTheCallersOwnEmployee(t *testing.T) {
	a := newAPI(t)
	var manager int64
	if err := a.db.WithContext(context.Background()).Raw(`SELECT min(manager_id) FROM employees`).Scan(&manager).Error; err != nil {
		t.Fatal(err)
	}
	const q = `{ me { id timesheets(first: 1) { totalCount } reviews(first: 1) { totalCount } salary } }`
	r := a.as(httpapitest.Token(t, manager, auth.Manager)).query(q, nil)
	var got struct {
		Me *struct {
			ID         string
			Timesheets struct{ TotalCount int }
			Salary     *string
		}
	}
	if err := json.Unmarshal(r.Data, &got); err != nil || got.Me == nil {
		t.Fatalf("me as a manager: %s %+v", r.Data, r.Errors)
	}
	if got.Me.ID != store.GlobalID("Employee", manager) || got.Me.Salary != nil {
		t.Errorf("me is %s with salary %v, want %s without", got.Me.ID, got.Me.Salary, store.GlobalID("Employee", manager))
	}
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("a manager's own salary: errors %+v, want one FORBIDDEN", r.Errors)
	}
	r = a.as(httpapitest.Token(t, 0, auth.Admin)).query(`{ me { id } }`, nil)
	if string(r.Data) != `{"me":null}` || len(r.Errors) > 0 {
		t.Errorf("me as a caller who is no employee: %s %+v", r.Data, r.Errors)
	}
}
