package topology_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/topology"
)

// writes is clients logging time through the balancer, one entry per
// request, each request with an Idempotency-Key it sends again, as a client
// should, while the answer is a retryable failure (no answer, 502, 503,
// 504, or a retryable code such as IDEMPOTENCY_KEY_IN_USE).
type writes struct {
	mu      sync.Mutex
	written []string // the keys of the writes that succeeded
	failed  []string // why the others failed, after their retries
	retries int
	stop    func()
}

// timeWorkDate is the day the writes log time on: a week no timesheet of
// the seeded data covers, so it is open.
const timeWorkDate = "2030-01-07"

func startWrites(t *testing.T, topo *topology.Topology, clients int, employee, project string) *writes {
	w := &writes{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				key := fmt.Sprintf("topology-sigterm-%d-%d-%d", time.Now().UnixNano(), c, n)
				w.write(t, topo, key, fmt.Sprintf(`mutation { logTime(input: {entries: [{projectId: %q, employeeId: %q,
					workDate: %q, hours: "0.25", billable: true, note: %q}]}) { timeEntries { id } } }`,
					project, employee, timeWorkDate, key))
			}
		})
	}
	w.stop = sync.OnceFunc(func() { close(done); wg.Wait() })
	return w
}

// write sends one write until it gets an answer that is not a retryable
// failure, for at most 30 s.
func (w *writes) write(t *testing.T, topo *topology.Topology, key, mutation string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		a := post(t, topo.URL, topo.Token, mutation, map[string]string{"Idempotency-Key": key})
		retry := a.err != nil || a.status == http.StatusBadGateway || a.status == http.StatusServiceUnavailable ||
			a.status == http.StatusGatewayTimeout || a.code != "" && apperr.Retryable(a.code)
		w.mu.Lock()
		switch {
		case a.failed() == "":
			w.written = append(w.written, key)
		case !retry || time.Now().After(deadline):
			w.failed = append(w.failed, a.failed())
		default:
			w.retries++
			w.mu.Unlock()
			// A client's pause before it sends the write again.
			time.Sleep(20 * time.Millisecond)
			continue
		}
		w.mu.Unlock()
		return
	}
}

func (w *writes) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.written)
}

// subscriber is a GraphQL over SSE client of one subscription through the
// balancer that, as a browser's EventSource does, reconnects with the
// Last-Event-ID of the last message it read whenever its stream ends.
type subscriber struct {
	mu     sync.Mutex
	ids    []int64  // the events received, in order
	conns  []string // the API replica that served each stream
	ends   []string // why each stream that ended ended
	resume []time.Duration
	// refused counts the reconnections that got no stream (no answer,
	// or a status other than 200).
	refused   int
	connected chan struct{} // closed once the first stream is open
}

// subscribe opens the subscription query after the event since and keeps it
// open until ctx ends.
func subscribe(ctx context.Context, topo *topology.Topology, query string, since int64) *subscriber {
	s := &subscriber{connected: make(chan struct{})}
	go s.run(ctx, topo, query, since)
	return s
}

func (s *subscriber) run(ctx context.Context, topo *topology.Topology, query string, last int64) {
	var ended time.Time
	body, _ := json.Marshal(map[string]string{"query": query})
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, topo.URL+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+topo.Token)
		req.Header.Set("Last-Event-ID", strconv.FormatInt(last, 10))
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			if err == nil {
				res.Body.Close()
			}
			s.mu.Lock()
			s.refused++
			s.mu.Unlock()
			select { // EventSource's pause before it reconnects
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		s.mu.Lock()
		s.conns = append(s.conns, res.Header.Get(topology.ServerHeader))
		if !ended.IsZero() {
			s.resume = append(s.resume, time.Since(ended))
		}
		if len(s.conns) == 1 {
			close(s.connected)
		}
		s.mu.Unlock()
		why := s.read(bufio.NewReader(res.Body), &last)
		res.Body.Close()
		ended = time.Now()
		s.mu.Lock()
		s.ends = append(s.ends, why)
		s.mu.Unlock()
	}
}

// read reads a stream's messages until it ends, and says why it ended.
func (s *subscriber) read(br *bufio.Reader, last *int64) string {
	var id, event, data string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "stream closed: " + err.Error()
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && event != "":
			if event == "complete" {
				return "complete"
			}
			var m struct {
				Errors []struct{ Extensions struct{ Code string } }
			}
			_ = json.Unmarshal([]byte(data), &m)
			if len(m.Errors) > 0 {
				// The server ending the stream says why (UNAVAILABLE
				// when it shuts down); the end follows.
				s.mu.Lock()
				s.ends = append(s.ends, "error "+m.Errors[0].Extensions.Code)
				s.mu.Unlock()
			} else if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				s.mu.Lock()
				s.ids = append(s.ids, n)
				s.mu.Unlock()
				*last = n
			}
			id, event, data = "", "", ""
		}
	}
}

