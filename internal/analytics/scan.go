package analytics

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/jackc/pgx/v5"
)

// A report's rows are scanned straight into its row type's fields: GORM's
// Scan allocates a reflect.Value and a temporary per column of every row,
// about a third of the allocations of a report of 7,200 rows. The fields
// are found once per type, by their gorm column tags (embedded structs
// included), and a row's destinations are pointers into it, which box
// into an interface without allocating.

// field is where a column's value goes in a row.
type field struct {
	offset uintptr
	typ    reflect.Type
}

// layouts caches each row type's columns: reflect.Type → map[string]field.
var layouts sync.Map

// layoutOf is T's fields by column name.
func layoutOf[T any]() map[string]field {
	t := reflect.TypeFor[T]()
	if l, ok := layouts.Load(t); ok {
		return l.(map[string]field)
	}
	l := map[string]field{}
	addFields(t, 0, l)
	layouts.Store(t, l)
	return l
}

func addFields(t reflect.Type, base uintptr, into map[string]field) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			addFields(f.Type, base+f.Offset, into)
			continue
		}
		for _, opt := range strings.Split(f.Tag.Get("gorm"), ";") {
			if name, ok := strings.CutPrefix(opt, "column:"); ok {
				into[name] = field{base + f.Offset, f.Type}
			}
		}
	}
}

// scanRows reads every row of rs into a T, each column into the field
// tagged with its name; a column no field names is an error (a statement
// and its row type out of step).
func scanRows[T any](rs pgx.Rows) ([]*T, error) {
	cols := rs.FieldDescriptions()
	layout := layoutOf[T]()
	fields := make([]field, len(cols))
	for i, c := range cols {
		f, ok := layout[c.Name]
		if !ok {
			return nil, fmt.Errorf("column %s has no field in %s", c.Name, reflect.TypeFor[T]())
		}
		fields[i] = f
	}
	var rows []T
	dest := make([]any, len(cols))
	for rs.Next() {
		rows = append(rows, *new(T))
		p := unsafe.Pointer(&rows[len(rows)-1])
		for i, f := range fields {
			dest[i] = reflect.NewAt(f.typ, unsafe.Add(p, f.offset)).Interface()
		}
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	ptrs := make([]*T, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i]
	}
	return ptrs, nil
}
