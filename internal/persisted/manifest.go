package persisted

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Operation is one entry of a manifest: a document and the id clients send
// for it.
type Operation struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// Type is query, mutation or subscription (Apollo's manifest says it;
	// the import reads it from the document itself).
	Type string `json:"type,omitempty"`
	Body string `json:"body"`
	// CacheControl is the Cache-Control of the document's GET answers.
	// Not part of Apollo's format: the manifest of operations/ carries it,
	// other tools leave it out and the server's default applies.
	CacheControl string `json:"cacheControl,omitempty"`
}

// ApolloFormat is the format name of Apollo's persisted-query manifest.
const ApolloFormat = "apollo-persisted-query-manifest"

// Manifest is Apollo's persisted-query manifest, as
// @apollo/generate-persisted-query-manifest writes it.
type Manifest struct {
	Format     string      `json:"format"`
	Version    int         `json:"version"`
	Operations []Operation `json:"operations"`
}

// ParseManifest reads a manifest in either format frontends produce:
// Apollo's ({"format": "apollo-persisted-query-manifest", "version": 1,
// "operations": [{"id", "name", "type", "body"}]}), or a JSON object of id →
// document text, as Relay's persisted queries and GraphQL Code Generator's
// persisted documents are.
func ParseManifest(data []byte) ([]Operation, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("a manifest is a JSON object: %w", err)
	}
	if _, ok := probe["format"]; ok {
		var m Manifest
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("read Apollo manifest: %w", err)
		}
		if m.Format != ApolloFormat || m.Version != 1 {
			return nil, fmt.Errorf("manifest format %q version %d: only %q version 1 is known", m.Format, m.Version, ApolloFormat)
		}
		return m.Operations, nil
	}
	ops := make([]Operation, 0, len(probe))
	for id, raw := range probe {
		var body string
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("manifest entry %q: a map manifest maps ids to document text: %w", id, err)
		}
		ops = append(ops, Operation{ID: id, Body: body})
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops, nil
}
