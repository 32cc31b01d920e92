package graph_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/store"
)

// A project's billableAmount over one person's hours is that person's bill
// rate times hours the analytics role may read: a role that may read only
// sums gets it SUPPRESSED (null) below policy.MinContributors contributors,
// a role that may read the rates (manager) gets it exact, and a sum over
// enough people is exact for everyone allowed to read sums.
func TestProjectHours_SumOverTooFewContributorsIsSuppressedForAnalytics(t *testing.T) {
	a := newAPI(t)
	ctx := context.Background()
	project := func(having string) int64 {
		var id int64
		if err := a.db.SQL().QueryRowContext(ctx, `SELECT project_id FROM time_entry_months
			GROUP BY project_id HAVING count(DISTINCT employee_id) FILTER (WHERE billable_amount > 0) `+having+`
			ORDER BY project_id LIMIT 1`).Scan(&id); err != nil {
			t.Fatalf("find a project with contributors %s: %v", having, err)
		}
		return id
	}
	one, many := project("= 1"), project(">= 3")
	q := `query($id: ID!) { node(id: $id) { ... on Project { hours { billableAmount } } } }`
	for _, c := range []struct {
		name       string
		role       auth.Role
		project    int64
		suppressed bool
	}{
		{"analytics, one contributor", auth.Analytics, one, true},
		{"manager, one contributor", auth.Manager, one, false},
		{"analytics, enough contributors", auth.Analytics, many, false},
	} {
		r := a.in(t).as(httpapitest.Token(t, 0, c.role)).query(q, map[string]any{"id": store.GlobalID("Project", c.project)})
		var d struct {
			Node struct{ Hours struct{ BillableAmount *string } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatalf("%s: %v (errors %v)", c.name, err, r.Errors)
		}
		gotSuppressed := len(r.Errors) == 1 && r.Errors[0].Extensions["code"] == "SUPPRESSED" && d.Node.Hours.BillableAmount == nil
		if gotSuppressed != c.suppressed || (!c.suppressed && (len(r.Errors) > 0 || d.Node.Hours.BillableAmount == nil)) {
			t.Errorf("%s: amount %v, errors %v; want suppressed %v", c.name, d.Node.Hours.BillableAmount, r.Errors, c.suppressed)
		}
	}
}
