package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/codegen"
)

// blocking lists the types below the root whose fields may wait: resolvers
// or methods taking a context (a statement of their own). Each must never
// be a list element; planOf checks that. The invariant behind the list:
// with list elements marshalled in line, a field that waits inside a list
// waits once per element, one after another. gqlgen shipped the same
// change in v0.17.50 (#3203, lists marshalled sequentially unless marked
// @concurrent) and reverted it (#3287) because dataloader-backed resolvers
// below lists then ran one at a time, each waiting out its batch window
// alone (#3285). Here relations are plain methods that load for the whole
// sibling set at once (internal/store/batch.go), so nothing in a list
// waits; a new resolver or context-taking method below the root must be
// marked here, with the reason it cannot end up in a list, or generation
// fails.
var blocking = map[string]string{
	// One object under Query.analytics: each of its fields is one SQL
	// statement over the rollups, run once per request.
	"Analytics": "a single object under the root, never a list element",
}

// plan is what the three rewrites must change in the executor gqlgen writes
// for this schema and these bindings, derived from gqlgen's own model of
// them (codegen.Data) rather than from the text it generated.
type plan struct {
	// loops are the list marshallers gqlgen writes with a goroutine per
	// element: every list whose elements are not scalars (objects,
	// interfaces and enums).
	loops []string
	// direct are the field functions ("_Type_field") of plain scalar
	// fields: read from a struct field, with no resolver, method,
	// directive or argument, whose marshaller is a plain function.
	direct []string
	// collected are the object marshallers ("_Type"), each of which
	// collects its object's fields: every object type, the roots and
	// introspection's included.
	collected []string
}

// planOf derives the plan and checks the invariant that nothing below the
// root waits (see blocking).
func planOf(data *codegen.Data) (plan, error) {
	var p plan
	var errs []error
	listed := map[string]bool{} // types that are list elements
	for _, ref := range data.ReferencedTypes {
		if ref.MarshalFunc() == "" || !ref.IsSlice() {
			continue
		}
		listed[ref.Definition.Name] = true
		if !ref.IsScalar() { // enums included, as gqlgen's template has it
			p.loops = append(p.loops, ref.MarshalFunc())
		}
	}
	for _, o := range data.Objects {
		p.collected = append(p.collected, "_"+o.Name)
	}
	for _, o := range data.Objects {
		if o.Root {
			continue
		}
		_, marked := blocking[o.Name]
		if marked && listed[o.Name] {
			errs = append(errs, fmt.Errorf("%s is marked as never a list element, but the schema lists it", o.Name))
		}
		for _, f := range o.Fields {
			if (f.IsResolver || f.IsMethod() && f.MethodHasContext) && !marked {
				errs = append(errs, fmt.Errorf("%s.%s waits below the root (a resolver or a method taking a context): load it for the sibling set instead, or mark %s in internal/codegen's blocking list", o.Name, f.Name, o.Name))
			}
			if plainScalar(f) {
				p.direct = append(p.direct, "_"+o.Name+"_"+f.Name)
			}
		}
	}
	slices.Sort(p.loops)
	slices.Sort(p.direct)
	slices.Sort(p.collected)
	return p, errors.Join(errs...)
}

// plainScalar reports whether f gets the direct path: a struct field or a
// getter (a method without context, error or ok) of a leaf type with a
// plain Marshal function, non-null of any Go type, or nullable as a
// pointer to it.
func plainScalar(f *codegen.Field) bool {
	t := f.TypeReference
	getter := f.IsMethod() && !f.MethodHasContext && f.NoErr && !f.VOkFunc
	if f.IsResolver || !(f.IsVariable() || getter) || len(f.Args) > 0 || f.HasDirectives() ||
		!t.Definition.IsLeafType() || t.IsSlice() || t.Marshaler == nil || t.IsMarshaler || t.IsContext ||
		t.HasEnumValues() || t.CastType != nil || t.IsPtrToPtr() {
		return false
	}
	if t.GQL.NonNull {
		return t.IsNilable() == t.IsTargetNilable()
	}
	return t.IsNilable() && !t.IsTargetNilable()
}

// check compares what the rewrites changed with the plan.
func (p plan) check(loops, direct, collected []string) error {
	return errors.Join(
		differ("lists marshalled in line", p.loops, loops),
		differ("plain scalar fields written directly", p.direct, direct),
		differ("objects collecting their fields once", p.collected, collected))
}

func differ(what string, want, got []string) error {
	got = slices.Sorted(slices.Values(got))
	if slices.Equal(want, got) {
		return nil
	}
	return fmt.Errorf("%s: %d, want %d (missing %s; unexpected %s)", what, len(got), len(want),
		list(minus(want, got)), list(minus(got, want)))
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	if len(s) > 8 {
		return strings.Join(s[:8], ", ") + fmt.Sprintf(" and %d more", len(s)-8)
	}
	return strings.Join(s, ", ")
}
