package policy

import (
	"fmt"
	"strings"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// relationSQL is each relation as an SQL condition over the row aliased
// "t", from the table's Keys; "" when the table names no column for it.
// Its one argument is the caller's employee id.
var relationSQL = map[Relation]func(k Keys) string{
	Self: func(k Keys) string { return onKey(k.Employee, "t.%s = ?") },
	// Everyone below the caller, at any depth; UNION stops at a cycle in
	// bad data.
	ReportingLine: func(k Keys) string {
		return onKey(k.Employee, `t.%s IN (WITH RECURSIVE below(id) AS (
    SELECT id FROM employees WHERE manager_id = ?
    UNION SELECT e.id FROM employees e JOIN below b ON e.manager_id = b.id)
SELECT id FROM below)`)
	},
	ProjectManager: func(k Keys) string { return onKey(k.Project, "t.%s IN (SELECT id FROM projects WHERE manager_id = ?)") },
	AccountManager: func(k Keys) string {
		return onKey(k.Customer, "t.%s IN (SELECT id FROM customers WHERE account_manager_id = ?)")
	},
	Reviewer: func(k Keys) string { return onKey(k.Reviewer, "t.%s = ?") },
	SelfFinal: func(k Keys) string {
		if k.Final == "" {
			return ""
		}
		return onKey(k.Employee, "(t.%s = ? AND "+k.Final+")")
	},
}

// onKey is cond about the column key; "" when there is none.
func onKey(key, cond string) string {
	if key == "" {
		return ""
	}
	return fmt.Sprintf(cond, key)
}

// Scope is the SQL condition over table aliased "t", with its arguments
// (? placeholders, as the store writes its SQL), that keeps only the rows
// id may see (Table.Rows): "" when id sees every row, "FALSE" when none.
// It is Can(id, Read, table, row) for every row at once. A relation whose
// column the table does not name (Keys) grants no row: a mistake in the
// rules hides rows rather than shows them.
func (r Rules) Scope(id *auth.Identity, table string) (cond string, args []any) {
	t := r[table]
	if integrationOnly(id) && (t.Rows == nil || !id.HasAny(t.Rows.Roles...)) {
		// An external system's key reads nothing but the tables whose rows
		// name it (DOMAIN.md, "Who writes what": "reads nothing else").
		return "FALSE", nil
	}
	if t.Rows == nil || id.HasAny(t.Rows.Roles...) {
		return "", nil
	}
	if of := t.Keys.Of; of != nil {
		// Seen by whoever sees the row it belongs to: that table's scope,
		// whose alias t the subquery's own t shadows.
		cond, args := r.Scope(id, of.Table)
		if cond == "" || cond == "FALSE" {
			return cond, args
		}
		return "t." + of.Key + " IN (SELECT t.id FROM " + of.Table + " t WHERE " + cond + ")", args
	}
	var conds []string
	if id != nil && id.EmployeeID != 0 {
		for _, v := range t.Rows.Via {
			if !id.HasAny(v.roles()...) {
				continue
			}
			cond := relationSQL[v.Relation](t.Keys)
			if cond == "" {
				continue
			}
			conds = append(conds, cond)
			args = append(args, id.EmployeeID)
		}
	}
	switch len(conds) {
	case 0:
		return "FALSE", nil
	case 1:
		return conds[0], args
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}

// integrationOnly reports whether the caller's only role is integration: a
// caller holding another role too reads what that role allows.
func integrationOnly(id *auth.Identity) bool {
	if id == nil || len(id.Roles) == 0 {
		return false
	}
	for _, r := range id.Roles {
		if r != auth.Integration {
			return false
		}
	}
	return true
}
