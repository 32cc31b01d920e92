package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// scalarFields lists a type's argument-less scalar and enum fields, from
// introspection, so a field added to the schema is covered without a change
// here.
func scalarFields(t *testing.T, a *api, typ string) []string {
	t.Helper()
	var r struct {
		Type struct {
			Fields []struct {
				Name string
				Args []struct{ Name string }
				Type struct {
					Kind   string
					OfType *struct{ Kind string }
				}
			}
		} `json:"__type"`
	}
	a.data(`query($t: String!) { __type(name: $t) { fields { name args { name } type { kind ofType { kind } } } } }`,
		map[string]any{"t": typ}, &r)
	var out []string
	for _, f := range r.Type.Fields {
		kind := f.Type.Kind
		if kind == "NON_NULL" && f.Type.OfType != nil {
			kind = f.Type.OfType.Kind
		}
		if len(f.Args) == 0 && (kind == "SCALAR" || kind == "ENUM") {
			out = append(out, f.Name)
		}
	}
	if len(out) < 3 {
		t.Fatalf("%s has %d scalar fields by introspection", typ, len(out))
	}
	return out
}

// Statements read only the columns a query selects: a field selected alone,
// or through a fragment, must read the same value as nodes(ids:) gives,
// which reads every column (the types of ids are known only once read).
func TestSelection_EveryFieldAloneReadsWhatEverythingReads(t *testing.T) {
	a := newAPI(t)
	lists := map[string]string{"Customer": "customers", "Contact": "contacts", "Project": "projects",
		"Employee": "employees", "Department": "departments", "Assignment": "assignments", "TimeEntry": "timeEntries"}
	for typ, list := range lists {
		t.Run(typ, func(t *testing.T) {
			a := a.in(t)
			fields := scalarFields(t, a, typ)
			var page struct {
				List struct{ Nodes []struct{ ID string } }
			}
			a.data(fmt.Sprintf(`{ list: %s(first: 10) { nodes { id } } }`, list), nil, &page)
			var ids []string
			for _, n := range page.List.Nodes {
				ids = append(ids, n.ID)
			}
			var all struct{ Nodes []map[string]any }
			a.data(fmt.Sprintf(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on %s { %s } } }`, typ, strings.Join(fields, " ")),
				map[string]any{"ids": ids}, &all)
			if len(all.Nodes) != len(ids) || len(ids) == 0 {
				t.Fatalf("nodes returned %d rows for %d ids", len(all.Nodes), len(ids))
			}
			for _, f := range fields {
				for _, q := range []string{
					fmt.Sprintf(`{ list: %s(first: 10) { nodes { %s } } }`, list, f),
					fmt.Sprintf(`{ list: %s(first: 10) { edges { node { ...F } } } } fragment F on %s { %s }`, list, typ, f),
				} {
					var one struct {
						List struct {
							Nodes []map[string]any
							Edges []struct{ Node map[string]any }
						}
					}
					a.data(q, nil, &one)
					got := one.List.Nodes
					for _, e := range one.List.Edges {
						got = append(got, e.Node)
					}
					for i, row := range got {
						want, _ := json.Marshal(all.Nodes[i][f])
						have, _ := json.Marshal(row[f])
						if string(want) != string(have) {
							t.Errorf("%s.%s of row %d alone = %s, with every field %s (query %s)", typ, f, i, have, want, q)
						}
					}
				}
			}
		})
	}
}

// The same relation selected twice under aliases reads the union of what
// both select, and each alias gets its own page.
func TestSelection_AliasedRelationsEachGetTheirFields(t *testing.T) {
	a := newAPI(t)
	var r struct {
		Customers struct {
			Nodes []struct {
				A struct{ Nodes []struct{ Code, Name string } }
				B struct{ Nodes []struct{ Code, Name string } }
			}
		}
	}
	a.data(`{ customers(first: 20) { nodes {
		a: projects(first: 1) { nodes { code } }
		b: projects(first: 3) { nodes { name manager: customer { name } } }
	} } }`, nil, &r)
	seen := 0
	for _, c := range r.Customers.Nodes {
		if len(c.A.Nodes) > 1 || len(c.B.Nodes) > 3 || len(c.A.Nodes) > len(c.B.Nodes) {
			t.Fatalf("pages mixed up between aliases: %d and %d rows", len(c.A.Nodes), len(c.B.Nodes))
		}
		for _, p := range c.A.Nodes {
			if p.Code == "" {
				t.Fatal("alias a selected code and got none")
			}
			seen++
		}
		for _, p := range c.B.Nodes {
			if p.Name == "" {
				t.Fatal("alias b selected name and got none")
			}
		}
	}
	if seen == 0 {
		t.Fatal("no customer with projects among the first 20")
	}
}
