package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

// eventStream serves GraphQL over server-sent events, the distinct
// connections mode of the GraphQL over SSE protocol: one operation per
// request, POST with the GraphQL request as JSON, or GET with a registered
// documentId (a text over GET would let any page's link run it). Each
// message is `event: next` with its event's id in `id:` (and in
// extensions.eventId); the stream ends with `event: complete`. A client
// that reconnects with Last-Event-ID gets the events it missed, read from
// the events table, before the new ones, within EVENTS_RETENTION. When the
// server stops, or the client falls behind (SLOW_CONSUMER), the stream ends
// without complete, so the client reconnects and resumes.
type eventStream struct {
	auth      *auth.Authenticator
	plain     graphQLOverHTTP
	keepAlive time.Duration
	share     sharing
	log       *slog.Logger
}

func (eventStream) Supports(r *http.Request) bool {
	return (r.Method == http.MethodPost || r.Method == http.MethodGet) && prefersEventStream(r.Header.Values("Accept"))
}

func (t eventStream) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	op, ref := t.read(w, r)
	if ref != nil {
		writeRefusal(w, r, exec, mediaJSON, ref)
		return
	}
	var after *int64
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			writeRefusal(w, r, exec, mediaJSON, refuse(apperr.BadRequest, "Last-Event-ID must be the id of an event this server sent"))
			return
		}
		after = &n
	}
	stream := live.NewStream(after)
	ctx := live.WithStream(persisted.WithDocumentID(r.Context(), op.documentID), stream)
	// A stream lives no longer than its credential: at a token's exp it
	// ends with UNAUTHENTICATED and no complete, and the client comes back
	// with a fresh token and Last-Event-ID.
	if id := auth.From(ctx); id != nil && !id.Expires.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, id.Expires)
		defer cancel()
	}
	// Nor its API key's revocation: it ends then, as at an expiry
	// (keepAlive watches for it).
	var revoke context.CancelCauseFunc
	ctx, revoke = context.WithCancelCause(ctx)
	defer revoke(nil)
	var rev *live.Revocation
	if t.share.feed != nil {
		rev = t.share.feed.Revocations()
	}
	revs := &revocations{auth: t.auth, log: t.log, id: auth.From(ctx), credential: r.Header.Get("Authorization")}
	rc, errs := exec.CreateOperationContext(ctx, op.RawParams)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		writeJSON(w, mediaJSON, responseStatus(w, mediaJSON, resp), resp)
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation == ast.Mutation {
		writeRefusal(w, r, exec, mediaJSON, mutationOverGET(rc.Operation.Operation))
		return
	}
	if rec := recordOf(ctx); rec != nil {
		rec.executed, rec.operation = true, rc.OperationName
	}
	shared := t.share.shares(rc, after)
	var responses graphql.ResponseHandler
	rctx := graphql.WithOperationContext(ctx, rc)
	if !shared {
		responses, rctx = exec.DispatchOperation(ctx, rc)
	}

	out := &sseWriter{w: w, rc: http.NewResponseController(w)}
	w.Header().Set("Content-Type", mediaEventStream)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // proxies pass each message on at once
	w.WriteHeader(http.StatusOK)
	out.write(": stream\n\n")
	stop := out.keepAlive(rctx, t.keepAlive, rev, revs, func() { revoke(errRevoked) })
	defer stop()
	defer func() {
		if p := recover(); p != nil {
			out.message("", &graphql.Response{Errors: gqlerror.List{presentPanic(ctx, exec, p)}})
		}
	}()
	var err error
	if shared {
		err = t.share.follow(ctx, exec, rc, func(m *live.Message) bool { return out.raw(cursor(m.EventID), m.Payload) })
		if errors.Is(err, errGone) {
			return
		}
	} else {
		for {
			resp := responses(rctx)
			if resp == nil {
				break
			}
			resp = t.plain.bounded(rctx, exec, resp)
			id := stream.Taken()
			stampEvent(resp, id)
			if !out.message(cursor(id), resp) {
				return
			}
		}
		err = stream.Err()
	}
	expired := errors.Is(ctx.Err(), context.DeadlineExceeded) // the client's leaving is Canceled
	revoked := errors.Is(context.Cause(ctx), errRevoked)
	if ctx.Err() != nil && !expired && !revoked {
		return
	}
	if err != nil || expired || revoked {
		switch {
		case expired:
			err = apperr.New(apperr.Unauthenticated, "the credential has expired; reconnect with a fresh one and Last-Event-ID")
		case revoked:
			err = apperr.New(apperr.Unauthenticated, "the credential has been revoked")
		}
		out.message("", exec.DispatchError(context.WithoutCancel(rctx), gqlerror.List{{Err: err}}))
		var ae *apperr.Error
		if expired || revoked || errors.Is(err, live.ErrShutdown) || errors.As(err, &ae) && apperr.Retryable(ae.Code) {
			return // no complete: the client reconnects and resumes
		}
	}
	out.write("event: complete\ndata:\n\n")
}

