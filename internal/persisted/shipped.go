package persisted

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// cacheControlComment starts a comment line of an operation file that
// gives its GET answers' Cache-Control:
//
//	# cache-control: private, max-age=3600
const cacheControlComment = "# cache-control:"

// BuildManifest reads every *.graphql file of fsys, one operation each,
// into Apollo's manifest format, in file-name order. A document's id is the
// SHA-256 of the file's text, exactly as a client sends it in
// extensions.persistedQuery.sha256Hash; the text is the body the server
// runs, comments included.
func BuildManifest(fsys fs.FS) (*Manifest, error) {
	names, err := fs.Glob(fsys, "*.graphql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	m := &Manifest{Format: ApolloFormat, Version: 1, Operations: []Operation{}}
	seen := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		op, err := shippedOperation(name, string(b))
		if err != nil {
			return nil, err
		}
		if other, ok := seen[op.Name]; ok {
			return nil, fmt.Errorf("%s: operation %s is also in %s; names identify operations for people", name, op.Name, other)
		}
		seen[op.Name] = name
		m.Operations = append(m.Operations, op)
	}
	return m, nil
}

func shippedOperation(file, body string) (Operation, error) {
	doc, err := parser.ParseQuery(&ast.Source{Name: file, Input: body})
	if err != nil {
		return Operation{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Name == "" {
		return Operation{}, fmt.Errorf("%s: a shipped operation file holds exactly one named operation", file)
	}
	op := Operation{ID: HashText(body), Name: doc.Operations[0].Name,
		Type: string(doc.Operations[0].Operation), Body: body}
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), cacheControlComment); ok {
			op.CacheControl = strings.TrimSpace(v)
		}
	}
	if want := strings.TrimSuffix(path.Base(file), ".graphql"); !strings.EqualFold(want, op.Name) {
		return Operation{}, fmt.Errorf("%s: name the file after its operation, %s.graphql", file, op.Name)
	}
	return op, nil
}

// Encode writes m as the manifest file: indented, one member per line, so
// that a change reads well in a diff.
func (m *Manifest) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
