package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bizgraph/bizgraph/internal/page"
)

// belongsTo is a to-one relation: the parent row holds the child's id.
type belongsTo[P any, C any, PC rowPtr[C]] struct {
	name string // Type.field
	tbl  *table
	fk   func(*P) *int64
}

// field is the relation's GraphQL field name.
func field(name string) string { return name[strings.IndexByte(name, '.')+1:] }

// of returns p's related row, loading it for all of p's siblings at once.
func (r belongsTo[P, C, PC]) of(p *P, s *set) (PC, error) {
	k := r.fk(p)
	if k == nil {
		return nil, nil
	}
	v, err := s.load(r.name, page.Window{}, func(ctx context.Context) (any, error) {
		parents := s.rows.([]*P)
		keys := make([]int64, 0, len(parents))
		for _, q := range parents {
			if k := r.fk(q); k != nil {
				keys = append(keys, *k)
			}
		}
		slices.Sort(keys)
		return byID[C, PC](ctx, s.st, r.tbl, s.sel.Child(field(r.name)), slices.Compact(keys))
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]PC)[*k], nil
}

// hasMany is a to-many relation, read as a connection: the child rows hold
// the parent's id in fkCol.
type hasMany[C any, PC rowPtr[C]] struct {
	name      string // Type.field
	countName string
	tbl       *table
	fkCol     string
	fk        func(PC) int64
}

// of returns the page of parent's children that a asks for, loading the
// same page for all of the parent's siblings at once.
func (r hasMany[C, PC]) of(parent int64, s *set, a page.Args, l List) (*page.Connection[PC], error) {
	ord, err := s.ordering(r.name, r.tbl, l)
	if err != nil {
		return nil, err
	}
	w, err := page.Parse(a, s.st.limits, ord.Order)
	if err != nil {
		return nil, err
	}
	v, err := s.load(r.name, w, func(ctx context.Context) (any, error) {
		return childPages[C, PC](ctx, s.st, ord, s.sel.Child(field(r.name)), r.fkCol, r.fk, s.keys, w)
	})
	if err != nil {
		return nil, err
	}
	res, ok := v.(map[int64]page.Result[PC])[parent]
	if !ok {
		res = page.Cut[PC](nil, w, nil)
	}
	return page.New(res, func() (int, error) {
		// Counted per filter: the same relation may be asked with several.
		v, err := s.load(r.countName, page.Window{Order: ord.Order}, func(ctx context.Context) (any, error) {
			return childCounts(ctx, s.st, ord, r.fkCol, s.keys)
		})
		if err != nil {
			return 0, err
		}
		return v.(map[int64]int)[parent], nil
	}), nil
}

func args(first *int, after *string, last *int, before *string) page.Args {
	return page.Args{First: first, After: after, Last: last, Before: before}
}

