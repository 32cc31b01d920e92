package limits

import (
	"reflect"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Measures are what Measure finds in an operation.
type Measures struct {
	Depth      int
	Aliases    int64
	RootFields int64
	Directives int64
	// FilterHops counts the relations followed inside filter arguments:
	// every field of an entity's filter input (one that has `and`) whose
	// value is another entity's filter, at any depth of and/or/not.
	FilterHops int64
	// Cost is how many objects the operation may return at most: every
	// field of an object, interface or union type costs 1 per object it
	// returns, scalars and enums cost nothing (Apollo Router's demand
	// control model). A list returns as many objects as it may hold: a
	// connection's nodes and edges as many as its first or last asks for,
	// or the default page size without them; nodes(ids:) one per id; any
	// other list the largest page. So `customers(first: 50) { nodes {
	// projects(first: 10) { nodes { name } } } }` costs 1 + 50 × (1 + 1 +
	// 10 × 1) = 601.
	Cost int64
}

// ceiling caps every count, so that a document built to overflow one (a
// fragment used twice in a fragment used twice, thirty levels down) reads
// as very large instead of wrapping around.
const ceiling = int64(1) << 53

func add(a, b int64) int64 { return min(a+b, ceiling) }

func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > ceiling/b {
		return ceiling
	}
	return a * b
}

// Measure measures op, an operation of doc validated against schema,
// with its coerced variables; pages are the server's page sizes. Each use
// of a fragment is measured as if the fragment were written in place, but
// each fragment is walked once per page size it is used at, so the time
// taken grows with the document, not with what it expands to. Fields
// selected twice (merged when executed) are counted twice: an estimate
// from above.
func Measure(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, pages page.Limits) Measures {
	if pages.Default <= 0 {
		pages = page.DefaultLimits
	}
	w := &walker{schema: schema, doc: doc, vars: vars, pages: pages,
		memo: map[memoKey]measure{}, active: map[string]bool{}}
	m := w.selectionSet(op.SelectionSet, noPage)
	return Measures{
		Depth:      m.depth,
		Aliases:    m.aliases,
		RootFields: m.fields,
		Directives: add(m.directives, int64(len(op.Directives))),
		FilterHops: m.hops,
		Cost:       m.cost,
	}
}

// noPage is the page size of a selection set that is not a connection's:
// its lists hold up to the largest page.
const noPage = -1

type walker struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	pages  page.Limits
	memo   map[memoKey]measure
	active map[string]bool // fragments being walked: a cycle guard
}

// memoKey is a fragment at a page size: the fragment's lists hold that many
// items when it is spread into a connection.
type memoKey struct {
	fragment string
	pageSize int
}

type measure struct {
	depth      int
	fields     int64 // at the top of the selection set, through fragments
	aliases    int64
	directives int64
	hops       int64
	cost       int64
}

func (m *measure) merge(o measure) {
	m.depth = max(m.depth, o.depth)
	m.fields = add(m.fields, o.fields)
	m.aliases = add(m.aliases, o.aliases)
	m.directives = add(m.directives, o.directives)
	m.hops = add(m.hops, o.hops)
	m.cost = add(m.cost, o.cost)
}

// selectionSet measures set; pageSize is how many items its lists hold
// when set is a connection's selection, noPage otherwise.
func (w *walker) selectionSet(set ast.SelectionSet, pageSize int) measure {
	var m measure
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			m.merge(w.field(s, pageSize))
		case *ast.InlineFragment:
			m.merge(w.spread(w.selectionSet(s.SelectionSet, pageSize), s.Directives))
		case *ast.FragmentSpread:
			m.merge(w.spread(w.fragment(s.Name, pageSize), s.Directives))
		}
	}
	return m
}

// spread is a fragment's measure where it is used with dirs.
func (w *walker) spread(inner measure, dirs ast.DirectiveList) measure {
	inner.directives = add(inner.directives, int64(len(dirs)))
	if !w.included(dirs) {
		inner.cost = 0
	}
	return inner
}

// fragment measures the named fragment at pageSize, once per request.
func (w *walker) fragment(name string, pageSize int) measure {
	key := memoKey{name, pageSize}
	if m, ok := w.memo[key]; ok {
		return m
	}
	def := w.doc.Fragments.ForName(name)
	// Validation refuses unknown fragments and cycles (NoFragmentCycles)
	// before the operation is measured; this guard only keeps a cycle that
	// got through from recursing forever.
	if def == nil || w.active[name] {
		return measure{}
	}
	w.active[name] = true
	m := w.selectionSet(def.SelectionSet, pageSize)
	delete(w.active, name)
	w.memo[key] = m
	return m
}

func (w *walker) field(f *ast.Field, pageSize int) measure {
	m := measure{depth: 1, fields: 1, directives: int64(len(f.Directives))}
	if f.Alias != "" && f.Alias != f.Name {
		m.aliases = 1
	}
	// The introspection fields read only the schema, and gqlparser's
	// MaxIntrospectionDepth rule bounds their inside: GraphiQL's schema
	// query passes whatever the limits.
	if f.Name == "__schema" || f.Name == "__type" {
		return m
	}
	inner := w.selectionSet(f.SelectionSet, w.pageSizeOf(f))
	m.depth += inner.depth
	m.aliases = add(m.aliases, inner.aliases)
	m.directives = add(m.directives, inner.directives)
	m.hops = add(inner.hops, w.argumentHops(f))
	if f.Definition == nil || !w.included(f.Directives) {
		return m
	}
	m.cost = inner.cost
	if t := w.schema.Types[f.Definition.Type.Name()]; t != nil && t.IsCompositeType() {
		m.cost = add(m.cost, 1)
	}
	if f.Definition.Type.Elem != nil {
		m.cost = mul(w.listSize(f, pageSize), m.cost)
	}
	return m
}

// pageSizeOf is how many items the lists of f's result hold when f is a
// connection field (it takes first or last), noPage otherwise. A size over
// the largest page is refused by the field itself, with BAD_USER_INPUT, so
// it counts as the largest page here.
func (w *walker) pageSizeOf(f *ast.Field) int {
	if f.Definition == nil || f.Definition.Arguments.ForName("first") == nil && f.Definition.Arguments.ForName("last") == nil {
		return noPage
	}
	first, hasFirst := w.intArg(f, "first")
	last, hasLast := w.intArg(f, "last")
	size := int64(w.pages.Default)
	switch {
	case hasFirst && hasLast:
		size = max(first, last)
	case hasFirst:
		size = first
	case hasLast:
		size = last
	}
	return int(min(max(size, 0), int64(w.pages.Max)))
}

// listSize is how many items the list field f returns at most.
func (w *walker) listSize(f *ast.Field, pageSize int) int64 {
	if pageSize != noPage {
		return int64(pageSize)
	}
	// A list argument (nodes(ids:)) asks for one item per element; a
	// single value where a list is expected is a list of one.
	for _, a := range f.Arguments {
		def := f.Definition.Arguments.ForName(a.Name)
		if a.Value == nil || def == nil || def.Type.Elem == nil {
			continue
		}
		v, err := a.Value.Value(w.vars)
		if err != nil || v == nil {
			continue
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
			return int64(rv.Len())
		}
		return 1
	}
	return int64(w.pages.Max)
}

// intArg is f's argument name as an integer, when given and not null.
func (w *walker) intArg(f *ast.Field, name string) (int64, bool) {
	a := f.Arguments.ForName(name)
	if a == nil {
		return 0, false
	}
	v, err := a.Value.Value(w.vars)
	if err != nil || v == nil {
		return 0, false
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	}
	return 0, false
}

// included evaluates @skip and @include: a field or fragment they leave
// out costs nothing (it still counts for depth, aliases and directives,
// which measure the document).
func (w *walker) included(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if d.Name != "skip" && d.Name != "include" {
			continue
		}
		a := d.Arguments.ForName("if")
		if a == nil {
			continue
		}
		v, err := a.Value.Value(w.vars)
		b, ok := v.(bool)
		if err != nil || !ok {
			continue
		}
		if d.Name == "skip" && b || d.Name == "include" && !b {
			return false
		}
	}
	return true
}

// argumentHops counts the relations f's arguments follow (Measures.FilterHops).
func (w *walker) argumentHops(f *ast.Field) int64 {
	if f.Definition == nil {
		return 0
	}
	var n int64
	for _, a := range f.Arguments {
		def := f.Definition.Arguments.ForName(a.Name)
		if a.Value == nil || def == nil {
			continue
		}
		v, err := a.Value.Value(w.vars)
		if err != nil {
			continue
		}
		n = add(n, w.hops(def.Type, v))
	}
	return n
}

// hops counts the relations followed in v, a value of input type t.
func (w *walker) hops(t *ast.Type, v any) int64 {
	if v == nil {
		return 0
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		var n int64
		for i := range rv.Len() {
			n = add(n, w.hops(t.Elem, rv.Index(i).Interface()))
		}
		return n
	}
	def := w.schema.Types[t.Name()]
	obj, ok := v.(map[string]any)
	if def == nil || def.Kind != ast.InputObject || !ok {
		return 0
	}
	entity := isEntityFilter(def)
	var n int64
	for name, fv := range obj {
		fd := def.Fields.ForName(name)
		if fd == nil {
			continue
		}
		if entity && fv != nil && name != "and" && name != "or" && name != "not" {
			if inner := w.schema.Types[fd.Type.Name()]; inner != nil && isEntityFilter(inner) {
				n = add(n, 1)
			}
		}
		n = add(n, w.hops(fd.Type, fv))
	}
	return n
}

// isEntityFilter reports whether def is the filter of an entity (it
// combines with and), whose entity-typed fields are relations.
func isEntityFilter(def *ast.Definition) bool {
	return def.Kind == ast.InputObject && def.Fields.ForName("and") != nil
}
