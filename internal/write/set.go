package write

import (
	"context"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/store"
)

// set is what an input asks to write: the columns it sets with their
// values, the problems found in it, and the checks that need the database
// (references exist, values are unique), made together in one statement.
type set struct {
	// at is the input's path ("input", "input.entries.2").
	at       string
	cols     []string
	vals     []any
	problems apperr.Problems
	lookups  []lookup
}

func newSet(at string) *set { return &set{at: at} }

func (s *set) path(field string) string { return s.at + "." + field }

func (s *set) put(col string, v any) {
	s.cols = append(s.cols, col)
	s.vals = append(s.vals, v)
}

// has reports whether the input sets col, and to what.
func (s *set) has(col string) (any, bool) {
	for i, c := range s.cols {
		if c == col {
			return s.vals[i], true
		}
	}
	return nil, false
}

func (s *set) problem(field, format string, args ...any) {
	s.problems.Add(s.path(field), format, args...)
}

// check is a rule a value must meet; it reports its problem at field.
type check[T any] func(s *set, field string, v T)

// req sets col from a required field.
func req[T any](s *set, field, col string, v T, checks ...check[T]) {
	for _, c := range checks {
		c(s, field, v)
	}
	s.put(col, v)
}

// opt sets col from an optional field, when the input names it: an
// explicit null clears a nullable column and is a problem for one that is
// not (nullable false).
func opt[T any](s *set, field, col string, o graphql.Omittable[*T], nullable bool, checks ...check[T]) {
	v, given := o.ValueOK()
	if !given {
		return
	}
	if v == nil {
		if !nullable {
			s.problem(field, "cannot be null")
			return
		}
		s.put(col, nil)
		return
	}
	req(s, field, col, *v, checks...)
}

// optOr is opt for a column a new row needs: def when the input leaves
// it out.
func optOr[T any](s *set, field, col string, o graphql.Omittable[*T], def T, checks ...check[T]) {
	if _, given := o.ValueOK(); !given {
		s.put(col, def)
		return
	}
	opt(s, field, col, o, false, checks...)
}

// text is a string of 1 to max characters, not only blanks.
func text(max int) check[string] {
	return func(s *set, field string, v string) {
		switch n := utf8.RuneCountInString(v); {
		case strings.TrimSpace(v) == "":
			s.problem(field, "cannot be empty")
		case n > max:
			s.problem(field, "is %d characters long, at most %d are kept", n, max)
		}
	}
}

var (
	name  = text(200)
	short = text(100)
	long  = text(4000)
)

// pattern is a string matching re, described as want.
func pattern(re *regexp.Regexp, want string) check[string] {
	return func(s *set, field string, v string) {
		if !re.MatchString(v) {
			s.problem(field, "%.40q is not %s", v, want)
		}
	}
}