// The relations of the graph, each declared once: GraphQL field, the
// parent's table and foreign key (to-one) or the child's table and foreign
// key (to-many).
var (
	customerAccountManager = newBelongsTo[Customer, Employee]("Customer.accountManager",
		customersTable, "account_manager_id", employeesTable, func(c *Customer) *int64 { return c.AccountManagerID })
	customerProjects = newHasMany[Project]("Customer.projects", customersTable,
		projectsTable, "customer_id", func(p *Project) int64 { return p.CustomerID })
	customerContacts = newHasMany[Contact]("Customer.contacts", customersTable,
		contactsTable, "customer_id", func(c *Contact) int64 { return c.CustomerID })

	contactCustomer = newBelongsTo[Contact, Customer]("Contact.customer",
		contactsTable, "customer_id", customersTable, func(c *Contact) *int64 { return &c.CustomerID })

	projectCustomer = newBelongsTo[Project, Customer]("Project.customer",
		projectsTable, "customer_id", customersTable, func(p *Project) *int64 { return &p.CustomerID })
	projectManager = newBelongsTo[Project, Employee]("Project.manager",
		projectsTable, "manager_id", employeesTable, func(p *Project) *int64 { return p.ManagerID })
	projectTeam = newHasMany[Assignment]("Project.team", projectsTable,
		assignmentsTable, "project_id", func(a *Assignment) int64 { return a.ProjectID })
	projectTimeEntries = newHasMany[TimeEntry]("Project.timeEntries", projectsTable,
		timeEntriesTable, "project_id", func(t *TimeEntry) int64 { return t.ProjectID })
	_ = keyOnly(projectsTable, "hours")

	employeeDepartment = newBelongsTo[Employee, Department]("Employee.department",
		employeesTable, "department_id", departmentsTable, func(e *Employee) *int64 { return &e.DepartmentID })
	employeeManager = newBelongsTo[Employee, Employee]("Employee.manager",
		employeesTable, "manager_id", employeesTable, func(e *Employee) *int64 { return e.ManagerID })
	employeeDirectReports = newHasMany[Employee]("Employee.directReports", employeesTable,
		employeesTable, "manager_id", func(e *Employee) int64 { return derefOr0(e.ManagerID) })
	employeeAssignments = newHasMany[Assignment]("Employee.assignments", employeesTable,
		assignmentsTable, "employee_id", func(a *Assignment) int64 { return a.EmployeeID })
	employeeTimeEntries = newHasMany[TimeEntry]("Employee.timeEntries", employeesTable,
		timeEntriesTable, "employee_id", func(t *TimeEntry) int64 { return t.EmployeeID })

	departmentParent = newBelongsTo[Department, Department]("Department.parent",
		departmentsTable, "parent_id", departmentsTable, func(d *Department) *int64 { return d.ParentID })
	departmentChildren = newHasMany[Department]("Department.children", departmentsTable,
		departmentsTable, "parent_id", func(d *Department) int64 { return derefOr0(d.ParentID) })
	departmentEmployees = newHasMany[Employee]("Department.employees", departmentsTable,
		employeesTable, "department_id", func(e *Employee) int64 { return e.DepartmentID })

	assignmentProject = newBelongsTo[Assignment, Project]("Assignment.project",
		assignmentsTable, "project_id", projectsTable, func(a *Assignment) *int64 { return &a.ProjectID })
	assignmentEmployee = newBelongsTo[Assignment, Employee]("Assignment.employee",
		assignmentsTable, "employee_id", employeesTable, func(a *Assignment) *int64 { return &a.EmployeeID })

	timeEntryEmployee = newBelongsTo[TimeEntry, Employee]("TimeEntry.employee",
		timeEntriesTable, "employee_id", employeesTable, func(t *TimeEntry) *int64 { return &t.EmployeeID })
	timeEntryProject = newBelongsTo[TimeEntry, Project]("TimeEntry.project",
		timeEntriesTable, "project_id", projectsTable, func(t *TimeEntry) *int64 { return &t.ProjectID })
)

// newBelongsTo declares a to-one relation; reading it needs the parent's
// foreign key column.
func newBelongsTo[P, C any, PC rowPtr[C]](name string, parent *table, fkCol string, tbl *table,
	fk func(*P) *int64) belongsTo[P, C, PC] {
	parent.fields.byField[field(name)] = parent.colIndex[fkCol]
	parent.filters[field(name)] = filterField{rel: tbl, fkCol: fkCol}
	return belongsTo[P, C, PC]{name: name, tbl: tbl, fk: fk}
}

// newHasMany declares a to-many relation; reading it needs only the
// parent's key.
func newHasMany[C any, PC rowPtr[C]](name string, parent, tbl *table, fkCol string, fk func(PC) int64) hasMany[C, PC] {
	keyOnly(parent, field(name))
	return hasMany[C, PC]{name: name, countName: name + ".count", tbl: tbl, fkCol: fkCol, fk: fk}
}

// keyOnly records that field of tbl's rows needs no column but the key.
func keyOnly(tbl *table, field string) bool {
	tbl.fields.keyOnly[field] = true
	return true
}

