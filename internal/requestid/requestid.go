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
