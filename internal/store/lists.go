package store

import (
	"context"

	"github.com/bizgraph/bizgraph/internal/page"
)

// The connection types of the schema, one page type for every list.
type (
	CustomerConnection   = page.Connection[*Customer]
	ContactConnection    = page.Connection[*Contact]
	ProjectConnection    = page.Connection[*Project]
	EmployeeConnection   = page.Connection[*Employee]
	DepartmentConnection = page.Connection[*Department]
	AssignmentConnection = page.Connection[*Assignment]
	TimeEntryConnection  = page.Connection[*TimeEntry]
	CustomerEdge         = page.Edge[*Customer]
	ContactEdge          = page.Edge[*Contact]
	ProjectEdge          = page.Edge[*Project]
	EmployeeEdge         = page.Edge[*Employee]
	DepartmentEdge       = page.Edge[*Department]
	AssignmentEdge       = page.Edge[*Assignment]
	TimeEntryEdge        = page.Edge[*TimeEntry]
)

// list reads one page of a whole table.
func list[T any, PT rowPtr[T]](ctx context.Context, st *Store, tbl *table, a page.Args, l List, sel *Selection) (*page.Connection[PT], error) {
	ord, err := orderingOf(ctx, tbl, l)
	if err != nil {
		return nil, err
	}
	w, err := page.Parse(a, st.limits, ord.Order)
	if err != nil {
		return nil, err
	}
	res, err := rootPage[T, PT](ctx, st, ord, sel, w)
	if err != nil {
		return nil, err
	}
	return page.New(res, func() (int, error) { return count(ctx, st, ord) }), nil
}

// Customers is a page of the customers l asks for.
func (st *Store) Customers(ctx context.Context, a page.Args, l List, sel *Selection) (*CustomerConnection, error) {
	return list[Customer](ctx, st, customersTable, a, l, sel)
}

// Contacts is a page of all contacts.
func (st *Store) Contacts(ctx context.Context, a page.Args, l List, sel *Selection) (*ContactConnection, error) {
	return list[Contact](ctx, st, contactsTable, a, l, sel)
}

// Projects is a page of all projects.
func (st *Store) Projects(ctx context.Context, a page.Args, l List, sel *Selection) (*ProjectConnection, error) {
	return list[Project](ctx, st, projectsTable, a, l, sel)
}

// Employees is a page of all employees.
func (st *Store) Employees(ctx context.Context, a page.Args, l List, sel *Selection) (*EmployeeConnection, error) {
	return list[Employee](ctx, st, employeesTable, a, l, sel)
}

// Departments is a page of all departments.
func (st *Store) Departments(ctx context.Context, a page.Args, l List, sel *Selection) (*DepartmentConnection, error) {
	return list[Department](ctx, st, departmentsTable, a, l, sel)
}

// Assignments is a page of all assignments.
func (st *Store) Assignments(ctx context.Context, a page.Args, l List, sel *Selection) (*AssignmentConnection, error) {
	return list[Assignment](ctx, st, assignmentsTable, a, l, sel)
}

// TimeEntries is a page of all time entries.
func (st *Store) TimeEntries(ctx context.Context, a page.Args, l List, sel *Selection) (*TimeEntryConnection, error) {
	return list[TimeEntry](ctx, st, timeEntriesTable, a, l, sel)
}
