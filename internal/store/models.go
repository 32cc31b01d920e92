package store

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// The models map DOMAIN.md's tables column by column; each is followed by
// what names it: its table, its key and global id, and its connection and
// edge types (gqlgen binds a GraphQL type to a named Go type). Relations
// are methods (relations.go), loaded in batches for every row of the same
// sibling set.
// Sensitive columns (salary, personal contact data, bill rates) are mapped
// like any other; the schema marks their fields @sensitive and
// internal/policy decides who reads them.

// Customer is a company the firm sells projects to, or hopes to.
type Customer struct {
	ID                  int64           `gorm:"column:id;primaryKey"`
	Name                string          `gorm:"column:name"`
	LegalName           *string         `gorm:"column:legal_name"`
	Industry            *string         `gorm:"column:industry"`
	Country             string          `gorm:"column:country"`
	Segment             CustomerSegment `gorm:"column:segment"`
	Status              CustomerStatus  `gorm:"column:status"`
	AccountManagerID    *int64          `gorm:"column:account_manager_id"`
	Website             *string         `gorm:"column:website"`
	AnnualContractValue *Decimal        `gorm:"column:annual_contract_value"`
	CreatedAt           time.Time       `gorm:"column:created_at"`
	UpdatedAt           time.Time       `gorm:"column:updated_at"`
	Version             int             `gorm:"column:version"`
	member
}

// TableName, PageKey and GlobalID name the Customer row: its table, key and global id.
func (Customer) TableName() string   { return "customers" }
func (c *Customer) PageKey() int64   { return c.ID }
func (c *Customer) GlobalID() string { return GlobalID("Customer", c.ID) }

type (
	CustomerConnection = page.Connection[*Customer]
	CustomerEdge       = page.Edge[*Customer]
)

// Contact is a person at a customer whom the firm deals with.
type Contact struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	CustomerID int64     `gorm:"column:customer_id"`
	Name       string    `gorm:"column:name"`
	Email      *string   `gorm:"column:email"`
	Phone      *string   `gorm:"column:phone"`
	Role       *string   `gorm:"column:role"`
	IsPrimary  bool      `gorm:"column:is_primary"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	member
}

// TableName, PageKey and GlobalID name the Contact row: its table, key and global id.
func (Contact) TableName() string   { return "contacts" }
func (c *Contact) PageKey() int64   { return c.ID }
func (c *Contact) GlobalID() string { return GlobalID("Contact", c.ID) }

type (
	ContactConnection = page.Connection[*Contact]
	ContactEdge       = page.Edge[*Contact]
)

// Project is a piece of work sold to a customer.
type Project struct {
	ID           int64           `gorm:"column:id;primaryKey"`
	Code         string          `gorm:"column:code"`
	Name         string          `gorm:"column:name"`
	Description  *string         `gorm:"column:description"`
	CustomerID   int64           `gorm:"column:customer_id"`
	ManagerID    *int64          `gorm:"column:manager_id"`
	Status       ProjectStatus   `gorm:"column:status"`
	Priority     ProjectPriority `gorm:"column:priority"`
	Budget       *Decimal        `gorm:"column:budget"`
	Currency     string          `gorm:"column:currency"`
	BillingModel BillingModel    `gorm:"column:billing_model"`
	StartOn      Date            `gorm:"column:start_on"`
	DueOn        *Date           `gorm:"column:due_on"`
	CompletedAt  *time.Time      `gorm:"column:completed_at"`
	CreatedAt    time.Time       `gorm:"column:created_at"`
	UpdatedAt    time.Time       `gorm:"column:updated_at"`
	Version      int             `gorm:"column:version"`
	member
}

// TableName, PageKey and GlobalID name the Project row: its table, key and global id.
func (Project) TableName() string   { return "projects" }
func (p *Project) PageKey() int64   { return p.ID }
func (p *Project) GlobalID() string { return GlobalID("Project", p.ID) }

type (
	ProjectConnection = page.Connection[*Project]
	ProjectEdge       = page.Edge[*Project]
)

// Employee is a person employed or contracted by the firm.
type Employee struct {
	ID                  int64          `gorm:"column:id;primaryKey"`
	EmployeeNumber      string         `gorm:"column:employee_number"`
	FirstName           string         `gorm:"column:first_name"`
	LastName            string         `gorm:"column:last_name"`
	Email               string         `gorm:"column:email"`
	Title               *string        `gorm:"column:title"`
	DepartmentID        int64          `gorm:"column:department_id"`
	ManagerID           *int64         `gorm:"column:manager_id"`
	EmploymentType      EmploymentType `gorm:"column:employment_type"`
	Status              EmployeeStatus `gorm:"column:status"`
	HiredOn             Date           `gorm:"column:hired_on"`
	TerminatedOn        *Date          `gorm:"column:terminated_on"`
	Location            *string        `gorm:"column:location"`
	WeeklyCapacityHours Decimal        `gorm:"column:weekly_capacity_hours"`
	Salary              *Decimal       `gorm:"column:salary"`
	SalaryCurrency      *string        `gorm:"column:salary_currency"`
	PersonalEmail       *string        `gorm:"column:personal_email"`
	Phone               *string        `gorm:"column:phone"`
	BirthDate           *Date          `gorm:"column:birth_date"`
	HomeAddress         *string        `gorm:"column:home_address"`
	CreatedAt           time.Time      `gorm:"column:created_at"`
	UpdatedAt           time.Time      `gorm:"column:updated_at"`
	Version             int            `gorm:"column:version"`
	member
}

// TableName, PageKey and GlobalID name the Employee row: its table, key and global id.
func (Employee) TableName() string   { return "employees" }
func (e *Employee) PageKey() int64   { return e.ID }
func (e *Employee) GlobalID() string { return GlobalID("Employee", e.ID) }

type (
	EmployeeConnection = page.Connection[*Employee]
	EmployeeEdge       = page.Edge[*Employee]
)

// Department is a unit of the organisation tree.
type Department struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	Code       string    `gorm:"column:code"`
	Name       string    `gorm:"column:name"`
	ParentID   *int64    `gorm:"column:parent_id"`
	CostCenter *string   `gorm:"column:cost_center"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	UpdatedAt  time.Time `gorm:"column:updated_at"`
	member
}

