package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/httpapi/httpapitest"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/service"
	"github.com/bizgraph/bizgraph/internal/store"
)

// customerPage reads 3 customers and their first 2 projects: two
// statements, the second a batch over the 3 customers.
const customerPage = `{"query":"query CustomerPage { customers(first: 3) { nodes { name projects(first: 2) { nodes { name } } } } }"}`

// After a named operation sent as text and a refused one, the metrics
// show the operation's latency as "other" (a client's name is not a
// label: only trusted documents' are), the statements it cost, the batch
// its projects were loaded in, the error by its code, and the pool.
func TestMetrics_ShowOperationsStatementsBatchesErrorsAndPool(t *testing.T) {
	m := metrics.New()
	srv, _ := httpapitest.NewServer(t, service.Config{Metrics: m})
	scrape := httptest.NewServer(m.Handler())
	t.Cleanup(scrape.Close)
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, customerPage); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("%d %+v", r.Status, r.Errors)
	}
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, `{"query":"{ customers(first: 1, after: \"nope\") { nodes { name } } }"}`); r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("a bad cursor: %q, want BAD_USER_INPUT", r.Code())
	}
	r := httpapitest.Do(t, "GET", scrape.URL+"/metrics", nil, "")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, r.Body)
	}
	find := func(name string, labels ...string) *dto.Metric {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Fatalf("/metrics has no %s", name)
		}
	metrics:
		for _, m := range f.Metric {
			for i := 0; i < len(labels); i += 2 {
				found := false
				for _, l := range m.Label {
					found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
				}
				if !found {
					continue metrics
				}
			}
			return m
		}
		t.Fatalf("/metrics has no %s with labels %v", name, labels)
		return nil
	}
	if n := find("bizgraph_operation_duration_seconds", "operation", "other").GetHistogram().GetSampleCount(); n != 1 {
		t.Errorf("CustomerPage latency samples under other: %d, want 1", n)
	}
	if n := find("bizgraph_operation_duration_seconds", "operation", "anonymous").GetHistogram().GetSampleCount(); n != 1 {
		t.Errorf("anonymous operation latency samples: %d, want 1", n)
	}
	if h := find("bizgraph_statements_per_request").GetHistogram(); h.GetSampleCount() != 2 || h.GetSampleSum() != 2 {
		t.Errorf("statements per request: %d requests, %g statements; want 2 requests, 2 statements (the page's two levels, none for the refused cursor)",
			h.GetSampleCount(), h.GetSampleSum())
	}
	// The set also holds the row read past the page to tell hasNextPage
	// (today's store loads its projects too), so 3 or 4.
	if h := find("bizgraph_loader_batch_size", "relation", "Customer.projects").GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() < 3 || h.GetSampleSum() > 4 {
		t.Errorf("Customer.projects batches: %d covering %g parents, want 1 covering the page's 3 customers", h.GetSampleCount(), h.GetSampleSum())
	}
	if v := find("bizgraph_errors_total", "code", "BAD_USER_INPUT").GetCounter().GetValue(); v != 1 {
		t.Errorf("BAD_USER_INPUT errors: %g, want 1", v)
	}
	if v := find("go_sql_max_open_connections", "db_name", "bizgraph").GetGauge().GetValue(); v != 4 {
		t.Errorf("pool size: %g, want the test pool's 4", v)
	}
}

