package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/page"
)

// Ordering.
//
// Every list can be ordered by several of its type's columns (tables.go),
// each ascending or descending; a sensitive one only by callers who may
// read it on every row, exactly as for filters (acrossRows). The unique id
// always ends the order (in the direction of the last key) so it is total.
// NULLs sort as PostgreSQL sorts them by default (last ascending, first
// descending): a NULL is above every value. The same order serves root lists and the LATERAL subquery of a
// nested one, and its keyset predicate (keyset, below) is the one place
// that knows how to step past a position.

// Order is one orderBy entry as GraphQL delivers it: a field of the list's
// XOrderField enum and ASC or DESC. All types share it; the enums keep each
// list's fields apart in the schema.
type Order struct {
	Field     string
	Direction string
}

// sortKey is one key of an ordering in SQL terms.
type sortKey struct {
	page.Key
	col  string // column name in tbl (a fixed identifier, never user input)
	cast string // SQL type a bound value is cast to
	rank bool   // the search rank: not a column but the expression ordering.rank
}

// orderField is what a table says about one order field: its column. Kind,
// nullability and SQL type follow from the model's Go type.
type orderField struct {
	col      string
	kind     page.Kind
	nullable bool
	cast     string
}

// orderable reads tbl's order fields: GraphQL enum value -> column.
func (tbl *table) orderable(fields map[string]string) {
	kinds := map[string]page.Kind{"numeric": page.Decimal, "date": page.Date, "timestamptz": page.Time, "bigint": page.Int}
	tbl.orders = map[string]orderField{}
	for name, col := range fields {
		i := tbl.colIndex[tbl.column(col)]
		ct, ok := typeOf(tbl.types[i])
		if !ok || ct.class == boolOps {
			panic("store: cannot order " + tbl.name + " by " + col + " of type " + tbl.types[i].String())
		}
		kind, ok := kinds[ct.cast]
		if !ok {
			kind = page.Text // text and enum labels
		}
		tbl.orders[name] = orderField{col: col, kind: kind, nullable: ct.nullable, cast: ct.cast}
	}
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ordering is a list's order, the page package's keys with their columns,
// and the rows it is a list of: those of tbl matching where (the filter
// and search), with from joined (the search string).
type ordering struct {
	page.Order
	keys      []sortKey
	tbl       *table
	from      string // joined after "FROM tbl t"
	fromArgs  []any
	where     string // a condition on t
	whereArgs []any
	rank      string // the search rank of row t, when the list is ranked
	split     *valueSplit
}

// List is what a list field asks for besides its page: the order, a filter
// and, on the searchable lists, search words.
type List struct {
	OrderBy []*Order
	Filter  any // the list's XFilter input (filters_gen.go), or a Filter
	Search  *string
}

// same reports whether l asks for the same list as m, as reflect.DeepEqual
// would say, without boxing the two Lists into interfaces: every sibling of
// a set asks (set.ordering), so that was two allocations per parent row.
func (l List) same(m List) bool {
	if (l.OrderBy == nil) != (m.OrderBy == nil) || (l.Search == nil) != (m.Search == nil) ||
		l.Search != nil && *l.Search != *m.Search {
		return false
	}
	return slices.EqualFunc(l.OrderBy, m.OrderBy, func(a, b *Order) bool {
		return a == b || a != nil && b != nil && *a == *b
	}) && reflect.DeepEqual(l.Filter, m.Filter) // already interfaces: nothing boxed
}

// orderingOf resolves l against tbl: its filter and search into a
// condition, its orderBy into keys. GraphQL has already checked the enum
// values; an unknown one here is a programming error, still reported as
// bad input rather than trusted. The filter and search join the order's
// signature, so a cursor is valid only in the list it came from. The rows
// the caller may not see (Rules.RowScope) are left out of every statement
// the ordering renders.
func orderingOf(ctx context.Context, rules Rules, tbl *table, l List) (*ordering, error) {
	where, args, split, err := compileFilterSplit(ctx, rules, tbl, l.Filter)
	if err != nil {
		return nil, err
	}
	o := &ordering{tbl: tbl, where: where, whereArgs: args, split: split}
	if l.Search != nil {
		if err := o.searchScope(*l.Search, len(l.OrderBy) == 0); err != nil {
			return nil, err
		}
	}
	pk := make([]page.Key, 0, len(l.OrderBy)+1)
	keys := make([]sortKey, 0, len(l.OrderBy)+2)
	if o.rank != "" {
		pk = append(pk, rankKey)
		keys = append(keys, sortKey{Key: rankKey, col: "rank", cast: "numeric", rank: true})
	}
	for _, o := range l.OrderBy {
		f, ok := tbl.orders[o.Field]
		if ok {
			ok, err = acrossRows(ctx, rules, tbl, f.col, "orderBy", "ordering by "+o.Field)
			if err != nil {
				return nil, err
			}
		}
		if !ok || (o.Direction != "ASC" && o.Direction != "DESC") {
			return nil, apperr.Invalid("orderBy", "%s %s is not an ordering of %s", o.Field, o.Direction, tbl.name)
		}
		k := page.Key{Name: o.Field, Kind: f.kind, Desc: o.Direction == "DESC", Nullable: f.nullable}
		pk = append(pk, k)
		keys = append(keys, sortKey{Key: k, col: f.col, cast: f.cast})
	}
	scope := ""
	if o.where != "true" {
		scope = fmt.Sprint(o.from, o.fromArgs, o.where, o.whereArgs)
	}
	o.Order = page.NewOrder(scope, pk...)
	o.keys = append(keys, sortKey{Key: o.Order.Keys[len(o.Order.Keys)-1], col: "id", cast: "bigint"})
	// Not part of the signature: a cursor names a position in the list, and
	// the rows a caller sees of it are the rules' to say.
	o.where, o.whereArgs = visible(ctx, rules, tbl, o.where, o.whereArgs)
	return o, nil
}

// columns are the order's columns, which every statement must select so a
// row's cursor can be made from its own values.
func (o *ordering) columns() []string {
	cols := make([]string, 0, len(o.keys))
	for _, k := range o.keys {
		if !k.rank {
			cols = append(cols, k.col)
		}
	}
	return cols
}

// selecting returns cols plus the search rank when the list is ranked,
// scanned into each row's member.rank for its cursor.
func (o *ordering) selecting(cols *columns) *columns {
	if o.rank == "" {
		return cols
	}
	return cols.plus(o.rank+" AS rank", o.tbl.rankAt, reflect.TypeFor[Decimal]())
}

// orderBy renders the ORDER BY list on alias, reversed when backward.
// PostgreSQL's default NULL placement goes with each direction.
func (o *ordering) orderBy(alias string, backward bool) string {
	parts := make([]string, len(o.keys))
	for i, k := range o.keys {
		dir := " ASC"
		if k.Desc != backward {
			dir = " DESC"
		}
		if k.rank { // the output column: ORDER BY can name it, WHERE cannot
			parts[i] = k.col + dir
			continue
		}
		parts[i] = alias + "." + k.col + dir
	}
	return strings.Join(parts, ", ")
}

// branch is one index range of a page's rows: a condition and its values.
type branch struct {
	sql  string
	args []any
}

// branches renders w's cursor bounds as the ranges the page's rows lie in,
// in list order. Mostly that is one range. From a non-NULL position on a
// nullable first key read upwards, the rows after it are the larger values
// and then the NULL block: two ranges of the (key, id) index that no single
// index condition spans (the OR would scan the index from its start), so
// they are read as two branches, each an index range, and merged.
func (o *ordering) branches(w page.Window) []branch {
	var before branch
	if w.HasBefore {
		before.sql, before.args = o.keyset(o.keys, w.Before, true, nil)
		before.sql = " AND " + before.sql
	}
	cur, reversed := w.After, false
	if !w.HasAfter {
		if !w.Backward || !w.HasBefore {
			return []branch{before}
		}
		// Reading backwards from before: that bound is the reading start.
		cur, reversed, before = w.Before, true, branch{}
	}
	first := o.keys[0]
	if !first.Nullable || first.Desc != reversed || !cur[0].Valid {
		sql, args := o.keyset(o.keys, cur, reversed, nil)
		return []branch{{" AND " + sql + before.sql, append(args, before.args...)}}
	}
	keys := slices.Clone(o.keys)
	keys[0].Nullable = false // the non-NULL values after the position
	sql, args := o.keyset(keys, cur, reversed, nil)
	return []branch{
		{" AND " + sql + before.sql, append(args, before.args...)},
		{" AND t." + first.col + " IS NULL" + before.sql, before.args},
	}
}

// splitByValue splits each of the ranges bs by the values of the filter's
// top-level enum `in`, if it has one: `status IN (a, b)` ordered by due
// date is no range of the (status, due_on, id) index, so PostgreSQL reads
// every matching row and sorts them for each page (tens of milliseconds
// for 40,000 projects, more deep in the list), while `status = a` ordered
// by due date is one. Each value's range is read to the page's length and
// the ranges are merged: a page costs what one value's does, times the
// number of values, however deep it is.
func (o *ordering) splitByValue(bs []branch) []branch {
	if o.split == nil {
		return bs
	}
	out := make([]branch, 0, len(bs)*len(o.split.vals))
	for _, b := range bs {
		for _, v := range o.split.vals {
			out = append(out, branch{" AND t." + o.split.col + " = CAST(? AS " + o.split.cast + ")" + b.sql,
				append([]any{v}, b.args...)})
		}
	}
	return out
}

// pageSQL is the statement reading a page of the list's rows that satisfy
// where (a fixed condition on t, e.g. the parent key), and its values.
func (o *ordering) pageSQL(cols *columns, where string, w page.Window) (string, []any) {
	return o.rangesSQL(cols, where, o.branches(w), w)
}

// rangesSQL is the statement reading a page as the merge of the ranges bs,
// each read in the list's order to the page's length.
func (o *ordering) rangesSQL(cols *columns, where string, bs []branch, w page.Window) (string, []any) {
	order := " ORDER BY " + o.orderBy("t", w.Backward) + " LIMIT ?"
	var args []any
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = "SELECT " + cols.sql + " FROM " + o.tbl.name + " t" + o.from + " WHERE " + where +
			o.filtered() + b.sql + order
		args = append(append(append(append(args, o.fromArgs...), o.whereArgs...), b.args...), w.Limit+1)
	}
	if len(parts) == 1 {
		return parts[0], args
	}
	return "SELECT * FROM ((" + strings.Join(parts, ") UNION ALL (") + ")) t" + order, append(args, w.Limit+1)
}

