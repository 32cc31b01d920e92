package write

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/bizgraph/bizgraph/internal/apperr"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Sync from other systems (issue 18): an external system sends its
// records in batches, keyed by (source, externalId), and may send them
// again (a retry, or its nightly full push). Each item becomes a row
// created or updated, or nothing when the row already is as sent; the
// mapping from the source's id to the row is external_ids
// (migrations/00022).
//
// A call is one transaction whatever its size, and a constant number of
// statements whatever its item count: the items' locks, the rows they
// name, their checks, the inserts, the updates, the mappings and the
// audit and events are each one statement for all items. An invalid item
// is reported at its input path and left out; the valid ones commit
// together.

// MaxSyncItems is the most items one sync call takes.
const MaxSyncItems = 500

// syncing is what a sync of one table says of itself.
type syncing struct {
	sp     *spec
	source string
	// externals are the items' externalIds, in the order sent.
	externals []string
	// prepare reads, for all items at once, what build needs of other
	// rows (a contact's customer); nil: nothing.
	prepare func(ctx context.Context, tx *database.DB) error
	// build fills item i's set: before is the row the item names (nil: a
	// new one), and a new row's set names every column, in the same order
	// for every item, its defaults included.
	build func(i int, s *set, before row)
	// created and updated are the events of a new and a changed row.
	created, updated string
	// uniques are the columns no two rows share, by the field of an item
	// that sets them: two items of one call may not claim one value.
	uniques map[string]string
}

// syncItem is one item on its way: its set, the row it names, and what
// became of it.
type syncItem struct {
	s      *set
	before row
	// changed are the columns whose values the item changes.
	changed []string
	result  store.SyncResult
}

// sync creates or updates the rows sy's items describe and answers what
// became of each, in order.
func (w *Writer) sync(ctx context.Context, sy syncing) ([]*store.SyncResult, error) {
	id, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// Who may sync is decided by role alone, before anything about the
	// input is said.
	if err := w.allow(id, policy.Sync, sy.sp, &policy.Facts{}, nil); err != nil {
		return nil, err
	}
	if n := len(sy.externals); n > MaxSyncItems {
		return nil, apperr.New(apperr.TooManyItems, "%d items sent, one call takes at most %d: send them in several calls", n, MaxSyncItems)
	}
	var call set
	call.at = "input"
	short(&call, "source", sy.source)
	var results []*store.SyncResult
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := call.problems.Err(); err != nil {
			return err
		}
		// Two calls creating different records with one unique value (an
		// e-mail) both pass the checks, and the second's insert is
		// refused when the first commits. Run again from a savepoint (the
		// call may be part of the mutation's transaction), the checks see
		// the first's row and report that item alone; the rest commit.
		for attempt := 1; ; attempt++ {
			if err := tx.WithContext(ctx).Exec(`SAVEPOINT sync_items`).Error; err != nil {
				return fmt.Errorf("sync %s: %w", sy.sp.typ, err)
			}
			var err error
			results, err = w.syncItems(ctx, tx, id, sy)
			switch {
			case err == nil || !isUniqueViolation(err):
				return err
			case attempt == maxSyncAttempts:
				return apperr.New(apperr.Conflict, "other writes kept taking values this call's items set: send it again")
			}
			if err := tx.WithContext(ctx).Exec(`ROLLBACK TO SAVEPOINT sync_items`).Error; err != nil {
				return fmt.Errorf("sync %s: %w", sy.sp.typ, err)
			}
		}
	})
	return results, err
}

// maxSyncAttempts is how many times a call is run when a concurrent write
// takes a unique value its checks found free.
const maxSyncAttempts = 3

