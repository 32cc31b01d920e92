package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// CountScope is the rule of the figures counted over a table scoped by row
// (analytics' reviewCompletion counts reviews by status): they count the
// rows the caller may see and no other, by the same Scope every list,
// totalCount and node(id) uses, so a manager counts their reporting line,
// hr and admin the whole firm, and a row's existence leaks through no
// count. A status is not a text or a rating, but it is a fact of a row the
// caller may not know exists. A caller who sees no row of the table at all
// (the analytics role, an integration key, a person's role without an
// employee record) is refused (a *Refused saying who may) rather than
// answered with zeros that would read as "nothing done".
func (r Rules) CountScope(id *auth.Identity, table string) (cond string, args []any, err error) {
	cond, args = r.Scope(id, table)
	if cond == "FALSE" {
		return "", nil, &Refused{Action: ReadSum, Table: table, Needs: r.needs(Read, table, "", nil)}
	}
	return cond, args, nil
}
