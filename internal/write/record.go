package write

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/requestid"
	"github.com/bizgraph/bizgraph/internal/store"
)

// change is one row written: before is nil for a creation, after for a
// deletion.
type change struct {
	before, after row
}

// unaudited columns change with every write and say nothing of it.
var unaudited = map[string]bool{"updated_at": true, "created_at": true, "version": true}

// record writes what changed into the audit, one row per row changed, and
// the event of each change (none when event is ""), in the transaction of
// the write: who, which
// entity, which columns, old and new values. Sensitive columns' values go
// to the audit's sensitive_changes only (admins read them) and never into
// an event.
func (w *Writer) record(ctx context.Context, tx *database.DB, id *auth.Identity, sp *spec, event string, changes ...change) error {
	type auditRow struct {
		Action    string         `json:"action"`
		Key       int64          `json:"key"`
		Changes   map[string]any `json:"changes"`
		Sensitive map[string]any `json:"sensitive"`
	}
	rows := make([]auditRow, 0, len(changes))
	evs := make([]events.Event, 0, len(changes))
	reqID := requestid.From(ctx)
	for _, c := range changes {
		a := auditRow{Action: "update", Changes: map[string]any{}}
		entity := c.after
		switch {
		case c.before == nil:
			a.Action = "create"
		case c.after == nil:
			a.Action, entity = "delete", c.before
		}
		a.Key = entity.int("id")
		for col := range union(c.before, c.after) {
			old, now := c.before[col], c.after[col]
			if unaudited[col] || reflect.DeepEqual(old, now) {
				continue
			}
			if w.rules.Sensitive(sp.table, col) {
				if a.Sensitive == nil {
					a.Sensitive = map[string]any{}
				}
				a.Sensitive[col] = [2]any{old, now}
				continue
			}
			a.Changes[col] = [2]any{old, now}
		}
		rows = append(rows, a)
		evs = append(evs, events.Event{Type: event, EntityType: sp.typ, EntityID: store.GlobalID(sp.typ, a.Key),
			Actor: id.Subject, ActorEmployeeID: id.EmployeeID, RequestID: reqID, Data: w.eventData(sp, entity)})
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("record the write: %w", err)
	}
	operation, claimed := operationOf(ctx)
	audit := events.Along{SQL: `INSERT INTO write_audit (subject, roles, employee_id, operation, operation_claimed,
			request_id, request_id_claimed, action, entity_table, entity_key, changes, sensitive_changes)
		SELECT ?, ?, ?, ?, ?, ?, ?, a.action, ?, a.key, a.changes, a.sensitive
		FROM jsonb_to_recordset(?::jsonb) AS a(action text, key bigint, changes jsonb, sensitive jsonb)`,
		Args: []any{id.Subject, strings.Join(id.RoleNames(), " "), nullable(id.EmployeeID), nullableText(operation), claimed,
			nullableText(reqID), requestid.Claimed(ctx), sp.table, string(b)}}
	if event != "" {
		// The audit rows and the events in one statement: a round trip
		// less for every write (issue #20, writes near raw SQL).
		if err := events.AppendAlong(ctx, tx, audit, evs...); err != nil {
			return fmt.Errorf("record the write in the audit and the events: %w", err)
		}
		return nil
	}
	if err := tx.WithContext(ctx).Exec(audit.SQL, audit.Args...).Error; err != nil {
		return fmt.Errorf("record the write in the audit: %w", err)
	}
	return nil
}

// eventData is a row as an event carries it: its non-sensitive columns by
// GraphQL name, its own and related rows' keys as global ids.
func (w *Writer) eventData(sp *spec, r row) map[string]any {
	out := make(map[string]any, len(r))
	for col, v := range r {
		if w.rules.Sensitive(sp.table, col) {
			continue
		}
		switch typ, isRef := sp.refs[col]; {
		case col == "id":
			v = store.GlobalID(sp.typ, r.int("id"))
		case isRef && v != nil:
			v = store.GlobalID(typ, r.int(col))
			col = strings.TrimSuffix(col, "_id")
		}
		out[camel(col)] = v
	}
	return out
}

// camel is the GraphQL name of a column: work_date → workDate.
func camel(col string) string {
	parts := strings.Split(col, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func union(a, b row) map[string]struct{} {
	out := make(map[string]struct{}, len(a)+len(b))
	for k := range a {
		out[k] = struct{}{}
	}
	for k := range b {
		out[k] = struct{}{}
	}
	return out
}

// operationOf is the operation's name, as the client claimed it (a name
// in the document is the client's to choose).
func operationOf(ctx context.Context) (string, bool) {
	if !graphql.HasOperationContext(ctx) {
		return "", false
	}
	oc := graphql.GetOperationContext(ctx)
	name := oc.OperationName
	if name == "" && oc.Operation != nil {
		name = oc.Operation.Name
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name, true
}

func nullable(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nullableText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
