package scalar_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// An input the API refuses is named in the error by a short prefix at
// most: an id, an enum value, a decimal or a date of 100,000 characters
// does not come back in full to its sender.
func TestInputErrors_QuoteAShortPrefixOfTheValue(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	long := strings.Repeat("A", 100_000)
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"id argument", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": long}},
		{"ids argument", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{long}}},
		{"enum variable", `query($s: CustomerSegment) { customers(filter: {segment: {eq: $s}}) { totalCount } }`, map[string]any{"s": long}},
		{"decimal variable", `query($d: Decimal) { projects(filter: {budget: {gt: $d}}) { totalCount } }`, map[string]any{"d": long}},
		{"date variable", `query($d: Date) { employees(filter: {hiredOn: {gt: $d}}) { totalCount } }`, map[string]any{"d": long}},
		{"cursor", `query($c: String) { employees(after: $c) { totalCount } }`, map[string]any{"c": long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.vars})
			r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, string(body))
			if len(r.Errors) == 0 {
				t.Fatalf("answer %.300s, want an error", r.Body)
			}
			if len(r.Body) > 2000 {
				t.Errorf("the answer is %d bytes, it echoes the input: %.300s…", len(r.Body), r.Body)
			}
		})
	}
}
