package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/persisted"
)

// graphQLWS serves GraphQL over websockets, the graphql-transport-ws
// protocol (the graphql-ws library's, github.com/enisdenjo/graphql-ws
// PROTOCOL.md). gqlgen's transport.Websocket speaks it too, but closes a
// refused connection_init with 1000 and cannot close at a credential's
// expiry; the protocol's codes are how clients tell why they were turned
// away (4401 retry with a fresh credential, 4403 do not), so the
// connection is served here, and each operation by the same executor as
// GraphQL over HTTP (persisted documents, limits, admission, directives).
//
// A browser cannot set headers on a websocket, so the connection
// authenticates in connection_init's payload ({"Authorization": "Bearer
// …"}, the header's name and value), or, for other clients, with the
// upgrade request's Authorization header.
type graphQLWS struct {
	auth    *auth.Authenticator
	feed    *live.Feed
	origins []string
	// initTimeout is how long a connection may stay without
	// connection_init (4408 after it); pingInterval how often the server
	// pings, a connection silent for two intervals being dead.
	initTimeout, pingInterval time.Duration
	maxMessageBytes           int64
	plain                     graphQLOverHTTP
	share                     sharing
	log                       *slog.Logger
}

const subprotocol = "graphql-transport-ws"

// writeBuffers are shared by the connections: an idle subscription holds
// no write buffer of its own (4 KiB each otherwise).
var writeBuffers = &sync.Pool{}

// The protocol's close codes.
const (
	closeBadRequest       = 4400
	closeUnauthorized     = 4401
	closeForbidden        = 4403
	closeSubprotocol      = 4406
	closeInitTimeout      = 4408
	closeSubscriberExists = 4409
	closeTooManyInits     = 4429
	closeInternal         = 4500
)

func (graphQLWS) Supports(r *http.Request) bool { return websocketUpgrade(r) }

// authenticatesItself: the endpoint leaves authentication to
// connection_init.
func (graphQLWS) authenticatesItself() {}

func (t graphQLWS) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	up := websocket.Upgrader{Subprotocols: []string{subprotocol}, CheckOrigin: t.sameOrAllowedOrigin,
		ReadBufferSize: 1024, WriteBufferPool: writeBuffers}
	conn, err := up.Upgrade(w, r, nil) // a refused upgrade is answered by the upgrader
	if err != nil {
		return
	}
	defer conn.Close()
	if conn.Subprotocol() != subprotocol {
		closeWith(conn, closeSubprotocol, "Subprotocol not acceptable: use "+subprotocol)
		return
	}
	conn.SetReadLimit(t.maxMessageBytes)
	c := &wsConn{t: t, conn: conn, exec: exec, ops: map[string]context.CancelFunc{}}
	c.serve(r.Context(), r.Header.Get("Authorization"))
}

// sameOrAllowedOrigin lets a browser page open the socket only from the
// API's own origin or one of CORS_ORIGINS, as CORS lets it call the API
// (a websocket has no preflight); a client that sends no Origin is not a
// browser page.
func (t graphQLWS) sameOrAllowedOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, o := range t.origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
		if pre, suf, ok := strings.Cut(o, "*"); ok && len(origin) >= len(pre)+len(suf) &&
			strings.HasPrefix(origin, pre) && strings.HasSuffix(origin, suf) {
			return true
		}
	}
	return false
}

type wsConn struct {
	t    graphQLWS
	conn *websocket.Conn
	exec graphql.GraphExecutor
	wmu  sync.Mutex // one writer at a time
	// credential is the Authorization the connection authenticated with,
	// checked again when revocations may have been missed.
	credential string

	mu  sync.Mutex
	ops map[string]context.CancelFunc
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// writeTimeout bounds one message's write: a client that stops reading
// fills its socket, and is closed rather than holding its subscriptions.
const wsWriteTimeout = 10 * time.Second

func (c *wsConn) send(m wsMessage) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return c.conn.WriteJSON(m)
}

func (c *wsConn) close(code int, reason string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	closeWith(c.conn, code, reason)
}

func closeWith(conn *websocket.Conn, code int, reason string) {
	if len(reason) > 120 { // a close frame's reason is at most 123 bytes
		reason = reason[:120]
	}
	_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
	_ = conn.Close()
}

