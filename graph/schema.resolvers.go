package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (store.Node, error) {
	nodes, err := r.Store.Nodes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return nodes[0], nil
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]store.Node, error) {
	return r.Store.Nodes(ctx, ids)
}

// Customer is the resolver for the customer field.
func (r *queryResolver) Customer(ctx context.Context, id string) (*store.Customer, error) {
	return store.NodeOf[*store.Customer](ctx, r.Store, "Customer", id, selection(ctx))
}

// Customers is the resolver for the customers field.
func (r *queryResolver) Customers(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter, search *string) (*page.Connection[*store.Customer], error) {
	return r.Store.Customers(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Project is the resolver for the project field.
func (r *queryResolver) Project(ctx context.Context, id string) (*store.Project, error) {
	return store.NodeOf[*store.Project](ctx, r.Store, "Project", id, selection(ctx))
}

// Projects is the resolver for the projects field.
func (r *queryResolver) Projects(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter, search *string) (*page.Connection[*store.Project], error) {
	return r.Store.Projects(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Employee is the resolver for the employee field.
func (r *queryResolver) Employee(ctx context.Context, id string) (*store.Employee, error) {
	return store.NodeOf[*store.Employee](ctx, r.Store, "Employee", id, selection(ctx))
}

// Employees is the resolver for the employees field.
func (r *queryResolver) Employees(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter, search *string) (*page.Connection[*store.Employee], error) {
	return r.Store.Employees(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Department is the resolver for the department field.
func (r *queryResolver) Department(ctx context.Context, id string) (*store.Department, error) {
	return store.NodeOf[*store.Department](ctx, r.Store, "Department", id, selection(ctx))
}

// Departments is the resolver for the departments field.
func (r *queryResolver) Departments(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter) (*page.Connection[*store.Department], error) {
	return r.Store.Departments(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// Contacts is the resolver for the contacts field.
func (r *queryResolver) Contacts(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter) (*page.Connection[*store.Contact], error) {
	return r.Store.Contacts(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// Assignments is the resolver for the assignments field.
func (r *queryResolver) Assignments(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter) (*page.Connection[*store.Assignment], error) {
	return r.Store.Assignments(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// TimeEntries is the resolver for the timeEntries field.
func (r *queryResolver) TimeEntries(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter store.Filter) (*page.Connection[*store.TimeEntry], error) {
	return r.Store.TimeEntries(ctx, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// AuditEvents is the resolver for the auditEvents field.
func (r *queryResolver) AuditEvents(ctx context.Context, first *int, after *string, last *int, before *string) (*page.Connection[*store.AuditEvent], error) {
	return r.Store.AuditEvents(ctx, page.Args{First: first, After: after, Last: last, Before: before}, selection(ctx))
}

// Analytics is the resolver for the analytics field.
func (r *queryResolver) Analytics(ctx context.Context) (*analytics.Reports, error) {
	return r.Resolver.Analytics, nil
}

// ID is the resolver for the id field.
func (r *assignmentFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// Role is the resolver for the role field.
func (r *assignmentFilterResolver) Role(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Role - role"))
}

// AllocationPercent is the resolver for the allocationPercent field.
func (r *assignmentFilterResolver) AllocationPercent(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: AllocationPercent - allocationPercent"))
}

// BillRate is the resolver for the billRate field.
func (r *assignmentFilterResolver) BillRate(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: BillRate - billRate"))
}

// StartsOn is the resolver for the startsOn field.
func (r *assignmentFilterResolver) StartsOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: StartsOn - startsOn"))
}

// EndsOn is the resolver for the endsOn field.
func (r *assignmentFilterResolver) EndsOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: EndsOn - endsOn"))
}

// ActiveOn is the resolver for the activeOn field.
func (r *assignmentFilterResolver) ActiveOn(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: ActiveOn - activeOn"))
}

// Project is the resolver for the project field.
func (r *assignmentFilterResolver) Project(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Project - project"))
}

// Employee is the resolver for the employee field.
func (r *assignmentFilterResolver) Employee(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Employee - employee"))
}

// And is the resolver for the and field.
func (r *assignmentFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *assignmentFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *assignmentFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// Eq is the resolver for the eq field.
func (r *billingModelFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.BillingModel) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *billingModelFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.BillingModel) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *billingModelFilterResolver) In(ctx context.Context, obj store.Filter, data []store.BillingModel) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *booleanFilterResolver) Eq(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// IsNull is the resolver for the isNull field.
func (r *booleanFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// ID is the resolver for the id field.
func (r *contactFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// Name is the resolver for the name field.
func (r *contactFilterResolver) Name(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Name - name"))
}

// Email is the resolver for the email field.
func (r *contactFilterResolver) Email(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Email - email"))
}

// Phone is the resolver for the phone field.
func (r *contactFilterResolver) Phone(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Phone - phone"))
}

// Role is the resolver for the role field.
func (r *contactFilterResolver) Role(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Role - role"))
}

// IsPrimary is the resolver for the isPrimary field.
func (r *contactFilterResolver) IsPrimary(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: IsPrimary - isPrimary"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *contactFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// Customer is the resolver for the customer field.
func (r *contactFilterResolver) Customer(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Customer - customer"))
}

// And is the resolver for the and field.
func (r *contactFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *contactFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *contactFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// ID is the resolver for the id field.
func (r *customerFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// Name is the resolver for the name field.
func (r *customerFilterResolver) Name(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Name - name"))
}

// LegalName is the resolver for the legalName field.
func (r *customerFilterResolver) LegalName(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: LegalName - legalName"))
}

// Industry is the resolver for the industry field.
func (r *customerFilterResolver) Industry(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Industry - industry"))
}

// Country is the resolver for the country field.
func (r *customerFilterResolver) Country(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Country - country"))
}

// Segment is the resolver for the segment field.
func (r *customerFilterResolver) Segment(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Segment - segment"))
}

// Status is the resolver for the status field.
func (r *customerFilterResolver) Status(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Status - status"))
}

// Website is the resolver for the website field.
func (r *customerFilterResolver) Website(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Website - website"))
}

// AnnualContractValue is the resolver for the annualContractValue field.
func (r *customerFilterResolver) AnnualContractValue(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: AnnualContractValue - annualContractValue"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *customerFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// UpdatedAt is the resolver for the updatedAt field.
func (r *customerFilterResolver) UpdatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: UpdatedAt - updatedAt"))
}

// AccountManager is the resolver for the accountManager field.
func (r *customerFilterResolver) AccountManager(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: AccountManager - accountManager"))
}

// And is the resolver for the and field.
func (r *customerFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *customerFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *customerFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// Eq is the resolver for the eq field.
func (r *customerSegmentFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.CustomerSegment) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *customerSegmentFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.CustomerSegment) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *customerSegmentFilterResolver) In(ctx context.Context, obj store.Filter, data []store.CustomerSegment) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *customerStatusFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.CustomerStatus) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *customerStatusFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.CustomerStatus) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *customerStatusFilterResolver) In(ctx context.Context, obj store.Filter, data []store.CustomerStatus) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *dateFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *dateFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *dateFilterResolver) In(ctx context.Context, obj store.Filter, data []*store.Date) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Gt is the resolver for the gt field.
func (r *dateFilterResolver) Gt(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Gt - gt"))
}

// Gte is the resolver for the gte field.
func (r *dateFilterResolver) Gte(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Gte - gte"))
}

// Lt is the resolver for the lt field.
func (r *dateFilterResolver) Lt(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Lt - lt"))
}

// Lte is the resolver for the lte field.
func (r *dateFilterResolver) Lte(ctx context.Context, obj store.Filter, data *store.Date) error {
	panic(fmt.Errorf("not implemented: Lte - lte"))
}

// IsNull is the resolver for the isNull field.
func (r *dateFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// Eq is the resolver for the eq field.
func (r *dateTimeFilterResolver) Eq(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *dateTimeFilterResolver) Ne(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// Gt is the resolver for the gt field.
func (r *dateTimeFilterResolver) Gt(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Gt - gt"))
}

// Gte is the resolver for the gte field.
func (r *dateTimeFilterResolver) Gte(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Gte - gte"))
}

// Lt is the resolver for the lt field.
func (r *dateTimeFilterResolver) Lt(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Lt - lt"))
}

// Lte is the resolver for the lte field.
func (r *dateTimeFilterResolver) Lte(ctx context.Context, obj store.Filter, data *time.Time) error {
	panic(fmt.Errorf("not implemented: Lte - lte"))
}

// IsNull is the resolver for the isNull field.
func (r *dateTimeFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// Eq is the resolver for the eq field.
func (r *decimalFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *decimalFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *decimalFilterResolver) In(ctx context.Context, obj store.Filter, data []store.Decimal) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Gt is the resolver for the gt field.
func (r *decimalFilterResolver) Gt(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Gt - gt"))
}

// Gte is the resolver for the gte field.
func (r *decimalFilterResolver) Gte(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Gte - gte"))
}

// Lt is the resolver for the lt field.
func (r *decimalFilterResolver) Lt(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Lt - lt"))
}

// Lte is the resolver for the lte field.
func (r *decimalFilterResolver) Lte(ctx context.Context, obj store.Filter, data *store.Decimal) error {
	panic(fmt.Errorf("not implemented: Lte - lte"))
}

// IsNull is the resolver for the isNull field.
func (r *decimalFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// ID is the resolver for the id field.
func (r *departmentFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// Code is the resolver for the code field.
func (r *departmentFilterResolver) Code(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Code - code"))
}

// Name is the resolver for the name field.
func (r *departmentFilterResolver) Name(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Name - name"))
}

// CostCenter is the resolver for the costCenter field.
func (r *departmentFilterResolver) CostCenter(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CostCenter - costCenter"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *departmentFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// UpdatedAt is the resolver for the updatedAt field.
func (r *departmentFilterResolver) UpdatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: UpdatedAt - updatedAt"))
}

// Within is the resolver for the within field.
func (r *departmentFilterResolver) Within(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Within - within"))
}

// Parent is the resolver for the parent field.
func (r *departmentFilterResolver) Parent(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Parent - parent"))
}

// And is the resolver for the and field.
func (r *departmentFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *departmentFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *departmentFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// ID is the resolver for the id field.
func (r *employeeFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// EmployeeNumber is the resolver for the employeeNumber field.
func (r *employeeFilterResolver) EmployeeNumber(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: EmployeeNumber - employeeNumber"))
}

// FirstName is the resolver for the firstName field.
func (r *employeeFilterResolver) FirstName(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: FirstName - firstName"))
}

// LastName is the resolver for the lastName field.
func (r *employeeFilterResolver) LastName(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: LastName - lastName"))
}

// Email is the resolver for the email field.
func (r *employeeFilterResolver) Email(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Email - email"))
}

// Title is the resolver for the title field.
func (r *employeeFilterResolver) Title(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Title - title"))
}

// EmploymentType is the resolver for the employmentType field.
func (r *employeeFilterResolver) EmploymentType(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: EmploymentType - employmentType"))
}

// Status is the resolver for the status field.
func (r *employeeFilterResolver) Status(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Status - status"))
}

// HiredOn is the resolver for the hiredOn field.
func (r *employeeFilterResolver) HiredOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: HiredOn - hiredOn"))
}

// TerminatedOn is the resolver for the terminatedOn field.
func (r *employeeFilterResolver) TerminatedOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: TerminatedOn - terminatedOn"))
}

// Location is the resolver for the location field.
func (r *employeeFilterResolver) Location(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Location - location"))
}

// WeeklyCapacityHours is the resolver for the weeklyCapacityHours field.
func (r *employeeFilterResolver) WeeklyCapacityHours(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: WeeklyCapacityHours - weeklyCapacityHours"))
}

// Salary is the resolver for the salary field.
func (r *employeeFilterResolver) Salary(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Salary - salary"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *employeeFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// UpdatedAt is the resolver for the updatedAt field.
func (r *employeeFilterResolver) UpdatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: UpdatedAt - updatedAt"))
}

// Department is the resolver for the department field.
func (r *employeeFilterResolver) Department(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Department - department"))
}

// Manager is the resolver for the manager field.
func (r *employeeFilterResolver) Manager(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Manager - manager"))
}

// And is the resolver for the and field.
func (r *employeeFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *employeeFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *employeeFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// Eq is the resolver for the eq field.
func (r *employeeStatusFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.EmployeeStatus) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *employeeStatusFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.EmployeeStatus) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *employeeStatusFilterResolver) In(ctx context.Context, obj store.Filter, data []store.EmployeeStatus) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *employmentTypeFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.EmploymentType) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *employmentTypeFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.EmploymentType) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *employmentTypeFilterResolver) In(ctx context.Context, obj store.Filter, data []store.EmploymentType) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *iDFilterResolver) Eq(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *iDFilterResolver) Ne(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *iDFilterResolver) In(ctx context.Context, obj store.Filter, data []string) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// IsNull is the resolver for the isNull field.
func (r *iDFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// Eq is the resolver for the eq field.
func (r *intFilterResolver) Eq(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *intFilterResolver) Ne(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *intFilterResolver) In(ctx context.Context, obj store.Filter, data []int) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Gt is the resolver for the gt field.
func (r *intFilterResolver) Gt(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Gt - gt"))
}

// Gte is the resolver for the gte field.
func (r *intFilterResolver) Gte(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Gte - gte"))
}

// Lt is the resolver for the lt field.
func (r *intFilterResolver) Lt(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Lt - lt"))
}

// Lte is the resolver for the lte field.
func (r *intFilterResolver) Lte(ctx context.Context, obj store.Filter, data *int) error {
	panic(fmt.Errorf("not implemented: Lte - lte"))
}

// IsNull is the resolver for the isNull field.
func (r *intFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// ID is the resolver for the id field.
func (r *projectFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// Code is the resolver for the code field.
func (r *projectFilterResolver) Code(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Code - code"))
}

// Name is the resolver for the name field.
func (r *projectFilterResolver) Name(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Name - name"))
}

// Description is the resolver for the description field.
func (r *projectFilterResolver) Description(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Description - description"))
}

// Status is the resolver for the status field.
func (r *projectFilterResolver) Status(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Status - status"))
}

// Priority is the resolver for the priority field.
func (r *projectFilterResolver) Priority(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Priority - priority"))
}

// Budget is the resolver for the budget field.
func (r *projectFilterResolver) Budget(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Budget - budget"))
}

// Currency is the resolver for the currency field.
func (r *projectFilterResolver) Currency(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Currency - currency"))
}

// BillingModel is the resolver for the billingModel field.
func (r *projectFilterResolver) BillingModel(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: BillingModel - billingModel"))
}

// StartOn is the resolver for the startOn field.
func (r *projectFilterResolver) StartOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: StartOn - startOn"))
}

// DueOn is the resolver for the dueOn field.
func (r *projectFilterResolver) DueOn(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: DueOn - dueOn"))
}

// CompletedAt is the resolver for the completedAt field.
func (r *projectFilterResolver) CompletedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CompletedAt - completedAt"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *projectFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// UpdatedAt is the resolver for the updatedAt field.
func (r *projectFilterResolver) UpdatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: UpdatedAt - updatedAt"))
}

// Customer is the resolver for the customer field.
func (r *projectFilterResolver) Customer(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Customer - customer"))
}

// Manager is the resolver for the manager field.
func (r *projectFilterResolver) Manager(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Manager - manager"))
}

// And is the resolver for the and field.
func (r *projectFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *projectFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *projectFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// Eq is the resolver for the eq field.
func (r *projectPriorityFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.ProjectPriority) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *projectPriorityFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.ProjectPriority) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *projectPriorityFilterResolver) In(ctx context.Context, obj store.Filter, data []store.ProjectPriority) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *projectStatusFilterResolver) Eq(ctx context.Context, obj store.Filter, data *store.ProjectStatus) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *projectStatusFilterResolver) Ne(ctx context.Context, obj store.Filter, data *store.ProjectStatus) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *projectStatusFilterResolver) In(ctx context.Context, obj store.Filter, data []store.ProjectStatus) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Eq is the resolver for the eq field.
func (r *stringFilterResolver) Eq(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Eq - eq"))
}

// Ne is the resolver for the ne field.
func (r *stringFilterResolver) Ne(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Ne - ne"))
}

// In is the resolver for the in field.
func (r *stringFilterResolver) In(ctx context.Context, obj store.Filter, data []string) error {
	panic(fmt.Errorf("not implemented: In - in"))
}

// Contains is the resolver for the contains field.
func (r *stringFilterResolver) Contains(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: Contains - contains"))
}

// StartsWith is the resolver for the startsWith field.
func (r *stringFilterResolver) StartsWith(ctx context.Context, obj store.Filter, data *string) error {
	panic(fmt.Errorf("not implemented: StartsWith - startsWith"))
}

// IsNull is the resolver for the isNull field.
func (r *stringFilterResolver) IsNull(ctx context.Context, obj store.Filter, data *bool) error {
	panic(fmt.Errorf("not implemented: IsNull - isNull"))
}

// ID is the resolver for the id field.
func (r *timeEntryFilterResolver) ID(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: ID - id"))
}

// WorkDate is the resolver for the workDate field.
func (r *timeEntryFilterResolver) WorkDate(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: WorkDate - workDate"))
}

// Hours is the resolver for the hours field.
func (r *timeEntryFilterResolver) Hours(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Hours - hours"))
}

// Billable is the resolver for the billable field.
func (r *timeEntryFilterResolver) Billable(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Billable - billable"))
}

// Note is the resolver for the note field.
func (r *timeEntryFilterResolver) Note(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Note - note"))
}

// CreatedAt is the resolver for the createdAt field.
func (r *timeEntryFilterResolver) CreatedAt(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: CreatedAt - createdAt"))
}

// Employee is the resolver for the employee field.
func (r *timeEntryFilterResolver) Employee(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Employee - employee"))
}

// Project is the resolver for the project field.
func (r *timeEntryFilterResolver) Project(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Project - project"))
}

// And is the resolver for the and field.
func (r *timeEntryFilterResolver) And(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: And - and"))
}

// Or is the resolver for the or field.
func (r *timeEntryFilterResolver) Or(ctx context.Context, obj store.Filter, data []store.Filter) error {
	panic(fmt.Errorf("not implemented: Or - or"))
}

// Not is the resolver for the not field.
func (r *timeEntryFilterResolver) Not(ctx context.Context, obj store.Filter, data store.Filter) error {
	panic(fmt.Errorf("not implemented: Not - not"))
}

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

// AssignmentFilter returns AssignmentFilterResolver implementation.
func (r *Resolver) AssignmentFilter() AssignmentFilterResolver { return &assignmentFilterResolver{r} }

// BillingModelFilter returns BillingModelFilterResolver implementation.
func (r *Resolver) BillingModelFilter() BillingModelFilterResolver {
	return &billingModelFilterResolver{r}
}

// BooleanFilter returns BooleanFilterResolver implementation.
func (r *Resolver) BooleanFilter() BooleanFilterResolver { return &booleanFilterResolver{r} }

// ContactFilter returns ContactFilterResolver implementation.
func (r *Resolver) ContactFilter() ContactFilterResolver { return &contactFilterResolver{r} }

// CustomerFilter returns CustomerFilterResolver implementation.
func (r *Resolver) CustomerFilter() CustomerFilterResolver { return &customerFilterResolver{r} }

// CustomerSegmentFilter returns CustomerSegmentFilterResolver implementation.
func (r *Resolver) CustomerSegmentFilter() CustomerSegmentFilterResolver {
	return &customerSegmentFilterResolver{r}
}

// CustomerStatusFilter returns CustomerStatusFilterResolver implementation.
func (r *Resolver) CustomerStatusFilter() CustomerStatusFilterResolver {
	return &customerStatusFilterResolver{r}
}

// DateFilter returns DateFilterResolver implementation.
func (r *Resolver) DateFilter() DateFilterResolver { return &dateFilterResolver{r} }

// DateTimeFilter returns DateTimeFilterResolver implementation.
func (r *Resolver) DateTimeFilter() DateTimeFilterResolver { return &dateTimeFilterResolver{r} }

// DecimalFilter returns DecimalFilterResolver implementation.
func (r *Resolver) DecimalFilter() DecimalFilterResolver { return &decimalFilterResolver{r} }

// DepartmentFilter returns DepartmentFilterResolver implementation.
func (r *Resolver) DepartmentFilter() DepartmentFilterResolver { return &departmentFilterResolver{r} }

// EmployeeFilter returns EmployeeFilterResolver implementation.
func (r *Resolver) EmployeeFilter() EmployeeFilterResolver { return &employeeFilterResolver{r} }

// EmployeeStatusFilter returns EmployeeStatusFilterResolver implementation.
func (r *Resolver) EmployeeStatusFilter() EmployeeStatusFilterResolver {
	return &employeeStatusFilterResolver{r}
}

// EmploymentTypeFilter returns EmploymentTypeFilterResolver implementation.
func (r *Resolver) EmploymentTypeFilter() EmploymentTypeFilterResolver {
	return &employmentTypeFilterResolver{r}
}

// IDFilter returns IDFilterResolver implementation.
func (r *Resolver) IDFilter() IDFilterResolver { return &iDFilterResolver{r} }

// IntFilter returns IntFilterResolver implementation.
func (r *Resolver) IntFilter() IntFilterResolver { return &intFilterResolver{r} }

// ProjectFilter returns ProjectFilterResolver implementation.
func (r *Resolver) ProjectFilter() ProjectFilterResolver { return &projectFilterResolver{r} }

// ProjectPriorityFilter returns ProjectPriorityFilterResolver implementation.
func (r *Resolver) ProjectPriorityFilter() ProjectPriorityFilterResolver {
	return &projectPriorityFilterResolver{r}
}

// ProjectStatusFilter returns ProjectStatusFilterResolver implementation.
func (r *Resolver) ProjectStatusFilter() ProjectStatusFilterResolver {
	return &projectStatusFilterResolver{r}
}

// StringFilter returns StringFilterResolver implementation.
func (r *Resolver) StringFilter() StringFilterResolver { return &stringFilterResolver{r} }

// TimeEntryFilter returns TimeEntryFilterResolver implementation.
func (r *Resolver) TimeEntryFilter() TimeEntryFilterResolver { return &timeEntryFilterResolver{r} }

type queryResolver struct{ *Resolver }
type assignmentFilterResolver struct{ *Resolver }
type billingModelFilterResolver struct{ *Resolver }
type booleanFilterResolver struct{ *Resolver }
type contactFilterResolver struct{ *Resolver }
type customerFilterResolver struct{ *Resolver }
type customerSegmentFilterResolver struct{ *Resolver }
type customerStatusFilterResolver struct{ *Resolver }
type dateFilterResolver struct{ *Resolver }
type dateTimeFilterResolver struct{ *Resolver }
type decimalFilterResolver struct{ *Resolver }
type departmentFilterResolver struct{ *Resolver }
type employeeFilterResolver struct{ *Resolver }
type employeeStatusFilterResolver struct{ *Resolver }
type employmentTypeFilterResolver struct{ *Resolver }
type iDFilterResolver struct{ *Resolver }
type intFilterResolver struct{ *Resolver }
type projectFilterResolver struct{ *Resolver }
type projectPriorityFilterResolver struct{ *Resolver }
type projectStatusFilterResolver struct{ *Resolver }
type stringFilterResolver struct{ *Resolver }
type timeEntryFilterResolver struct{ *Resolver }
