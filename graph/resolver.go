// Package graph is the GraphQL layer: gqlgen's generated executor and the
// root resolvers, which translate arguments and delegate to the store.
package graph

//go:generate go run ../internal/codegen

import (
	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/webhook"
	"github.com/bizgraph/bizgraph/internal/write"
)

// Resolver holds what the root resolvers need; it is built once per server.
type Resolver struct {
	Store     *store.Store
	Analytics *analytics.Reports
	// Writer makes the mutations' changes; the payloads are read back
	// through Store.
	Writer *write.Writer
	// Live feeds the subscriptions; nil: this server serves none.
	Live *live.Feed
	// Webhooks manages the webhook endpoints (admin).
	Webhooks *webhook.Service
}
