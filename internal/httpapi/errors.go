package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/limits"
	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/requestid"
)

// Presenter is the one place an error becomes what a client sees, for
// every transport: the executor presents errors (Present) and recovers
// panics (Recover) with it. An *apperr.Error keeps its message and code;
// anything else is an internal failure: logged with the request id, shown
// only as a generic message, so no SQL, driver text or stack reaches a
// client.
type Presenter struct {
	log     *slog.Logger
	metrics *metrics.Metrics
	// suggestions keeps the "Did you mean …?" of validation errors.
	suggestions bool
}

// NewPresenter returns a presenter that logs to log and counts errors by
// code in m; suggestions keeps validation errors' "Did you mean …?".
func NewPresenter(log *slog.Logger, m *metrics.Metrics, suggestions bool) *Presenter {
	return &Presenter{log: log, metrics: m, suggestions: suggestions}
}

// Present is the executor's error presenter (gqlgen's ErrorPresenterFunc).
func (h *Presenter) Present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := h.present(ctx, err)
	code, _ := gqlErr.Extensions["code"].(string)
	h.metrics.CountError(code)
	return gqlErr
}

func (h *Presenter) present(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		gqlErr.Message = ae.Message
		setExt(gqlErr, "code", ae.Code)
		if ae.Field != "" {
			setExt(gqlErr, "argument", ae.Field)
		}
		for k, v := range ae.Extensions {
			setExt(gqlErr, k, v)
		}
	case gqlErr.Message == "introspection disabled":
		// gqlgen's own refusal when the Introspection extension is off: a
		// decision of the server's configuration, not a failure.
		gqlErr.Message = "introspection is disabled on this server"
		gqlErr.Extensions = map[string]any{"code": apperr.Forbidden}
	case isGraphQLError(err):
		// Parse and validation errors from gqlparser already carry their
		// code (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED) and a safe
		// message; so do argument coercion errors and the limits' refusals.
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			setExt(gqlErr, "code", apperr.BadUserInput)
		}
		if gqlErr.Extensions["code"] == apperr.ParseFailed {
			// A document the parser stopped reading at one of its bounds
			// is over a limit, not malformed.
			limits.FromParseError(gqlErr)
		}
		if gqlErr.Rule != "" && !h.suggestions {
			gqlErr.Message = withoutSuggestion(gqlErr.Message)
		}
		// gqlparser's messages quote the value they refuse (an enum value
		// of 100,000 characters came back in full): keep a short prefix.
		gqlErr.Message = truncate(gqlErr.Message, maxLibraryMessage)
	default:
		id := requestid.From(ctx)
		// The database down, restarting, overloaded or too slow: the
		// client gets a code it can act on; the cause stays in the log.
		if f := database.Fault(err); f != nil {
			h.log.WarnContext(ctx, "request failed", "request_id", id, "path", gqlErr.Path.String(), "code", f.Code, "err", err)
			gqlErr.Message = f.Message
			gqlErr.Extensions = map[string]any{"code": f.Code, "requestId": id}
			break
		}
		h.log.ErrorContext(ctx, "request failed", "request_id", id, "path", gqlErr.Path.String(), "err", err)
		gqlErr.Message = "internal error; the server log has details under request id " + id
		gqlErr.Extensions = map[string]any{"code": apperr.Internal, "requestId": id}
	}
	return gqlErr
}

// withoutSuggestion cuts the "Did you mean …?" that gqlparser's validation
// rules append when a name is close to one in the schema (a field, an
// argument, a type, an enum value), so that a caller cannot learn the
// schema by guessing near it. Every such suggestion starts with "Did you
// mean" and ends the message. Cutting at the first one also cuts any the
// caller's own text (a string value quoted in the message) may carry:
// never more than the suggestion is lost. (gqlgen's SetDisableSuggestion
// does this for one rule only, by changing gqlparser's rule set for the
// whole process, on every request.)
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 {
		return msg[:i]
	}
	return msg
}

// isGraphQLError tells errors that gqlgen itself produced from input
// (unwrapped *gqlerror.Error without a resolver cause).
func isGraphQLError(err error) bool {
	var ge *gqlerror.Error
	return errors.As(err, &ge) && ge.Unwrap() == nil
}

func setExt(e *gqlerror.Error, k string, v any) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[k] = v
}

// Recover turns a panic in a resolver into that field's internal error,
// and one elsewhere in executing an operation (writing a value out) into
// the request's: logged with its stack, never a dead process.
func (h *Presenter) Recover(ctx context.Context, p any) error {
	h.log.ErrorContext(ctx, "panic", "request_id", requestid.From(ctx), "panic", fmt.Sprint(p),
		"stack", string(debug.Stack()))
	return errors.New("panic") // masked by Present
}

// maxLibraryMessage bounds the messages of gqlparser and gqlgen, which
// quote the caller's input; the API's own messages quote a short prefix.
const maxLibraryMessage = 300

// truncate cuts s to at most n bytes on a character boundary, marking the
// cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
