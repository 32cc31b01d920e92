package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/policy"
)

// A filter or an ordering by a sensitive column reveals it without
// answering it (hr narrowed one salary to the unit with 27 salary ranges
// reading only totalCount): each such use leaves an audit row, use
// "compare", for who used which column in which request.
func TestAudit_FilterAndOrderBySensitiveColumnAreRecorded(t *testing.T) {
	log, err := audit.Open(context.Background(), httpapitest.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := newAPIWith(t, policy.New(log).StoreRules())
	subject := fmt.Sprintf("audit-uses-%d", time.Now().UnixNano())
	cases := []struct {
		name, query string
		role        auth.Role
		want        string
	}{
		{"hr filters by salary reading only totalCount", `{ employees(filter: {salary: {gte: "90000"}}) { totalCount } }`, auth.HR,
			"compare|employees.salary"},
		{"a manager filters by bill rate", `{ assignments(filter: {billRate: {lt: "120"}}) { totalCount } }`, auth.Manager,
			"compare|assignments.bill_rate"},
		{"a manager orders by bill rate", `{ assignments(first: 5, orderBy: [{field: BILL_RATE, direction: ASC}]) { nodes { id } } }`, auth.Manager,
			"compare|assignments.bill_rate"},
	}
	for i, c := range cases {
		tok, err := auth.Mint(httpapitest.JWT, auth.MintOptions{Subject: fmt.Sprint(subject, "-", i), Roles: []auth.Role{c.role}, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if r := a.in(t).as(tok).query(c.query, nil); len(r.Errors) > 0 {
			t.Fatalf("%s: %v", c.name, r.Errors)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := log.Close(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, httpapitest.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i, c := range cases {
		rows, err := conn.Query(ctx, `SELECT use || '|' || field FROM audit_events WHERE subject = $1 ORDER BY id`,
			fmt.Sprint(subject, "-", i))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint([]string{c.want}) {
			t.Errorf("%s: audit rows %q, want [%q]", c.name, got, c.want)
		}
	}
}
