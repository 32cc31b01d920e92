package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// Only plain scalar fields get the direct path: not a field behind a
// directive (@sensitive must still decide), not an object (its children's
// error paths need its field context). A non-null field keeps gqlgen's
// body, moved to a function of its own, after the fast return, for a
// marshaller that answers null.
func TestPlainScalars(t *testing.T) {
	src, err := os.ReadFile("testdata/executor.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, names := plainScalars(src)
	if want := []string{"_Contact_email", "_Employee_firstName", "_Employee_id"}; !slices.Equal(names, want) {
		t.Errorf("rewrote %v, want %v", names, want)
	}
	body := func(b []byte, name string) string {
		t.Helper()
		fb := funcBody(b, name)
		if fb == nil {
			t.Fatalf("no function %s", name)
		}
		return string(fb)
	}

	if got, want := body(out, "_Contact_email"),
		"\treturn ec.marshalOString2ᚖstring(ctx, field.Selections, obj.Email) // directly: see internal/codegen\n"; got != want {
		t.Errorf("Contact.email:\n%s\nwant:\n%s", got, want)
	}
	// A non-null field: the fast return, then gqlgen's body, unchanged, in
	// a function of its own with the same parameters; a getter too
	// (Employee.id is its GlobalID method).
	for _, f := range []struct{ name, value string }{
		{"Employee_firstName", "graphql.MarshalString(obj.FirstName)"},
		{"Employee_id", "graphql.MarshalID(obj.GlobalID())"},
	} {
		fast := "\tif res := " + f.value + "; res != graphql.Null { // directly: see internal/codegen\n\t\treturn res\n\t}\n" +
			"\treturn ec.gqlgenPath_" + f.name + "(ctx, field, obj)\n"
		if got := body(out, "_"+f.name); got != fast {
			t.Errorf("%s: want the fast return, then gqlgen's path; got:\n%s", f.name, got)
		}
		if got, want := body(out, "gqlgenPath_"+f.name), body(src, "_"+f.name); got != want {
			t.Errorf("%s's gqlgen path:\n%s\nwant gqlgen's body:\n%s", f.name, got, want)
		}
		sig := "func (ec *executionContext) gqlgenPath_" + f.name +
			"(ctx context.Context, field graphql.CollectedField, obj *store.Employee) (ret graphql.Marshaler) {\n"
		if !strings.Contains(string(out), sig) {
			t.Errorf("no %q", sig)
		}
	}
	for _, name := range []string{"_Employee_salary", "_Project_customer", "marshalNString2string", "fieldContext_Employee_firstName"} {
		if body(out, name) != body(src, name) {
			t.Errorf("%s changed:\n%s", name, body(out, name))
		}
	}
	if !bytes.Equal(out[len(out)-100:], src[len(src)-100:]) || strings.Count(string(out), "func (ec") != strings.Count(string(src), "func (ec")+2 {
		t.Error("the rewrite lost or changed text around the functions")
	}
}

// A partial match fails: a rewrite that applies to some of the lists or
// fields the schema calls for, and not to others, names what is missing.
func TestPlan_PartialMatchFails(t *testing.T) {
	p := plan{loops: []string{"marshalA", "marshalB"}, direct: []string{"_T_a", "_T_b"}, collected: []string{"_T"}}
	for _, c := range []struct {
		name                     string
		loops, direct, collected []string
		want                     string
	}{
		{"all", []string{"marshalB", "marshalA"}, []string{"_T_a", "_T_b"}, []string{"_T"}, ""},
		{"a list missing", []string{"marshalA"}, []string{"_T_a", "_T_b"}, []string{"_T"}, "lists marshalled in line: 1, want 2 (missing marshalB; unexpected none)"},
		{"a field missing", []string{"marshalA", "marshalB"}, []string{"_T_b"}, []string{"_T"}, "plain scalar fields written directly: 1, want 2 (missing _T_a; unexpected none)"},
		{"an extra field", []string{"marshalA", "marshalB"}, []string{"_T_a", "_T_b", "_T_c"}, []string{"_T"}, "plain scalar fields written directly: 3, want 2 (missing none; unexpected _T_c)"},
		{"an object missing", []string{"marshalA", "marshalB"}, []string{"_T_a", "_T_b"}, nil, "objects collecting their fields once: 0, want 1 (missing _T; unexpected none)"},
	} {
		err := p.check(c.loops, c.direct, c.collected)
		if got := fmt.Sprint(err); c.want == "" && err != nil || c.want != "" && got != c.want {
			t.Errorf("%s: check = %v, want %q", c.name, err, c.want)
		}
	}
}
