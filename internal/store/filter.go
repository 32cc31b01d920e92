package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Filtering.
//
// Every list takes a filter: the GraphQL input object (XFilter) exactly as
// the executor delivers it, a map from field to condition. One compiler
// turns any table's filter into a SQL condition on the row alias t, with
// every value bound as a parameter and cast to its column's type; the only
// text that reaches the SQL is column names and operators from the tables
// below, never input. The schema already checked the shape, but the
// compiler checks it again (field names, operators, value types, enum
// labels, id types), so that it is safe whatever calls it: the fuzz test
// feeds it arbitrary maps.

// A list's filter arrives as the XFilter input gqlgen built
// (filters_gen.go: structs of optional fields, each an operator object, a
// related row's filter, or and/or/not) or, for tests and tools, as a Filter:
// the same shape as a map, with values as a request spells them. The
// compiler reads both through asMap.

// Filter is a filter as a map: field name -> operator object (a map),
// related row's filter, or list of filters.
type Filter map[string]any

// asMap returns v, a filter or operator object, as a map of the fields it
// sets; false when v is not one (or is a nil pointer). A field set to an
// explicit null is kept as nil, so the compiler can refuse it.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case Filter:
		return m, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, false
	}
	m := make(map[string]any, rv.NumField())
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Field(i)
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		if o, ok := f.Interface().(interface{ IsSet() bool }); ok { // graphql.Omittable: absent, null or a value
			if o.IsSet() {
				m[name] = unpoint(f.MethodByName("Value").Call(nil)[0].Interface())
			}
			continue
		}
		if x := unpoint(f.Interface()); x != nil {
			m[name] = x
		}
	}
	return m, true
}

// Limits on one filter, so that no request builds an unbounded statement:
// a filter nests at most maxFilterDepth levels (and/or/not and relations
// each count), has at most maxFilterConds conditions, and an `in` list at
// most maxInList values.
const (
	maxFilterDepth = 8
	maxFilterConds = 100
	maxInList      = 1000
)

// colType is what the API knows about one column's values: how a bound
// value is cast, which operators apply, and whether it can be NULL. It
// follows from the model field's Go type.
type colType struct {
	cast     string
	class    opClass
	nullable bool
	labels   []string // enum labels, for checking values
}

// opClass groups columns by the operators that apply to them.
type opClass uint8

const (
	textOps    opClass = iota // eq ne in contains startsWith isNull
	compareOps                // eq ne in gt gte lt lte isNull
	enumOps                   // eq ne in
	boolOps                   // eq isNull
)

var classOps = map[opClass][]string{
	textOps:    {"eq", "ne", "in", "contains", "startsWith", "isNull"},
	compareOps: {"eq", "ne", "in", "gt", "gte", "lt", "lte", "isNull"},
	enumOps:    {"eq", "ne", "in"},
	boolOps:    {"eq", "isNull"},
}

var idOps = []string{"eq", "ne", "in", "isNull"}

// enumLabels maps each enum Go type to its PostgreSQL labels.
var enumLabels = func() map[reflect.Type][]string {
	m := map[reflect.Type][]string{}
	v := reflect.ValueOf(EnumLabels)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		labels := make([]string, f.Len())
		for j := range labels {
			labels[j] = f.Index(j).String()
		}
		m[f.Type().Elem()] = labels
	}
	return m
}()

// typeOf describes a model field's type.
func typeOf(t reflect.Type) (colType, bool) {
	var c colType
	if t.Kind() == reflect.Pointer {
		c.nullable, t = true, t.Elem()
	}
	switch {
	case t == reflect.TypeOf(Decimal("")):
		c.cast, c.class = "numeric", compareOps
	case t == reflect.TypeOf(Date{}):
		c.cast, c.class = "date", compareOps
	case t == reflect.TypeOf(time.Time{}):
		c.cast, c.class = "timestamptz", compareOps
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		c.cast, c.class = "bigint", compareOps
	case t.Kind() == reflect.Bool:
		c.cast, c.class = "boolean", boolOps
	case t == reflect.TypeOf(""):
		c.cast, c.class = "text", textOps
	case enumLabels[t] != nil: // its PostgreSQL type is its snake-cased name
		c.cast, c.class, c.labels = snake(t.Name()), enumOps, enumLabels[t]
	default:
		return c, false
	}
	return c, true
}