// TableName, PageKey and GlobalID name the Department row: its table, key and global id.
func (Department) TableName() string   { return "departments" }
func (d *Department) PageKey() int64   { return d.ID }
func (d *Department) GlobalID() string { return GlobalID("Department", d.ID) }

type (
	DepartmentConnection = page.Connection[*Department]
	DepartmentEdge       = page.Edge[*Department]
)

// Assignment staffs an employee on a project for a period.
type Assignment struct {
	ID                int64    `gorm:"column:id;primaryKey"`
	ProjectID         int64    `gorm:"column:project_id"`
	EmployeeID        int64    `gorm:"column:employee_id"`
	Role              string   `gorm:"column:role"`
	AllocationPercent int      `gorm:"column:allocation_percent"`
	StartsOn          Date     `gorm:"column:starts_on"`
	EndsOn            *Date    `gorm:"column:ends_on"`
	BillRate          *Decimal `gorm:"column:bill_rate"`
	member
}

// TableName, PageKey and GlobalID name the Assignment row: its table, key and global id.
func (Assignment) TableName() string   { return "assignments" }
func (a *Assignment) PageKey() int64   { return a.ID }
func (a *Assignment) GlobalID() string { return GlobalID("Assignment", a.ID) }

type (
	AssignmentConnection = page.Connection[*Assignment]
	AssignmentEdge       = page.Edge[*Assignment]
)

// TimeEntry is hours one employee logged against one project on one day.
type TimeEntry struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	EmployeeID int64     `gorm:"column:employee_id"`
	ProjectID  int64     `gorm:"column:project_id"`
	WorkDate   Date      `gorm:"column:work_date"`
	Hours      Decimal   `gorm:"column:hours"`
	Billable   bool      `gorm:"column:billable"`
	Note       *string   `gorm:"column:note"`
	CreatedAt  time.Time `gorm:"column:created_at"`
	member
}

// TableName, PageKey and GlobalID name the TimeEntry row: its table, key and global id.
func (TimeEntry) TableName() string   { return "time_entries" }
func (t *TimeEntry) PageKey() int64   { return t.ID }
func (t *TimeEntry) GlobalID() string { return GlobalID("TimeEntry", t.ID) }

type (
	TimeEntryConnection = page.Connection[*TimeEntry]
	TimeEntryEdge       = page.Edge[*TimeEntry]
)

// ProjectHours totals the time logged against one project.
type ProjectHours struct {
	ProjectID      int64    `gorm:"column:project_id"`
	Logged         Decimal  `gorm:"column:logged"`
	Billable       Decimal  `gorm:"column:billable"`
	BillableAmount *Decimal `gorm:"column:billable_amount"`
	BudgetUsed     *Decimal `gorm:"column:budget_used"`
	// ContributorCount is how many employees have billable amount in the sums.
	ContributorCount int `gorm:"column:contributors"`
}

// Contributors is how many employees' rated hours the amounts add up: a
// sum over too few is withheld from callers who may read only sums.
func (h *ProjectHours) Contributors() int { return h.ContributorCount }

// Decimal is an exact numeric value kept as PostgreSQL's own text form, so
// money and hours round-trip without float rounding. Arithmetic happens in SQL.
type Decimal string

// Date is a calendar date with no time zone (a PostgreSQL date).
type Date struct{ time.Time }

// String formats the date as ISO 8601 (2026-11-24).
func (d Date) String() string { return d.Format(time.DateOnly) }

// Scan reads a PostgreSQL date.
func (d *Date) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		d.Time = v
	case string:
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return fmt.Errorf("scan date %q: %w", v, err)
		}
		d.Time = t
	default:
		return fmt.Errorf("scan date: unexpected %T", v)
	}
	return nil
}

// Value writes the date for PostgreSQL.
func (d Date) Value() (driver.Value, error) { return d.String(), nil }