// keyset renders the condition "the row t comes after the position vals"
// in the order of keys (before it when reversed) and appends the bound
// values. Where it is exact, it is a row-value comparison, which PostgreSQL
// answers with one index range: all keys in one direction, no NULL in the
// position, and no NULL row that should pass (a nullable key read
// downwards, where NULLs lie behind). Otherwise it is the expanded form
//
//	k1 after v1 OR (k1 = v1 AND k2 after v2) OR ...
//
// with "after" spelled out per direction and NULL (which sorts above every
// value): ascending, NULL rows come after any value and nothing comes after
// NULL; descending, NULL rows come before any value and every value comes
// after NULL. A NULL position is known when the SQL is built, so it changes
// the statement's shape, never a bound value. A redundant bound on the
// first key, where one exists, gives the planner an index range start.
func (o *ordering) keyset(keys []sortKey, vals []page.Value, reversed bool, args []any) (string, []any) {
	param := func(k sortKey, v page.Value) string {
		args = append(args, v.Text) // text, cast by the server: exact for every kind
		return "CAST(? AS " + k.cast + ")"
	}
	col := func(k sortKey) string {
		if k.rank {
			return o.rank
		}
		return "t." + k.col
	}
	rowValue := true
	for i, k := range keys {
		// A NULL compares as unknown in a row value, which drops the row: right
		// only where NULL rows lie behind the position (reading downwards).
		rowValue = rowValue && k.Desc == keys[0].Desc && vals[i].Valid && (!k.Nullable || k.Desc != reversed)
	}
	if rowValue {
		op := " > "
		if keys[0].Desc != reversed {
			op = " < "
		}
		cs, ps := make([]string, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			cs[i] = col(k)
			ps[i] = param(k, vals[i])
		}
		if len(keys) == 1 {
			return cs[0] + op + ps[0], args
		}
		return "(" + strings.Join(cs, ", ") + ")" + op + "(" + strings.Join(ps, ", ") + ")", args
	}
	var lead string
	if k, v := keys[0], vals[0]; v.Valid && (k.Desc != reversed || !k.Nullable) {
		op := " >= "
		if k.Desc != reversed {
			op = " <= "
		}
		lead = col(k) + op + param(k, v) + " AND "
	}
	var or []string
	for i, k := range keys {
		desc := k.Desc != reversed
		v := vals[i]
		if !desc && !v.Valid {
			continue // ascending, nothing follows NULL on this key
		}
		// Equal on every key before this one; values bind in SQL order.
		terms := make([]string, 0, i+1)
		for j := range i {
			if vals[j].Valid {
				terms = append(terms, col(keys[j])+" = "+param(keys[j], vals[j]))
			} else {
				terms = append(terms, col(keys[j])+" IS NULL")
			}
		}
		var after string
		switch {
		case !desc && k.Nullable:
			p := param(k, v)
			after = "(" + col(k) + " > " + p + " OR " + col(k) + " IS NULL)"
		case !desc:
			after = col(k) + " > " + param(k, v)
		case v.Valid:
			after = col(k) + " < " + param(k, v)
		default: // descending below NULL: every value
			after = col(k) + " IS NOT NULL"
		}
		or = append(or, strings.Join(append(terms, after), " AND "))
	}
	if len(or) == 0 {
		return "false", args
	}
	if lead == "" {
		return "(" + strings.Join(or, " OR ") + ")", args
	}
	return "(" + lead + "(" + strings.Join(or, " OR ") + "))", args
}

// keyValues returns the row at p's values of o's keys, for its cursor.
func (o *ordering) keyValues(p unsafe.Pointer) []page.Value {
	vals := make([]page.Value, len(o.keys))
	for i, k := range o.keys {
		if k.rank {
			vals[i] = page.Value{Text: string(*(*Decimal)(unsafe.Add(p, o.tbl.rankAt))), Valid: true}
			continue
		}
		ci := o.tbl.colIndex[k.col]
		v := reflect.NewAt(o.tbl.types[ci], unsafe.Add(p, o.tbl.offsets[ci])).Elem()
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				continue
			}
			v = v.Elem()
		}
		switch x := v.Interface().(type) {
		case Date:
			vals[i] = page.DateValue(x.Time)
		case time.Time:
			vals[i] = page.TimeValue(x)
		default:
			if v.CanInt() {
				vals[i] = page.IntValue(v.Int())
			} else {
				vals[i] = page.Value{Text: v.String(), Valid: true}
			}
		}
	}
	return vals
}

// filtered is the list's condition, to follow another: "" when it has none.
func (o *ordering) filtered() string {
	if o.where == "true" {
		return ""
	}
	return " AND " + o.where
}
