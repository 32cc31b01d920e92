package operations

import (
	"bytes"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/bizgraph/bizgraph/graph"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

// The manifest is what the files say, and every operation is valid against
// the schema: a tool configured by one of these hashes gets an answer.
func TestShipped_ManifestIsCurrentAndEveryOperationValid(t *testing.T) {
	m, err := persisted.BuildManifest(files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, manifest) {
		t.Fatal("manifest.json is not the operation files': run go generate ./operations")
	}
	ops, err := Shipped()
	if err != nil || len(ops) == 0 {
		t.Fatalf("Shipped: %d operations, %v", len(ops), err)
	}
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, op := range ops {
		if op.ID != persisted.HashText(op.Body) {
			t.Errorf("%s: id is not the SHA-256 of its body", op.Name)
		}
		doc, err := parser.ParseQuery(&ast.Source{Input: op.Body})
		if err != nil {
			t.Errorf("%s: %v", op.Name, err)
			continue
		}
		if errs := validator.Validate(schema, doc); len(errs) > 0 {
			t.Errorf("%s: %v", op.Name, errs)
		}
	}
}
