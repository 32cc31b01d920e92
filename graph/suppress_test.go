package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// contributors is how many people's rated hours each project's amount
// adds up, by project code, read from the rollup apart from the API: amount
// is the rollup's column of the figure, billable_amount (billable hours,
// ProjectHours) or amount (all hours, budgetBurn without a filter).
func contributors(t *testing.T, a *api, amount string) map[string]int {
	t.Helper()
	rows, err := a.db.SQL().QueryContext(context.Background(), `SELECT p.code,
			count(DISTINCT m.employee_id) FILTER (WHERE m.`+amount+` > 0)
		FROM projects p LEFT JOIN time_entry_months m ON m.project_id = p.id GROUP BY p.code`)
	if err != nil {
		t.Fatalf("count each project's contributors: %v", err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var code string
		var c int
		if err := rows.Scan(&code, &c); err != nil {
			t.Fatal(err)
		}
		n[code] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// The attack of issue 21, finding 2: the analytics role runs the shipped
// ProjectBudgetBurn (a registered document, the only kind it may run) over
// every page, and divides billableAmount by billable hours. Where one
// person billed a project, that quotient is their bill rate, which the
// analytics role may never read. Now a project whose amount adds up fewer
// than policy.MinContributors people answers its hours but not its amount
// (nor budgetUsed, amount ÷ a budget it reads): those cells are null with
// SUPPRESSED at their path. Projects with enough people answer exactly
// what an admin gets, and so do projects with no rated hours (an amount of
// zero is no one's rate); an admin still gets every amount.
func TestAnalyticsRole_CannotDivideABillRateOutOfProjectBudgetBurn(t *testing.T) {
	a := newAPI(t)
	op := registerShipped(t, a.db)["ProjectBudgetBurn"]
	people := contributors(t, a, "billable_amount")
	analytics := a.in(t).as(httpapitest.Token(t, 0, auth.Analytics))
	admin := a.in(t).as(httpapitest.Token(t, 0, auth.Admin))

	type page struct {
		Projects struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []struct {
				Code  string
				Hours struct {
					Billable       string
					BillableAmount *string
					BudgetUsed     *string
				}
			}
		}
	}
	decode := func(who string, r response) page {
		var p page
		if err := json.Unmarshal(r.Data, &p); err != nil || len(p.Projects.Nodes) == 0 {
			t.Fatalf("%s: %v: %.300s %+v", who, err, r.Data, r.Errors)
		}
		return p
	}
	few, enough := 0, 0
	vars := map[string]any{}
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("ProjectBudgetBurn does not stop paging")
		}
		ra, rm := analytics.byID(op.ID, vars), admin.byID(op.ID, vars)
		if len(rm.Errors) > 0 {
			t.Fatalf("admin: %+v", rm.Errors)
		}
		got, want := decode("analytics", ra), decode("admin", rm)
		suppressed := map[string]bool{}
		for _, e := range ra.Errors {
			if e.Extensions["code"] != "SUPPRESSED" {
				t.Fatalf("analytics: %+v, want only SUPPRESSED errors", e)
			}
			suppressed[fmt.Sprint(e.Path)] = true
		}
		for i, n := range got.Projects.Nodes {
			w := want.Projects.Nodes[i]
			h := n.Hours
			path := func(f string) string { return fmt.Sprint([]any{"projects", "nodes", i, "hours", f}) }
			if n.Code != w.Code || h.Billable != w.Hours.Billable {
				t.Fatalf("row %d: analytics %s %s, admin %s %s: the hours must come for everyone", i, n.Code, h.Billable, w.Code, w.Hours.Billable)
			}
			if w.Hours.BillableAmount == nil {
				t.Fatalf("admin: %s has no billable amount", w.Code)
			}
			c, ok := people[n.Code]
			if !ok {
				t.Fatalf("%s is not a project the database knows", n.Code)
			}
			if c > 0 && c < policy.MinContributors {
				few++
				if h.BillableAmount != nil || h.BudgetUsed != nil || !suppressed[path("billableAmount")] ||
					(w.Hours.BudgetUsed != nil && !suppressed[path("budgetUsed")]) {
					t.Errorf("%s (%d people, %s billable hours): amount %v, budget used %v, errors at %v; want both null and SUPPRESSED",
						n.Code, c, h.Billable, h.BillableAmount, h.BudgetUsed, suppressed)
				}
				continue
			}
			if c > 0 {
				enough++
			}
			if len(suppressed) > 0 && (suppressed[path("billableAmount")] || suppressed[path("budgetUsed")]) ||
				orNull(h.BillableAmount) != orNull(w.Hours.BillableAmount) || orNull(h.BudgetUsed) != orNull(w.Hours.BudgetUsed) {
				t.Errorf("%s (%d people): analytics amount %s used %s, admin %s %s; want the exact figures",
					n.Code, c, orNull(h.BillableAmount), orNull(h.BudgetUsed), orNull(w.Hours.BillableAmount), orNull(w.Hours.BudgetUsed))
			}
		}
		if !got.Projects.PageInfo.HasNextPage {
			break
		}
		vars = map[string]any{"after": got.Projects.PageInfo.EndCursor}
	}
	if few == 0 || enough == 0 {
		t.Fatalf("%d projects of too few people, %d of enough: the demo data proves nothing", few, enough)
	}
	t.Logf("%d projects withheld, %d answered", few, enough)
}

// orNull is a nullable figure as the wire shows it.
func orNull(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// The same rule holds for the analytics report of budget burn (the shipped
// BudgetBurn, all time): a project's burn, budgetUsed and remaining (budget
// − burn, with the budget known) are withheld exactly where one or two
// people's rated hours make them up.
func TestAnalyticsRole_BudgetBurnWithholdsProjectsOfTooFewPeople(t *testing.T) {
	a := newAPI(t)
	op := registerShipped(t, a.db)["BudgetBurn"]
	people := contributors(t, a, "amount")
	r := a.in(t).as(httpapitest.Token(t, 0, auth.Analytics)).byID(op.ID, map[string]any{"first": 1000})
	var d struct {
		Analytics struct {
			BudgetBurn []struct {
				Code, Hours string
				Burn        *string
			}
		}
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Analytics.BudgetBurn) == 0 {
		t.Fatalf("%v: %.300s", err, r.Data)
	}
	withheld := map[string]bool{}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "SUPPRESSED" || len(e.Path) != 4 {
			t.Fatalf("%+v: want only SUPPRESSED figures", e)
		}
		withheld[fmt.Sprint(e.Path[2:])] = true
	}
	few := 0
	for i, p := range d.Analytics.BudgetBurn {
		c := people[p.Code]
		want := c > 0 && c < policy.MinContributors
		for _, f := range []string{"burn", "budgetUsed", "remaining"} {
			if withheld[fmt.Sprint([]any{float64(i), f})] != want {
				t.Errorf("%s (%d people, %s hours): %s withheld %v, want %v", p.Code, c, p.Hours, f, !want, want)
			}
		}
		if want {
			few++
			if p.Burn != nil {
				t.Errorf("%s: burn %s, want null", p.Code, *p.Burn)
			}
		}
	}
	if few == 0 || few == len(d.Analytics.BudgetBurn) {
		t.Fatalf("%d of %d projects withheld: the data proves nothing", few, len(d.Analytics.BudgetBurn))
	}
}