func (s *subscriber) received() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

// firstServer is the API replica that served the first stream.
func (s *subscriber) firstServer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[0]
}

// openSubscribers opens subscribers through the balancer until at least
// two are served by api1 and one by api2 (the balancer takes turns, so
// four or five do), at most ten.
func openSubscribers(t *testing.T, ctx context.Context, topo *topology.Topology, query string, since int64) []*subscriber {
	t.Helper()
	var subs []*subscriber
	on := map[string]int{}
	for len(subs) < 10 && (on["api1"] < 2 || on["api2"] < 1) {
		s := subscribe(ctx, topo, query, since)
		select {
		case <-s.connected:
		case <-time.After(30 * time.Second):
			t.Fatal("a subscription through the balancer got no stream in 30 s")
		}
		subs = append(subs, s)
		on[s.firstServer()]++
	}
	if on["api1"] < 2 || on["api2"] < 1 {
		t.Fatalf("%d subscriptions through the balancer were served %v; want two by api1, one by api2", len(subs), on)
	}
	return subs
}

// lostAndTwice compares the events a subscriber received with those
// committed: the committed ones it did not receive, and how many it
// received out of order or more than once.
func lostAndTwice(got, want []int64) (lost []int64, disorder int) {
	seen := map[int64]bool{}
	for i, id := range got {
		if seen[id] || i > 0 && id < got[i-1] {
			disorder++
		}
		seen[id] = true
	}
	for _, id := range want {
		if !seen[id] {
			lost = append(lost, id)
		}
	}
	return lost, disorder
}

// apiIDs are an active employee's and a project's global ids, for writes.
func apiIDs(t *testing.T, topo *topology.Topology) (employee, project string) {
	return store.GlobalID("Employee", value[int64](t, topo.PrimaryURL, `SELECT min(id) FROM employees WHERE status = 'active'`)),
		store.GlobalID("Project", value[int64](t, topo.PrimaryURL, `SELECT min(id) FROM projects`))
}

// hookReceiver is a webhook endpoint of the topology's API replicas: it
// verifies each delivery's signature with the Standard Webhooks library
// and keeps the webhook-id (the event's id) of those that verify.
type hookReceiver struct {
	mu       sync.Mutex
	verifier *standardwebhooks.Webhook
	ids      []int64
	failed   int
}

// receiveWebhooks registers a receiver, through the balancer, for the
// events of types, until the test ends.
func receiveWebhooks(t *testing.T, topo *topology.Topology, types ...string) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	quoted, _ := json.Marshal(types)
	a := post(t, topo.URL, topo.Token, fmt.Sprintf(`mutation { createWebhookEndpoint(input: {url: %q, eventTypes: %s,
		description: "topology test"}) { endpoint { id } secret } }`, srv.URL, quoted), nil)
	if a.failed() != "" {
		t.Fatalf("createWebhookEndpoint through the balancer: %s", a.failed())
	}
	var created struct {
		CreateWebhookEndpoint struct {
			Endpoint struct{ ID string }
			Secret   string
		}
	}
	if err := json.Unmarshal(a.data, &created); err != nil {
		t.Fatal(err)
	}
	wh, err := standardwebhooks.NewWebhook(created.CreateWebhookEndpoint.Secret)
	if err != nil {
		t.Fatalf("the endpoint's secret: %v", err)
	}
	h.mu.Lock()
	h.verifier = wh
	h.mu.Unlock()
	t.Cleanup(func() {
		_ = post(t, topo.URL, topo.Token, fmt.Sprintf(`mutation { deleteWebhookEndpoint(id: %q) }`,
			created.CreateWebhookEndpoint.Endpoint.ID), nil)
	})
	return h
}

func (h *hookReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || h.verifier == nil {
		// Not ready to verify yet: the sender tries again later.
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	id, perr := strconv.ParseInt(r.Header.Get("webhook-id"), 10, 64)
	if err := h.verifier.Verify(body, r.Header); err != nil || perr != nil {
		h.failed++
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.ids = append(h.ids, id)
	w.WriteHeader(http.StatusNoContent)
}

// received are the event ids of the verified deliveries, in the order
// they arrived, with any delivered again.
func (h *hookReceiver) received() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.ids)
}

func (h *hookReceiver) bad() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.failed
}
