package limits_test

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/page"
)

// FuzzMeasure measures every valid document the fuzzer finds and compares
// the document-level measures with a plain walk that expands every
// fragment where it is used (skipped when that expansion is too large to
// walk). The seed corpus is in testdata/fuzz:
//
//	go test -run '^$' -fuzz FuzzMeasure -fuzztime 2m ./internal/limits/
func FuzzMeasure(f *testing.F) {
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, 300)
		if err != nil || len(validator.ValidateWithRules(schema, doc, nil)) > 0 {
			return
		}
		for _, op := range doc.Operations {
			m := limits.Measure(schema, doc, op, nil, page.DefaultLimits)
			if m.Depth < 1 || m.RootFields < 1 || m.Cost < 0 || m.Aliases < 0 || m.Directives < 0 {
				t.Fatalf("%+v for %q", m, q)
			}
			ref := plain{doc: doc, budget: 100_000}
			depth, aliases, directives, roots := ref.set(op.SelectionSet)
			if ref.budget < 0 {
				continue
			}
			directives += int64(len(op.Directives))
			if want := (limits.Measures{Depth: depth, Aliases: aliases, RootFields: roots, Directives: directives, Cost: m.Cost}); m != want {
				t.Fatalf("measured %+v, the plain walk %+v, for %q", m, want, q)
			}
		}
	})
}

// plain measures a selection set by walking every fragment where it is
// used, at most budget fields.
type plain struct {
	doc    *ast.QueryDocument
	budget int
}

func (p *plain) set(set ast.SelectionSet) (depth int, aliases, directives, fields int64) {
	for _, sel := range set {
		var d int
		var a, dir, f int64
		switch s := sel.(type) {
		case *ast.Field:
			p.budget--
			if p.budget < 0 {
				return
			}
			f, d, dir = 1, 1, int64(len(s.Directives))
			if s.Alias != s.Name {
				a = 1
			}
			if s.Name != "__schema" && s.Name != "__type" {
				cd, ca, cdir, _ := p.set(s.SelectionSet)
				d, a, dir = d+cd, a+ca, dir+cdir
			}
		case *ast.InlineFragment:
			d, a, dir, f = p.set(s.SelectionSet)
			dir += int64(len(s.Directives))
		case *ast.FragmentSpread:
			d, a, dir, f = p.set(p.doc.Fragments.ForName(s.Name).SelectionSet)
			dir += int64(len(s.Directives))
		}
		depth, aliases, directives, fields = max(depth, d), aliases+a, directives+dir, fields+f
	}
	return
}