// cursor is an SSE message's id for event id; "" for none.
func cursor(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// read reads the operation: a POST body, or a GET's documentId.
func (t eventStream) read(w http.ResponseWriter, r *http.Request) (request, *refusal) {
	if r.Method == http.MethodGet {
		op, ref := readGET(r)
		if ref == nil && (op.documentID == "" || op.Query != "") {
			ref = refuse(apperr.BadRequest, "an event stream over GET runs a registered document: send documentId and no query (or POST the query)")
		}
		return op, ref
	}
	ops, batch, ref := t.plain.readPOST(w, r)
	if ref != nil {
		return request{}, ref
	}
	if batch {
		return request{}, refuse(apperr.BadRequest, "an event stream carries one operation, not a batch")
	}
	return ops[0], nil
}

// sseWriter writes the stream's messages and keep-alive comments, one
// at a time, each flushed.
type sseWriter struct {
	mu     sync.Mutex
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed bool
}

func (s *sseWriter) write(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed {
		return false
	}
	// A client that stops reading is dropped rather than holding a
	// subscription open: each write has its own deadline.
	_ = s.rc.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	if _, err := fmt.Fprint(s.w, text); err != nil {
		s.failed = true
		return false
	}
	if err := s.rc.Flush(); err != nil {
		s.failed = true
	}
	return !s.failed
}

func (s *sseWriter) message(id string, resp *graphql.Response) bool {
	b, err := json.Marshal(resp)
	if err != nil {
		return false
	}
	return s.raw(id, b)
}

// raw writes a message whose response is already JSON.
func (s *sseWriter) raw(id string, b []byte) bool {
	var m strings.Builder
	if id != "" {
		m.WriteString("id: " + id + "\n")
	}
	m.WriteString("event: next\ndata: ")
	m.Write(b)
	m.WriteString("\n\n")
	return s.write(m.String())
}

// errRevoked ends a stream whose credential was revoked.
var errRevoked = errors.New("the credential has been revoked")

// keepAlive writes a comment every interval while ctx lasts, so proxies
// keep the connection and a vanished client is noticed; and, in the same
// goroutine, checks the credential at each revocation after rev (nil:
// none) and whenever revs owes a check again, calling revoke if it is
// revoked.
func (s *sseWriter) keepAlive(ctx context.Context, interval time.Duration, rev *live.Revocation, revs *revocations, revoke func()) func() {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		var revoked <-chan struct{}
		if rev != nil {
			revoked = rev.Done()
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.write(": keep-alive\n\n")
			case <-revoked:
				subject := rev.Subject
				rev = rev.Next()
				revoked = rev.Done()
				if revs.Revoked(ctx, subject) {
					revoke()
				}
			case <-revs.Retry():
				if revs.Revoked(ctx, "") {
					revoke()
				}
			}
		}
	}()
	return cancel
}
