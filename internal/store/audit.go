package store

import (
	"context"
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
