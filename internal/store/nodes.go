package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/bizgraph/bizgraph/internal/apperr"
)

// Node is an object with a global id (the GraphQL Node interface).
type Node interface{ GlobalID() string }

// GlobalID is the global id of the row of GraphQL type typ with key: the
// base64url form of "Type:key". Clients treat it as opaque; it names the
// type so node(id) knows which table to read.
func GlobalID(typ string, key int64) string {
	b := make([]byte, 0, len(typ)+21)
	b = append(b, typ...)
	b = append(b, ':')
	b = strconv.AppendInt(b, key, 10)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxIDLen is longer than any id GlobalID writes (base64 of a type name,
// a colon and at most 20 digits), so a longer string is refused unread.
const maxIDLen = 128

// ParseID splits a global id into its type name and key.
//
// The message quotes at most a short prefix of id: an error must not hand
// a 100,000-character input back to its sender.
func ParseID(id string) (typ string, key int64, err error) {
	if len(id) > maxIDLen {
		return "", 0, apperr.Invalid("id", "%.20q… is not an id returned by this API", id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", 0, apperr.Invalid("id", "%.40q is not an id returned by this API", id)
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	key, err = strconv.ParseInt(num, 10, 64)
	// Canonical only, as cursors: exactly one string names each object.
	if !ok || err != nil || tables[typ] == nil || GlobalID(typ, key) != id {
		return "", 0, apperr.Invalid("id", "%.40q is not an id returned by this API", id)
	}
	return typ, key, nil
}

// nodeLoader reads rows of one type by key, as Nodes.
type nodeLoader func(ctx context.Context, st *Store, sel *Selection, keys []int64) (map[int64]Node, error)

// nodesOf is the node loader of tbl, whose rows are Ts (declare checks they
// are Nodes).
func nodesOf[T any, PT rowPtr[T]](tbl *table) nodeLoader {
	return func(ctx context.Context, st *Store, sel *Selection, keys []int64) (map[int64]Node, error) {
		rows, err := byID[T, PT](ctx, st, tbl, sel, keys)
		if err != nil {
			return nil, err
		}
		m := make(map[int64]Node, len(rows))
		for k, r := range rows {
			m[k] = any(r).(Node)
		}
		return m, nil
	}
}

// Nodes reads objects by global id, in the order given, with nil for those
// that do not exist: one statement per type asked for. Their types are
// known only once the ids are read, so they read every column.
func (st *Store) Nodes(ctx context.Context, gids []string) ([]Node, error) {
	return st.nodes(ctx, gids, nil)
}

func (st *Store) nodes(ctx context.Context, gids []string, sel *Selection) ([]Node, error) {
	type ref struct {
		typ string
		key int64
	}
	refs := make([]ref, len(gids))
	byType := map[string][]int64{}
	var order []string // types in first-seen order, so statements are issued deterministically
	for i, g := range gids {
		typ, key, err := ParseID(g)
		if err != nil {
			return nil, err
		}
		refs[i] = ref{typ, key}
		if _, seen := byType[typ]; !seen {
			order = append(order, typ)
		}
		byType[typ] = append(byType[typ], key)
	}
	found := map[string]map[int64]Node{}
	for _, typ := range order {
		m, err := tables[typ].nodes(ctx, st, sel, byType[typ])
		if err != nil {
			return nil, err
		}
		found[typ] = m
	}
	out := make([]Node, len(gids))
	for i, r := range refs {
		if n, ok := found[r.typ][r.key]; ok {
			out[i] = n
		}
	}
	return out, nil
}

// NodeOf reads one object of type typ by global id, reading what sel
// selects; nil when it does not exist, an error when the id is malformed or
// names another type.
func NodeOf[T Node](ctx context.Context, st *Store, typ, gid string, sel *Selection) (T, error) {
	var zero T
	t, _, err := ParseID(gid)
	if err != nil {
		return zero, err
	}
	if t != typ {
		return zero, apperr.Invalid("id", "%q is the id of a %s, not a %s", gid, t, typ)
	}
	nodes, err := st.nodes(ctx, []string{gid}, sel)
	if err != nil || nodes[0] == nil {
		return zero, err
	}
	return nodes[0].(T), nil
}

// ByKeys reads the rows of type typ with keys, in the order given,
// reading what sel selects: what a write answers, read through the same
// path as a query (inside the write's transaction, under its context). A
// key with no row is an error: the caller has just written it.
func ByKeys[T Node](ctx context.Context, st *Store, typ string, keys []int64, sel *Selection) ([]T, error) {
	found, err := tables[typ].nodes(ctx, st, sel, keys)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(keys))
	for i, k := range keys {
		n, ok := found[k]
		if !ok {
			return nil, fmt.Errorf("read back %s %d: it is not there", typ, k)
		}
		out[i] = n.(T)
	}
	return out, nil
}

// Visible reports whether the caller in ctx may see the entity gid names,
// as node(id) finds it (one statement): what decides whether an event
// about it reaches a subscriber. An entity no longer there (deleted) is
// seen where its table has no row scope for the caller, and hidden where
// it has one: whether they saw it before is not known, so it fails closed.
func (st *Store) Visible(ctx context.Context, gid string) (bool, error) {
	typ, _, err := ParseID(gid)
	if err != nil {
		return false, err
	}
	found, err := st.nodes(ctx, []string{gid}, &Selection{Fields: []string{"id"}})
	if err != nil {
		return false, fmt.Errorf("whether %s is visible: %w", gid, err)
	}
	if found[0] != nil {
		return true, nil
	}
	cond, _ := st.rules.RowScope(ctx, TableOf(typ))
	return cond == "", nil
}
