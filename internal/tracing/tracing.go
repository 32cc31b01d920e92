// Package tracing records OpenTelemetry traces of requests, resolvers and
// SQL statements when an exporter is configured by the standard OTEL_*
// environment variables; otherwise nothing is set up and the request path
// does no tracing work at all (callers hold a nil trace.Tracer).
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of every span the server records.
const Name = "github.com/bizgraph/bizgraph"

// Provider is a configured tracer provider; Shutdown flushes the spans not
// yet exported.
type Provider interface {
	trace.TracerProvider
	Shutdown(ctx context.Context) error
}

// FromEnv returns a provider exporting spans over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set
// and OTEL_SDK_DISABLED is not "true"; nil, nil when tracing is off. The
// exporter, sampler (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG) and
// resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) read the other
// standard variables themselves.
func FromEnv(ctx context.Context) (Provider, error) {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") ||
		(os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "") {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("set up the OTLP trace exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(semconv.ServiceName("bizgraph")))
	if err != nil {
		return nil, fmt.Errorf("describe the service for tracing: %w", err)
	}
	// resource.Default reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
	// they win over the default name.
	if res, err = resource.Merge(res, resource.Environment()); err != nil {
		return nil, fmt.Errorf("describe the service for tracing: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Resolvers is a gqlgen extension that records a span for each field with
// code behind it (a root resolver or a relation method), not for plain
// struct fields or getters (global ids, cursors), which would swamp the
// trace; those never reach the field middleware (internal/codegen).
// Register it only when tracing is on: it wraps every field.
type Resolvers struct{ Tracer trace.Tracer }

var (
	_ graphql.HandlerExtension = Resolvers{}
	_ graphql.FieldInterceptor = Resolvers{}
)

func (Resolvers) ExtensionName() string                   { return "ResolverTracing" }
func (Resolvers) Validate(graphql.ExecutableSchema) error { return nil }
func (r Resolvers) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !(fc.IsResolver || fc.IsMethod) {
		return next(ctx)
	}
	ctx, span := r.Tracer.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.path", fc.Path().String())))
	defer span.End()
	v, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "resolver failed")
	}
	return v, err
}
