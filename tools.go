//go:build tools

// This file pins the code generators `go generate` runs.
package main

import _ "github.com/99designs/gqlgen"
