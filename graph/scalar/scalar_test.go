package scalar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// The package's database is its own, so a test may add enum labels to it.
func TestMain(m *testing.M) { os.Exit(httpapitest.Main(m)) }

// A label the database has and the schema does not (a value added by a
// migration before the schema learned it) is not written as null in a
// non-null field: it is an internal error at that field's path, logged
// with the path, whose message shows neither the label nor its SQL type,
// and the null goes up to the nullable parent.
func TestEnum_UnknownLabelIsAnInternalErrorAtItsPath(t *testing.T) {
	ctx := context.Background()
	conn := httpapitest.Conn(t)
	var id int64
	if err := conn.QueryRow(ctx, `SELECT id FROM customers ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	// A new label is usable only once the statement adding it commits.
	if _, err := conn.Exec(ctx, `ALTER TYPE customer_segment ADD VALUE 'startup_tier'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE customers SET segment = 'startup_tier' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	srv, _ := httpapitest.NewServer(t, service.Config{Log: slog.New(slog.NewTextHandler(&log, nil))})

	var r struct {
		Data struct {
			Customer *struct{ Name, Segment string } `json:"customer"`
		} `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Path       []any          `json:"path"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	body, _ := json.Marshal(map[string]any{
		"query":     `query($id: ID!) { customer(id: $id) { name segment } }`,
		"variables": map[string]any{"id": store.GlobalID("Customer", id)},
	})
	reply := httpapitest.Do(t, "POST", srv.URL+"/graphql", map[string]string{"Content-Type": "application/json"}, string(body))
	if err := json.Unmarshal(reply.Body, &r); err != nil {
		t.Fatalf("decode %s: %v", reply.Body, err)
	}

	if r.Data.Customer != nil {
		t.Errorf("customer = %+v, want null (its non-null segment failed)", *r.Data.Customer)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", r.Errors)
	}
	e := r.Errors[0]
	if want := []any{"customer", "segment"}; !slices.Equal(e.Path, want) {
		t.Errorf("path = %v, want %v", e.Path, want)
	}
	if e.Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Errorf("code = %v, want INTERNAL_SERVER_ERROR", e.Extensions["code"])
	}
	for _, leak := range []string{"startup_tier", "STARTUP_TIER", "customer_segment"} {
		if strings.Contains(e.Message, leak) {
			t.Errorf("message %q shows %q", e.Message, leak)
		}
	}
	if !strings.Contains(log.String(), "path=customer.segment") {
		t.Errorf("the server log has no error at customer.segment:\n%s", log.String())
	}
}
