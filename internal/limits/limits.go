// Package limits bounds what one GraphQL operation may ask of the server,
// and refuses an operation over a bound before any resolver runs, with a
// stable code per bound. It measures the parsed, validated operation once
// per request (Extension, a gqlgen handler extension): depth, aliases, root
// fields, directives, and a cost that multiplies by page sizes, so that
// `first: 100` on a list inside a list costs a hundred times what the inner
// list costs. Tokens per document are bounded earlier, by the parser itself
// (Config.Tokens); batches by the transport (Config.Batch).
package limits

import (
	"fmt"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Config holds the bounds. A zero or negative field means its default, so
// a zero Config is Defaults; a bound cannot be switched off, only raised.
type Config struct {
	// Tokens bounds the lexical tokens of a document (names, punctuation,
	// values). The parser stops at the bound, so no larger document is ever
	// parsed or validated.
	Tokens int
	// DocumentBytes bounds a document's length in bytes, comments and
	// whitespace included (the token bound does not count them). A longer
	// document is refused before it is parsed, cached or registered.
	DocumentBytes int
	// FilterHops bounds the relations an operation's filters follow
	// (`project: { customer: { … } }` is 2), each fragment use counted
	// again: each hop is a subquery run per candidate row, work that the
	// cost, which counts objects returned, does not see.
	FilterHops int
	// Depth bounds how deeply fields nest, counting the leaves: `{ a { b } }`
	// is 2. Fragments count as if written in place; the introspection
	// fields __schema and __type count 1 (gqlparser bounds their inside).
	Depth int
	// Aliases bounds the aliased fields (`n: name`), each use of a fragment
	// counted again.
	Aliases int
	// RootFields bounds the fields selected at the operation's root, each
	// alias counted.
	RootFields int
	// Directives bounds the directives (@include, @skip) in the operation,
	// each use of a fragment counted again.
	Directives int
	// Cost bounds the objects an operation may return at most (see Measure).
	Cost int
	// Batch bounds the operations of one batched request (a JSON array
	// body). 1 means batching is off: an array is refused.
	Batch int
}

// Defaults are the bounds where no configuration says otherwise. README
// ("Limits") says where each number comes from.
var Defaults = Config{
	Tokens:        1000,
	DocumentBytes: 32 << 10,
	FilterHops:    16,
	Depth:         15,
	Aliases:       15,
	RootFields:    20,
	Directives:    50,
	Cost:          200_000,
	Batch:         1,
}

// WithDefaults returns c with every unset bound set to its default.
func (c Config) WithDefaults() Config {
	for _, f := range []struct {
		v *int
		d int
	}{
		{&c.Tokens, Defaults.Tokens}, {&c.DocumentBytes, Defaults.DocumentBytes},
		{&c.FilterHops, Defaults.FilterHops}, {&c.Depth, Defaults.Depth}, {&c.Aliases, Defaults.Aliases},
		{&c.RootFields, Defaults.RootFields}, {&c.Directives, Defaults.Directives},
		{&c.Cost, Defaults.Cost}, {&c.Batch, Defaults.Batch},
	} {
		if *f.v <= 0 {
			*f.v = f.d
		}
	}
	return c
}

// refusal is the error of an operation over a bound: the code, the bound
// and what was found, so a client can tell by how much it missed.
func refusal(code string, limit, found int64, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code, "limit": limit, "found": found},
	}
}

// BatchRefusal is the error of a batch of n operations when at most limit
// are allowed.
func BatchRefusal(n, limit int) *gqlerror.Error {
	if limit <= 1 {
		return refusal(apperr.BatchTooLarge, int64(limit), int64(n),
			"batched requests are off on this server: send one operation per request (this one held %d)", n)
	}
	return refusal(apperr.BatchTooLarge, int64(limit), int64(n),
		"a batched request may hold at most %d operations, this one held %d", limit, n)
}

// FromParseError turns a parse error that the parser raised because a
// document reached one of its own bounds (Config.Tokens, or its fixed
// nesting depth of 1,000) into the refusal of a document over the matching
// limit, and reports whether it did; an ordinary syntax error is left as
// it is. The parser tells the two apart only by message.
func FromParseError(e *gqlerror.Error) bool {
	var limit int64
	switch {
	case scan(e.Message, "exceeded token limit of %d", &limit):
		e.Message = fmt.Sprintf("the document is longer than the limit of %d tokens (names, punctuation and values)", limit)
		e.Extensions = map[string]any{"code": apperr.QueryTooLarge, "limit": limit}
	case scan(e.Message, "exceeded maximum nesting depth of %d", &limit):
		e.Message = fmt.Sprintf("the document nests selections, lists or objects deeper than %d, which the parser does not read", limit)
		e.Extensions = map[string]any{"code": apperr.QueryTooDeep, "limit": limit}
	default:
		return false
	}
	return true
}

func scan(s, format string, n *int64) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil
}
