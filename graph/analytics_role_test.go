package graph_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/persisted"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/operations"
)

// An analytics tool holds a token with the analytics role alone and runs
// the operations the project ships, registered with `bizgraph documents
// import`: by id, or as their exact text. It gets what an admin gets from
// the same operation, but for the sums over too few people it may not
// see (SUPPRESSED at their paths: TestAnalyticsRole_CannotDivideABillRateOutOfProjectBudgetBurn),
// and any other text is refused.
func TestAnalyticsRole_RunsTheShippedOperations(t *testing.T) {
	a := newAPI(t)
	ops := registerShipped(t, a.db)
	year := map[string]any{"from": "2025-07-01", "to": "2026-06-30"}
	vars := map[string]map[string]any{
		"BudgetBurn":            {"status": "ACTIVE", "first": 20},
		"HoursByDepartment":     year,
		"RevenueBySegment":      year,
		"HeadcountByDepartment": year,
		"NpsBySegment":          year,
	}
	// Review statuses are counted over the reviews the caller may see, and
	// the analytics role sees none: it is refused reviewCompletion rather
	// than answered with zeros (policy.Rules.CountScope).
	var cycle int64
	if err := a.db.Raw(`SELECT max(id) FROM review_cycles WHERE status = 'open'`).Scan(&cycle).Error; err != nil {
		t.Fatal(err)
	}
	vars["ReviewCompletion"] = map[string]any{"cycle": store.GlobalID("ReviewCycle", cycle)}
	refused := map[string]bool{"ReviewCompletion": true}
	analytics := a.as(httpapitest.Token(t, 0, auth.Analytics))
	admin := a.as(httpapitest.Token(t, 0, auth.Admin))
	// The shipped mutations are registered too (a frontend's trusted
	// documents), but the analytics role writes nothing: run by id, each
	// is refused by the write rules.
	project, employee := store.GlobalID("Project", 1), store.GlobalID("Employee", 1)
	writes := map[string]map[string]any{
		"LogWeek":     {"entries": []any{map[string]any{"projectId": project, "workDate": "2026-11-02", "hours": "1", "billable": true}}},
		"MoveProject": {"input": map[string]any{"id": project, "version": 1, "priority": "HIGH"}},
		"StaffTeam": {"input": map[string]any{"projectId": project, "employeeId": employee, "role": "Analyst",
			"allocationPercent": 10, "startsOn": "2027-01-04"}},
	}
	for _, name := range slices.Sorted(maps.Keys(ops)) {
		op := ops[name]
		if op.Type == "mutation" {
			t.Run(op.Name, func(t *testing.T) {
				got := analytics.in(t).byID(op.ID, writes[op.Name])
				if len(got.Errors) != 1 || got.Errors[0].Extensions["code"] != "FORBIDDEN" {
					t.Errorf("analytics runs the shipped mutation %s: %s %+v, want FORBIDDEN", op.Name, got.Data, got.Errors)
				}
			})
			continue
		}
		if hrOnly[op.Name] {
			t.Run(op.Name, func(t *testing.T) {
				got := analytics.in(t).byID(op.ID, year)
				if len(got.Errors) != 1 || got.Errors[0].Extensions["code"] != "FORBIDDEN" {
					t.Errorf("analytics runs the hr-only %s: %s %+v, want FORBIDDEN", op.Name, got.Data, got.Errors)
				}
			})
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			if refused[op.Name] {
				got := analytics.in(t).byID(op.ID, vars[op.Name])
				if len(got.Errors) != 1 || got.Errors[0].Extensions["code"] != "FORBIDDEN" || string(got.Data) != "null" {
					t.Errorf("analytics runs %s: %s %+v, want FORBIDDEN", op.Name, got.Data, got.Errors)
				}
				return
			}
			want := admin.in(t).query(op.Body, vars[op.Name])
			if len(want.Errors) > 0 || len(want.Data) < 50 {
				t.Fatalf("admin: %s %+v, want data", want.Data, want.Errors)
			}
			for how, got := range map[string]response{
				"by id":      analytics.in(t).byID(op.ID, vars[op.Name]),
				"exact text": analytics.in(t).query(op.Body, vars[op.Name]),
			} {
				if g, w := withheld(t, got, want.Data); g != w {
					t.Errorf("analytics %s: %.300s %+v; want the admin's answer %.300s", how, g, got.Errors, w)
				}
			}
			changed := analytics.in(t).query(strings.Replace(op.Body, "query ", "query  ", 1), vars[op.Name])
			if len(changed.Errors) != 1 || changed.Errors[0].Extensions["code"] != "TRUSTED_DOCUMENT_REQUIRED" {
				t.Errorf("analytics, other text: %s %+v, want TRUSTED_DOCUMENT_REQUIRED", changed.Data, changed.Errors)
			}
		})
	}
}

// hrOnly are the shipped operations for hr and admin alone, which the
// analytics role is refused: payroll cost (sums of gross pay) and
// onboarding progress (it adds up row-scoped onboardings, which only hr
// and admin see whole).
var hrOnly = map[string]bool{"PayrollCost": true, "OnboardingProgress": true}

// registerShipped imports the operations the project ships into db, as
// `bizgraph documents import` does, and returns them by name.
func registerShipped(t *testing.T, db *database.DB) map[string]persisted.Operation {
	t.Helper()
	ops, err := operations.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	if _, err := persisted.NewStore(db).Import(context.Background(), schema, ops); err != nil {
		t.Fatalf("register the shipped operations: %v", err)
	}
	byName := make(map[string]persisted.Operation, len(ops))
	for _, op := range ops {
		byName[op.Name] = op
	}
	return byName
}

// withheld is got's data and admin's data (the admin's answer to the same
// operation) with null at every path got has a SUPPRESSED error for, both
// as canonical JSON; any other error in got fails the test.
func withheld(t *testing.T, got response, admin json.RawMessage) (string, string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got.Data, &g); err != nil {
		t.Fatalf("decode %s: %v", got.Data, err)
	}
	if err := json.Unmarshal(admin, &w); err != nil {
		t.Fatalf("decode %s: %v", admin, err)
	}
	for _, e := range got.Errors {
		if e.Extensions["code"] != "SUPPRESSED" || len(e.Path) == 0 {
			t.Errorf("error %+v: want only SUPPRESSED sums, each at its path", e)
			continue
		}
		at := w
		for _, p := range e.Path[:len(e.Path)-1] {
			switch s := at.(type) {
			case map[string]any:
				at = s[p.(string)]
			case []any:
				at = s[int(p.(float64))]
			}
		}
		if m, ok := at.(map[string]any); ok {
			m[e.Path[len(e.Path)-1].(string)] = nil
		}
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb), string(wb)
}
