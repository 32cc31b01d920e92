package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

// api is the GraphQL API over a fixture's database, its webhooks managed
// and delivered by the fixture's service.
type api struct {
	t   *testing.T
	url string
}

func newAPI(t *testing.T, f *fixture) *api {
	h := service.New(service.Config{DB: f.db, Webhooks: f.svc, PageLimits: page.Limits{Default: 20, Max: 100},
		Auth: httpapitest.Authenticator(t, f.db, httpapitest.Admin), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL}
}

type gqlResponse struct {
	Data   map[string]json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// do runs an operation as token's holder ("": the admin) and returns the
// response.
func (a *api) do(token, q string, vars map[string]any) gqlResponse {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		a.t.Fatal(err)
	}
	return r
}

// data runs an operation as the admin, fails on any error, and decodes
// the root field into out.
func (a *api) data(q string, vars map[string]any, field string, out any) {
	a.t.Helper()
	r := a.do("", q, vars)
	if len(r.Errors) > 0 {
		a.t.Fatalf("%s: %+v", field, r.Errors)
	}
	if err := json.Unmarshal(r.Data[field], out); err != nil {
		a.t.Fatalf("%s: %v", field, err)
	}
}

func code(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

const createEndpoint = `mutation($url: String!, $types: [String!]!) {
	createWebhookEndpoint(input: {url: $url, eventTypes: $types, description: "CRM"}) {
		endpoint { id url eventTypes status description } secret } }`

const deliveries = `query($e: ID!, $s: WebhookDeliveryStatus) { webhookDeliveries(endpoint: $e, status: $s) {
	id eventId eventType entityType entityId status attemptCount nextAttemptAt deliveredAt
	attempts { at statusCode latencyMs response nextAttemptAt } } }`

type gqlDelivery struct {
	ID, EventID, EventType, EntityType, EntityID, Status string
	AttemptCount                                         int
	Attempts                                             []struct {
		StatusCode *int
		LatencyMs  int
		Response   string
	}
}

// An admin manages an endpoint through GraphQL from creation to deletion,
// and a real write's event reaches it signed: created with its secret
// shown once; listed; its deliveries listed with their attempts; paused
// (what is written meanwhile waits) and resumed; an event redelivered
// with the same webhook-id; the events since a time replayed; its secret
// rotated; deleted.
func TestGraphQL_AdminManagesAnEndpointAndAWriteArrives(t *testing.T) {
	f := newFixture(t, testConfig(), true)
	a := newAPI(t, f)
	rc := newReceiver(t, func(n int, m message, w http.ResponseWriter, r *http.Request) int { return http.StatusOK })
	var created struct {
		Endpoint struct {
			ID, URL, Status, Description string
			EventTypes                   []string
		}
		Secret string
	}
	start := time.Now().Add(-time.Second)
	a.data(createEndpoint, map[string]any{"url": rc.URL, "types": []string{"customer.created", "customer.updated"}},
		"createWebhookEndpoint", &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || created.Endpoint.Status != "ACTIVE" || created.Endpoint.URL != rc.URL {
		t.Fatalf("created %+v", created)
	}
	var listed []struct{ ID, Status string }
	a.data(`{ webhookEndpoints { id status } }`, nil, "webhookEndpoints", &listed)
	if len(listed) != 1 || listed[0].ID != created.Endpoint.ID {
		t.Fatalf("listed %+v", listed)
	}

	createCustomer := func(name string) string {
		var c struct{ Customer struct{ ID string } }
		a.data(`mutation($n: String!) { createCustomer(input: {name: $n, country: "DE", segment: SMB}) { customer { id } } }`,
			map[string]any{"n": name}, "createCustomer", &c)
		return c.Customer.ID
	}
	first := createCustomer("Webhook Test GmbH")
	rc.await(t, "the customer's event", func() bool { return len(rc.delivered()) == 1 })
	m := rc.delivered()[0]
	var body struct {
		Type, Timestamp string
		Data            map[string]any
	}
	if err := json.Unmarshal([]byte(m.Body), &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != "customer.created" || body.Data["id"] != first || body.Data["name"] != "Webhook Test GmbH" || body.Timestamp == "" {
		t.Errorf("message body %s", m.Body)
	}
	newVerifier(t).verifyAll(t, created.Secret, []message{m})

	var ds []gqlDelivery
	a.data(deliveries, map[string]any{"e": created.Endpoint.ID}, "webhookDeliveries", &ds)
	if len(ds) != 1 || ds[0].Status != "DELIVERED" || ds[0].EventID != m.ID || ds[0].EntityID != first ||
		ds[0].EntityType != "Customer" || ds[0].AttemptCount != 1 || len(ds[0].Attempts) != 1 ||
		ds[0].Attempts[0].StatusCode == nil || *ds[0].Attempts[0].StatusCode != 200 || ds[0].Attempts[0].Response != "received" {
		t.Errorf("deliveries %+v", ds)
	}

	// Paused: the write's delivery waits, PENDING, until resumed.
	var paused struct{ Status string }
	a.data(`mutation($id: ID!) { pauseWebhookEndpoint(id: $id) { status } }`, map[string]any{"id": created.Endpoint.ID},
		"pauseWebhookEndpoint", &paused)
	second := createCustomer("Paused Ltd")
	waitFor(t, "the paused endpoint's delivery recorded", func() bool {
		a.data(deliveries, map[string]any{"e": created.Endpoint.ID, "s": "PENDING"}, "webhookDeliveries", &ds)
		return len(ds) == 1
	})
	if paused.Status != "PAUSED" || ds[0].EntityID != second || ds[0].AttemptCount != 0 {
		t.Errorf("paused %+v, pending %+v", paused, ds)
	}
	a.data(`mutation($id: ID!) { resumeWebhookEndpoint(id: $id) { status } }`, map[string]any{"id": created.Endpoint.ID},
		"resumeWebhookEndpoint", &paused)
	rc.await(t, "the event written while paused", func() bool { return len(rc.delivered()) == 2 })

	// Redelivered: the same webhook-id again.
	var again gqlDelivery
	a.data(`mutation($e: ID!, $ev: ID!) { redeliverWebhookEvent(endpoint: $e, event: $ev) { eventId status } }`,
		map[string]any{"e": created.Endpoint.ID, "ev": m.ID}, "redeliverWebhookEvent", &again)
	rc.await(t, "the redelivery", func() bool { return len(rc.messages()) == 3 })
	if again.EventID != m.ID || rc.messages()[2].ID != m.ID {
		t.Errorf("redelivered %+v; received %s", again, rc.messages()[2].ID)
	}

	// Replayed: both customers' events since the start, in order.
	var replay struct{ Deliveries int }
	a.data(`mutation($e: ID!, $since: DateTime!) { replayWebhookEvents(endpoint: $e, since: $since) { deliveries } }`,
		map[string]any{"e": created.Endpoint.ID, "since": start.UTC().Format(time.RFC3339)}, "replayWebhookEvents", &replay)
	rc.await(t, "the replay", func() bool { return len(rc.messages()) == 5 })
	if replay.Deliveries != 2 {
		t.Errorf("replay sent %d, want 2", replay.Deliveries)
	}

	var rotated struct{ Secret string }
	a.data(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, map[string]any{"id": created.Endpoint.ID},
		"rotateWebhookSecret", &rotated)
	if rotated.Secret == created.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Errorf("rotated secret %q", rotated.Secret)
	}
	var deleted string
	a.data(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, map[string]any{"id": created.Endpoint.ID},
		"deleteWebhookEndpoint", &deleted)
	a.data(`{ webhookEndpoints { id status } }`, nil, "webhookEndpoints", &listed)
	if deleted != created.Endpoint.ID || len(listed) != 0 {
		t.Errorf("deleted %q, then listed %+v", deleted, listed)
	}
}

// Only admins manage webhooks: every other role is refused each query and
// mutation with FORBIDDEN. Wrong input is refused with BAD_USER_INPUT: an
// unknown event type, a URL that is not http(s), and, unless allowed, one
// resolving to loopback.
func TestGraphQL_OnlyAdminsAndOnlySafeInput(t *testing.T) {
	f := newFixture(t, webhook.Config{}, false) // private networks refused
	a := newAPI(t, f)
	ops := map[string]string{
		"createWebhookEndpoint": `mutation { createWebhookEndpoint(input: {url: "https://203.0.113.10/hook", eventTypes: ["*"]}) { secret } }`,
		"webhookEndpoints":      `{ webhookEndpoints { id } }`,
		"webhookDeliveries":     `{ webhookDeliveries(endpoint: "V2ViaG9va0VuZHBvaW50OjE") { id } }`,
		"pauseWebhookEndpoint":  `mutation { pauseWebhookEndpoint(id: "V2ViaG9va0VuZHBvaW50OjE") { id } }`,
		"replayWebhookEvents":   `mutation { replayWebhookEvents(endpoint: "V2ViaG9va0VuZHBvaW50OjE", since: "2026-01-01T00:00:00Z") { deliveries } }`,
	}
	// (The analytics role runs only registered documents: it never gets
	// this far.)
	for _, role := range []auth.Role{auth.Viewer, auth.Manager, auth.HR, auth.Integration} {
		tok := httpapitest.Token(t, 0, role)
		for name, op := range ops {
			if r := a.do(tok, op, nil); code(r) != "FORBIDDEN" {
				t.Errorf("%s as %s: %+v, want FORBIDDEN", name, role, r)
			}
		}
	}
	for _, c := range []struct{ url, typ, why string }{
		{"https://203.0.113.10/hook", "project.renamed", "not an event type"},
		{"ftp://203.0.113.10/hook", "*", "scheme"},
		{"http://127.0.0.1:9/hook", "*", "loopback"},
		{"http://localhost:9/hook", "*", "loopback"},
	} {
		r := a.do("", createEndpoint, map[string]any{"url": c.url, "types": []string{c.typ}})
		if code(r) != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, c.why) {
			t.Errorf("%s %s: %+v, want BAD_USER_INPUT about %s", c.url, c.typ, r.Errors, c.why)
		}
	}
}