func derefOr0(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Relation methods. gqlgen binds the GraphQL fields to them directly: they
// take no context, so the executor calls them inline (no goroutine per
// field), and each loads its relation for the row's whole sibling set.

// AccountManager is the employee who owns the relationship, if any.
func (c *Customer) AccountManager() (*Employee, error) { return customerAccountManager.of(c, c.set) }

// Projects is a page of the customer's projects.
func (c *Customer) Projects(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ProjectFilter) (*ProjectConnection, error) {
	return customerProjects.of(c.ID, c.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Contacts is a page of the customer's contact people.
func (c *Customer) Contacts(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ContactFilter) (*ContactConnection, error) {
	return customerContacts.of(c.ID, c.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Customer is the customer the contact works for.
func (c *Contact) Customer() (*Customer, error) { return contactCustomer.of(c, c.set) }

// Customer is the customer that bought the project.
func (p *Project) Customer() (*Customer, error) { return projectCustomer.of(p, p.set) }

// Manager is the employee managing the project, if any.
func (p *Project) Manager() (*Employee, error) { return projectManager.of(p, p.set) }

// Team is a page of the project's assignments.
func (p *Project) Team(first *int, after *string, last *int, before *string, orderBy []*Order, filter *AssignmentFilter) (*AssignmentConnection, error) {
	return projectTeam.of(p.ID, p.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// TimeEntries is a page of the hours logged against the project.
func (p *Project) TimeEntries(first *int, after *string, last *int, before *string, orderBy []*Order, filter *TimeEntryFilter) (*TimeEntryConnection, error) {
	return projectTimeEntries.of(p.ID, p.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Hours totals the time logged against the project.
func (p *Project) Hours() (*ProjectHours, error) {
	s := p.set
	v, err := s.load("Project.hours", page.Window{}, func(ctx context.Context) (any, error) {
		return projectHours(ctx, s.st, s.keys)
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]*ProjectHours)[p.ID], nil
}

// Department is the department the person belongs to.
func (e *Employee) Department() (*Department, error) { return employeeDepartment.of(e, e.set) }

// Manager is the person's manager; nil for the head of the firm.
func (e *Employee) Manager() (*Employee, error) { return employeeManager.of(e, e.set) }

// DirectReports is a page of the people reporting to this person directly.
func (e *Employee) DirectReports(first *int, after *string, last *int, before *string, orderBy []*Order, filter *EmployeeFilter) (*EmployeeConnection, error) {
	return employeeDirectReports.of(e.ID, e.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Assignments is a page of the person's staffings.
func (e *Employee) Assignments(first *int, after *string, last *int, before *string, orderBy []*Order, filter *AssignmentFilter) (*AssignmentConnection, error) {
	return employeeAssignments.of(e.ID, e.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// TimeEntries is a page of the hours the person logged.
func (e *Employee) TimeEntries(first *int, after *string, last *int, before *string, orderBy []*Order, filter *TimeEntryFilter) (*TimeEntryConnection, error) {
	return employeeTimeEntries.of(e.ID, e.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Parent is the department above; nil for a top-level unit.
func (d *Department) Parent() (*Department, error) { return departmentParent.of(d, d.set) }

// Children is a page of the departments directly below.
func (d *Department) Children(first *int, after *string, last *int, before *string, orderBy []*Order, filter *DepartmentFilter) (*DepartmentConnection, error) {
	return departmentChildren.of(d.ID, d.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Employees is a page of the department's own people.
func (d *Department) Employees(first *int, after *string, last *int, before *string, orderBy []*Order, filter *EmployeeFilter) (*EmployeeConnection, error) {
	return departmentEmployees.of(d.ID, d.set, args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Project is the project staffed.
func (a *Assignment) Project() (*Project, error) { return assignmentProject.of(a, a.set) }

// Employee is the person staffed.
func (a *Assignment) Employee() (*Employee, error) { return assignmentEmployee.of(a, a.set) }

// Employee is who logged the hours.
func (t *TimeEntry) Employee() (*Employee, error) { return timeEntryEmployee.of(t, t.set) }

// Project is the project the hours were logged against.
func (t *TimeEntry) Project() (*Project, error) { return timeEntryProject.of(t, t.set) }

// projectHours totals hours for every project in keys, valuing billable
// hours at the rate of the assignment each was logged under: the sums the
// rollup time_entry_months keeps, where that rule has its one home
// (migrations/00007_analytics.sql). Sums of numeric are exact, so adding
// the months gives what adding the entries would. Hours are over zero, so
// a zero sum means no entries and reads 0, as a sum of none does.
func projectHours(ctx context.Context, st *Store, keys []int64) (map[int64]*ProjectHours, error) {
	var rows []*ProjectHours
	err := st.db.WithContext(ctx).Raw(`
SELECT p.id AS project_id,
       coalesce(nullif(h.logged, 0), 0) AS logged,
       coalesce(nullif(h.billable, 0), 0) AS billable,
       round(coalesce(h.amount, 0), 2) AS billable_amount,
       CASE WHEN p.budget > 0 THEN round(coalesce(h.amount, 0) / p.budget, 4) END AS budget_used
FROM projects p
LEFT JOIN LATERAL (
    SELECT sum(m.hours) AS logged, sum(m.billable_hours) AS billable, sum(m.billable_amount) AS amount
    FROM time_entry_months m
    WHERE m.project_id = p.id) h ON true
WHERE p.id = ANY(?::bigint[])`, ids(keys)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load project hours: %w", err)
	}
	m := make(map[int64]*ProjectHours, len(rows))
	for _, r := range rows {
		m[r.ProjectID] = r
	}
	return m, nil
}
