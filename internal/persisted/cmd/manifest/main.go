// Command manifest writes the manifest of the operations the project ships
// (operations/*.graphql) in Apollo's persisted-query format, for
// `bizgraph documents import` and for tools configured by hash. It runs
// from go generate in operations/:
//
//	go run ../internal/persisted/cmd/manifest
package main

import (
	"fmt"
	"os"

	"github.com/bizgraph/bizgraph/internal/persisted"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "manifest:", err)
		os.Exit(1)
	}
}

func run() error {
	m, err := persisted.BuildManifest(os.DirFS("."))
	if err != nil {
		return err
	}
	b, err := m.Encode()
	if err != nil {
		return err
	}
	return os.WriteFile("manifest.json", b, 0o644)
}
