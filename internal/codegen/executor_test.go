package main

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	"github.com/99designs/gqlgen/codegen/templates"
	"github.com/vektah/gqlparser/v2/ast"
)

// schemaModel is gqlgen's model of the project's schema and bindings, as
// api.Generate builds it, without generating anything: the filter inputs
// gqlgen writes into the store (gqlgen.yml's model: the filter and
// mutation inputs, the mutations' payloads) are bound to the types already
// there.
func schemaModel(t *testing.T) *codegen.Data {
	t.Helper()
	t.Chdir("../..") // LoadConfigFromDefaultLocations changes to gqlgen.yml's directory too
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.LoadSchema(); err != nil {
		t.Fatal(err)
	}
	roots := map[string]bool{"Query": true, "Mutation": true, "Subscription": true}
	for name, def := range cfg.Schema.Types {
		// What gqlgen's model generation writes into the store: the
		// inputs, the mutations' payload objects, and the enums no codec
		// binds (SyncStatus).
		generated := def.Kind == ast.InputObject ||
			(def.Kind == ast.Object || def.Kind == ast.Enum) && !roots[name] && !strings.HasPrefix(name, "__")
		if generated && !cfg.Models.Exists(name) {
			cfg.Models.Add(name, cfg.Model.ImportPath()+"."+templates.ToGo(name))
		}
	}
	if err := cfg.Init(); err != nil {
		t.Fatal(err)
	}
	data, err := codegen.BuildData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The executor in graph/ carries exactly the rewrites the schema calls
// for: every list of objects (and of enums) marshalled in line, every
// plain scalar field written directly, every object collecting its fields
// once per operation, none missing, none extra, no
// per-element goroutine left. And nothing below the root waits unless it
// is marked (see blocking), checked from the model and again from the
// generated text, so that a resolver or a context-taking method added
// below the root fails here even if codegen was not run.
func TestGeneratedExecutor_HasEveryRewriteAndNothingWaitsBelowTheRoot(t *testing.T) {
	src, err := os.ReadFile("../../graph/generated.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := planOf(schemaModel(t))
	if err != nil {
		t.Fatalf("the schema breaks the invariant: %v", err)
	}
	if len(want.loops) == 0 || len(want.direct) == 0 || len(want.collected) == 0 {
		t.Fatalf("plan derived from the schema is empty: %d lists, %d plain scalar fields, %d objects",
			len(want.loops), len(want.direct), len(want.collected))
	}
	t.Logf("%d lists marshalled in line, %d plain scalar fields written directly, %d objects collecting their fields once",
		len(want.loops), len(want.direct), len(want.collected))

	if err := want.check(marked(src, "f(i) // in line: see internal/codegen"),
		marked(src, "// directly: see internal/codegen"), marked(src, "// once per operation: see internal/codegen")); err != nil {
		t.Error(err)
	}
	if goPerElement.Match(src) {
		t.Error("a list element is still marshalled in a goroutine of its own")
	}
	if collectPerObject.Match(src) {
		t.Error("an object still collects its fields per object")
	}

	for _, m := range resolverCall.FindAllSubmatch(src, -1) {
		if typ := string(m[1]); !slices.Contains([]string{"Query", "Mutation", "Subscription"}, typ) {
			if _, ok := blocking[typ]; !ok {
				t.Errorf("%s has a resolver below the root, not marked in blocking", typ)
			}
		}
	}
	for _, m := range contextMethod.FindAllSubmatchIndex(src, -1) {
		fn := enclosingFunc(src, m[0])
		typ, _, _ := strings.Cut(strings.TrimPrefix(fn, "_"), "_")
		if _, ok := blocking[typ]; !ok {
			t.Errorf("%s calls a method with the request's context below the root, and %s is not marked in blocking", fn, typ)
		}
	}
}

var (
	// resolverCall is a field resolved by a resolver of the named type.
	resolverCall = regexp.MustCompile(`ec\.resolvers\.(\w+)\(\)\.`)
	// contextMethod is a field read from its object's method taking the
	// request's context.
	contextMethod = regexp.MustCompile(`\bobj\.\w+\(ctx\b`)
)

// marked names the executor methods whose bodies carry the marker.
func marked(src []byte, marker string) []string {
	var names []string
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte(marker))
		if j < 0 {
			return names
		}
		names = append(names, enclosingFunc(src, i+j))
		i += j + len(marker)
	}
}
