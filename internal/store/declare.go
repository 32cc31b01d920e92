package store

import (
	"reflect"
	"strings"
)

// How a declaration (tables.go) becomes a table: the model's columns read
// from its gorm tags, the declared facts checked against them, and the
// relations linked to their far ends once every table exists.

// decl is what a table's declaration says beyond its model's columns
// (tables.go).
type decl struct {
	// orders are the GraphQL XOrderField values and the column each orders by.
	orders map[string]string
	// search says how the list is searched; nil: it is not.
	search *searchable
	// filters are the filter fields that are not a column's, with their
	// condition (a department's subtree, an assignment active on a date).
	filters map[string]condition
	// acrossRows are the sensitive columns callers who may read them on
	// every row may filter and order by; the table's other sensitive columns
	// are filtered and ordered by no one.
	acrossRows []string
	toOne      []toOne
	toMany     []toMany
	// keyOnly are fields that need no column but the key (aggregates).
	keyOnly []string
	// fields maps GraphQL fields not named for their column to it; also
	// names a further column a field needs (an audited row's employee).
	fields, also map[string]string
	// always are columns read whatever a query selects: what the rules
	// decide a row's fields from (a review's employee and status).
	always []string
}

// toOne declares a to-one relation: field reads the row of type to whose
// id is in fkCol.
type toOne struct{ field, fkCol, to string }

// toMany declares a to-many relation: field reads the rows of type of
// whose fkCol holds the row's id, as a connection; or, where no key holds
// the relation, those for which cond holds: an SQL condition on the far
// row t and the row's key p.id (an employee's open tasks).
type toMany struct{ field, of, fkCol, cond string }

// declare reads T's columns from its model and d's facts into a table.
func declare[T interface{ TableName() string }, PT rowPtr[T]](d decl) *table {
	var zero T
	rt := reflect.TypeOf(zero)
	tbl := &table{name: zero.TableName(), colIndex: map[string]int{}, typeName: rt.Name(),
		acrossRows: map[string]bool{}, rels: map[string]*relation{},
		fields: fieldColumns{byField: map[string]int{}, keyOnly: map[string]bool{"id": true}, also: map[string]int{}}}
	var fieldNames []string
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		if f.Type == reflect.TypeOf(member{}) {
			rank, _ := f.Type.FieldByName("rank")
			tbl.rankAt = f.Offset + rank.Offset
			parent, _ := f.Type.FieldByName("parent")
			tbl.parentAt = f.Offset + parent.Offset
			total, _ := f.Type.FieldByName("total")
			tbl.totalAt = f.Offset + total.Offset
		}
		for _, part := range strings.Split(f.Tag.Get("gorm"), ";") {
			if c, ok := strings.CutPrefix(part, "column:"); ok {
				tbl.colIndex[c] = len(tbl.colNames)
				tbl.fields.byField[lowerFirst(f.Name)] = len(tbl.colNames)
				fieldNames = append(fieldNames, lowerFirst(f.Name))
				tbl.colNames = append(tbl.colNames, c)
				tbl.offsets = append(tbl.offsets, f.Offset)
				tbl.types = append(tbl.types, f.Type)
			}
		}
	}
	if tbl.colIndex["id"] != 0 || len(tbl.colNames) > 63 {
		panic("store: " + tbl.name + ": the model must map id first and at most 63 columns")
	}
	tbl.filterable(fieldNames)
	tbl.orderable(d.orders)
	tbl.search = d.search
	for name, cond := range d.filters {
		tbl.filters[name] = filterField{cond: cond}
	}
	for _, c := range d.acrossRows {
		tbl.acrossRows[tbl.column(c)] = true
	}
	for _, f := range d.keyOnly {
		tbl.fields.keyOnly[f] = true
	}
	for f, c := range d.fields {
		tbl.fields.byField[f] = tbl.colIndex[tbl.column(c)]
	}
	for _, c := range d.always {
		tbl.fields.always |= 1 << tbl.colIndex[tbl.column(c)]
	}
	for f, c := range d.also {
		tbl.fields.also[f] = tbl.colIndex[tbl.column(c)]
	}
	for _, r := range d.toOne {
		// Reading a to-one relation needs the row's foreign key.
		tbl.fields.byField[r.field] = tbl.colIndex[tbl.column(r.fkCol)]
		// Its key is filtered through the relation, not as a number
		// (a key not named *_id, e.g. decided_by, is no filter field).
		delete(tbl.filters, fieldNames[tbl.colIndex[r.fkCol]])
		tbl.rels[r.field] = &relation{name: tbl.typeName + "." + r.field, fkCol: r.fkCol, farType: r.to}
	}
	for _, r := range d.toMany {
		tbl.fields.keyOnly[r.field] = true // the children are found by the row's key
		name := tbl.typeName + "." + r.field
		tbl.rels[r.field] = &relation{name: name, countName: name + ".count", many: true, fkCol: r.fkCol, cond: r.cond, farType: r.of}
	}
	if _, ok := any(PT(nil)).(Node); ok {
		tbl.nodes = nodesOf[T, PT](tbl)
	}
	return tbl
}

// column returns col, which must be one of tbl's columns.
func (tbl *table) column(col string) string {
	if _, ok := tbl.colIndex[col]; !ok {
		panic("store: " + tbl.name + " has no column " + col)
	}
	return col
}

// link connects the relations of tbls to their far ends and returns the
// tables by GraphQL type name. A to-one relation is also a filter field: the
// related row matches a filter of its own type.
func link(tbls ...*table) map[string]*table {
	byType := make(map[string]*table, len(tbls))
	for _, tbl := range tbls {
		if tbl.nodes == nil {
			panic("store: " + tbl.typeName + " is not a Node")
		}
		byType[tbl.typeName] = tbl
	}
	for _, tbl := range tbls {
		for field, r := range tbl.rels {
			far := byType[r.farType]
			if far == nil {
				panic("store: " + r.name + " leads to " + r.farType + ", which is not declared")
			}
			r.far = far
			if r.cond != "" {
				continue // no key holds it: each child row carries its parent's (member.parent)
			}
			holder := tbl // the table whose rows hold the foreign key
			if r.many {
				holder = far
			} else {
				tbl.filters[field] = filterField{rel: far, fkCol: r.fkCol}
			}
			i := holder.colIndex[holder.column(r.fkCol)]
			r.fkAt, r.fkNullable = holder.offsets[i], holder.types[i].Kind() == reflect.Pointer
		}
	}
	return byType
}
