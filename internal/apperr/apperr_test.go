package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// The codes and their HTTP answers are the API's contract: this table is
// what clients see today, written out, so a change to either is a
// deliberate change here too.
func TestCodes_EachAnswersWithItsStatus(t *testing.T) {
	for _, c := range []struct {
		code      string
		status    int
		always    bool // even on an executed operation, under either media type
		retryable bool
	}{
		{"BAD_USER_INPUT", 400, false, false},
		{"UNAUTHENTICATED", 401, false, false},
		{"FORBIDDEN", 403, false, false},
		{"NOT_FOUND", 404, false, false},
		{"CONFLICT", 409, false, false},
		{"INTERNAL_SERVER_ERROR", 500, false, false},
		{"OVERLOADED", 503, true, true},
		{"UNAVAILABLE", 503, true, true},
		{"TIMEOUT", 504, true, false},
		{"SUPPRESSED", 403, false, false},
		{"GRAPHQL_PARSE_FAILED", 400, false, false},
		{"GRAPHQL_VALIDATION_FAILED", 400, false, false},
		{"BAD_REQUEST", 400, false, false},
		{"METHOD_NOT_ALLOWED", 405, false, false},
		{"NOT_ACCEPTABLE", 406, false, false},
		{"UNSUPPORTED_MEDIA_TYPE", 415, false, false},
		{"PAYLOAD_TOO_LARGE", 413, false, false},
		{"PREFLIGHT_REQUIRED", 400, false, false},
		{"QUERY_TOO_LARGE", 400, false, false},
		{"QUERY_TOO_DEEP", 400, false, false},
		{"TOO_MANY_ALIASES", 400, false, false},
		{"TOO_MANY_ROOT_FIELDS", 400, false, false},
		{"TOO_MANY_DIRECTIVES", 400, false, false},
		{"QUERY_TOO_COMPLEX", 400, false, false},
		{"TOO_MANY_FILTER_HOPS", 400, false, false},
		{"BATCH_TOO_LARGE", 400, false, false},
		{"RESPONSE_TOO_LARGE", 400, false, false},
		{"PERSISTED_QUERY_NOT_FOUND", 400, false, false},
		{"PERSISTED_QUERY_NOT_SUPPORTED", 400, false, false},
		{"TRUSTED_DOCUMENT_REQUIRED", 400, false, false},
		{"PERSISTED_QUERY_QUOTA_EXCEEDED", 429, false, true},
		{"IDEMPOTENCY_KEY_IN_USE", 409, true, true},
		{"IDEMPOTENCY_KEY_REUSED", 422, true, false},
		{"SLOW_CONSUMER", 503, false, true},
		{"RESUME_EXPIRED", 410, false, false},
		{"TOO_MANY_ITEMS", 400, false, false},
	} {
		if !apperr.Known(c.code) || apperr.Status(c.code) != c.status || apperr.Always(c.code) != c.always ||
			apperr.Retryable(c.code) != c.retryable {
			t.Errorf("%s: known %v, status %d, always %v, retryable %v; want status %d, always %v, retryable %v",
				c.code, apperr.Known(c.code), apperr.Status(c.code), apperr.Always(c.code), apperr.Retryable(c.code),
				c.status, c.always, c.retryable)
		}
	}
	if n := len(apperr.Codes()); n != 36 {
		t.Errorf("%d codes declared, 36 in this table: give the new one its row", n)
	}
	if apperr.Known("SOMETHING_ELSE") || apperr.Status("SOMETHING_ELSE") != 500 {
		t.Error("an unknown code must be no code of the API, answered as an internal error")
	}
	// gqlgen sets these two itself; they must stay what the table says.
	if errcode.ParseFailed != apperr.ParseFailed || errcode.ValidationFailed != apperr.ValidationFailed {
		t.Errorf("gqlgen's codes %s, %s differ from the table's", errcode.ParseFailed, errcode.ValidationFailed)
	}
}

// A code is declared once, here: no other package of the module (its
// generated code aside) writes one as a string of its own (it names apperr's constant instead), so the
// table above sees every code the API sends.
func TestCodes_NoOtherPackageDeclaresOne(t *testing.T) {
	codes := apperr.Codes()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata" ||
				rel == filepath.Join("internal", "apperr") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil // the schema's text, quoted by gqlgen: documentation, not a code sent
		}
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, c := range codes {
				if s == c || strings.Contains(s, `"`+c+`"`) {
					t.Errorf("%s: declares the code %s; use apperr's constant", fset.Position(lit.Pos()), c)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
	if !slices.IsSorted(codes) {
		t.Error("Codes is not sorted")
	}
}
