package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/service"
)

// bigNodes is a nodes(ids:) query of n ids (the customers' ids repeated),
// about 200 bytes of answer each: within the cost limit, megabytes out.
func bigNodes(t *testing.T, srvURL string, n int) string {
	t.Helper()
	r := httpapitest.Do(t, "POST", srvURL+"/graphql", jsonHeader, `{"query":"{ customers(first: 100) { nodes { id } } }"}`)
	var data struct {
		Customers struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(r.Data, &data); err != nil || len(data.Customers.Nodes) == 0 {
		t.Fatalf("customer ids: %v %s", err, r.Body)
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = data.Customers.Nodes[i%len(data.Customers.Nodes)].ID
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `query Big($ids: [ID!]!) { nodes(ids: $ids) { id ... on Customer { name legalName industry country segment status website annualContractValue } } }`,
		"variables": map[string]any{"ids": ids},
	})
	return string(body)
}

// An answer over MAX_RESPONSE_BYTES is refused with RESPONSE_TOO_LARGE,
// not sent; a smaller one still comes.
func TestResponse_OverMaxResponseBytesIsRefused(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{MaxResponseBytes: 64 << 10})
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, bigNodes(t, srv.URL, 2000))
	if r.Code() != "RESPONSE_TOO_LARGE" || len(r.Body) > 4096 {
		t.Fatalf("a 2000-node answer over 64 KiB: %d %q, %d bytes; want RESPONSE_TOO_LARGE and a short body", r.Status, r.Code(), len(r.Body))
	}
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, bigNodes(t, srv.URL, 10)); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("a 10-node answer: %d %s", r.Status, r.Body)
	}
}

// The attack of issue 21, finding 1: clients send a nodes(ids:) of 20,000
// ids (within every limit, megabytes of answer) through a 4 KiB receive
// buffer and never read past the status line, more of them than the server
// has execution slots. Each answer is built, so its operation has run and
// given back its slot: the next client is served at once, not refused with
// OVERLOADED after waiting in line. And the server does not keep the
// stuck connections (each a goroutine and an answer in memory): it closes
// them once WRITE_TIMEOUT has passed after the request's deadline, without
// having written the whole answer.
func TestSlowReader_HoldsNoSlotAndIsClosedAfterWriteTimeout(t *testing.T) {
	const (
		attackers      = 3
		requestTimeout = 10 * time.Second
		writeTimeout   = time.Second
	)
	db, err := database.Open(context.Background(), httpapitest.URL(), database.Options{MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	h := service.New(service.Config{DB: db, Auth: httpapitest.Authenticator(t, db, httpapitest.Admin),
		PageLimits: page.Limits{Default: 20, Max: 100}, Log: slog.New(slog.DiscardHandler),
		MaxInFlight: 1, QueueTimeout: requestTimeout, RequestTimeout: requestTimeout, WriteTimeout: writeTimeout,
		MaxResponseBytes: 64 << 20})
	srv := httptest.NewUnstartedServer(h)
	closed := make(chan net.Addr, 64)
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- c.RemoteAddr()
		}
	}
	srv.Start()
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	body := bigNodes(t, srv.URL, 20000)
	whole := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, body)
	if whole.Status != http.StatusOK || len(whole.Body) < 2<<20 {
		t.Fatalf("the answer read in full: %d, %d bytes; want megabytes", whole.Status, len(whole.Body))
	}

	// A client with a tiny receive buffer that reads only the answer's head.
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	type stuck struct {
		conn net.Conn
		sent time.Time
	}
	var clients []stuck
	for range attackers {
		conn, err := dialer.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		sent := time.Now()
		if _, err := fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			len(body), body); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, stuck{conn: conn, sent: sent})
	}
	for i := range clients {
		// The head proves the answer was built: the operation ran and
		// gave its slot back. A slot held while writing would keep the
		// next attacker's head from ever coming.
		c := &clients[i]
		_ = c.conn.SetReadDeadline(time.Now().Add(2 * requestTimeout))
		head, err := bufio.NewReaderSize(c.conn, 16).Peek(16)
		if err != nil || !strings.HasPrefix(string(head), "HTTP/1.1 200") {
			t.Fatalf("attacker %d: head %q, %v; want its answer's head", i, head, err)
		}
	}
	r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customersQuery)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("another client while %d never read their answers: %d %s; want it served", attackers, r.Status, r.Body)
	}

	// Each stuck connection is closed by the server by its request's
	// deadline plus WRITE_TIMEOUT (and a margin for a loaded machine).
	waiting := map[string]bool{}
	for _, c := range clients {
		waiting[c.conn.LocalAddr().String()] = true
	}
	limit := time.After(time.Until(clients[len(clients)-1].sent.Add(requestTimeout + writeTimeout + 10*time.Second)))
	for len(waiting) > 0 {
		select {
		case a := <-closed:
			delete(waiting, a.String())
		case <-limit:
			t.Fatalf("%d connections that never read are still open past the request deadline plus WRITE_TIMEOUT", len(waiting))
		}
	}
	for i, c := range clients {
		// What reached the client is what the buffers held when the
		// server gave up, not the answer.
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := io.Copy(io.Discard, c.conn)
		if n >= int64(len(whole.Body)) {
			t.Errorf("attacker %d received %d bytes, the whole answer of %d: the server wrote it all", i, n, len(whole.Body))
		}
	}
}

// A body is read before admission (the operation to admit is in it), so a
// client that sends half a body and stalls must not keep its request (a
// goroutine, up to MAX_BODY_BYTES) past the request's deadline: it is
// refused then with BAD_REQUEST, not left waiting for the rest.
func TestStalledBody_IsRefusedAtTheRequestDeadline(t *testing.T) {
	const requestTimeout = time.Second
	srv, _ := httpapitest.NewServer(t, service.Config{RequestTimeout: requestTimeout})
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	began := time.Now()
	if _, err := fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		len(customersQuery)+1000, customersQuery); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(requestTimeout + 10*time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer %s after sending a stalled body: %v", time.Since(began).Round(time.Millisecond), err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "BAD_REQUEST") {
		t.Fatalf("a stalled body: %d %s; want 400 BAD_REQUEST", res.StatusCode, b)
	}
}
