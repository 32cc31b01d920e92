package page

// Keyed is a row a connection can page over: its key is its position.
type Keyed interface{ PageKey() int64 }

// Result is a page cut from the rows a store read for a Window: at most
// Limit rows in list order, and whether the list goes on either side.
type Result[T Keyed] struct {
	Rows    []T
	HasNext bool
	HasPrev bool
	cursor  func(T) string
}

// Cut turns the rows read for w (up to w.Limit+1, descending when
// w.Backward) into a page. The extra row tells whether the list goes on in
// the reading direction; in the other direction it goes on exactly when a
// cursor bounds the page there (the cursor's own row lies beyond it), as
// the Relay specification allows servers to answer cheaply.
//
// keys gives a row's own values of w.Order's keys, from which its cursor is
// made.
func Cut[T Keyed](rows []T, w Window, keys func(T) []Value) Result[T] {
	cursor := func(r T) string { return Encode(w.Order, keys(r)) }
	more := len(rows) > w.Limit
	if more {
		rows = rows[:w.Limit]
	}
	if !w.Backward {
		return Result[T]{Rows: rows, HasNext: more || w.HasBefore, HasPrev: w.HasAfter, cursor: cursor}
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return Result[T]{Rows: rows, HasPrev: more || w.HasAfter, HasNext: w.HasBefore, cursor: cursor}
}

// Connection is one page of a list, shaped as a Relay connection. Every
// field is computed only when the query selects it: edges and cursors are
// built on demand, and the total is counted by a separate (batched)
// statement only if asked for.
type Connection[T Keyed] struct {
	res   Result[T]
	count func() (int, error)
}

// New builds a connection over res; count gives the list's total on demand.
func New[T Keyed](res Result[T], count func() (int, error)) *Connection[T] {
	return &Connection[T]{res: res, count: count}
}

// Nodes are the page's rows in list order.
func (c *Connection[T]) Nodes() []T { return c.res.Rows }

// Edges are the page's rows with their cursors.
func (c *Connection[T]) Edges() []Edge[T] {
	edges := make([]Edge[T], len(c.res.Rows))
	for i, n := range c.res.Rows {
		edges[i] = Edge[T]{node: n, cursor: c.res.cursor}
	}
	return edges
}

// PageInfo tells where the page sits in the list.
func (c *Connection[T]) PageInfo() PageInfo {
	pi := PageInfo{HasNextPage: c.res.HasNext, HasPreviousPage: c.res.HasPrev}
	if n := len(c.res.Rows); n > 0 {
		first, last := c.res.cursor(c.res.Rows[0]), c.res.cursor(c.res.Rows[n-1])
		pi.first, pi.last = &first, &last
	}
	return pi
}

// TotalCount is the number of rows in the whole list.
func (c *Connection[T]) TotalCount() (int, error) { return c.count() }

// Edge is a row with the cursor of its position.
type Edge[T Keyed] struct {
	node   T
	cursor func(T) string
}

// Node is the row.
func (e Edge[T]) Node() T { return e.node }

// Cursor is the row's opaque position, for after/before.
func (e Edge[T]) Cursor() string { return e.cursor(e.node) }

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	first, last     *string
}

// StartCursor is the first row's cursor; nil on an empty page.
func (p PageInfo) StartCursor() *string { return p.first }

// EndCursor is the last row's cursor; nil on an empty page.
func (p PageInfo) EndCursor() *string { return p.last }
