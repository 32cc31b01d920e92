// Command codegen is graph/'s `go generate`: it runs gqlgen as its own
// command would (gqlgen.yml, schema first) and then makes two changes to
// the generated executor, both about work gqlgen's template does for every
// value it writes.
//
// List elements are marshalled in the calling goroutine instead of one new
// goroutine each. gqlgen's template starts a goroutine per list element so
// that resolvers below it could wait on each other concurrently. Here
// nothing below the root fields is a resolver: relations are methods that
// load for a whole sibling set in one statement (internal/store/batch.go),
// so a list's elements never wait on each other and the goroutines only
// cost. On the nested page (~1,200 elements) their creation and stack
// growth were about a fifth of the server's CPU; marshalled in line, the
// page under 16 concurrent clients went from 15% to 28% of the pgx
// ceiling's throughput in one interleaved run on a loaded machine, and p99
// from 4.2x to 2.5x the ceiling's (../shared/PERFORMANCE.md describes the
// same change made inside gqlgen's runtime). Fields that are resolvers (the
// root fields) keep gqlgen's concurrency: only the element loop changes.
//
// A scalar field read straight from a struct field or from a getter (a
// method without arguments that takes no context and returns no error:
// global ids, cursors; no resolver, directive or argument) writes its
// value without the machinery around it:
// a field context in a new context.Context, a deferred recover, a closure
// run through the field middleware, and the value boxed in an interface,
// about six allocations for a string that needs one. The middleware has
// nothing to do for such a field (internal/tracing follows resolvers and
// relation methods only: a getter's span would only swamp the trace),
// reading a struct field or a getter does not panic, and the scalars'
// marshallers do not fail. Where a non-null scalar's marshaller answers
// null (a zero time, an enum label the schema does not know), the field
// goes on through gqlgen's own code, so the error and its path are
// gqlgen's; that code is a function of its own (gqlgenPath_…), since its
// closures capture the context, and Go moves a captured variable to the
// heap when the function is entered, fast return or not: on the fast path
// that was an allocation per field written (57,600 of headcount's 237,000).
// Nullable scalars marshal a nil pointer as null without any
// error, as gqlgen does.
//
// An object's collected fields (graphql.CollectFields: its selection set
// with fragments spread and @skip/@include applied, for its type) are
// computed once per selection set and type in an operation, not once per
// object: every element of a list has the same selection set, so on the
// nested page gqlgen collected the same fields ~1,200 times, about 8% of
// the server's CPU and 10% of its allocations. The cache lives in the
// operation's context (graph.FieldsOncePerOperation, graph/fields.go);
// without it, fields are collected as gqlgen does. gqlgen went the same
// way upstream (PR #3874 caches them per list, in releases whose other
// per-object costs keep us on v0.17.75: UPGRADING.md).
//
// The three rewrites are checked against what gqlgen's own model of the
// schema says they must change (plan.go): every list of objects or enums
// loses its per-element goroutine, every plain scalar field gains its
// direct path and every object collects its fields once, by name and
// exact count, or generation fails (leaving gqlgen's output unchanged).
// A template that drifts for some fields and not others would otherwise
// leave them out silently. executor_test.go checks the
// generated executor in graph/ against the same plan, and the invariant
// the first rewrite rests on (plan.go, blocking).
//
// UPGRADING.md says what moving past gqlgen v0.17.75 takes, as measured.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"log"
	"os"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// collectPerObject is gqlgen's call that collects an object's fields
// (codegen/object.gotpl, gqlgen v0.17.75), in each object's marshaller.
var collectPerObject = regexp.MustCompile(`graphql\.CollectFields\(ec\.OperationContext, sel, (\w+Implementors)\)\n`)

// goPerElement is the line of gqlgen's list marshalling that starts an
// element's goroutine (codegen/type.gotpl, gqlgen v0.17.75).
var goPerElement = regexp.MustCompile(`(?m)^(\s*)go f\(i\)$`)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "codegen:", err)
		os.Exit(1)
	}
}

