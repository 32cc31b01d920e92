package policy_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/policy"
)

// Every @sensitive field of the schema names a column the policy has a
// rule for (a typo would make the field an internal error for everyone),
// and every sensitive column of DOMAIN.md is guarded by some field.
func TestSchema_EverySensitiveFieldHasARule(t *testing.T) {
	src, err := os.ReadFile("../../schema.graphqls")
	if err != nil {
		t.Fatal(err)
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: string(src)})
	if gerr != nil {
		t.Fatal(gerr)
	}
	guarded := map[string]bool{}
	tables := map[string]string{"Employee": "employees", "Assignment": "assignments"}
	for _, def := range schema.Types {
		for _, f := range def.Fields {
			d := f.Directives.ForName("sensitive")
			if d == nil {
				// A field named for a sensitive column must be guarded.
				if table, ok := tables[def.Name]; ok && policy.Firm.Sensitive(table, snake(f.Name)) {
					t.Errorf("%s.%s reveals %s.%s but is not @sensitive", def.Name, f.Name, table, snake(f.Name))
				}
				continue
			}
			col := d.Arguments.ForName("column").Value.Raw
			table, column, ok := strings.Cut(col, ".")
			if !ok || !policy.Firm.Sensitive(table, column) {
				t.Errorf("%s.%s is @sensitive(column: %q), which the policy has no rule for", def.Name, f.Name, col)
			}
			guarded[col] = true
		}
	}
	// The audit log is the admins' on every path to it, not only at its
	// root field.
	if d := schema.Types["AuditEvent"].Directives.ForName("hasRole"); d == nil || d.Arguments.ForName("roles").Value.String() != "[ADMIN]" {
		t.Error("type AuditEvent is not @hasRole(roles: [ADMIN])")
	}
	for _, col := range []string{"employees.salary", "employees.salary_currency", "employees.personal_email",
		"employees.phone", "employees.birth_date", "employees.home_address", "assignments.bill_rate", "payslips.gross"} {
		if !guarded[col] {
			t.Errorf("no field of the schema is @sensitive(column: %q)", col)
		}
	}
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