// With tracing on, a request is one trace joining the caller's: the
// request's span, the root resolver's under it, and the SQL statements
// under the resolver.
func TestTracing_RequestResolverAndSQLSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("test")
	srv, _ := httpapitest.NewServerWith(t, service.Config{Tracer: tracer}, database.Options{MaxOpenConns: 4, Tracer: tracer})

	caller := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: trace.FlagsSampled})
	hdr := map[string]string{"Content-Type": "application/json"}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(t.Context(), caller), carrier)
	hdr["Traceparent"] = carrier["traceparent"]
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", hdr, customerPage); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("%d %+v", r.Status, r.Errors)
	}
	// The request's span ends once the response is written.
	byName := map[string][]tracetest.SpanStub{}
	eventually(t, 5*time.Second, "the request's span", func() bool {
		byName = map[string][]tracetest.SpanStub{}
		for _, s := range exp.GetSpans() {
			byName[s.Name] = append(byName[s.Name], s)
		}
		return len(byName["POST /graphql"]) == 1
	})
	req, root, sql := byName["POST /graphql"][0], byName["Query.customers"], byName["sql"]
	if req.SpanContext.TraceID() != caller.TraceID() || req.Parent.SpanID() != caller.SpanID() {
		t.Errorf("the request's span is not in the caller's trace under the caller's span")
	}
	if len(root) != 1 || root[0].Parent.SpanID() != req.SpanContext.SpanID() {
		t.Fatalf("want one Query.customers span under the request's, got %+v", root)
	}
	if len(byName["Customer.projects"]) != 3 {
		t.Errorf("Customer.projects spans: %d, want one per customer (3)", len(byName["Customer.projects"]))
	}
	if len(sql) != 2 {
		t.Fatalf("sql spans: %d, want 2 (customers, then their projects)", len(sql))
	}
	for _, s := range sql {
		if s.Parent.SpanID() != root[0].SpanContext.SpanID() || s.SpanContext.TraceID() != caller.TraceID() {
			t.Errorf("sql span %v is not under Query.customers", s.Attributes)
		}
	}
}

// Each request is one log line with its id, operation, status, duration
// and statement count.
func TestLog_RequestLineCarriesIDOperationDurationAndStatements(t *testing.T) {
	log, path := jsonLog(t)
	srv, _ := httpapitest.NewServer(t, service.Config{Log: log})
	hdr := map[string]string{"Content-Type": "application/json", "X-Request-Id": "req-42"}
	if r := httpapitest.Do(t, "POST", srv.URL+"/graphql", hdr, customerPage); r.Status != 200 {
		t.Fatalf("%d %+v", r.Status, r.Errors)
	}
	line := loggedLine(t, path, "req-42")
	want := map[string]any{"msg": "request", "request_id": "req-42", "operation": "CustomerPage",
		"status": float64(200), "statements": float64(2), "path": "/graphql"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log field %s = %v, want %v (line %v)", k, line[k], v, line)
		}
	}
	if d, ok := line["duration"].(float64); !ok || d <= 0 {
		t.Errorf("log field duration = %v, want a positive duration", line["duration"])
	}
}

// A panic in a resolver is that field's masked internal error: the rest
// of the answer still comes, no panic text or stack reaches the client,
// and the server keeps serving.
func TestPanicInResolver_IsAMaskedFieldErrorAndTheServerLivesOn(t *testing.T) {
	// A store without a database: the resolver dereferences nil.
	broken := store.New(nil, page.Limits{Default: 20, Max: 100}, policy.StoreRules{})
	srv, _ := httpapitest.NewServer(t, service.Config{Store: broken})
	q := `{"query":"{ __typename customer(id: \"` + store.GlobalID("Customer", 1) + `\") { name } }"}`
	for range 2 {
		r := httpapitest.Do(t, "POST", srv.URL+"/graphql", jsonHeader, q)
		if r.Status != 200 || string(r.Data) != `{"__typename":"Query","customer":null}` {
			t.Fatalf("got %d %s, want 200 with the rest of the data", r.Status, r.Data)
		}
		if r.Code() != "INTERNAL_SERVER_ERROR" || r.Errors[0].Extensions["requestId"] == "" {
			t.Fatalf("got %+v, want INTERNAL_SERVER_ERROR with a request id", r.Errors)
		}
		if b := string(r.Body); strings.Contains(b, "nil pointer") || strings.Contains(b, "goroutine") || strings.Contains(b, "panic") {
			t.Fatalf("the response shows the panic: %s", b)
		}
	}
}

// The API's port does not serve the metrics: they would show any caller
// the other callers' operations and errors.
func TestMetrics_NotOnTheAPIPort(t *testing.T) {
	srv, _ := httpapitest.NewServer(t, service.Config{Metrics: metrics.New()})
	if r := httpapitest.Do(t, "GET", srv.URL+"/metrics", nil, ""); r.Status != http.StatusNotFound {
		t.Errorf("GET /metrics on the API port: %d, want 404; %.200s", r.Status, r.Body)
	}
}