// filterField is one field of a type's filter input.
type filterField struct {
	col string
	typ colType
	// A relation: the filter applies to the related row of rel whose id is
	// in fkCol.
	rel   *table
	fkCol string
	// Anything else: a condition of its own (departments within a subtree,
	// assignments active on a date).
	cond condition
}

// condition renders a filter field of tbl that is not a column's, given its
// value, as a condition on the row alias.
type condition func(b *filterBuilder, tbl *table, alias string, v any) (string, error)

// filterable derives tbl's scalar filter fields from its model: every
// mapped column except the key (IDFilter, below), foreign keys (filtered
// through their relation) and the optimistic-locking version. A sensitive
// column is among them, but compiles only as acrossRows allows.
func (tbl *table) filterable(fieldNames []string) {
	tbl.filters = map[string]filterField{}
	for i, col := range tbl.colNames {
		if col == "id" || col == "version" || strings.HasSuffix(col, "_id") {
			continue
		}
		ct, ok := typeOf(tbl.types[i])
		if !ok {
			panic("store: cannot filter " + tbl.name + "." + col + " of type " + tbl.types[i].String())
		}
		tbl.filters[fieldNames[i]] = filterField{col: col, typ: ct}
	}
}

// acrossRows decides whether what (a filter, an ordering), at path,
// may reveal tbl.col across rows: a column that is not sensitive, yes; a
// sensitive one the table does not declare acrossRows, for no one (false,
// as if it were not a field at all); a declared one only for callers who
// may read it on every row (salary ranges for hr, bill rates for
// managers), everyone else is refused as FORBIDDEN.
func acrossRows(ctx context.Context, rules Rules, tbl *table, col, path, what string) (bool, error) {
	if col == "" || !rules.Sensitive(tbl.name, col) {
		return true, nil
	}
	if !tbl.acrossRows[col] {
		return false, nil
	}
	if !rules.CanReadColumn(ctx, tbl.name, col) {
		return false, &apperr.Error{Code: apperr.Forbidden, Field: path,
			Message: path + ": " + what + " needs a role that may read it for every row"}
	}
	return true, nil
}

// filterBuilder compiles one filter. It collects the bound values in the
// order their placeholders appear, which is the order the SQL is built in.
type filterBuilder struct {
	ctx     context.Context // the caller, for the rules on sensitive columns
	rules   Rules
	args    []any
	aliases int
	conds   int
	path    []string
	split   *valueSplit
}

// valueSplit is a filter's top-level `in` on an enum column: the list's
// rows are the union of one list per value, each an ordered range of an
// index led by that column (order.go, splitByValue).
type valueSplit struct {
	col, cast string
	vals      []string // canonical, sorted, distinct; at least two
}

// compileFilter renders f as a condition on tbl's row alias t with its
// bound values. A nil or empty filter is "true".
func compileFilter(ctx context.Context, rules Rules, tbl *table, filter any) (string, []any, error) {
	sql, args, _, err := compileFilterSplit(ctx, rules, tbl, filter)
	return sql, args, err
}

// compileFilterSplit is compileFilter, and the filter's top-level enum
// `in`, if it has one, by which its rows may be read value by value.
func compileFilterSplit(ctx context.Context, rules Rules, tbl *table, filter any) (string, []any, *valueSplit, error) {
	f, ok := asMap(filter)
	if !ok || len(f) == 0 {
		return "true", nil, nil, nil
	}
	b := &filterBuilder{ctx: ctx, rules: rules, path: []string{"filter"}}
	sql, err := b.filter(tbl, "t", f, 1)
	if err != nil {
		return "", nil, nil, err
	}
	return sql, b.args, b.split, nil
}

func (b *filterBuilder) fail(format string, a ...any) error {
	return apperr.Invalid(strings.Join(b.path, "."), "%s: "+format, append([]any{strings.Join(b.path, ".")}, a...)...)
}

func (b *filterBuilder) bind(v any, cast string) string {
	b.args = append(b.args, v)
	return "CAST(? AS " + cast + ")"
}

// filter renders f on the row alias of tbl: every field's condition, and.
func (b *filterBuilder) filter(tbl *table, alias string, f map[string]any, depth int) (string, error) {
	if depth > maxFilterDepth {
		return "", b.fail("filters nest at most %d levels deep", maxFilterDepth)
	}
	return b.and(f, func(name string, v any) (string, error) { return b.field(tbl, alias, name, v, depth) })
}

