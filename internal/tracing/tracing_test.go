package tracing_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/bizgraph/bizgraph/internal/tracing"
)

// Without an OTLP endpoint tracing is off: no provider, nothing to run.
func TestFromEnv_OffWithoutAnEndpoint(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tp, err := tracing.FromEnv(context.Background())
	if err != nil || tp != nil {
		t.Fatalf("FromEnv = %v, %v; want no provider", tp, err)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if tp, _ := tracing.FromEnv(context.Background()); tp != nil {
		t.Fatal("OTEL_SDK_DISABLED=true still gave a provider")
	}
}

// With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach that collector over
// OTLP/HTTP, at the latest when the provider shuts down.
func TestFromEnv_ExportsToTheConfiguredCollector(t *testing.T) {
	var received atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" && r.URL.Path == "/v1/traces" {
			received.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	tp, err := tracing.FromEnv(context.Background())
	if err != nil || tp == nil {
		t.Fatalf("FromEnv = %v, %v; want a provider", tp, err)
	}
	_, span := tp.Tracer(tracing.Name).Start(context.Background(), "test")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if received.Load() == 0 {
		t.Fatal("the collector received no spans")
	}
}
