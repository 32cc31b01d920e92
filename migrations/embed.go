// Package migrations holds the numbered SQL files that create and evolve the
// database, embedded so the binary can migrate without the source tree.
package migrations

import "embed"

// FS holds every migration, applied in file-name order.
//
//go:embed *.sql
var FS embed.FS

// Webhooks holds the SQL of migration 00021, a Go migration
// (internal/migrate/webhooks.go) that first creates River's tables.
//
//go:embed webhooks/*.sql
var Webhooks embed.FS
