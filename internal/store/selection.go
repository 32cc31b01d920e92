package store

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// Selection says which fields a query reads of the rows of one level and,
// per relation, of the level below. The graph layer builds it from the
// operation once per root field; each sibling set carries its node, so
// every statement reads only the columns its level needs. A nil Selection
// means "not known": all columns.
type Selection struct {
	Fields   []string              // GraphQL field names read at this level
	Children map[string]*Selection // per relation field: what is read below it
	// Counted: a connection whose totalCount is selected, so its rows are
	// read with their count, in the same statement.
	Counted bool
}

// Child is the selection below relation field name; nil when unknown.
func (s *Selection) Child(name string) *Selection {
	if s == nil {
		return nil
	}
	return s.Children[name]
}

// Merge adds other's fields and children to s (the same relation selected
// twice, under aliases, reads the union).
func (s *Selection) Merge(other *Selection) {
	s.Fields = append(s.Fields, other.Fields...)
	s.Counted = s.Counted || other.Counted
	for k, v := range other.Children {
		if s.Children == nil {
			s.Children = map[string]*Selection{}
		}
		if cur, ok := s.Children[k]; ok {
			cur.Merge(v)
		} else {
			s.Children[k] = v
		}
	}
}

// columns of one statement: the SQL list and where each column lands.
type columns struct {
	sql     string
	offsets []uintptr
	types   []reflect.Type
}

// plus is c with one more column of Go type typ landing at at (a field of
// the model's member): expr is added to c's SQL list, or, empty, the
// statement selects it around that list.
func (c *columns) plus(expr string, at uintptr, typ reflect.Type) *columns {
	sql := c.sql
	if expr != "" {
		sql += ", " + expr
	}
	return &columns{sql: sql, offsets: append(slices.Clip(c.offsets), at), types: append(slices.Clip(c.types), typ)}
}

// fieldColumns maps a model's GraphQL field names to its columns, read once
// from the struct: a field named FirstName with column first_name is the
// GraphQL field firstName. Relations add their foreign key (belongsTo) or
// need only the key (hasMany, aggregates).
type fieldColumns struct {
	byField map[string]int  // field -> column index
	keyOnly map[string]bool // fields that need only the row's key
	also    map[string]int  // field -> a further column it needs (an audited row's employee)
	always  uint64          // columns every statement reads, whatever is selected (what the rules ask of every row)
}

func lowerFirst(s string) string {
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// mask returns the column set sel needs (bit i = column i; column 0 is the
// key) plus the required extra columns; all columns when sel is nil or names
// a field this table cannot map.
func (tbl *table) mask(sel *Selection, required ...string) uint64 {
	all := uint64(1)<<len(tbl.offsets) - 1
	if sel == nil {
		return all
	}
	m := uint64(1) | tbl.fields.always // the key: sets, cursors and ids need it
	for _, c := range required {
		m |= 1 << tbl.colIndex[c]
	}
	for _, f := range sel.Fields {
		if i, ok := tbl.fields.byField[f]; ok {
			m |= 1 << i
			if j, ok := tbl.fields.also[f]; ok {
				m |= 1 << j
			}
		} else if !tbl.fields.keyOnly[f] && !strings.HasPrefix(f, "__") {
			return all // a field we cannot map: read everything rather than guess
		}
	}
	return m
}

// cols returns the columns of mask m, built once per mask.
func (tbl *table) cols(m uint64) *columns {
	if c, ok := tbl.byMask.Load(m); ok {
		return c.(*columns)
	}
	c := &columns{}
	var names []string
	for i := range tbl.offsets {
		if m&(1<<i) != 0 {
			names = append(names, "t."+tbl.colNames[i])
			c.offsets = append(c.offsets, tbl.offsets[i])
			c.types = append(c.types, tbl.types[i])
		}
	}
	c.sql = strings.Join(names, ", ")
	tbl.byMask.Store(m, c)
	return c
}
