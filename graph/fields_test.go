package graph_test

import (
	"encoding/json"
	"slices"
	"testing"

	"maps"

	"github.com/bizgraph/bizgraph/internal/store"
)

// An object's fields are collected once per selection set and type in an
// operation (graph/fields.go): elements of one list that are of different
// types each get their own type's fields, and the same document sent again
// with other variables gets the fields those variables include (the
// parsed document is cached across requests, its collected fields are
// not).
func TestCollectedFields_PerTypeAndPerOperation(t *testing.T) {
	a := newAPI(t)
	var keys struct{ Employee, Project, Department int64 }
	if err := a.db.Raw(`SELECT (SELECT min(id) FROM employees) AS employee, (SELECT min(id) FROM projects) AS project,
		(SELECT min(id) FROM departments) AS department`).Row().Scan(&keys.Employee, &keys.Project, &keys.Department); err != nil {
		t.Fatal(err)
	}
	ids := []string{store.GlobalID("Employee", keys.Employee), store.GlobalID("Project", keys.Project),
		store.GlobalID("Department", keys.Department), store.GlobalID("Employee", keys.Employee)}
	const q = `query($ids: [ID!]!, $names: Boolean!) {
	  nodes(ids: $ids) {
	    id
	    ... on Employee { firstName @include(if: $names) hiredOn @skip(if: $names) }
	    ... on Project { code name @include(if: $names) }
	    ...Dept
	  }
	}
	fragment Dept on Department { code name @include(if: $names) }`
	for _, c := range []struct {
		names bool
		want  [][]string // each node's keys, in the order of ids
	}{
		{true, [][]string{{"firstName", "id"}, {"code", "id", "name"}, {"code", "id", "name"}, {"firstName", "id"}}},
		{false, [][]string{{"hiredOn", "id"}, {"code", "id"}, {"code", "id"}, {"hiredOn", "id"}}},
		{true, [][]string{{"firstName", "id"}, {"code", "id", "name"}, {"code", "id", "name"}, {"firstName", "id"}}},
	} {
		var got struct{ Nodes []map[string]json.RawMessage }
		a.data(q, map[string]any{"ids": ids, "names": c.names}, &got)
		if len(got.Nodes) != len(ids) {
			t.Fatalf("names=%v: %d nodes, want %d", c.names, len(got.Nodes), len(ids))
		}
		for i, n := range got.Nodes {
			if k := slices.Sorted(maps.Keys(n)); !slices.Equal(k, c.want[i]) {
				t.Errorf("names=%v: node %d (%s) has %v, want %v", c.names, i, ids[i], k, c.want[i])
			}
		}
	}
}
