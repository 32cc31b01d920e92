package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/bizgraph/bizgraph/internal/page"
)

// relation is one relation of the graph as a table declares it
// (tables.go): to-one, the row holds the far row's id in fkCol; to-many,
// the far rows hold the row's id in fkCol and are read as a connection.
type relation struct {
	name       string // Type.field: the batch's name
	countName  string // to-many: the batch counting the children
	many       bool
	fkCol      string
	cond       string // a to-many relation no key holds: its condition (toMany.cond)
	farType    string
	far        *table  // the table related to, set by link
	fkAt       uintptr // where the foreign key lies in the rows holding it
	fkNullable bool
}

// key reads the foreign key of the row at p (a row of the table holding
// it); false when it is NULL.
func (r *relation) key(p unsafe.Pointer) (int64, bool) {
	if !r.fkNullable {
		return *(*int64)(unsafe.Add(p, r.fkAt)), true
	}
	k := *(**int64)(unsafe.Add(p, r.fkAt))
	if k == nil {
		return 0, false
	}
	return *k, true
}

// keyIs reports whether the row at p holds key as its foreign key.
func (r *relation) keyIs(p unsafe.Pointer, key int64) bool {
	k, ok := r.key(p)
	return ok && k == key
}

// parentOf is the key of the parent the child row at p of far (a row of a
// to-many relation) was read for: its foreign key, or the key it carries
// when no key holds the relation.
func (r *relation) parentOf(far *table, p unsafe.Pointer) (int64, bool) {
	if r.cond != "" {
		return *(*int64)(unsafe.Add(p, far.parentAt)), true
	}
	return r.key(p)
}

// parentIs reports whether the child row at p was read for parent key.
func (r *relation) parentIs(far *table, p unsafe.Pointer, key int64) bool {
	k, ok := r.parentOf(far, p)
	return ok && k == key
}

// field is the relation's GraphQL field name.
func field(name string) string { return name[strings.IndexByte(name, '.')+1:] }

