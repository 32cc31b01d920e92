package graph_test

import (
	"encoding/json"
	"sync"
	"testing"
)

// A page reads one row more than it shows, to tell whether there is a next
// page. That row is not part of the answer, so the relations below it must
// not be loaded for it: each level's one statement covers exactly the
// parents the response shows, forwards and backwards.
func TestRelations_LoadOnlyForTheRowsOfThePage(t *testing.T) {
	a := newAPI(t)
	var mu sync.Mutex
	parents := map[string][]int{}
	a.store.ObserveBatches(func(relation string, n int) {
		mu.Lock()
		defer mu.Unlock()
		parents[relation] = append(parents[relation], n)
	})
	for _, dir := range []string{"first", "last"} {
		t.Run(dir, func(t *testing.T) {
			clear(parents)
			var got struct {
				Customers struct {
					Nodes []struct {
						Projects struct {
							Nodes []struct {
								Team struct {
									Nodes []struct{ Employee struct{ ID string } }
								}
							}
						}
					}
				}
			}
			a.in(t).data(`{ customers(`+dir+`: 10) { nodes {
				projects(`+dir+`: 3) { nodes { team(`+dir+`: 3) { nodes { employee { id } } } } } } } }`, nil, &got)
			var projects, team int
			for _, c := range got.Customers.Nodes {
				projects += len(c.Projects.Nodes)
				for _, p := range c.Projects.Nodes {
					team += len(p.Team.Nodes)
				}
			}
			if len(got.Customers.Nodes) != 10 || projects <= 10 || team <= projects {
				b, _ := json.Marshal(got)
				t.Fatalf("the page proves nothing: %d customers, %d projects, %d team members: %s",
					len(got.Customers.Nodes), projects, team, b)
			}
			want := map[string][]int{"Customer.projects": {10}, "Project.team": {projects}, "Assignment.employee": {team}}
			for rel, w := range want {
				if g := parents[rel]; len(g) != 1 || g[0] != w[0] {
					t.Errorf("%s loaded for %v parents, want %v (all loads: %v)", rel, g, w, parents)
				}
			}
		})
	}
}
