package limits_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/playground"
)

var schema = graph.NewExecutableSchema(graph.Config{}).Schema()

// measure parses and validates q against the API's schema, as the executor
// does before the extension runs, and measures its one operation.
func measure(t testing.TB, q string, vars map[string]any) limits.Measures {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, q)
	if len(errs) > 0 {
		t.Fatalf("invalid document: %v\n%s", errs, q)
	}
	return limits.Measure(schema, doc, doc.Operations[0], vars, page.Limits{Default: 20, Max: 100})
}

// nestedPage is bench/operations/03_nested_page.graphql: the page the
// server is built for must pass the defaults.
const nestedPage = `query NestedPage { customers(first: 50) { nodes { id name
	projects(first: 10) { nodes { id code name
		team(first: 100) { nodes { role employee { firstName lastName department { name } } } } } } } } }`

func TestMeasure(t *testing.T) {
	for _, tt := range []struct {
		name  string
		query string
		vars  map[string]any
		want  limits.Measures
	}{
		{"one field", `{ __typename }`, nil, limits.Measures{Depth: 1, RootFields: 1}},
		// A connection object (1) and its page of 50 customers (50 × 1);
		// names are scalars.
		{"a page", `{ customers(first: 50) { nodes { name } } }`, nil,
			limits.Measures{Depth: 3, RootFields: 1, Cost: 51}},
		// Package doc's example: 1 + 50 × (1 + 1 + 10 × 1).
		{"a page in a page", `{ customers(first: 50) { nodes { projects(first: 10) { nodes { name } } } } }`, nil,
			limits.Measures{Depth: 5, RootFields: 1, Cost: 601}},
		// 1 + 50 × (1 + 1 + 10 × (1 + 1 + 100 × (1 + 1 + 1))).
		{"the nested page", nestedPage, nil, limits.Measures{Depth: 9, RootFields: 1, Cost: 151_101}},
		{"without first: the default page size", `{ customers { nodes { name } } }`, nil,
			limits.Measures{Depth: 3, RootFields: 1, Cost: 21}},
		{"last counts as first", `{ customers(last: 7) { nodes { name } } }`, nil,
			limits.Measures{Depth: 3, RootFields: 1, Cost: 8}},
		{"first from a variable", `query($n: Int) { customers(first: $n) { nodes { name } } }`, map[string]any{"n": int64(30)},
			limits.Measures{Depth: 3, RootFields: 1, Cost: 31}},
		{"a null first: the default page size", `query($n: Int) { customers(first: $n) { nodes { name } } }`, map[string]any{"n": nil},
			limits.Measures{Depth: 3, RootFields: 1, Cost: 21}},
		// The field refuses more than the largest page itself
		// (BAD_USER_INPUT); the estimate stops there.
		{"a page over the largest counts as the largest", `{ customers(first: 100000) { nodes { name } } }`, nil,
			limits.Measures{Depth: 3, RootFields: 1, Cost: 101}},
		{"a negative page counts as empty", `{ customers(first: -5) { nodes { name } } }`, nil,
			limits.Measures{Depth: 3, RootFields: 1, Cost: 1}},
		// Edges are objects too: 1 + 10 × (edge 1 + node 1), pageInfo 1.
		{"edges and pageInfo", `{ customers(first: 10) { edges { cursor node { name } } pageInfo { hasNextPage } totalCount } }`, nil,
			limits.Measures{Depth: 4, RootFields: 1, Cost: 22}},
		{"to-one relations cost 1 each", `{ projects(first: 10) { nodes { customer { accountManager { department { name } } } } } }`, nil,
			limits.Measures{Depth: 6, RootFields: 1, Cost: 41}},
		// Each relation a filter follows is a hop, inside and/or/not too;
		// scalar conditions are none.
		{"filter hops", `{ projects(first: 1, filter: { name: { contains: "a" }, customer: { accountManager: { department: { name: { eq: "x" } } } },` +
			` or: [{ manager: { lastName: { eq: "a" } } }, { not: { customer: { name: { eq: "b" } } } }] }) { totalCount } }`, nil,
			limits.Measures{Depth: 2, RootFields: 1, FilterHops: 5, Cost: 1}},
		{"filter hops from a variable", `query($f: ProjectFilter) { projects(first: 1, filter: $f) { totalCount } }`,
			map[string]any{"f": map[string]any{"customer": map[string]any{"accountManager": map[string]any{"id": nil}}}},
			limits.Measures{Depth: 2, RootFields: 1, FilterHops: 2, Cost: 1}},
		{"nodes(ids:) returns one per id", `{ nodes(ids: ["a", "b", "c"]) { id } }`, nil,
			limits.Measures{Depth: 2, RootFields: 1, Cost: 3}},
		{"nodes(ids:) with one id for a list", `{ nodes(ids: "a") { id } }`, nil,
			limits.Measures{Depth: 2, RootFields: 1, Cost: 1}},
		{"nodes(ids:) from a variable", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []any{"a", "b"}},
			limits.Measures{Depth: 2, RootFields: 1, Cost: 2}},
		{"aliases and root fields", `{ a: customers(first: 1) { totalCount } b: customers(first: 1) { totalCount } projects(first: 1) { n: totalCount } }`, nil,
			limits.Measures{Depth: 2, RootFields: 3, Aliases: 3, Cost: 3}},
		// Fragments count as if written in place, every time they are used.
		{"fragments in place", `{ customers(first: 10) { nodes { ...C } } projects(first: 1) { nodes { customer { ...C } } } }
			fragment C on Customer { n: name projects(first: 5) { nodes { code } } }`, nil,
			limits.Measures{Depth: 6, RootFields: 2, Aliases: 2, Cost: 1 + 10*(1+1+5) + 1 + 1*(1+1+1+5)}},
		// A fragment on a connection takes the page size of where it is used.
		{"a fragment on a connection", `{ a: customers(first: 10) { ...Page } b: customers(first: 30) { ...Page } } fragment Page on CustomerConnection { nodes { name } }`, nil,
			limits.Measures{Depth: 3, RootFields: 2, Aliases: 2, Cost: 11 + 31}},
		{"root fields through fragments", `{ ...Q ... on Query { departments(first: 1) { totalCount } } } fragment Q on Query { customers(first: 1) { totalCount } __typename }`, nil,
			limits.Measures{Depth: 2, RootFields: 3, Cost: 2}},
		{"directives, skipped parts cost nothing", `query($no: Boolean!) {
			customers(first: 10) @include(if: $no) { nodes { name } }
			projects(first: 10) @skip(if: false) { nodes { name @skip(if: true) } }
			... @include(if: false) { employees(first: 10) { nodes { firstName } } } }`, map[string]any{"no": false},
			limits.Measures{Depth: 3, RootFields: 3, Directives: 4, Cost: 11}},
		// Introspection reads the schema, bounded by the validator's own rule.
		{"introspection counts one level", `{ __schema { types { fields { type { ofType { name } } } } } }`, nil,
			limits.Measures{Depth: 1, RootFields: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := measure(t, tt.query, tt.vars); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A document can be small and still expand to an enormous operation: each
// fragment uses the next twice under different aliases, so the operation
// doubles thirty times over. Measuring it must take the time of the
// document, not of what it expands to, and report the expansion (capped)
// so the limits refuse it.
func TestMeasure_FragmentsThatExpandExponentially(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ employees(first: 1) { nodes { ...F0 } } }\n")
	const levels = 30
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Employee { a: manager { ...F%d } b: manager { ...F%d } }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Employee { id }\n", levels)
	began := time.Now()
	m := measure(t, b.String(), nil)
	if took := time.Since(began); took > time.Second {
		t.Errorf("measuring took %s", took)
	}
	if m.Aliases < 1<<levels || m.Cost < 1<<levels {
		t.Errorf("got %+v, want aliases and cost of at least 2^%d", m, levels)
	}
}

// The operations the repository ships (the benchmark's, the playground's
// examples) are the heaviest real pages: each must pass the default limits.
func TestDefaults_PassTheShippedOperations(t *testing.T) {
	ops := map[string]string{}
	files, _ := filepath.Glob("../../bench/operations/*.graphql")
	if len(files) == 0 {
		t.Fatal("no bench/operations/*.graphql found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ops[filepath.Base(f)] = string(b)
	}
	for i, tab := range playground.Examples {
		ops[fmt.Sprintf("playground example %d", i+1)] = tab.Query
	}
	d := limits.Defaults
	for name, q := range ops {
		t.Run(name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, q)
			if len(errs) > 0 {
				t.Fatalf("invalid: %v", errs)
			}
			if n := tokens(t, q); n > d.Tokens {
				t.Errorf("%d tokens, over the default %d", n, d.Tokens)
			}
			for _, op := range doc.Operations {
				m := limits.Measure(schema, doc, op, sampleVars(op), page.DefaultLimits)
				t.Logf("%s: %+v, %d tokens", op.Name, m, tokens(t, q))
				if m.Depth > d.Depth || m.Aliases > int64(d.Aliases) || m.RootFields > int64(d.RootFields) ||
					m.Directives > int64(d.Directives) || m.Cost > int64(d.Cost) {
					t.Errorf("%+v is over the defaults %+v", m, d)
				}
			}
		})
	}
}

// sampleVars gives each variable of op the largest value it may take for a
// page size, so the estimate is the operation's worst.
func sampleVars(op *ast.OperationDefinition) map[string]any {
	vars := map[string]any{}
	for _, v := range op.VariableDefinitions {
		if v.Type.Name() == "Int" {
			vars[v.Variable] = int64(page.DefaultLimits.Max)
		}
	}
	return vars
}

// tokens counts q's tokens the way the parser's limit does: the smallest
// limit it parses within.
func tokens(t testing.TB, q string) int {
	t.Helper()
	for n := 1; n < 100_000; n++ {
		if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, n); err == nil {
			return n
		}
	}
	t.Fatal("no limit parses the document")
	return 0
}

// BenchmarkMeasure measures the nested page: the price of the limits on
// every request, beside the milliseconds the page itself takes.
func BenchmarkMeasure(b *testing.B) {
	doc, errs := gqlparser.LoadQuery(schema, nestedPage)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	for b.Loop() {
		limits.Measure(schema, doc, doc.Operations[0], nil, page.DefaultLimits)
	}
}
