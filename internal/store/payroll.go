package store

import (
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Payroll (DOMAIN.md, "Workflows the firm runs on top"): a run per month
// and a payslip per person paid in it, computed by the database
// (migrations/00019_payroll.sql, payroll_compute). Who sees a payslip at
// all, and who reads its gross, the rules say (internal/policy/payroll.go:
// its employee, hr, admin); every statement here ANDs their row scope. The
// runs are seen by everyone at the firm.

// PayrollRunStatus is where a run is: draft, approved, paid.
type PayrollRunStatus string

// PayBasis is what a payslip pays for: a salary, or hours (contractors).
type PayBasis string

// PayrollRun is one month's payroll.
type PayrollRun struct {
	ID          int64            `gorm:"column:id;primaryKey"`
	PeriodStart Date             `gorm:"column:period_start"`
	PeriodEnd   Date             `gorm:"column:period_end"`
	Status      PayrollRunStatus `gorm:"column:status"`
	CreatedBy   string           `gorm:"column:created_by"`
	CreatedAt   time.Time        `gorm:"column:created_at"`
	ApprovedBy  *string          `gorm:"column:approved_by"`
	ApprovedAt  *time.Time       `gorm:"column:approved_at"`
	PaidAt      *time.Time       `gorm:"column:paid_at"`
	member
}

// TableName, PageKey and GlobalID name the PayrollRun row: its table, key and global id.
func (PayrollRun) TableName() string   { return "payroll_runs" }
func (r *PayrollRun) PageKey() int64   { return r.ID }
func (r *PayrollRun) GlobalID() string { return GlobalID("PayrollRun", r.ID) }

type (
	PayrollRunConnection = page.Connection[*PayrollRun]
	PayrollRunEdge       = page.Edge[*PayrollRun]
)

// Payslip is what one run pays one person. Gross is sensitive.
type Payslip struct {
	ID         int64    `gorm:"column:id;primaryKey"`
	RunID      int64    `gorm:"column:run_id"`
	EmployeeID int64    `gorm:"column:employee_id"`
	Basis      PayBasis `gorm:"column:basis"`
	Hours      Decimal  `gorm:"column:hours"`
	Gross      Decimal  `gorm:"column:gross"`
	Currency   string   `gorm:"column:currency"`
	member
}

// TableName, PageKey and GlobalID name the Payslip row: its table, key and global id.
func (Payslip) TableName() string   { return "payslips" }
func (p *Payslip) PageKey() int64   { return p.ID }
func (p *Payslip) GlobalID() string { return GlobalID("Payslip", p.ID) }

type (
	PayslipConnection = page.Connection[*Payslip]
	PayslipEdge       = page.Edge[*Payslip]
)

var (
	payrollRunsTable = declare[PayrollRun](decl{
		orders: map[string]string{"PERIOD_START": "period_start", "STATUS": "status", "CREATED_AT": "created_at",
			"APPROVED_AT": "approved_at", "PAID_AT": "paid_at"},
		toMany: []toMany{{field: "payslips", of: "Payslip", fkCol: "run_id"}},
	})

	payslipsTable = declare[Payslip](decl{
		orders: map[string]string{"BASIS": "basis", "HOURS": "hours", "GROSS": "gross", "CURRENCY": "currency"},
		// Gross ranges and orderings, for callers who may read every
		// payslip's gross (hr, admin).
		acrossRows: []string{"gross"},
		// The rules decide the gross from the payslip's employee, and an
		// audited read names them: every statement reads it.
		always: []string{"employee_id"},
		toOne: []toOne{
			{field: "run", fkCol: "run_id", to: "PayrollRun"},
			{field: "employee", fkCol: "employee_id", to: "Employee"}},
	})
)

// Payslips is a page of the run's payslips the caller may see.
func (r *PayrollRun) Payslips(first *int, after *string, last *int, before *string, orderBy []*Order, filter *PayslipFilter) (*PayslipConnection, error) {
	return many[Payslip](r.ID, r.set, "payslips", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Payslips is a page of the person's payslips the caller may see.
func (e *Employee) Payslips(first *int, after *string, last *int, before *string, orderBy []*Order, filter *PayslipFilter) (*PayslipConnection, error) {
	return many[Payslip](e.ID, e.set, "payslips", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Run is the payroll run the payslip belongs to.
func (p *Payslip) Run() (*PayrollRun, error) { return one[PayrollRun](p, p.set, "run") }

// Employee is the person paid.
func (p *Payslip) Employee() (*Employee, error) { return one[Employee](p, p.set, "employee") }

// Concerns is what the rules ask of a payslip: the employee it pays (who
// reads its gross); it has no reviewer and no finality of its own.
func (p *Payslip) Concerns() (employee, reviewer int64, final bool) { return p.EmployeeID, 0, false }

// AuditKey is the payslip's key and the employee paid, whose gross a read
// reveals.
func (p *Payslip) AuditKey() (record, employee int64) { return p.ID, p.EmployeeID }
