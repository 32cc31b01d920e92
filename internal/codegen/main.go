// Command codegen is graph/'s `go generate`: it runs gqlgen as its own
// command would (gqlgen.yml, schema first) and then makes one change to the
// generated executor: list elements are marshalled in the calling
// goroutine instead of one new goroutine each.
//
// gqlgen's template starts a goroutine per list element so that resolvers
// below it could wait on each other concurrently. Here nothing below the
// root fields is a resolver: relations are methods that load for a whole
// sibling set in one statement (internal/store/batch.go), so a list's
// elements never wait on each other and the goroutines only cost. On the
// nested page (~1,200 elements) their creation and stack growth were about
// a fifth of the server's CPU; marshalled in line, the page under 16
// concurrent clients went from 15% to 28% of the pgx ceiling's throughput
// in one interleaved run on a loaded machine, and p99 from 4.2x to 2.5x the
// ceiling's (../shared/PERFORMANCE.md describes the same change made inside
// gqlgen's runtime). Fields that are resolvers (the root fields) keep
// gqlgen's concurrency: only the element loop changes.
//
// The rewrite is checked: if gqlgen's template no longer has the loop it
// expects, generation fails rather than silently leaving it out.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

// goPerElement is the line of gqlgen's list marshalling that starts an
// element's goroutine (codegen/type.gotpl, gqlgen v0.17.75).
var goPerElement = regexp.MustCompile(`(?m)^(\s*)go f\(i\)$`)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
}

func run() error {
	log.SetOutput(io.Discard) // as gqlgen's own command: its binder logs every input field it does not bind
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return fmt.Errorf("load gqlgen.yml: %w", err)
	}
	if err := api.Generate(cfg); err != nil {
		return fmt.Errorf("gqlgen: %w", err)
	}
	path := cfg.Exec.Filename
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the generated executor: %w", err)
	}
	if len(goPerElement.FindAll(src, -1)) == 0 {
		return fmt.Errorf("%s has no per-element goroutine to remove: gqlgen's list marshalling changed; review internal/codegen", path)
	}
	out := goPerElement.ReplaceAll(src, []byte("${1}f(i) // in line: see internal/codegen"))
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("format %s: %w", path, err)
	}
	if bytes.Equal(out, src) {
		return nil
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