var (
	country  = pattern(regexp.MustCompile(`^[A-Z]{2}$`), "an ISO 3166 country code such as DE")
	currency = pattern(regexp.MustCompile(`^[A-Z]{3}$`), "an ISO 4217 currency code such as EUR")
	email    = pattern(regexp.MustCompile(`^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$`), "an email address")
	code     = pattern(regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`), "a code of letters, digits, '.', '_' and '-' (at most 40)")
)

// decimal is a number with at most scale decimals and digits digits in
// all (PostgreSQL's numeric(digits, scale)), within (min, max]: min is
// excluded when open, else included.
func decimal(digits, scale int, min string, open bool, max string) check[store.Decimal] {
	lo, _ := new(big.Rat).SetString(min)
	hi, _ := new(big.Rat).SetString(max)
	return func(s *set, field string, v store.Decimal) {
		r, ok := new(big.Rat).SetString(string(v))
		if !ok {
			s.problem(field, "%.40q is not a decimal number", string(v))
			return
		}
		intPart, frac, _ := strings.Cut(strings.TrimLeft(string(v), "+-"), ".")
		frac = strings.TrimRight(frac, "0")
		intPart = strings.TrimLeft(intPart, "0")
		switch {
		case len(frac) > scale:
			s.problem(field, "has %d decimals, at most %d are kept", len(frac), scale)
		case len(intPart) > digits-scale:
			s.problem(field, "has %d digits before the point, at most %d fit", len(intPart), digits-scale)
		case open && r.Cmp(lo) <= 0 || !open && r.Cmp(lo) < 0:
			s.problem(field, "must be %s %s", map[bool]string{true: "more than", false: "at least"}[open], min)
		case r.Cmp(hi) > 0:
			s.problem(field, "must be at most %s", max)
		}
	}
}

var (
	money = decimal(14, 2, "0", false, "999999999999.99")
	rate  = decimal(10, 2, "0", false, "99999999.99")
)

// between is an integer in [lo, hi].
func between(lo, hi int) check[int] {
	return func(s *set, field string, v int) {
		if v < lo || v > hi {
			s.problem(field, "must be between %d and %d, got %d", lo, hi, v)
		}
	}
}

// ref sets col to the key of the row of type typ that gid names; that the
// row exists is checked with the other lookups.
func (s *set) ref(field, col, gid, typ string) {
	k := key(&s.problems, s.path(field), gid, typ)
	if k == 0 {
		return
	}
	s.put(col, k)
	s.exists(field, typ, k)
}

// optRef is ref for an optional reference: null clears it.
func (s *set) optRef(field, col string, o graphql.Omittable[*string], typ string) {
	v, given := o.ValueOK()
	switch {
	case !given:
	case v == nil:
		s.put(col, nil)
	default:
		s.ref(field, col, *v, typ)
	}
}

// lookup is a check the database answers: its query yields a row when the
// check fails.
type lookup struct {
	field, message string
	query          string
	args           []any
	// named: query is a value rather than a condition; the check fails
	// when it is not NULL, and message names it (%s, as the schema spells
	// an enum label: a week's status).
	named bool
}

// exists checks that the row of typ with key exists.
func (s *set) exists(field, typ string, key int64) {
	s.lookups = append(s.lookups, lookup{field: s.path(field), message: fmt.Sprintf("no %s has the id %s", typ, store.GlobalID(typ, key)),
		query: `NOT EXISTS (SELECT 1 FROM ` + store.TableOf(typ) + ` WHERE id = ?)`, args: []any{key}})
}

// unique checks that no row of table but except has col = v.
func (s *set) unique(field, table, col string, v any, except int64) {
	s.lookups = append(s.lookups, lookup{field: s.path(field), message: fmt.Sprintf("%.40q is already taken", fmt.Sprint(v)),
		query: `EXISTS (SELECT 1 FROM ` + table + ` WHERE ` + col + ` = ? AND id <> ?)`, args: []any{v, except}})
}

// fails adds a check that fails when the SQL condition cond holds.
func (s *set) fails(field, message, cond string, args ...any) {
	s.lookups = append(s.lookups, lookup{field: s.path(field), message: message, query: cond, args: args})
}

// verify runs the lookups of sets in one statement and returns every
// problem of the sets, nil when there is none.
func verify(ctx context.Context, tx *database.DB, sets ...*set) error {
	each, err := verifyEach(ctx, tx, sets...)
	if err != nil {
		return err
	}
	var problems apperr.Problems
	for _, p := range each {
		problems = append(problems, p...)
	}
	return problems.Err()
}

// verifyEach is verify answering each set's problems apart (a sync
// reports each item's own), still in one statement for all the sets.
func verifyEach(ctx context.Context, tx *database.DB, sets ...*set) ([]apperr.Problems, error) {
	type owned struct {
		lookup
		set int
	}
	var all []owned
	problems := make([]apperr.Problems, len(sets))
	for i, s := range sets {
		for _, l := range s.lookups {
			all = append(all, owned{l, i})
		}
		problems[i] = append(problems[i], s.problems...)
	}
	if len(all) > 0 {
		var q strings.Builder
		var args []any
		q.WriteString("SELECT i, v FROM (VALUES ")
		for i, l := range all {
			if i > 0 {
				q.WriteString(", ")
			}
			if l.named {
				fmt.Fprintf(&q, "(%d, upper((%s)::text))", i, l.query)
			} else {
				fmt.Fprintf(&q, "(%d, CASE WHEN %s THEN '' END)", i, l.query)
			}
			args = append(args, l.args...)
		}
		q.WriteString(") AS c(i, v) WHERE v IS NOT NULL ORDER BY i")
		var failed []struct {
			I int
			V string
		}
		if err := tx.WithContext(ctx).Raw(q.String(), args...).Scan(&failed).Error; err != nil {
			return nil, fmt.Errorf("check the input: %w", err)
		}
		for _, f := range failed {
			if l := all[f.I]; l.named {
				problems[l.set].Add(l.field, l.message, f.V)
			} else {
				problems[l.set].Add(l.field, "%s", l.message)
			}
		}
	}
	return problems, nil
}

func allowed[T comparable](among []T, v T) bool {
	for _, a := range among {
		if a == v {
			return true
		}
	}
	return false
}

// upper is an enum label as the schema spells it: on_hold → ON_HOLD.
func upper(label string) string { return strings.ToUpper(label) }

func uppers[T ~string](labels []T) string {
	if len(labels) == 0 {
		return "nowhere"
	}
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = upper(string(l))
	}
	return strings.Join(out, " or ")
}

type omittable[T any] = graphql.Omittable[*T]

// omitted is an optional input field set to v (nil: left out).
func omitted[T any](v *T) omittable[T] {
	if v == nil {
		return graphql.Omittable[*T]{}
	}
	return graphql.OmittableOf(v)
}