// serve runs the connection: connection_init within initTimeout, then
// subscribe/complete/ping/pong until either side closes, the credential
// expires or the server stops.
func (c *wsConn) serve(ctx context.Context, header string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan wsMessage)
	readErr := make(chan error, 1)
	go func() {
		for {
			var m wsMessage
			_, data, err := c.conn.ReadMessage()
			if err == nil {
				if err = json.Unmarshal(data, &m); err != nil || m.Type == "" {
					err = fmt.Errorf("%w: a message must be a JSON object with a type", errBadMessage)
				}
			}
			if err != nil {
				readErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()

	// Revocations from before the credential is checked on: none is
	// missed in between.
	var rev *live.Revocation
	if c.t.feed != nil {
		rev = c.t.feed.Revocations()
	}

	// connection_init, in time.
	var id *auth.Identity
	select {
	case <-time.After(c.t.initTimeout):
		c.close(closeInitTimeout, "Connection initialisation timeout")
		return
	case err := <-readErr:
		c.closeForReadError(err)
		return
	case m := <-msgs:
		if m.Type != "connection_init" {
			c.close(closeUnauthorized, "Unauthorized: send connection_init first")
			return
		}
		var ok bool
		if ctx, id, ok = c.authenticate(ctx, m.Payload, header); !ok {
			return
		}
	}
	if err := c.send(wsMessage{Type: "connection_ack"}); err != nil {
		return
	}
	var expiry <-chan time.Time
	if !id.Expires.IsZero() {
		timer := time.NewTimer(time.Until(id.Expires))
		defer timer.Stop()
		expiry = timer.C
	}
	var stopping <-chan struct{}
	if c.t.feed != nil {
		stopping = c.t.feed.Stopping()
	}
	var revoked <-chan struct{}
	if rev != nil {
		revoked = rev.Done()
	}
	revs := &revocations{auth: c.t.auth, log: c.t.log, id: id, credential: c.credential}
	ping := time.NewTicker(c.t.pingInterval)
	defer ping.Stop()
	_ = c.conn.SetReadDeadline(time.Now().Add(2 * c.t.pingInterval))
	for {
		select {
		case <-expiry:
			c.close(closeForbidden, "Forbidden: the credential has expired; reconnect with a fresh one")
			return
		case <-revoked:
			subject := rev.Subject
			rev = rev.Next()
			revoked = rev.Done()
			if revs.Revoked(ctx, subject) {
				c.close(closeForbidden, "Forbidden: the credential has been revoked")
				return
			}
		case <-revs.Retry():
			if revs.Revoked(ctx, "") {
				c.close(closeForbidden, "Forbidden: the credential has been revoked")
				return
			}
		case <-stopping:
			c.close(websocket.CloseGoingAway, "the server is shutting down; reconnect")
			return
		case <-ping.C:
			if err := c.send(wsMessage{Type: "ping"}); err != nil {
				return
			}
		case err := <-readErr:
			c.closeForReadError(err)
			return
		case m := <-msgs:
			_ = c.conn.SetReadDeadline(time.Now().Add(2 * c.t.pingInterval))
			if !c.handle(ctx, m) {
				return
			}
		}
	}
}

var errBadMessage = errors.New("bad message")

func (c *wsConn) closeForReadError(err error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce): // the client closed
		_ = c.conn.Close()
	case errors.Is(err, websocket.ErrReadLimit):
		c.close(closeBadRequest, fmt.Sprintf("a message is larger than %d bytes", c.t.maxMessageBytes))
	case errors.Is(err, errBadMessage):
		c.close(closeBadRequest, "Invalid message received: a JSON object with a type")
	default:
		_ = c.conn.Close()
	}
}

// authenticate checks connection_init's credential: 4401 for a missing,
// bad or expired one (retry with a fresh credential), 4403 for one that
// grants no role.
func (c *wsConn) authenticate(ctx context.Context, payload json.RawMessage, header string) (context.Context, *auth.Identity, bool) {
	var p map[string]any
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &p); err != nil {
			c.close(closeBadRequest, "Invalid message received: connection_init's payload must be an object")
			return ctx, nil, false
		}
	}
	for k, v := range p {
		if s, ok := v.(string); ok && strings.EqualFold(k, "Authorization") {
			header = s
		}
	}
	c.credential = header
	id, err := c.t.auth.Authorization(ctx, header)
	if err != nil {
		ae := authError(err)
		switch ae.Code {
		case apperr.Unauthenticated:
			c.close(closeUnauthorized, "Unauthorized: "+ae.Message)
		case apperr.Forbidden:
			c.close(closeForbidden, "Forbidden: "+ae.Message)
		default:
			c.close(closeInternal, "Internal server error: the credential could not be checked; retry")
		}
		return ctx, nil, false
	}
	return withCaller(ctx, id), id, true
}

