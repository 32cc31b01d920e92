package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// The shipped PayrollCost is hr's and admin's: each gross it answers (a
// sum of payslips' gross, never suppressed for them: they read every
// gross) leaves an audit row, use "sum", with the operation's name marked
// claimed. Every other role, the analytics role included, gets FORBIDDEN
// at payrollCost and leaves no row.
func TestPayrollCost_HROnlyAndEverySumRecorded(t *testing.T) {
	s := newAuditedServer(t)
	ops := registerShipped(t, s.db)
	subject := fmt.Sprintf("audit-payroll-%d-", time.Now().UnixNano())
	vars := map[string]any{"from": "2025-07-01", "to": "2026-06-30"}
	want := map[string]int{}
	for i, role := range []auth.Role{auth.HR, auth.Admin, auth.Viewer, auth.Manager, auth.Analytics} {
		status, res, body := s.send(fmt.Sprint(subject, i), role, "PayrollCost", ops["PayrollCost"].Body, vars, nil)
		var data struct {
			Analytics struct{ PayrollCost []map[string]any }
		}
		if err := json.Unmarshal(res.Data, &data); err != nil || status != http.StatusOK {
			t.Fatalf("%s: status %d: %.500s", role, status, body)
		}
		if role != auth.HR && role != auth.Admin {
			if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "FORBIDDEN" || data.Analytics.PayrollCost != nil {
				t.Errorf("%s: %.500s; want FORBIDDEN at payrollCost", role, body)
			}
			continue
		}
		rows := data.Analytics.PayrollCost
		if len(res.Errors) > 0 || len(rows) < 12 {
			t.Fatalf("%s: %d rows, errors %+v; want a year of departments", role, len(rows), res.Errors)
		}
		for _, row := range rows {
			if row["gross"] == nil || row["runStatus"] == nil {
				t.Errorf("%s: row %v lacks its gross or run status", role, row)
			}
		}
		want["sum|DepartmentMonthPayroll.gross||false|PayrollCost|true"] += len(rows)
	}
	got := map[string]int{}
	for _, row := range s.rows(subject) {
		f := strings.Split(row, "|")
		f[2] = "" // the request id is the server's: random
		got[strings.Join(f, "|")]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit rows (row: count):\n%v\nwant\n%v", got, want)
	}
}