// one returns p's related row by relation field, loading it for all of p's
// siblings at once.
func one[C any, P any, PC rowPtr[C]](p *P, s *set, field string) (PC, error) {
	r := s.tbl.rels[field]
	k, ok := r.key(unsafe.Pointer(p))
	if !ok {
		return nil, nil
	}
	v, err := s.load(r.name, page.Window{}, func(ctx context.Context) (any, error) {
		parents := s.rows.([]*P)
		keys := make([]int64, 0, len(parents))
		for _, q := range parents {
			if k, ok := r.key(unsafe.Pointer(q)); ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		return byID[C, PC](ctx, s.st, r.far, s.sel.Child(field), slices.Compact(keys))
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]PC)[k], nil
}

// many returns the page of parent's children by relation field that a and l
// ask for, loading the same page for all of the parent's siblings at once.
func many[C any, PC rowPtr[C]](parent int64, s *set, field string, a page.Args, l List) (*page.Connection[PC], error) {
	r := s.tbl.rels[field]
	ord, err := s.ordering(r.name, r.far, l)
	if err != nil {
		return nil, err
	}
	w, err := page.Parse(a, s.st.limits, ord.Order)
	if err != nil {
		return nil, err
	}
	v, err := s.load(r.name, w, func(ctx context.Context) (any, error) {
		return childPages[C, PC](ctx, s.st, ord, s.sel.Child(field), r, s.keys, w)
	})
	if err != nil {
		return nil, err
	}
	ch := v.(children[PC])
	res, ok := ch.pages[parent]
	if !ok {
		res = page.Cut[PC](nil, w, nil)
	}
	return page.New(res, func() (int, error) {
		if ch.totals != nil {
			if n, ok := ch.totals[parent]; ok {
				return n, nil
			}
			if n := noRowCarried(w); n >= 0 {
				return n, nil
			}
		}
		// Counted per filter: the same relation may be asked with several.
		v, err := s.load(r.countName, page.Window{Order: ord.Order}, func(ctx context.Context) (any, error) {
			return childCounts(ctx, s.st, ord, r, s.keys)
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

// Relation methods. gqlgen binds the GraphQL fields to them directly: they
// take no context, so the executor calls them inline (no goroutine per
// field), and each loads its relation for the row's whole sibling set.

// AccountManager is the employee who owns the relationship, if any.
func (c *Customer) AccountManager() (*Employee, error) {
	return one[Employee](c, c.set, "accountManager")
}

// Projects is a page of the customer's projects.
func (c *Customer) Projects(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ProjectFilter) (*ProjectConnection, error) {
	return many[Project](c.ID, c.set, "projects", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Contacts is a page of the customer's contact people.
func (c *Customer) Contacts(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ContactFilter) (*ContactConnection, error) {
	return many[Contact](c.ID, c.set, "contacts", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Customer is the customer the contact works for.
func (c *Contact) Customer() (*Customer, error) { return one[Customer](c, c.set, "customer") }

// Customer is the customer that bought the project.
func (p *Project) Customer() (*Customer, error) { return one[Customer](p, p.set, "customer") }

// Manager is the employee managing the project, if any.
func (p *Project) Manager() (*Employee, error) { return one[Employee](p, p.set, "manager") }

// Team is a page of the project's assignments.
func (p *Project) Team(first *int, after *string, last *int, before *string, orderBy []*Order, filter *AssignmentFilter) (*AssignmentConnection, error) {
	return many[Assignment](p.ID, p.set, "team", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// TimeEntries is a page of the hours logged against the project.
func (p *Project) TimeEntries(first *int, after *string, last *int, before *string, orderBy []*Order, filter *TimeEntryFilter) (*TimeEntryConnection, error) {
	return many[TimeEntry](p.ID, p.set, "timeEntries", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
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
func (e *Employee) Department() (*Department, error) { return one[Department](e, e.set, "department") }

// Manager is the person's manager; nil for the head of the firm.
func (e *Employee) Manager() (*Employee, error) { return one[Employee](e, e.set, "manager") }

// DirectReports is a page of the people reporting to this person directly.
func (e *Employee) DirectReports(first *int, after *string, last *int, before *string, orderBy []*Order, filter *EmployeeFilter) (*EmployeeConnection, error) {
	return many[Employee](e.ID, e.set, "directReports", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Assignments is a page of the person's staffings.
func (e *Employee) Assignments(first *int, after *string, last *int, before *string, orderBy []*Order, filter *AssignmentFilter) (*AssignmentConnection, error) {
	return many[Assignment](e.ID, e.set, "assignments", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// TimeEntries is a page of the hours the person logged.
func (e *Employee) TimeEntries(first *int, after *string, last *int, before *string, orderBy []*Order, filter *TimeEntryFilter) (*TimeEntryConnection, error) {
	return many[TimeEntry](e.ID, e.set, "timeEntries", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Parent is the department above; nil for a top-level unit.
func (d *Department) Parent() (*Department, error) { return one[Department](d, d.set, "parent") }

// Children is a page of the departments directly below.
func (d *Department) Children(first *int, after *string, last *int, before *string, orderBy []*Order, filter *DepartmentFilter) (*DepartmentConnection, error) {
	return many[Department](d.ID, d.set, "children", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Employees is a page of the department's own people.
func (d *Department) Employees(first *int, after *string, last *int, before *string, orderBy []*Order, filter *EmployeeFilter) (*EmployeeConnection, error) {
	return many[Employee](d.ID, d.set, "employees", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Project is the project staffed.
func (a *Assignment) Project() (*Project, error) { return one[Project](a, a.set, "project") }

// Employee is the person staffed.
func (a *Assignment) Employee() (*Employee, error) { return one[Employee](a, a.set, "employee") }

// Employee is who logged the hours.
func (t *TimeEntry) Employee() (*Employee, error) { return one[Employee](t, t.set, "employee") }

// Project is the project the hours were logged against.
func (t *TimeEntry) Project() (*Project, error) { return one[Project](t, t.set, "project") }

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
       CASE WHEN p.budget > 0 THEN round(coalesce(h.amount, 0) / p.budget, 4) END AS budget_used,
       coalesce(h.contributors, 0) AS contributors
FROM projects p
LEFT JOIN LATERAL (
    SELECT sum(m.hours) AS logged, sum(m.billable_hours) AS billable, sum(m.billable_amount) AS amount,
           count(DISTINCT m.employee_id) FILTER (WHERE m.billable_amount > 0) AS contributors
    FROM time_entry_months m
    WHERE m.project_id = p.id) h ON true
WHERE p.id = ANY(`+keysSQL+`)`, ids(keys)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load project hours: %w", err)
	}
	m := make(map[int64]*ProjectHours, len(rows))
	for _, r := range rows {
		m[r.ProjectID] = r
	}
	return m, nil
}
