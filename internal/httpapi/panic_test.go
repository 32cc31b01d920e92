package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bizgraph/bizgraph/internal/metrics"
	"github.com/bizgraph/bizgraph/internal/requestid"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// panicsWhileWriting is an executor whose response panics as it is
// produced, as a value's marshaller would: outside any resolver, so no
// field's recover catches it.
type panicsWhileWriting struct {
	graphql.GraphExecutor
	presenter *Presenter
}

func (panicsWhileWriting) CreateOperationContext(context.Context, *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{Operation: &ast.OperationDefinition{Operation: ast.Query}}, nil
}

func (e panicsWhileWriting) PresentRecoveredError(ctx context.Context, p any) error {
	return e.presenter.Present(ctx, e.presenter.Recover(ctx, p))
}

func (panicsWhileWriting) DispatchOperation(ctx context.Context, _ *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(context.Context) *graphql.Response { panic("marshal Decimal: secret internal detail") }, ctx
}

// A panic outside the resolvers is answered like any internal failure: a
// 500 in the negotiated media type with the masked message and request id,
// the panic and its stack only in the log. (That the execution slot is
// freed is internal/admission's to test.)
func TestPanicOutsideResolversIsAMaskedInternalError(t *testing.T) {
	var log bytes.Buffer
	p := NewPresenter(slog.New(slog.NewTextHandler(&log, nil)), metrics.New(), false)
	tr := graphQLOverHTTP{maxTokens: 1000, maxBatch: 1}

	req := httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", mediaJSON)
	req.Header.Set("Accept", mediaGraphQLResponse)
	req = req.WithContext(requestid.With(req.Context(), "req-42"))
	w := httptest.NewRecorder()
	tr.Do(w, req, panicsWhileWriting{presenter: p})

	if w.Code != http.StatusInternalServerError || w.Header().Get("Content-Type") != mediaGraphQLResponse+"; charset=utf-8" {
		t.Fatalf("got %d %q, want 500 %s", w.Code, w.Header().Get("Content-Type"), mediaGraphQLResponse)
	}
	var resp struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Errors) != 1 {
		t.Fatalf("body %s: %v", w.Body, err)
	}
	e := resp.Errors[0]
	if e.Extensions["code"] != "INTERNAL_SERVER_ERROR" || e.Extensions["requestId"] != "req-42" ||
		!strings.Contains(e.Message, "req-42") || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("error %+v: want INTERNAL_SERVER_ERROR with the request id and nothing of the panic", e)
	}
	if !strings.Contains(log.String(), "secret internal detail") || !strings.Contains(log.String(), "goroutine") {
		t.Fatalf("the log lacks the panic or its stack:\n%s", log.String())
	}
}
