package policy

import (
	"fmt"
	"strings"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// relationSQL is each relation as an SQL condition over the row aliased
// "t", given the column of t that carries it; its one argument is the
// caller's employee id.
var relationSQL = map[Relation]struct {
	key  func(Keys) string
	cond string // %s: the key column
}{
	Self: {func(k Keys) string { return k.Employee }, "t.%s = ?"},
	// Everyone below the caller, at any depth; UNION stops at a cycle in
	// bad data.
	ReportingLine: {func(k Keys) string { return k.Employee }, `t.%s IN (WITH RECURSIVE below(id) AS (
    SELECT id FROM employees WHERE manager_id = ?
    UNION SELECT e.id FROM employees e JOIN below b ON e.manager_id = b.id)
SELECT id FROM below)`},
	ProjectManager: {func(k Keys) string { return k.Project }, "t.%s IN (SELECT id FROM projects WHERE manager_id = ?)"},
	AccountManager: {func(k Keys) string { return k.Customer }, "t.%s IN (SELECT id FROM customers WHERE account_manager_id = ?)"},
}

// Scope is the SQL condition over table aliased "t", with its arguments
// (? placeholders, as the store writes its SQL), that keeps only the rows
// id may see (Table.Rows): "" when id sees every row, "FALSE" when none.
// It is Can(id, Read, table, row) for every row at once. A relation whose
// column the table does not name (Keys) grants no row: a mistake in the
// rules hides rows rather than shows them.
func (r Rules) Scope(id *auth.Identity, table string) (cond string, args []any) {
	t := r[table]
	if t.Rows == nil || id.HasAny(t.Rows.Roles...) {
		return "", nil
	}
	var conds []string
	if id != nil && id.EmployeeID != 0 {
		for _, v := range t.Rows.Via {
			if !id.HasAny(v.roles()...) {
				continue
			}
			rel := relationSQL[v.Relation]
			key := rel.key(t.Keys)
			if key == "" {
				continue
			}
			conds = append(conds, fmt.Sprintf(rel.cond, key))
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
