package policy_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/testdb"
)

var dbURL string

func TestMain(m *testing.M) { os.Exit(testdb.Run(m, testdb.Options{}, &dbURL)) }

// reviews is a table that declares who sees its rows, as the workflows'
// reviews will: the employee it concerns, the managers above them, hr and
// admin; to anyone else a row does not exist.
var reviews = policy.Rules{"reviews": {
	Rows: &policy.Grant{Roles: []auth.Role{auth.HR, auth.Admin}, Via: []policy.Via{
		{Relation: policy.Self},
		{Relation: policy.ReportingLine, Roles: []auth.Role{auth.Manager}},
	}},
	Keys: policy.Keys{Employee: "employee_id"},
}}

// Every row of today's tables is visible to every role: the store's lists
// get no condition. The workflows' tables declare who sees their rows
// (Rows) and are scoped as TestScope_DeclaredScopeByCaller shows.
func TestStoreRules_TodaysTablesScopeNoRow(t *testing.T) {
	for table, rules := range policy.Firm {
		if rules.Rows != nil {
			continue
		}
		for _, id := range everyone {
			ctx := auth.With(context.Background(), id)
			if cond, args := (policy.StoreRules{}).RowScope(ctx, table); cond != "" || args != nil {
				t.Errorf("%s as %s: scope %q %v, want none", table, subject(id), cond, args)
			}
		}
	}
}

// The row scope of a table that declares one, from plain values: the
// condition each caller's rows are kept by; the firm's reviews are scoped
// so.
func TestScope_DeclaredScopeByCaller(t *testing.T) {
	for _, rules := range []policy.Rules{reviews, policy.Firm} {
		declaredScopeByCaller(t, rules)
	}
}

func declaredScopeByCaller(t *testing.T, rules policy.Rules) {
	viewerManager := &auth.Identity{Subject: "viewer and manager", Roles: []auth.Role{auth.Viewer, auth.Manager}, EmployeeID: 10}
	for _, c := range []struct {
		id   *auth.Identity
		cond string // the relations kept, "" for every row
		args []any
	}{
		{hr, "", nil},
		{admin, "", nil},
		{viewer, "self", []any{int64(20)}},
		{analytics, "FALSE", nil},
		{managerNoID, "FALSE", nil},
		{anonymous, "FALSE", nil},
		{manager, "self or line", []any{int64(10), int64(10)}},
		{viewerManager, "self or line", []any{int64(10), int64(10)}},
	} {
		cond, args := policy.StoreRules{Rules: rules}.RowScope(auth.With(context.Background(), c.id), "reviews")
		var kept string
		switch {
		case cond == "" || cond == "FALSE":
			kept = cond
		case strings.HasPrefix(cond, "(") && strings.Contains(cond, " OR t.employee_id IN (WITH RECURSIVE"):
			kept = "self or line"
		case cond == "t.employee_id = ?":
			kept = "self"
		default:
			kept = cond
		}
		if kept != c.cond || !slices.Equal(args, c.args) {
			t.Errorf("%s: scope %q %v, want %s %v", subject(c.id), cond, args, c.cond, c.args)
		}
	}
}

// Against PostgreSQL, the scope keeps exactly the rows that Can allows one
// by one (the reporting line walked here in Go): the store's lists and a
// single row's check (an event, a write) agree on what exists.
func TestScope_KeepsExactlyTheRowsCanAllows(t *testing.T) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	// A tree of 40 employees (i reports to i/2) and a review for each,
	// two for some.
	_, err = c.Exec(ctx, `
INSERT INTO departments (id, code, name) VALUES (1, 'ORG', 'Org');
INSERT INTO employees (id, employee_number, first_name, last_name, email, department_id, manager_id,
    employment_type, status, hired_on, weekly_capacity_hours)
SELECT i, 'E' || i, 'F' || i, 'L' || i, i || '@example.com', 1, NULLIF(i / 2, 0), 'full_time', 'active', '2020-01-01', 40
FROM generate_series(1, 40) i;
CREATE TEMP TABLE reviews (id bigint PRIMARY KEY, employee_id bigint NOT NULL); -- shadows the real one (migration 00015) in this session
INSERT INTO reviews SELECT i, CASE WHEN i > 40 THEN i - 40 ELSE i END FROM generate_series(1, 50) i;`)
	if err != nil {
		t.Fatal(err)
	}
	managerOf := map[int64]int64{}
	for i := int64(2); i <= 40; i++ {
		managerOf[i] = i / 2
	}
	facts := func(employee int64) *policy.Facts {
		return &policy.Facts{Employee: employee, Below: func(m int64) (bool, error) {
			for e := managerOf[employee]; e != 0; e = managerOf[e] {
				if e == m {
					return true, nil
				}
			}
			return false, nil
		}}
	}
	rows, err := c.Query(ctx, `SELECT id, employee_id FROM reviews ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]int64, error) {
		var v [2]int64
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	callers := []*auth.Identity{hr, admin, analytics, managerNoID, anonymous,
		{Subject: "viewer 5", Roles: []auth.Role{auth.Viewer}, EmployeeID: 5},
		{Subject: "manager 2", Roles: []auth.Role{auth.Manager}, EmployeeID: 2},
		{Subject: "manager 3 and viewer", Roles: []auth.Role{auth.Viewer, auth.Manager}, EmployeeID: 3},
		{Subject: "manager 40, a leaf", Roles: []auth.Role{auth.Manager}, EmployeeID: 40},
		{Subject: "viewer 2, above a line without the role", Roles: []auth.Role{auth.Viewer}, EmployeeID: 2},
	}
	for _, id := range callers {
		var want []int64
		for _, r := range all {
			ok, err := reviews.Can(id, policy.Read, "reviews", facts(r[1]))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				want = append(want, r[0])
			}
		}
		cond, args := reviews.Scope(id, "reviews")
		q := "SELECT t.id FROM reviews t"
		if cond != "" {
			q += " WHERE " + numbered(cond)
		}
		rows, err := c.Query(ctx, q+" ORDER BY t.id", args...)
		if err != nil {
			t.Fatalf("%s: %s: %v", subject(id), q, err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: the scope keeps reviews %v, Can allows %v", subject(id), got, want)
		}
		if id == callers[6] && len(want) < 20 {
			t.Fatalf("manager 2 sees %d reviews: the tree proves nothing", len(want))
		}
	}
}

// numbered turns the store's ? placeholders into PostgreSQL's $n.
func numbered(sql string) string {
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// A scope whose relation has no column to follow keeps no row for it.
func TestScope_MissingKeyKeepsNoRow(t *testing.T) {
	rules := policy.Rules{"reviews": {Rows: reviews["reviews"].Rows}}
	if cond, args := rules.Scope(manager, "reviews"); cond != "FALSE" || args != nil {
		t.Errorf("scope %q %v, want FALSE", cond, args)
	}
	if cond, _ := rules.Scope(hr, "reviews"); cond != "" {
		t.Errorf("hr: scope %q, want every row", cond)
	}
}