func run() error {
	log.SetOutput(io.Discard) // as gqlgen's own command: its binder logs every input field it does not bind
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return fmt.Errorf("load gqlgen.yml: %w", err)
	}
	if err := api.Generate(cfg); err != nil {
		return fmt.Errorf("gqlgen: %w", err)
	}
	// gqlgen's model of what it just generated: the same config, now bound.
	data, err := codegen.BuildData(cfg)
	if err != nil {
		return fmt.Errorf("read gqlgen's model of the schema: %w", err)
	}
	want, err := planOf(data)
	if err != nil {
		return err
	}
	path := cfg.Exec.Filename
	src, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the generated executor: %w", err)
	}
	out, loops := inlineLoops(src)
	out, direct := plainScalars(out)
	out, collected := collectOnce(out)
	if err := want.check(loops, direct, collected); err != nil {
		return fmt.Errorf("%s: %w; gqlgen's templates changed: review internal/codegen", path, err)
	}
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("format %s: %w", path, err)
	}
	if bytes.Equal(out, src) {
		return nil
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// inlineLoops runs every list element's marshalling in the calling
// goroutine, and names the list marshallers it changed.
func inlineLoops(src []byte) ([]byte, []string) {
	var names []string
	for _, m := range goPerElement.FindAllIndex(src, -1) {
		names = append(names, enclosingFunc(src, m[0]))
	}
	return goPerElement.ReplaceAll(src, []byte("${1}f(i) // in line: see internal/codegen")), names
}

// collectOnce makes every object's marshaller collect its fields through
// the operation's cache (graph/fields.go), and names the marshallers it
// changed.
func collectOnce(src []byte) ([]byte, []string) {
	var names []string
	for _, m := range collectPerObject.FindAllIndex(src, -1) {
		names = append(names, enclosingFunc(src, m[0]))
	}
	return collectPerObject.ReplaceAll(src, []byte("ec.collectFields(ctx, sel, ${1}) // once per operation: see internal/codegen\n")), names
}

// enclosingFunc is the name of the executor method whose body holds offset.
func enclosingFunc(src []byte, offset int) string {
	const head = "\nfunc (ec *executionContext) "
	start := bytes.LastIndex(src[:offset], []byte(head))
	if start < 0 {
		return ""
	}
	name := src[start+len(head):]
	return string(name[:bytes.IndexByte(name, '(')])
}

// fieldFunc is the start of a generated field function taking its object.
var fieldFunc = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) _(\w+)\(ctx context\.Context, field graphql\.CollectedField, obj \*[\w.\[\]*]+\) \(ret graphql\.Marshaler\) \{\n`)

// plainField is the whole body gqlgen v0.17.75 writes for a field read from
// a struct field or a getter (a method without arguments, context or
// error), non-null (with the "must not be null" check) or nullable.
var plainField = regexp.MustCompile(`^\tfc, err := ec\.fieldContext_(\w+)\(ctx, field\)
\tif err != nil \{
\t\treturn graphql\.Null
\t\}
\tctx = graphql\.WithFieldContext\(ctx, fc\)
\tdefer func\(\) \{
\t\tif r := recover\(\); r != nil \{
\t\t\tec\.Error\(ctx, ec\.Recover\(ctx, r\)\)
\t\t\tret = graphql\.Null
\t\t\}
\t\}\(\)
\tresTmp, err := ec\.ResolverMiddleware\(ctx, func\(rctx context\.Context\) \(any, error\) \{
\t\tctx = rctx // use context from middleware stack in children
\t\treturn obj\.(\w+(?:\(\))?), nil
\t\}\)
\tif err != nil \{
\t\tec\.Error\(ctx, err\)
\t\treturn graphql\.Null
\t\}
\tif resTmp == nil \{
(?:\t\tif !graphql\.HasFieldError\(ctx, fc\) \{
\t\t\tec\.Errorf\(ctx, "must not be null"\)
\t\t\}
)?\t\treturn graphql\.Null
\t\}
\tres := resTmp\.\([^)\n]+\)
\tfc\.Result = res
\treturn ec\.(marshal[^(\s]+)\(ctx, field\.Selections, res\)
$`)

// The bodies of the scalar marshallers such a field calls: non-null, whose
// marshaller reports a null it returns, and nullable, which ignores ctx.
var (
	nonNullScalar = regexp.MustCompile(`^\t_ = sel
\tres := ([\w.]+)\(v\)
\tif res == graphql\.Null \{
\t\tif !graphql\.HasFieldError\(ctx, graphql\.GetFieldContext\(ctx\)\) \{
\t\t\tec\.Errorf\(ctx, "the requested element is null which the schema does not allow"\)
\t\t\}
\t\}
\treturn res
$`)
	nullableScalar = regexp.MustCompile(`^\tif v == nil \{
\t\treturn graphql\.Null
\t\}
\t_ = sel
\t_ = ctx
\tres := [\w.]+\(\*v\)
\treturn res
$`)
)

// plainScalars gives every plain scalar field of src a direct path (see
// the package comment) and names the field functions it changed.
func plainScalars(src []byte) ([]byte, []string) {
	var out bytes.Buffer
	var names []string
	last := 0
	for _, m := range fieldFunc.FindAllSubmatchIndex(src, -1) {
		bodyStart := m[1]
		end := bytes.Index(src[bodyStart:], []byte("\n}\n"))
		if end < 0 {
			continue
		}
		body := src[bodyStart : bodyStart+end+1]
		fast, wholeBody := directPath(src, body)
		if fast == "" {
			continue
		}
		name := string(src[m[2]:m[3]])
		out.Write(src[last:bodyStart])
		out.WriteString(fast)
		last = bodyStart + len(body)
		if !wholeBody {
			// gqlgen's body, for the null the fast return does not take,
			// in a function of its own: its closure captures ctx, which
			// would otherwise move ctx to the heap on every call,
			// the fast ones included (one allocation per field written).
			fmt.Fprintf(&out, "\treturn ec.%s%s(ctx, field, obj)\n}\n\n", gqlgenPath, name)
			out.Write(src[m[0] : m[2]-1])
			out.WriteString(gqlgenPath + name)
			out.Write(src[m[3]:bodyStart])
			out.Write(body)
		}
		names = append(names, "_"+name)
	}
	out.Write(src[last:])
	return out.Bytes(), names
}

// gqlgenPath prefixes the name of the function a non-null plain scalar
// field's gqlgen body moves to (gqlgenPath_Employee_firstName): not a name
// gqlgen writes, which start with an underscore or a verb.
const gqlgenPath = "gqlgenPath_"

// directPath is what to put at the start of a plain scalar field's body
// (non-null: a fast return, then a call of gqlgen's body, moved to its own
// function by plainScalars), or its whole new body
// (nullable, wholeBody); "" for any other field.
func directPath(src, body []byte) (text string, wholeBody bool) {
	f := plainField.FindSubmatch(body)
	if f == nil {
		return "", false
	}
	fieldContext, goField, marshal := string(f[1]), string(f[2]), string(f[3])
	fc := funcBody(src, "fieldContext_"+fieldContext)
	if fc == nil || !bytes.Contains(fc, []byte("does not have child fields")) || bytes.Contains(fc, []byte("_args(")) {
		return "", false // not a scalar, or it takes arguments
	}
	mb := funcBody(src, marshal)
	if mb == nil {
		return "", false
	}
	if s := nonNullScalar.FindSubmatch(mb); s != nil {
		return fmt.Sprintf("\tif res := %s(obj.%s); res != graphql.Null { // directly: see internal/codegen\n\t\treturn res\n\t}\n",
			s[1], goField), false
	}
	if nullableScalar.Match(mb) {
		return fmt.Sprintf("\treturn ec.%s(ctx, field.Selections, obj.%s) // directly: see internal/codegen\n", marshal, goField), true
	}
	return "", false
}

// funcBody is the body of the executor's method name, or nil.
func funcBody(src []byte, name string) []byte {
	start := bytes.Index(src, []byte("func (ec *executionContext) "+name+"("))
	if start < 0 {
		return nil
	}
	open := bytes.Index(src[start:], []byte(" {\n"))
	if open < 0 {
		return nil
	}
	from := start + open + 3
	end := bytes.Index(src[from:], []byte("\n}\n"))
	if end < 0 {
		return nil
	}
	return src[from : from+end+1]
}
