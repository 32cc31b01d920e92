package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// AuditEvent is one recorded read of a sensitive field: who read which
// field of which row, when, in which operation (internal/audit writes them).
type AuditEvent struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	OccurredAt time.Time `gorm:"column:occurred_at"`
	Subject    string    `gorm:"column:subject"`
	RoleList   string    `gorm:"column:roles"`
	Operation  *string   `gorm:"column:operation"`
	RequestID  *string   `gorm:"column:request_id"`
	Field      string    `gorm:"column:field"`
	EmployeeID *int64    `gorm:"column:employee_id"`
	RecordID   int64     `gorm:"column:record_id"`
	// Use, RequestIDClaimed, OperationClaimed: see internal/audit.Event.
	Use              string `gorm:"column:use"`
	RequestIDClaimed bool   `gorm:"column:request_id_claimed"`
	OperationClaimed bool   `gorm:"column:operation_claimed"`
	member
}

// TableName ties the model to its table.
func (AuditEvent) TableName() string { return "audit_events" }

// PageKey is the event's key in its pages.
func (a *AuditEvent) PageKey() int64 { return a.ID }

// Roles are the roles the reader held.
func (a *AuditEvent) Roles() []string { return strings.Fields(a.RoleList) }

// Employee is the global id of the employee the read concerns, if one.
func (a *AuditEvent) Employee() *string {
	if a.EmployeeID == nil {
		return nil
	}
	id := GlobalID("Employee", *a.EmployeeID)
	return &id
}

// Record is the global id of the row read: the type that owns the field.
func (a *AuditEvent) Record() string {
	typ, _, _ := strings.Cut(a.Field, ".")
	if typ == "ProjectHours" {
		typ = "Project"
	}
	return GlobalID(typ, a.RecordID)
}

type (
	AuditEventConnection = page.Connection[*AuditEvent]
	AuditEventEdge       = page.Edge[*AuditEvent]
)

// AuditEvents is a page of the audit log, oldest first (`last` reads the
// newest).
func (st *Store) AuditEvents(ctx context.Context, a page.Args, sel *Selection) (*AuditEventConnection, error) {
	return list[AuditEvent](ctx, st, auditEventsTable, a, List{}, sel)
}

// WriteAuditEntry is one row a mutation wrote (internal/write records
// them in the write's transaction).
type WriteAuditEntry struct {
	ID               int64     `gorm:"column:id;primaryKey"`
	At               time.Time `gorm:"column:at"`
	Subject          string    `gorm:"column:subject"`
	RoleList         string    `gorm:"column:roles"`
	EmployeeID       *int64    `gorm:"column:employee_id"`
	Operation        *string   `gorm:"column:operation"`
	RequestID        *string   `gorm:"column:request_id"`
	RequestIDClaimed bool      `gorm:"column:request_id_claimed"`
	Action           string    `gorm:"column:action"`
	Table            string    `gorm:"column:entity_table"`
	Key              int64     `gorm:"column:entity_key"`
	ChangeSet        string    `gorm:"column:changes"`
	SensitiveSet     *string   `gorm:"column:sensitive_changes"`
	member
}

// TableName ties the model to its table.
func (WriteAuditEntry) TableName() string { return "write_audit" }

// PageKey is the entry's key in its pages.
func (w *WriteAuditEntry) PageKey() int64 { return w.ID }

// Roles are the roles the writer held.
func (w *WriteAuditEntry) Roles() []string { return strings.Fields(w.RoleList) }

// Employee is the global id of the writer's employee record, if one.
func (w *WriteAuditEntry) Employee() *string {
	if w.EmployeeID == nil {
		return nil
	}
	id := GlobalID("Employee", *w.EmployeeID)
	return &id
}

// AuditKey is what a read of the entry's sensitive values is recorded
// under: the entry, and the employee whose values they are (for a write of
// an employee).
func (w *WriteAuditEntry) AuditKey() (record, employee int64) {
	if w.Table == "employees" {
		return w.ID, w.Key
	}
	return w.ID, 0
}

// Record is the global id of the row written.
func (w *WriteAuditEntry) Record() string { return GlobalID(TypeOfTable(w.Table), w.Key) }

// Changes are the changed columns, by name.
func (w *WriteAuditEntry) Changes() ([]*ColumnChange, error) { return columnChanges(&w.ChangeSet) }

// SensitiveChanges are the changed sensitive columns, by name.
func (w *WriteAuditEntry) SensitiveChanges() ([]*ColumnChange, error) {
	return columnChanges(w.SensitiveSet)
}

// ColumnChange is one column's old and new value, as JSON text.
type ColumnChange struct {
	Column   string
	Old, New *string
}

func columnChanges(set *string) ([]*ColumnChange, error) {
	if set == nil {
		return []*ColumnChange{}, nil
	}
	var m map[string][2]json.RawMessage
	if err := json.Unmarshal([]byte(*set), &m); err != nil {
		return nil, fmt.Errorf("read the audit's changes: %w", err)
	}
	out := make([]*ColumnChange, 0, len(m))
	for col, v := range m {
		out = append(out, &ColumnChange{Column: col, Old: jsonText(v[0]), New: jsonText(v[1])})
	}
	slices.SortFunc(out, func(a, b *ColumnChange) int { return strings.Compare(a.Column, b.Column) })
	return out, nil
}

// jsonText is a JSON value as text: a string's contents, a number's
// digits; nil for null.
func jsonText(v json.RawMessage) *string {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return &s
	}
	t := string(v)
	return &t
}

type (
	WriteAuditEntryConnection = page.Connection[*WriteAuditEntry]
	WriteAuditEntryEdge       = page.Edge[*WriteAuditEntry]
)

// WriteAudit is a page of the audit of writes, oldest first.
func (st *Store) WriteAudit(ctx context.Context, a page.Args, sel *Selection) (*WriteAuditEntryConnection, error) {
	return list[WriteAuditEntry](ctx, st, writeAuditTable, a, List{}, sel)
}
