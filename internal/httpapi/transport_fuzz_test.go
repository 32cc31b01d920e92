package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// The transport is the first code to read what a client sends: whatever
// the bytes, it must answer with either operations to run or a refusal
// with a 4xx status and a code, never panic, and never pass on anything it
// did not check. The seed corpus is in testdata/fuzz; run one with
//
//	go test -run '^$' -fuzz FuzzDecodePOST -fuzztime 2m ./internal/httpapi/

// FuzzDecodePOST decodes POST bodies, batches allowed up to 3.
func FuzzDecodePOST(f *testing.F) {
	tr := graphQLOverHTTP{maxBatch: 3, maxTokens: 1000}
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, batch, ref := tr.decodePOST(body)
		if ref != nil {
			checkRefusal(t, ref)
			return
		}
		// Taken: valid UTF-8 and JSON, one object or a batch within bounds.
		if !utf8.Valid(body) || !json.Valid(body) {
			t.Fatalf("took a body that is not valid UTF-8 JSON: %q", body)
		}
		if len(ops) == 0 || !batch && len(ops) != 1 || len(ops) > tr.maxBatch {
			t.Fatalf("%d operations (batch %v) from %q", len(ops), batch, body)
		}
		for _, p := range ops {
			if p.RawParams == nil {
				t.Fatalf("a nil operation from %q", body)
			}
		}
	})
}

// FuzzReadGET reads GET query strings.
func FuzzReadGET(f *testing.F) {
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
		r.URL.RawQuery = rawQuery
		p, ref := readGET(r)
		if ref != nil {
			checkRefusal(t, ref)
			return
		}
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("took a query string url.ParseQuery refuses (%v): %q", err, rawQuery)
		}
		if p.Query != q.Get("query") || p.OperationName != q.Get("operationName") {
			t.Fatalf("read %+v from %q", p, rawQuery)
		}
		for _, s := range []string{p.Query, p.OperationName} {
			if !utf8.ValidString(s) {
				t.Fatalf("took invalid UTF-8: %q", rawQuery)
			}
		}
	})
}

// FuzzRead reads whole requests: the method, the headers that matter and
// the body, through the same checks as a served request.
func FuzzRead(f *testing.F) {
	tr := graphQLOverHTTP{maxBatch: 2, maxTokens: 1000, maxBodyBytes: 1 << 16, csrfPrevention: true}
	f.Fuzz(func(t *testing.T, get bool, contentType, preflight, rawQuery string, body []byte) {
		method := http.MethodPost
		if get {
			method = http.MethodGet
		}
		r := httptest.NewRequest(method, "/graphql", strings.NewReader(string(body)))
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Apollo-Require-Preflight", preflight)
		ops, _, ref := tr.read(httptest.NewRecorder(), r, true)
		if ref != nil {
			checkRefusal(t, ref)
			return
		}
		if get && !preflighted(r.Header) {
			t.Fatalf("took a GET without a preflight: Content-Type %q, Apollo-Require-Preflight %q", contentType, preflight)
		}
		for _, p := range ops {
			if p.Query == "" && len(p.Extensions) == 0 {
				t.Fatalf("took an operation without a query: %+v", p)
			}
		}
	})
}

func checkRefusal(t *testing.T, ref *refusal) {
	t.Helper()
	if s := apperr.Status(ref.code); s < 400 || s > 499 || !apperr.Known(ref.code) || ref.message == "" {
		t.Fatalf("refusal %+v: want a 4xx status, a code and a message", ref)
	}
}
