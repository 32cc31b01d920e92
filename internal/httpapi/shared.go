package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/admission"
	"github.com/bizgraph/bizgraph/internal/audit"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// sharing is the one way both subscription transports (graphql-ws and
// SSE) run a subscription: as a member of the group of subscribers with
// the same document, variables and rights (live.Feed.Share), whose one
// resolution per event is handed to each of them as bytes. Each member is
// still a subscription of its own for admission (MAX_SUBSCRIPTIONS) and a
// reader of its own for the audit; the group's resolution holds one
// execution slot while it reads.
type sharing struct {
	feed  *live.Feed
	gate  *admission.Gate
	plain graphQLOverHTTP
	// rights is policy.RightsKey (Config.RightsKey); nil: no sharing.
	rights func(context.Context) string
}

// errGone: the member's transport could not write a message; its
// subscriber is gone.
var errGone = errors.New("the subscriber is gone")

// shares reports whether the operation joins a group: a subscription
// that starts from now. One that resumes (after) catches up alone.
func (s sharing) shares(rc *graphql.OperationContext, after *int64) bool {
	return s.feed != nil && s.rights != nil && after == nil && rc.Operation != nil && rc.Operation.Operation == ast.Subscription
}

// follow runs the subscription rc (created in ctx) as a member of its
// group, handing each message to send, until send fails (errGone), the
// member's stream ends (why: nil when it completed) or ctx ends (ctx's
// error).
func (s sharing) follow(ctx context.Context, exec graphql.GraphExecutor, rc *graphql.OperationContext, send func(*live.Message) bool) error {
	counted, err := s.gate.Subscriber(graphql.WithOperationContext(ctx, rc))
	if err != nil {
		return err
	}
	defer counted()
	m, err := s.feed.Share(ctx, live.Sharing{Key: groupKey(rc, s.rights(ctx)), Reader: readerOf(ctx, rc), Hold: s.gate.Hold,
		Start: func(gctx context.Context) (live.Resolve, error) { return s.resolution(gctx, exec, rc), nil }})
	if err != nil {
		return err
	}
	defer m.Close()
	for {
		msg, err := m.Next(ctx)
		if msg == nil {
			return err
		}
		if !send(msg) {
			return errGone
		}
	}
}

// resolution runs rc for a group, in the group's context: each message
// resolved once, with the sensitive reads it made captured for the
// members' audit rows, and written out as the transports write a message.
func (s sharing) resolution(ctx context.Context, exec graphql.GraphExecutor, rc *graphql.OperationContext) live.Resolve {
	stream := live.StreamFrom(ctx)
	// Its members are counted, one by one (follow); the group is not.
	responses, rctx := exec.DispatchOperation(admission.CountedApart(ctx), rc)
	ended := false
	return func() (msg *live.Message, err error) {
		if ended {
			return nil, nil
		}
		defer func() {
			if p := recover(); p != nil {
				// A panic leaves the executor's stream unusable: its members
				// get the masked error, and the group ends.
				stream.Taken()
				ended = true
				msg, err = messageOf(0, &graphql.Response{Errors: gqlerror.List{presentPanic(rctx, exec, p)}}, audit.Uses{})
			}
		}()
		mctx, captured := audit.Capture(rctx)
		resp := responses(mctx)
		if resp == nil {
			return nil, stream.Err()
		}
		resp = s.plain.bounded(rctx, exec, resp)
		id := stream.Taken()
		stampEvent(resp, id)
		return messageOf(id, resp, captured.Take())
	}
}

func messageOf(id int64, resp *graphql.Response, uses audit.Uses) (*live.Message, error) {
	b, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("write the message of event %d: %w", id, err)
	}
	return &live.Message{EventID: id, Payload: b, Uses: uses}, nil
}

// groupKey identifies the subscribers who receive the same bytes: the
// same document and operation, the same variables, the same rights.
func groupKey(rc *graphql.OperationContext, rights string) string {
	vars, _ := json.Marshal(rc.Variables) // maps are written in key order
	h := sha256.New()
	for _, part := range []string{rc.RawQuery, rc.OperationName, string(vars), rights} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readerOf is the member in ctx as the audit names a reader.
func readerOf(ctx context.Context, rc *graphql.OperationContext) audit.Reader {
	r := audit.Reader{RequestID: requestid.From(ctx), RequestIDClaimed: requestid.Claimed(ctx), Operation: rc.OperationName}
	if r.Operation == "" && rc.Operation != nil {
		r.Operation = rc.Operation.Name
	}
	if id := auth.From(ctx); id != nil {
		r.Subject, r.Roles = id.Subject, id.RoleNames()
	}
	return r
}
