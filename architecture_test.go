package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The imports that keep the layers one-way (README, "Architecture"): the
// HTTP package speaks HTTP and receives an executor, the rules and the store
// decide without gqlgen's executor, and nothing reaches back up to main.
// Each rule is checked against every package the named one depends on, not
// only its own imports, so a rule cannot be side-stepped through a package
// in between.

const module = "github.com/bizgraph/bizgraph"

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	GoFiles    []string
	Dir        string
}

// listPackages runs `go list -deps -json` over the module's packages.
func listPackages(t *testing.T) map[string]listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func TestArchitecture_LayersImportOneWay(t *testing.T) {
	pkgs := listPackages(t)
	forbidden := []struct {
		pkg, why string
		deps     []string // packages (and those below them; a path ending in "/": only those below), directly or through others
		imports  []string // the same, imported directly
	}{
		{pkg: "internal/httpapi", why: "httpapi speaks HTTP: main composes the executor it receives",
			deps: []string{module + "/graph", module + "/internal/store", module + "/internal/analytics", module + "/internal/policy",
				module + "/internal/service"}},
		{pkg: "internal/policy", why: "the rules decide from plain values, for writes, events and webhooks too",
			deps: []string{"github.com/99designs/gqlgen/", "github.com/vektah/gqlparser/", module + "/internal/store", module + "/graph"}},
		{pkg: "internal/store", why: "the store asks store.Rules; it does not import the rules or the executor",
			deps: []string{module + "/internal/policy", module + "/graph", "github.com/99designs/gqlgen/graphql/"},
			// gqlgen's graphql package (for Omittable, below) itself uses
			// gqlparser's AST; the store may not.
			imports: []string{"github.com/vektah/gqlparser/"}},
		{pkg: "internal/write", why: "the one write path takes decoded inputs and answers keys; graph reads them back",
			deps: []string{module + "/graph", module + "/internal/service", module + "/internal/httpapi", module + "/internal/mutation"}},
		{pkg: "internal/mutation", why: "an operation's transaction knows nothing of what its fields write",
			deps: []string{module + "/graph", module + "/internal/store", module + "/internal/write", module + "/internal/policy"}},
		{pkg: "internal/events", why: "events are below everything that writes or consumes them",
			deps: []string{module + "/graph", module + "/internal/store", module + "/internal/policy", module + "/internal/write",
				"github.com/99designs/gqlgen/"}},
	}
	for _, f := range forbidden {
		p, ok := pkgs[module+"/"+f.pkg]
		if !ok {
			t.Fatalf("%s not found by go list", f.pkg)
		}
		for _, c := range []struct {
			have, bad []string
			verb      string
		}{{p.Deps, f.deps, "depends on"}, {p.Imports, f.imports, "imports"}} {
			for _, dep := range c.have {
				for _, bad := range c.bad {
					if dep == bad || strings.HasPrefix(dep, strings.TrimSuffix(bad, "/")+"/") {
						t.Errorf("%s %s %s: %s", f.pkg, c.verb, dep, f.why)
					}
				}
			}
		}
	}
	for path, p := range pkgs {
		if slices.Contains(p.Imports, module) {
			t.Errorf("%s imports main (%s): packages below main never reach up", path, module)
		}
	}
}

// TestArchitecture_StoreUsesGqlgenOnlyForOmittable: the store's generated
// filter inputs (filters_gen.go) keep gqlgen's Omittable, which tells an
// explicit null from an absent field; that is a plain generic value type
// (package graphql's root, no executor state). Anything else of gqlgen's
// in the store would tie reads to the executor again.
func TestArchitecture_StoreUsesGqlgenOnlyForOmittable(t *testing.T) {
	p := listPackages(t)[module+"/internal/store"]
	fset := gotoken.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		local := ""
		for _, imp := range f.Imports {
			if strings.Trim(imp.Path.Value, `"`) == "github.com/99designs/gqlgen/graphql" {
				local = "graphql"
				if imp.Name != nil {
					local = imp.Name.Name
				}
			}
		}
		if local == "" {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == local && sel.Sel.Name != "Omittable" {
					t.Errorf("%s: store uses %s.%s; only Omittable (generated filter inputs) may stay", fset.Position(sel.Pos()), local, sel.Sel.Name)
				}
			}
			return true
		})
	}
}
