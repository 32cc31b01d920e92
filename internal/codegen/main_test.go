package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// Only plain scalar fields get the direct path: not a field behind a
// directive (@sensitive must still decide), not an object (its children's
// error paths need its field context). A non-null field keeps gqlgen's
// body after the fast return, for a marshaller that answers null.
func TestPlainScalars(t *testing.T) {
	src, err := os.ReadFile("testdata/executor.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, names := plainScalars(src)
	if want := []string{"_Contact_email", "_Employee_firstName"}; !slices.Equal(names, want) {
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
	fast := "\tif res := graphql.MarshalString(obj.FirstName); res != graphql.Null { // directly: see internal/codegen\n\t\treturn res\n\t}\n"
	if got := body(out, "_Employee_firstName"); got != fast+body(src, "_Employee_firstName") {
		t.Errorf("Employee.firstName: want the fast return, then gqlgen's body; got:\n%s", got)
	}
	for _, name := range []string{"_Employee_salary", "_Project_customer", "marshalNString2string", "fieldContext_Employee_firstName"} {
		if body(out, name) != body(src, name) {
			t.Errorf("%s changed:\n%s", name, body(out, name))
		}
	}
	if !bytes.Equal(out[len(out)-100:], src[len(src)-100:]) || strings.Count(string(out), "func (ec") != strings.Count(string(src), "func (ec") {
		t.Error("the rewrite lost or changed text around the functions")
	}
}
