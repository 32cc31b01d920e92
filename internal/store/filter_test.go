package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
)

// adminCtx may filter by every column.
var adminCtx = auth.With(context.Background(), &auth.Identity{Subject: "test", Roles: []auth.Role{auth.Admin}})

var filterTables = []*table{customersTable, contactsTable, projectsTable, employeesTable, departmentsTable,
	assignmentsTable, timeEntriesTable, timesheetsTable}

// TestFilter_SchemaAndStoreAgree checks every XFilter input of the schema
// against the store's filter fields, both ways: a field the schema offers
// must be one the store compiles, with operators it knows, and a field the
// store would compile must be in the schema (or it is dead code).
func TestFilter_SchemaAndStoreAgree(t *testing.T) {
	schema := testSchema
	for _, tbl := range filterTables {
		def := schema.Types[tbl.typeName+"Filter"]
		if def == nil {
			t.Errorf("the schema has no %sFilter", tbl.typeName)
			continue
		}
		inSchema := map[string]bool{}
		for _, f := range def.Fields {
			inSchema[f.Name] = true
			switch f.Name {
			case "and", "or", "not":
				if f.Type.Name() != def.Name {
					t.Errorf("%s.%s is a %s", def.Name, f.Name, f.Type.Name())
				}
				continue
			case "id":
				continue
			}
			ff, ok := tbl.filters[f.Name]
			if !ok {
				t.Errorf("%s.%s: the store cannot filter %s by it", def.Name, f.Name, tbl.name)
				continue
			}
			if ff.rel != nil && f.Type.Name() != ff.rel.typeName+"Filter" {
				t.Errorf("%s.%s is a %s, the store reads a %s filter", def.Name, f.Name, f.Type.Name(), ff.rel.typeName)
			}
			if ff.rel != nil || ff.cond != nil {
				continue
			}
			ops := schema.Types[f.Type.Name()]
			for _, op := range ops.Fields {
				if !slices.Contains(classOps[ff.typ.class], op.Name) {
					t.Errorf("%s.%s offers %s, which the store does not apply to %s", def.Name, f.Name, op.Name, ff.col)
				}
			}
		}
		for name := range tbl.filters {
			if !inSchema[name] && filterable(tbl, name) {
				t.Errorf("the store filters %s by %s, which %s does not offer", tbl.name, name, def.Name)
			}
		}
	}
}

func TestFilter_CompilesToBoundSQL(t *testing.T) {
	for _, c := range []struct {
		tbl    *table
		filter string
		sql    string
		args   []any
	}{
		{projectsTable, `{"status": {"in": ["ACTIVE", "ON_HOLD"]}, "name": {"contains": "50%_off"}}`,
			`((t.name ILIKE ?) AND (t.status IN (CAST(? AS project_status), CAST(? AS project_status))))`,
			[]any{`%50\%\_off%`, "active", "on_hold"}},
		{customersTable, `{"country": {"in": ["DE", "FR"]}}`, `((t.country = ANY(CAST(? AS text[]))))`,
			[]any{textArray{[]string{"DE", "FR"}}}},
		{projectsTable, `{"customer": {"id": {"eq": "Q3VzdG9tZXI6Nw"}}}`, `((t.customer_id = CAST(? AS bigint)))`, []any{int64(7)}},
		{projectsTable, `{"not": {"budget": {"gte": "100.50"}}}`,
			`(NOT coalesce(((t.budget >= CAST(? AS numeric))), false))`, []any{"100.50"}},
		{projectsTable, `{"or": []}`, `(false)`, nil},
		{employeesTable, `{"department": {"code": {"eq": "ENG"}}}`,
			`(EXISTS (SELECT 1 FROM departments r1 WHERE r1.id = t.department_id AND ((r1.code = CAST(? AS text)))))`, []any{"ENG"}},
	} {
		var f Filter
		dec := json.NewDecoder(strings.NewReader(c.filter))
		dec.UseNumber()
		if err := dec.Decode(&f); err != nil {
			t.Fatal(err)
		}
		sql, args, err := compileFilter(context.Background(), testRules, c.tbl, f)
		if err != nil {
			t.Fatalf("%s: %v", c.filter, err)
		}
		if sql != c.sql || !equalArgs(args, c.args) {
			t.Errorf("%s:\n got %s %#v\nwant %s %#v", c.filter, sql, args, c.sql, c.args)
		}
	}
}

func equalArgs(a, b []any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// FuzzFilter feeds the compiler arbitrary JSON as a filter of every table.
// Whatever it is given, it must not panic, must fail only with bad input,
// and what it compiles must hold no text of the input (every value is a
// bound parameter: the SQL has no quote) and one value per placeholder.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`{"name": {"contains": "ac"}, "segment": {"in": ["ENTERPRISE"]}, "or": [{"status": {"eq": "ACTIVE"}}]}`,
		`{"not": {"budget": {"gt": "12.5"}}, "customer": {"segment": {"eq": "SMB"}}, "dueOn": {"gte": "2026-01-01"}}`,
		`{"department": {"within": "RGVwYXJ0bWVudDox"}, "manager": {"id": {"isNull": true}}}`,
		`{"activeOn": "2026-11-24", "allocationPercent": {"gte": 50, "in": [10, 20]}}`,
		`{"createdAt": {"lt": "2026-11-24T10:00:00Z"}, "billable": {"eq": true}, "hours": {"eq": 8}}`,
		`{"and": [{"id": {"in": ["UHJvamVjdDox"]}}], "code": {"startsWith": "' OR 1=1 --"}}`,
		`{"name": {"eq": null}}`, `{"or": {"name": {"eq": "x"}}}`, `{"status": {"eq": "active"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var filter Filter
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if dec.Decode(&filter) != nil {
			return
		}
		for _, tbl := range filterTables {
			sql, args, err := compileFilter(adminCtx, testRules, tbl, filter)
			if err != nil {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Code != apperr.BadUserInput {
					t.Fatalf("%s: %v is not bad input", tbl.name, err)
				}
				continue
			}
			if strings.Contains(sql, "'") {
				t.Fatalf("%s: input text reached the SQL: %s", tbl.name, sql)
			}
			if n := strings.Count(sql, "?"); n != len(args) {
				t.Fatalf("%s: %d placeholders, %d values: %s", tbl.name, n, len(args), sql)
			}
		}
	})
}