// syncItems checks, creates and updates the items of one call, in tx; it
// starts from the input each time, as a call may run again.
func (w *Writer) syncItems(ctx context.Context, tx *database.DB, id *auth.Identity, sy syncing) ([]*store.SyncResult, error) {
	items := make([]*syncItem, len(sy.externals))
	for i, ext := range sy.externals {
		it := &syncItem{s: newSet(fmt.Sprintf("items.%d", i)), result: store.SyncResult{ExternalID: ext}}
		short(it.s, "externalId", ext)
		if first := slices.Index(sy.externals, ext); first < i {
			it.s.problem("externalId", "%.40q is also the externalId of items.%d: send each record once per call", ext, first)
		}
		items[i] = it
	}
	existing, err := w.lockSynced(ctx, tx, sy)
	if err != nil {
		return nil, err
	}
	if sy.prepare != nil {
		if err := sy.prepare(ctx, tx); err != nil {
			return nil, err
		}
	}
	sets := make([]*set, len(items))
	var columns []string
	for i, it := range items {
		it.before = existing[sy.externals[i]]
		sy.build(i, it.s, it.before)
		sets[i] = it.s
		for _, c := range it.s.cols {
			if !slices.Contains(columns, c) {
				columns = append(columns, c)
			}
		}
	}
	// The columns' own guards (an employee's salary) hold in a sync
	// too.
	if err := w.allow(id, policy.Sync, sy.sp, &policy.Facts{}, columns); err != nil {
		return nil, err
	}
	problems, err := verifyEach(ctx, tx, sets...)
	if err != nil {
		return nil, err
	}
	claimed := map[string]map[any]int{}
	var created, updated []*syncItem
	for i, it := range items {
		if len(problems[i]) == 0 {
			problems[i] = sy.claim(it, i, claimed)
		}
		if len(problems[i]) > 0 {
			it.result.Status, it.result.Errors = store.SyncStatusInvalid, problems[i]
			continue
		}
		if it.before == nil {
			created = append(created, it)
			continue
		}
		gid := store.GlobalID(sy.sp.typ, it.before.int("id"))
		it.result.ID = &gid
		for j, c := range it.s.cols {
			if !same(it.before[c], it.s.vals[j]) {
				it.changed = append(it.changed, c)
			}
		}
		it.result.Status = store.SyncStatusUnchanged
		if len(it.changed) > 0 {
			it.result.Status = store.SyncStatusUpdated
			updated = append(updated, it)
		}
	}
	if err := w.syncCreate(ctx, tx, id, sy, created); err != nil {
		return nil, err
	}
	if err := w.syncUpdate(ctx, tx, id, sy, updated); err != nil {
		return nil, err
	}
	results := make([]*store.SyncResult, len(items))
	for i, it := range items {
		results[i] = &it.result
	}
	return results, nil
}

// claim checks that item i sets no unique value an earlier valid item of
// the call set already (the database would refuse both, and with them the
// call); claimed holds those values by column.
func (sy syncing) claim(it *syncItem, i int, claimed map[string]map[any]int) apperr.Problems {
	var p apperr.Problems
	for col, field := range sy.uniques {
		v, ok := it.s.has(col)
		if !ok || v == nil {
			continue
		}
		if claimed[col] == nil {
			claimed[col] = map[any]int{}
		}
		if first, taken := claimed[col][v]; taken {
			p.Add(it.s.path(field), "%.40q is also items.%d's", fmt.Sprint(v), first)
			continue
		}
		claimed[col][v] = i
	}
	return p
}

// lockSynced takes the locks of the items' (source, externalId) until
// the transaction ends, in one order for every call, so that two calls
// with the same new item create it once (the second finds the first's row
// and updates it, or leaves it unchanged), and answers the rows the items
// name, locked too, by externalId.
func (w *Writer) lockSynced(ctx context.Context, tx *database.DB, sy syncing) (map[string]row, error) {
	ns := "sync " + sy.sp.typ + " " + sy.source
	if err := tx.WithContext(ctx).Exec(`SELECT count(pg_advisory_xact_lock(a, b)) FROM (
			SELECT DISTINCT hashtext(?) AS a, hashtext(x) AS b FROM unnest(?::text[]) AS x ORDER BY 1, 2) AS k`,
		ns, store.TextList(sy.externals)).Error; err != nil {
		return nil, fmt.Errorf("lock the %ss %s syncs: %w", sy.sp.noun, sy.source, err)
	}
	res, err := tx.WithContext(ctx).Raw(`SELECT e.external_id, to_jsonb(t) FROM external_ids e
		JOIN `+sy.sp.table+` t ON t.id = e.entity_id
		WHERE e.source = ? AND e.entity_type = ? AND e.external_id = ANY(?::text[])
		FOR UPDATE OF t`, sy.source, sy.sp.typ, store.TextList(sy.externals)).Rows()
	if err != nil {
		return nil, fmt.Errorf("read the %ss %s synced before: %w", sy.sp.noun, sy.source, err)
	}
	defer res.Close()
	out := map[string]row{}
	for res.Next() {
		var ext string
		var b []byte
		if err := res.Scan(&ext, &b); err != nil {
			return nil, fmt.Errorf("read the %ss %s synced before: %w", sy.sp.noun, sy.source, err)
		}
		if out[ext], err = decodeRow(b); err != nil {
			return nil, err
		}
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("read the %ss %s synced before: %w", sy.sp.noun, sy.source, err)
	}
	return out, nil
}

