package store

// Enumerations hold PostgreSQL's enum labels (lower snake case, as stored).

// CustomerSegment is a customer's size class.
type CustomerSegment string

// CustomerStatus is where a customer stands with the firm.
type CustomerStatus string

// ProjectStatus is where a project is in its life.
type ProjectStatus string

// ProjectPriority is a project's urgency.
type ProjectPriority string

// BillingModel is how a project is billed.
type BillingModel string

// EmploymentType is how a person is engaged.
type EmploymentType string

// EmployeeStatus is whether a person works, is on leave or has left.
type EmployeeStatus string

// EnumLabels lists each enumeration's labels in their declared order, as the
// migrations create them.
var EnumLabels = struct {
	CustomerSegment []CustomerSegment
	CustomerStatus  []CustomerStatus
	ProjectStatus   []ProjectStatus
	ProjectPriority []ProjectPriority
	BillingModel    []BillingModel
	EmploymentType  []EmploymentType
	EmployeeStatus  []EmployeeStatus
	// Performance reviews (reviews.go).
	ReviewCycleStatus []ReviewCycleStatus
	ReviewStatus      []ReviewStatus
	TimesheetStatus   []TimesheetStatus
	// Payroll (payroll.go).
	PayrollRunStatus []PayrollRunStatus
	PayBasis         []PayBasis
	// Onboarding (onboarding.go).
	OnboardingStatus    []OnboardingStatus
	OnboardingTaskOwner []OnboardingTaskOwner
}{
	CustomerSegment: []CustomerSegment{"smb", "mid_market", "enterprise"},
	CustomerStatus:  []CustomerStatus{"prospect", "active", "churned"},
	ProjectStatus:   []ProjectStatus{"proposed", "active", "on_hold", "completed", "cancelled"},
	ProjectPriority: []ProjectPriority{"low", "medium", "high", "critical"},
	BillingModel:    []BillingModel{"fixed_price", "time_and_materials"},
	EmploymentType:  []EmploymentType{"full_time", "part_time", "contractor"},
	// Performance reviews (reviews.go).
	ReviewCycleStatus:   []ReviewCycleStatus{"draft", "open", "calibration", "closed"},
	ReviewStatus:        []ReviewStatus{"not_started", "self_submitted", "manager_submitted", "finalized"},
	EmployeeStatus:      []EmployeeStatus{"active", "on_leave", "terminated"},
	TimesheetStatus:     []TimesheetStatus{"open", "submitted", "approved", "rejected"},
	PayrollRunStatus:    []PayrollRunStatus{"draft", "approved", "paid"},
	PayBasis:            []PayBasis{"salary", "hourly"},
	OnboardingStatus:    []OnboardingStatus{"in_progress", "completed", "cancelled"},
	OnboardingTaskOwner: []OnboardingTaskOwner{"hr", "manager", "new_hire", "it"},
}
