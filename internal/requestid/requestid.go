// Package requestid carries a request's id in its context. The HTTP layer
// sets it; the audit, the error presenter and the logs read it. It lives
// apart so that none of them has to import another to find it.
package requestid

import "context"

type key struct{}

// With returns ctx carrying the request id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From is the id set by With, or "".
func From(ctx context.Context) string {
	s, _ := ctx.Value(key{}).(string)
	return s
}

type claimedKey struct{}

// WithClaimed returns ctx marking its request id as the client's own
// (a sane X-Request-Id it sent), not one the server chose: a record that
// keeps the id must say so, since any client can claim any id.
func WithClaimed(ctx context.Context) context.Context {
	return context.WithValue(ctx, claimedKey{}, true)
}

// Claimed reports whether the request id in ctx is the client's claim.
func Claimed(ctx context.Context) bool {
	c, _ := ctx.Value(claimedKey{}).(bool)
	return c
}
