package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
)

// streamed is what the stand-in stream transport saw of a request it
// served.
type streamed struct {
	kind        string // "websocket" or "event-stream"
	hasDeadline bool
	caller      *auth.Identity
}

// streamTransport stands in for the graphql-ws and SSE transports the
// live-updates work adds after GraphQL over HTTP: it claims whatever
// reaches it, so it serves exactly what GraphQL over HTTP leaves. A
// websocket upgrade is hijacked and greeted over the raw connection; an
// event stream sends one event, flushed, and a second only once the
// client has read the first.
type streamTransport struct {
	seen     chan streamed
	readUpTo chan struct{} // the client has read the stream's first event
}

var _ graphql.Transport = streamTransport{}

func (streamTransport) Supports(*http.Request) bool { return true }

func (s streamTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	_, hasDeadline := r.Context().Deadline()
	seen := streamed{hasDeadline: hasDeadline, caller: auth.From(r.Context())}
	rc := http.NewResponseController(w)
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		seen.kind = "websocket"
		s.seen <- seen
		conn, rw, err := rc.Hijack()
		if err != nil {
			panic("hijack: " + err.Error())
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello\n")
		_ = rw.Flush()
		line, _ := rw.ReadString('\n') // the client answers over the same connection
		_, _ = rw.WriteString("echo " + line)
		_ = rw.Flush()
		return
	}
	seen.kind = "event-stream"
	s.seen <- seen
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "data: 1\n\n")
	if err := rc.Flush(); err != nil {
		panic("flush: " + err.Error())
	}
	<-s.readUpTo
	_, _ = io.WriteString(w, "data: 2\n\n")
}

// Transports are asked in order: GraphQL over HTTP keeps every request it
// serves today, and leaves a websocket upgrade and a request that prefers
// text/event-stream to the transports after it. A hijacked websocket and
// a flushed stream pass the whole middleware (request id, log) with their
// caller authenticated and no request deadline, and are logged with their
// status and bytes.
func TestTransports_StreamsReachTheTransportAfterHTTPWithoutADeadline(t *testing.T) {
	log, logPath := jsonLog(t)
	st := streamTransport{seen: make(chan streamed, 1), readUpTo: make(chan struct{})}
	srv, _ := httpapitest.NewServer(t, service.Config{Log: log,
		RequestTimeout: time.Minute, Transports: []graphql.Transport{st}})
	addr := strings.TrimPrefix(srv.URL, "http://")

	for _, accept := range []string{"", "application/json", "application/json, text/event-stream", "*/*"} {
		r := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json",
			"Accept": accept}, `{"query":"{ __typename }"}`)
		if r.Status != 200 || string(r.Data) != `{"__typename":"Query"}` {
			t.Fatalf("Accept %q: %d %s, want GraphQL over HTTP's answer", accept, r.Status, r.Body)
		}
	}
	select {
	case s := <-st.seen:
		t.Fatalf("the stream transport got a plain request: %+v", s)
	default:
	}

	t.Run("websocket", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET /graphql HTTP/1.1\r\nHost: "+addr+"\r\nConnection: keep-alive, Upgrade\r\n"+
			"Upgrade: websocket\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\nX-Request-Id: ws-1\r\n\r\n")
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade answered %v, %v; want 101", res, err)
		}
		if hello, _ := br.ReadString('\n'); hello != "hello\n" {
			t.Fatalf("read %q over the hijacked connection, want hello", hello)
		}
		_, _ = io.WriteString(conn, "ping\n")
		if echo, _ := br.ReadString('\n'); echo != "echo ping\n" {
			t.Fatalf("read %q, want the echo", echo)
		}
		checkStream(t, <-st.seen, "websocket")
		checkLogged(t, logPath, "ws-1", http.StatusSwitchingProtocols)
	})

	t.Run("event stream", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("X-Request-Id", "sse-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		// The first event arrives while the handler still holds the
		// second back: it was flushed through the middleware.
		if first, _ := br.ReadString('\n'); res.StatusCode != 200 || first != "data: 1\n" {
			t.Fatalf("%d, first line %q; want 200 and the first event", res.StatusCode, first)
		}
		close(st.readUpTo)
		rest, _ := io.ReadAll(br)
		if string(rest) != "\ndata: 2\n\n" {
			t.Fatalf("the rest of the stream: %q", rest)
		}
		checkStream(t, <-st.seen, "event-stream")
		checkLogged(t, logPath, "sse-1", http.StatusOK)
	})
}

func checkStream(t *testing.T, s streamed, kind string) {
	t.Helper()
	if s.kind != kind || s.hasDeadline || s.caller == nil {
		t.Fatalf("the stream transport saw %+v; want a %s, authenticated, without a deadline", s, kind)
	}
}

// checkLogged checks the status of the request's log line and that its
// bytes were counted.
func checkLogged(t *testing.T, path, requestID string, status int) {
	t.Helper()
	line := loggedLine(t, path, requestID)
	if line["status"] != float64(status) {
		t.Errorf("logged status %v, want %d (%v)", line["status"], status, line)
	}
	if b, _ := line["bytes"].(float64); status == http.StatusOK && b == 0 {
		t.Errorf("logged bytes %v, want the stream's", line["bytes"])
	}
}

// jsonLog is a JSON logger writing to a file of the test's, and the
// file's path.
func jsonLog(t *testing.T) (*slog.Logger, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return slog.New(slog.NewJSONHandler(f, nil)), path
}

// loggedLine waits for the log line of the request with requestID,
// written once its handler has returned, and decodes it.
func loggedLine(t *testing.T, path, requestID string) map[string]any {
	t.Helper()
	var line map[string]any
	eventually(t, 5*time.Second, "the log line of "+requestID, func() bool {
		b, _ := os.ReadFile(path)
		for l := range strings.SplitSeq(string(b), "\n") {
			if strings.Contains(l, `"`+requestID+`"`) {
				return json.Unmarshal([]byte(l), &line) == nil
			}
		}
		return false
	})
	return line
}

// Without a transport for it, a websocket upgrade or a request for an
// event stream gets a GraphQL error in JSON with a stable code and status,
// not gqlgen's bare "transport not supported".
func TestTransports_WhatNoTransportServesIsAClearRefusal(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{})
	for _, c := range []struct {
		name   string
		header map[string]string
		status int
		code   string
	}{
		{"websocket upgrade", map[string]string{"Connection": "Upgrade", "Upgrade": "websocket"}, 400, "BAD_REQUEST"},
		{"event stream only", map[string]string{"Accept": "text/event-stream", "Content-Type": "application/json"}, 406, "NOT_ACCEPTABLE"},
		{"event stream preferred", map[string]string{"Accept": "text/event-stream, application/json;q=0.5",
			"Content-Type": "application/json"}, 406, "NOT_ACCEPTABLE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			method := "POST"
			if c.header["Upgrade"] != "" {
				method = "GET"
			}
			r := httpapitest.Do(t, method, srv.URL+"/graphql", c.header, `{"query":"{ __typename }"}`)
			if r.Status != c.status || r.Code() != c.code || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("%d %q (%s), want %d %s in JSON", r.Status, r.Code(), r.Body, c.status, c.code)
			}
		})
	}
}
