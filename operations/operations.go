// Package operations holds the GraphQL operations the project ships: one
// named operation per <Name>.graphql file, and manifest.json, generated
// from them (go generate), in Apollo's persisted-query manifest format.
// Each operation's id is the SHA-256 of its file, so a tool is configured
// by that hash. `bizgraph documents import` without a file registers them
// as trusted documents; the demo database gets them on start.
//
// A comment line "# cache-control: private, max-age=3600" in a file sets
// the Cache-Control of its GET answers.
package operations

import (
	"embed"

	"github.com/bizgraph/bizgraph/internal/persisted"
)

//go:generate go run ../internal/persisted/cmd/manifest

//go:embed manifest.json
var manifest []byte

// Shipped returns the shipped operations.
func Shipped() ([]persisted.Operation, error) { return persisted.ParseManifest(manifest) }

// files is the operation files, for the test that the manifest is theirs.
//
//go:embed *.graphql
var files embed.FS