// syncCreate inserts the new items' rows in one statement, maps the
// source's ids to them in another, and records them.
func (w *Writer) syncCreate(ctx context.Context, tx *database.DB, id *auth.Identity, sy syncing, items []*syncItem) error {
	if len(items) == 0 {
		return nil
	}
	sets := make([]*set, len(items))
	for i, it := range items {
		sets[i] = it.s
	}
	rows, err := w.insert(ctx, tx, sy.sp, sets...)
	if err != nil {
		return err
	}
	externals := make([]string, len(items))
	keys := make([]int64, len(items))
	changes := make([]change, len(items))
	for i, it := range items {
		k := rows[i].int("id")
		gid := store.GlobalID(sy.sp.typ, k)
		it.result.Status, it.result.ID = store.SyncStatusCreated, &gid
		externals[i], keys[i] = it.result.ExternalID, k
		changes[i] = change{after: rows[i]}
	}
	// A mapping left by a row deleted since (a contact) points at the new
	// row: the source's record is the same record.
	if err := tx.WithContext(ctx).Exec(`INSERT INTO external_ids (source, entity_type, external_id, entity_id)
		SELECT ?, ?, x, k FROM unnest(?::text[], ?::bigint[]) AS m(x, k)
		ON CONFLICT (source, entity_type, external_id) DO UPDATE SET entity_id = excluded.entity_id`,
		sy.source, sy.sp.typ, store.TextList(externals), store.KeyList(keys)).Error; err != nil {
		return fmt.Errorf("map the %ss %s synced: %w", sy.sp.noun, sy.source, err)
	}
	return w.record(ctx, tx, id, sy.sp, sy.created, changes...)
}

// syncUpdate changes the changed items' rows in one statement (each row
// gets the columns any of them changes, its own value where it changes
// none) and records them.
func (w *Writer) syncUpdate(ctx context.Context, tx *database.DB, id *auth.Identity, sy syncing, items []*syncItem) error {
	if len(items) == 0 {
		return nil
	}
	var columns []string
	for _, it := range items {
		for _, c := range it.changed {
			if !slices.Contains(columns, c) {
				columns = append(columns, c)
			}
		}
	}
	values := make([]map[string]any, len(items))
	for i, it := range items {
		v := map[string]any{"id": it.before["id"]}
		for _, c := range columns {
			v[c] = it.before[c]
		}
		for j, c := range it.s.cols {
			v[c] = jsonValue(it.s.vals[j])
		}
		values[i] = v
	}
	b, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("update the %ss %s synced: %w", sy.sp.noun, sy.source, err)
	}
	var q strings.Builder
	q.WriteString("UPDATE " + sy.sp.table + " t SET ")
	for i, c := range columns {
		q.WriteString(sep(i) + c + " = v." + c)
	}
	if sy.sp.stamped {
		q.WriteString(", updated_at = now()")
	}
	if sy.sp.versioned {
		q.WriteString(", version = t.version + 1")
	}
	q.WriteString(" FROM jsonb_populate_recordset(NULL::" + sy.sp.table + ", ?::jsonb) AS v WHERE t.id = v.id RETURNING to_jsonb(t)")
	rows, err := w.returning(ctx, tx, "update the "+sy.sp.noun+"s "+sy.source+" synced", q.String(), []any{string(b)})
	if err != nil {
		return err
	}
	after := make(map[int64]row, len(rows))
	for _, r := range rows {
		after[r.int("id")] = r
	}
	changes := make([]change, len(items))
	for i, it := range items {
		changes[i] = change{before: it.before, after: after[it.before.int("id")]}
	}
	return w.record(ctx, tx, id, sy.sp, sy.updated, changes...)
}