// and renders every entry of m with render, each with its key on the error
// path, joined by AND; in key order, so the same filter always renders the
// same SQL.
func (b *filterBuilder) and(m map[string]any, render func(key string, v any) (string, error)) (string, error) {
	names := slices.Sorted(maps.Keys(m))
	if len(names) == 0 {
		return "true", nil
	}
	parts := make([]string, 0, len(names))
	for _, k := range names {
		b.path = append(b.path, k)
		sql, err := render(k, m[k])
		if err != nil {
			return "", err
		}
		b.path = b.path[:len(b.path)-1]
		parts = append(parts, sql)
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

func (b *filterBuilder) field(tbl *table, alias, name string, v any, depth int) (string, error) {
	if v = unpoint(v); v == nil {
		// An explicit null is refused rather than read as "no condition":
		// a variable that is unexpectedly null must not widen a list.
		return "", b.fail("null is not a condition (to match missing values, use isNull)")
	}
	if b.conds++; b.conds > maxFilterConds {
		return "", b.fail("a filter has at most %d conditions", maxFilterConds)
	}
	switch name {
	case "and", "or":
		list, err := filterList(v)
		if err != nil {
			return "", b.fail("%v", err)
		}
		parts := make([]string, len(list))
		for i, sub := range list {
			b.path = append(b.path, strconv.Itoa(i))
			sql, err := b.filter(tbl, alias, sub, depth+1)
			if err != nil {
				return "", err
			}
			b.path = b.path[:len(b.path)-1]
			parts[i] = sql
		}
		if len(parts) == 0 { // every one of none holds; none of none does
			return map[string]string{"and": "true", "or": "false"}[name], nil
		}
		return "(" + strings.Join(parts, map[string]string{"and": " AND ", "or": " OR "}[name]) + ")", nil
	case "not":
		sub, ok := asMap(v)
		if !ok {
			return "", b.fail("expected a filter")
		}
		sql, err := b.filter(tbl, alias, sub, depth+1)
		if err != nil {
			return "", err
		}
		// The complement: rows where the condition is unknown (a NULL
		// compared) do not match it, so they match its negation.
		return "NOT coalesce(" + sql + ", false)", nil
	case "id":
		ops, ok := asMap(v)
		if !ok {
			return "", b.fail("expected an id filter")
		}
		return b.ids(alias+".id", tbl, false, ops)
	}
	ff, ok := tbl.filters[name]
	if ok {
		var err error
		if ok, err = acrossRows(b.ctx, b.rules, tbl, ff.col, strings.Join(b.path, "."), "filtering by "+name); err != nil {
			return "", err
		}
	}
	if !ok {
		return "", b.fail("%s cannot be filtered by %s", tbl.name, name)
	}
	switch {
	case ff.cond != nil:
		return ff.cond(b, tbl, alias, v)
	case ff.rel != nil:
		sub, ok := asMap(v)
		if !ok {
			return "", b.fail("expected a filter of the related row")
		}
		if ids, ok := asMap(sub["id"]); ok && len(sub) == 1 {
			// Only the related row's id: the foreign key answers it, and
			// isNull means "no related row".
			b.path = append(b.path, "id")
			sql, err := b.ids(alias+"."+ff.fkCol, ff.rel, true, ids)
			b.path = b.path[:len(b.path)-1]
			return sql, err
		}
		b.aliases++
		r := "r" + strconv.Itoa(b.aliases)
		sql, err := b.filter(ff.rel, r, sub, depth+1)
		if err != nil {
			return "", err
		}
		return "EXISTS (SELECT 1 FROM " + ff.rel.name + " " + r + " WHERE " + r + ".id = " + alias + "." + ff.fkCol +
			" AND " + sql + ")", nil
	}
	ops, ok := asMap(v)
	if !ok {
		return "", b.fail("expected an operator object such as { eq: ... }")
	}
	sql, err := b.ops(alias+"."+ff.col, ff.typ, ops)
	if err == nil && depth == 1 && b.split == nil && ff.typ.class == enumOps && len(ops) == 1 && ops["in"] != nil {
		// ANDed with the rest of the filter: every row has one of the values.
		vals, _ := b.list(unpoint(ops["in"]), ff.typ) // checked by ops
		slices.Sort(vals)
		if vals = slices.Compact(vals); len(vals) > 1 {
			b.split = &valueSplit{col: ff.col, cast: ff.typ.cast, vals: vals}
		}
	}
	return sql, err
}

// ops renders one column's operators, and.
func (b *filterBuilder) ops(col string, ct colType, ops map[string]any) (string, error) {
	return b.and(ops, func(op string, v any) (string, error) {
		if !slices.Contains(classOps[ct.class], op) {
			return "", b.fail("%s is not an operator of this field (use %s)", op, strings.Join(classOps[ct.class], ", "))
		}
		return b.op(col, ct, op, unpoint(v))
	})
}

var comparisons = map[string]string{"eq": " = ", "gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}

func (b *filterBuilder) op(col string, ct colType, op string, v any) (string, error) {
	if v == nil {
		return "", b.fail("null is not a value (to match missing values, use isNull)")
	}
	switch op {
	case "isNull":
		isNull, ok := v.(bool)
		if !ok {
			return "", b.fail("expected true or false")
		}
		if isNull {
			return col + " IS NULL", nil
		}
		return col + " IS NOT NULL", nil
	case "in":
		vals, err := b.list(v, ct)
		if err != nil {
			return "", err
		}
		if ct.cast == "text" {
			b.args = append(b.args, textArray{vals})
			return col + " = ANY(CAST(? AS text[]))", nil
		}
		// Other types get a parameter each: a text[] cast to date[] or an
		// enum array is not folded before planning (the casts are only
		// stable), and the planner then misjudges how many rows match.
		if len(vals) == 0 {
			return "false", nil
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		ps := make([]string, len(vals))
		for i, v := range vals {
			ps[i] = b.bind(v, ct.cast)
		}
		return col + " IN (" + strings.Join(ps, ", ") + ")", nil
	case "contains", "startsWith":
		s, ok := v.(string)
		if !ok {
			return "", b.fail("expected text")
		}
		pattern := likeEscaper.Replace(s) + "%"
		if op == "contains" {
			pattern = "%" + pattern
		}
		b.args = append(b.args, pattern)
		return col + " ILIKE ?", nil // backslash is LIKE's default escape
	}
	s, err := b.value(v, ct)
	if err != nil {
		return "", err
	}
	if op == "ne" { // items without a value are not equal to it
		return col + " IS DISTINCT FROM " + b.bind(s, ct.cast), nil
	}
	return col + comparisons[op] + b.bind(s, ct.cast), nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

var decimalText = regexp.MustCompile(`^-?[0-9]{1,40}(\.[0-9]{1,40})?$`)

// value returns v, as the request spelt it, as the text PostgreSQL casts
// to ct exactly. Only the canonical spellings are taken.
func (b *filterBuilder) value(v any, ct colType) (string, error) {
	switch ct.cast {
	case "numeric":
		s, ok := number(v)
		if !ok || !decimalText.MatchString(s) {
			return "", b.fail("expected a decimal number such as \"12.50\"")
		}
		return s, nil
	case "bigint":
		s, ok := number(v)
		if n, err := strconv.ParseInt(s, 10, 64); !ok || err != nil || strconv.FormatInt(n, 10) != s {
			return "", b.fail("expected a whole number")
		}
		return s, nil
	case "date":
		s, _ := v.(string)
		if d, ok := v.(Date); ok {
			s = d.String()
		}
		if d, err := time.Parse(time.DateOnly, s); err != nil || d.Format(time.DateOnly) != s {
			return "", b.fail("expected a date such as \"2026-11-24\"")
		}
		return s, nil
	case "timestamptz":
		t, ok := v.(time.Time)
		if s, isText := v.(string); isText {
			var err error
			t, err = time.Parse(time.RFC3339Nano, s)
			ok = err == nil
		}
		if !ok {
			return "", b.fail("expected a date and time such as \"2026-11-24T09:30:00Z\"")
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case "boolean":
		x, ok := v.(bool)
		if !ok {
			return "", b.fail("expected true or false")
		}
		return strconv.FormatBool(x), nil
	}
	if ct.labels != nil && enumLabels[reflect.TypeOf(v)] != nil {
		// An enum value as gqlgen decoded it: already a label.
		label := reflect.ValueOf(v).String()
		if !slices.Contains(ct.labels, label) {
			return "", b.fail("%.40q is not a value of this enumeration", label)
		}
		return label, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", b.fail("expected text")
	}
	if ct.labels != nil {
		// GraphQL spells the label on_hold as ON_HOLD, and only so.
		label := strings.ToLower(s)
		if strings.ToUpper(label) != s || !slices.Contains(ct.labels, label) {
			return "", b.fail("%.40q is not a value of this enumeration", s)
		}
		return label, nil
	}
	if strings.ContainsRune(s, 0) { // PostgreSQL text cannot hold NUL
		return "", b.fail("text must not contain NUL characters")
	}
	return s, nil
}

// number returns the text of a number as a request spells it: a JSON
// number from variables, an int64 or float64 from a literal, or a string
// (Decimal's usual form).
func number(v any) (string, bool) {
	switch n := v.(type) {
	case string:
		return strings.TrimSpace(n), true
	case json.Number:
		return n.String(), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case int:
		return strconv.Itoa(n), true
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64), true
	case Decimal:
		return string(n), true
	}
	return "", false
}

// inList checks v is an `in` list (what it should be, for the error) of at
// most maxInList values.
func (b *filterBuilder) inList(v any, what string) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return rv, b.fail("expected %s", what)
	}
	if rv.Len() > maxInList {
		return rv, b.fail("lists hold at most %d values, got %d", maxInList, rv.Len())
	}
	return rv, nil
}

// list returns the values of an `in` list.
func (b *filterBuilder) list(v any, ct colType) ([]string, error) {
	rv, err := b.inList(v, "a list")
	if err != nil {
		return nil, err
	}
	out := make([]string, rv.Len())
	for i := range out {
		x := unpoint(rv.Index(i).Interface())
		if x == nil {
			return nil, b.fail("null is not a value")
		}
		s, err := b.value(x, ct)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// ids renders an IDFilter on col, which holds keys of tbl: global ids are
// checked to be of tbl's type and bound as keys. isNull applies only to a
// column that can be NULL (a foreign key); the key itself never is.
func (b *filterBuilder) ids(col string, tbl *table, fk bool, ops map[string]any) (string, error) {
	return b.and(ops, func(op string, v any) (string, error) {
		v = unpoint(v)
		switch op {
		case "eq", "ne":
			key, err := b.id(v, tbl)
			if err != nil {
				return "", err
			}
			cmp := " = "
			if op == "ne" { // a foreign key that is not set is not equal
				cmp = " IS DISTINCT FROM "
			}
			return col + cmp + b.bind(key, "bigint"), nil
		case "in":
			rv, err := b.inList(v, "a list of ids")
			if err != nil {
				return "", err
			}
			keys := make([]int64, rv.Len())
			for i := range keys {
				key, err := b.id(rv.Index(i).Interface(), tbl)
				if err != nil {
					return "", err
				}
				keys[i] = key
			}
			b.args = append(b.args, ids(keys))
			return col + " = ANY(?::bigint[])", nil
		case "isNull":
			isNull, ok := v.(bool)
			if !ok {
				return "", b.fail("expected true or false")
			}
			switch {
			case !fk:
				return map[bool]string{true: "false", false: "true"}[isNull], nil // every row has an id
			case isNull:
				return col + " IS NULL", nil
			default:
				return col + " IS NOT NULL", nil
			}
		}
		return "", b.fail("%s is not an operator of ids (use %s)", op, strings.Join(idOps, ", "))
	})
}

// id returns the key of global id v, which must name a row of tbl's type.
func (b *filterBuilder) id(v any, tbl *table) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, b.fail("expected an id")
	}
	typ, key, err := ParseID(s)
	if err != nil {
		return 0, b.fail("%.60q is not an id returned by this API", s)
	}
	if typ != tbl.typeName {
		return 0, b.fail("%.60q is the id of a %s, not a %s", s, typ, tbl.typeName)
	}
	return key, nil
}

// unpoint unwraps the pointers gqlgen delivers optional input values in.
func unpoint(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil
	}
	return rv.Interface()
}

// filterList accepts the list forms a filter's and/or can take.
func filterList(v any) ([]map[string]any, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		// GraphQL coerces a single value to a list of one.
		if f, ok := asMap(v); ok {
			return []map[string]any{f}, nil
		}
		return nil, fmt.Errorf("expected a list of filters")
	}
	out := make([]map[string]any, rv.Len())
	for i := range out {
		f, ok := asMap(rv.Index(i).Interface())
		if !ok {
			return nil, fmt.Errorf("expected a list of filters")
		}
		out[i] = f
	}
	return out, nil
}

// textArray binds a list of values as one text[] parameter (see idList).
type textArray struct{ pgtype.FlatArray[string] }
