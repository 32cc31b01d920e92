package graph

import (
	"context"

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
func (r *queryResolver) Customers(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.CustomerFilter, search *string) (*page.Connection[*store.Customer], error) {
	return store.Page[store.Customer](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Project is the resolver for the project field.
func (r *queryResolver) Project(ctx context.Context, id string) (*store.Project, error) {
	return store.NodeOf[*store.Project](ctx, r.Store, "Project", id, selection(ctx))
}

// Projects is the resolver for the projects field.
func (r *queryResolver) Projects(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.ProjectFilter, search *string) (*page.Connection[*store.Project], error) {
	return store.Page[store.Project](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Employee is the resolver for the employee field.
func (r *queryResolver) Employee(ctx context.Context, id string) (*store.Employee, error) {
	return store.NodeOf[*store.Employee](ctx, r.Store, "Employee", id, selection(ctx))
}

// Employees is the resolver for the employees field.
func (r *queryResolver) Employees(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.EmployeeFilter, search *string) (*page.Connection[*store.Employee], error) {
	return store.Page[store.Employee](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter, Search: search}, selection(ctx))
}

// Department is the resolver for the department field.
func (r *queryResolver) Department(ctx context.Context, id string) (*store.Department, error) {
	return store.NodeOf[*store.Department](ctx, r.Store, "Department", id, selection(ctx))
}

// Departments is the resolver for the departments field.
func (r *queryResolver) Departments(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.DepartmentFilter) (*page.Connection[*store.Department], error) {
	return store.Page[store.Department](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// Contacts is the resolver for the contacts field.
func (r *queryResolver) Contacts(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.ContactFilter) (*page.Connection[*store.Contact], error) {
	return store.Page[store.Contact](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// Assignments is the resolver for the assignments field.
func (r *queryResolver) Assignments(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.AssignmentFilter) (*page.Connection[*store.Assignment], error) {
	return store.Page[store.Assignment](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// TimeEntries is the resolver for the timeEntries field.
func (r *queryResolver) TimeEntries(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.TimeEntryFilter) (*page.Connection[*store.TimeEntry], error) {
	return store.Page[store.TimeEntry](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// AuditEvents is the resolver for the auditEvents field.
func (r *queryResolver) AuditEvents(ctx context.Context, first *int, after *string, last *int, before *string) (*page.Connection[*store.AuditEvent], error) {
	return r.Store.AuditEvents(ctx, page.Args{First: first, After: after, Last: last, Before: before}, selection(ctx))
}

// Analytics is the resolver for the analytics field.
func (r *queryResolver) Analytics(ctx context.Context) (*analytics.Reports, error) {
	return r.Resolver.Analytics, nil
}

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }
