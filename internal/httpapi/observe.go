package httpapi

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/bizgraph/bizgraph/internal/database"
)

// record is what the server learns about one request on its way through:
// filled by the middleware, the executor (operation) and the database
// (statements), then logged and measured once when the response is out.
type record struct {
	id        string
	operation string // "" until the executor has an operation
	// registered: the operation is a trusted document, so its name is
	// the operators' and may label metrics.
	registered bool
	executed   bool
	statements database.StatementCounter
}

type recordKey struct{}

func recordOf(ctx context.Context) *record {
	r, _ := ctx.Value(recordKey{}).(*record)
	return r
}

// propagator reads a caller's trace context (W3C traceparent) so the
// server's spans join the caller's trace.
var propagator = propagation.TraceContext{}

// startSpan starts the request's span when tracing is on; span is nil
// otherwise.
func (h *api) startSpan(ctx context.Context, r *http.Request, id string) (context.Context, trace.Span) {
	if h.tracer == nil {
		return ctx, nil
	}
	ctx = propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
	return h.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path), attribute.String("request.id", id)))
}

// finish records an answered request: its operation's metrics, the end of
// its span, and its log line.
func (h *api) finish(ctx context.Context, r *http.Request, rec *record, span trace.Span, sw *statusWriter, took time.Duration) {
	status := sw.status
	if rec.executed {
		h.metrics.ObserveOperation(rec.operation, rec.registered, took, rec.statements.Count())
	}
	if span != nil {
		span.SetAttributes(attribute.Int("http.response.status_code", status),
			attribute.String("graphql.operation.name", rec.operation))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}
	h.log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", rec.id),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("operation", rec.operation), slog.Int("status", status), slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", took), slog.Int64("statements", rec.statements.Count()))
}

// statusWriter remembers the status code and the bytes sent, for the log
// and the metrics. It passes on what streaming transports need of the
// connection: Flush (server-sent events), Hijack (a websocket takes the
// connection over), and Unwrap for http.ResponseController.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush sends what was written so far, as a stream's events must be.
func (w *statusWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection to a protocol of its own (a websocket, once
// it has answered 101 Switching Protocols itself); the request is then
// logged with that status and the bytes of the HTTP exchange only.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