// jsonValue is a value of a set as PostgreSQL reads it from JSON into
// its column (jsonb_populate_recordset): a date as 2006-01-02.
func jsonValue(v any) any {
	if d, ok := v.(driver.Valuer); ok {
		if dv, err := d.Value(); err == nil {
			return dv
		}
	}
	return v
}

// same reports whether a column's value as the row has it (from to_jsonb)
// is the value a set gives it: numbers compared as numbers (12.50 is
// 12.5), the rest by their text.
func same(stored, given any) bool {
	given = jsonValue(given)
	if stored == nil || given == nil {
		return stored == nil && given == nil
	}
	if n, ok := stored.(json.Number); ok {
		a, okA := new(big.Rat).SetString(string(n))
		b, okB := new(big.Rat).SetString(fmt.Sprint(given))
		return okA && okB && a.Cmp(b) == 0
	}
	return fmt.Sprint(stored) == fmt.Sprint(given)
}

// The fields of a sync item: an item names what it sets, as an update
// does; for a new row, a field it leaves out is required (must), empty
// (may) or a default (mayOr), so every new row's set names every column.

// must sets col from a field a new row requires.
func must[T any](s *set, before row, field, col string, o omittable[T], checks ...check[T]) {
	if _, given := o.ValueOK(); !given && before == nil {
		s.problem(field, "is required for a new record")
		return
	}
	opt(s, field, col, o, false, checks...)
}

// may sets col from a field that may be empty: null for a new row that
// leaves it out.
func may[T any](s *set, before row, field, col string, o omittable[T], checks ...check[T]) {
	if _, given := o.ValueOK(); !given && before == nil {
		s.put(col, nil)
		return
	}
	opt(s, field, col, o, true, checks...)
}

// mayOr sets col from a field a new row without it gets def for.
func mayOr[T any](s *set, before row, field, col string, o omittable[T], def T, checks ...check[T]) {
	if before == nil {
		optOr(s, field, col, o, def, checks...)
		return
	}
	opt(s, field, col, o, false, checks...)
}

// mustRef and mayRef are must and may for a reference by global id.
func mustRef(s *set, before row, field, col string, o omittable[string], typ string) {
	v, given := o.ValueOK()
	switch {
	case !given && before == nil:
		s.problem(field, "is required for a new record")
	case given && v == nil:
		s.problem(field, "cannot be null")
	default:
		s.optRef(field, col, o, typ)
	}
}

func mayRef(s *set, before row, field, col string, o omittable[string], typ string) {
	if _, given := o.ValueOK(); !given && before == nil {
		s.put(col, nil)
		return
	}
	s.optRef(field, col, o, typ)
}

// externalsOf is the externalIds of a call's items, in order.
func externalsOf[T any](items []*T, external func(*T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = external(it)
	}
	return out
}

// synced answers the keys of the rows of sp that source synced under the
// externalIds named, by externalId; one missing was not synced (by that
// source).
func synced(ctx context.Context, tx *database.DB, source string, sp *spec, named []string) (map[string]int64, error) {
	var found []struct {
		ExternalID string
		EntityID   int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT external_id, entity_id FROM external_ids
		WHERE source = ? AND entity_type = ? AND external_id = ANY(?::text[])`, source, sp.typ, store.TextList(named)).Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("read the %ss %s synced: %w", sp.noun, source, err)
	}
	out := make(map[string]int64, len(found))
	for _, f := range found {
		out[f.ExternalID] = f.EntityID
	}
	return out, nil
}
