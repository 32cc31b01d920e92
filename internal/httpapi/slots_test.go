package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
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