// handle acts on one message after the handshake; false closes.
func (c *wsConn) handle(ctx context.Context, m wsMessage) bool {
	switch m.Type {
	case "ping":
		return c.send(wsMessage{Type: "pong", Payload: m.Payload}) == nil
	case "pong":
		return true
	case "connection_init":
		c.close(closeTooManyInits, "Too many initialisation requests")
		return false
	case "complete":
		c.mu.Lock()
		if stop := c.ops[m.ID]; stop != nil {
			stop()
			delete(c.ops, m.ID)
		}
		c.mu.Unlock()
		return true
	case "subscribe":
		if m.ID == "" {
			c.close(closeBadRequest, "Invalid message received: subscribe needs an id")
			return false
		}
		var body postBody
		if err := decodeJSON(m.Payload, &body); err != nil {
			c.close(closeBadRequest, "Invalid message received: subscribe's payload is not a GraphQL request")
			return false
		}
		c.mu.Lock()
		if _, exists := c.ops[m.ID]; exists {
			c.mu.Unlock()
			c.close(closeSubscriberExists, "Subscriber for "+m.ID+" already exists")
			return false
		}
		opCtx, stop := context.WithCancel(ctx)
		c.ops[m.ID] = stop
		c.mu.Unlock()
		go c.run(opCtx, m.ID, body.params())
		return true
	}
	c.close(closeBadRequest, "Invalid message received: unknown type "+m.Type)
	return false
}

// run executes one operation and streams its messages; it ends with
// complete, or with error when the operation was refused or its stream
// ended for a reason the client must know (SLOW_CONSUMER, NOT_FOUND).
func (c *wsConn) run(ctx context.Context, id string, op request) {
	defer func() {
		c.mu.Lock()
		if stop := c.ops[id]; stop != nil {
			stop()
			delete(c.ops, id)
		}
		c.mu.Unlock()
	}()
	stream := live.NewStream(nil)
	ctx = live.WithStream(persisted.WithDocumentID(graphql.StartOperationTrace(ctx), op.documentID), stream)
	defer func() {
		if p := recover(); p != nil {
			c.sendErrors(id, gqlerror.List{presentPanic(ctx, c.exec, p)})
		}
	}()
	rc, errs := c.exec.CreateOperationContext(ctx, op.RawParams)
	if errs != nil {
		c.sendErrors(id, c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs).Errors)
		return
	}
	if c.t.share.shares(rc, nil) {
		err := c.t.share.follow(ctx, c.exec, rc, func(m *live.Message) bool {
			return c.send(wsMessage{Type: "next", ID: id, Payload: m.Payload}) == nil
		})
		c.end(ctx, graphql.WithOperationContext(ctx, rc), id, err)
		return
	}
	responses, rctx := c.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		resp = c.t.plain.bounded(rctx, c.exec, resp)
		stampEvent(resp, stream.Taken())
		if ctx.Err() != nil {
			return // the client completed it, or left
		}
		b, err := json.Marshal(resp)
		if err != nil || c.send(wsMessage{Type: "next", ID: id, Payload: b}) != nil {
			return
		}
	}
	c.end(ctx, rctx, id, stream.Err())
}

// end ends operation id's stream: with complete, or with error when it
// ended for a reason the client must know (SLOW_CONSUMER, NOT_FOUND);
// nothing when the client completed it or left, or the server is stopping
// (the connection is closed with 1001).
func (c *wsConn) end(ctx, rctx context.Context, id string, err error) {
	if ctx.Err() != nil || errors.Is(err, errGone) {
		return
	}
	if err != nil {
		if errors.Is(err, live.ErrShutdown) {
			return
		}
		c.sendErrors(id, c.exec.DispatchError(rctx, gqlerror.List{{Err: err}}).Errors)
		return
	}
	_ = c.send(wsMessage{Type: "complete", ID: id})
}

func (c *wsConn) sendErrors(id string, errs gqlerror.List) {
	b, err := json.Marshal(errs)
	if err == nil {
		_ = c.send(wsMessage{Type: "error", ID: id, Payload: b})
	}
}

// stampEvent puts the id of the event a message answers in its
// extensions (eventId), 0 meaning none.
func stampEvent(resp *graphql.Response, id int64) {
	if id == 0 {
		return
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["eventId"] = fmt.Sprint(id)
}
