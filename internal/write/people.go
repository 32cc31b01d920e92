package write

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

var (
	employees = &spec{table: "employees", typ: "Employee", noun: "employee", versioned: true, stamped: true,
		refs: map[string]string{"department_id": "Department", "manager_id": "Employee"}}
	departments = &spec{table: "departments", typ: "Department", noun: "department", stamped: true,
		refs: map[string]string{"parent_id": "Department"}}
)

// departmentCodes is where a clash of department codes is reported.
var departmentCodes = map[string]string{"departments_code_key": "input.code"}

var capacity = decimal(5, 2, "0", false, "168")

// employeeUniques are the constraints that keep employees apart, by the
// input field a clash is reported at.
var employeeUniques = map[string]string{"employees_employee_number_key": "input.employeeNumber", "employees_email_key": "input.email"}

// HireEmployee adds an employee, sensitive columns included.
func (w *Writer) HireEmployee(ctx context.Context, in store.HireEmployeeInput) (int64, error) {
	s := newSet("input")
	req(s, "employeeNumber", "employee_number", in.EmployeeNumber, code)
	s.unique("employeeNumber", "employees", "employee_number", in.EmployeeNumber, 0)
	req(s, "firstName", "first_name", in.FirstName, name)
	req(s, "lastName", "last_name", in.LastName, name)
	req(s, "email", "email", in.Email, email)
	s.unique("email", "employees", "email", in.Email, 0)
	opt(s, "title", "title", in.Title, true, short)
	s.ref("departmentId", "department_id", in.DepartmentID, "Department")
	s.optRef("managerId", "manager_id", in.ManagerID, "Employee")
	req(s, "employmentType", "employment_type", in.EmploymentType)
	req(s, "hiredOn", "hired_on", in.HiredOn)
	s.put("status", store.EmployeeStatus("active"))
	opt(s, "location", "location", in.Location, true, short)
	req(s, "weeklyCapacityHours", "weekly_capacity_hours", in.WeeklyCapacityHours, capacity)
	personal(s, in.Salary, in.SalaryCurrency, in.PersonalEmail, in.Phone, in.BirthDate, in.HomeAddress)
	if b, _ := in.BirthDate.ValueOK(); b != nil && !b.Before(in.HiredOn.Time) {
		s.problem("birthDate", "is not before the hire date %s", in.HiredOn.Format(time.DateOnly))
	}
	return w.create(ctx, creation{sp: employees, s: s, event: events.EmployeeHired, uniques: employeeUniques})
}

// personal sets an employee's sensitive columns the input names.
func personal(s *set, salary omittable[store.Decimal], salaryCurrency, personalEmail, phone omittable[string],
	birthDate omittable[store.Date], homeAddress omittable[string]) {
	opt(s, "salary", "salary", salary, true, money)
	opt(s, "salaryCurrency", "salary_currency", salaryCurrency, true, currency)
	opt(s, "personalEmail", "personal_email", personalEmail, true, email)
	opt(s, "phone", "phone", phone, true, short)
	opt(s, "birthDate", "birth_date", birthDate, true)
	opt(s, "homeAddress", "home_address", homeAddress, true, long)
}

// UpdateEmployee changes an employee; terminating one is
// TerminateEmployee's.
func (w *Writer) UpdateEmployee(ctx context.Context, in store.UpdateEmployeeInput) (int64, error) {
	k, err := target(in.ID, "Employee")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	opt(s, "employeeNumber", "employee_number", in.EmployeeNumber, false, code)
	if v, _ := in.EmployeeNumber.ValueOK(); v != nil {
		s.unique("employeeNumber", "employees", "employee_number", *v, k)
	}
	opt(s, "firstName", "first_name", in.FirstName, false, name)
	opt(s, "lastName", "last_name", in.LastName, false, name)
	opt(s, "email", "email", in.Email, false, email)
	if v, _ := in.Email.ValueOK(); v != nil {
		s.unique("email", "employees", "email", *v, k)
	}
	opt(s, "title", "title", in.Title, true, short)
	if v, given := in.DepartmentID.ValueOK(); given && v == nil {
		s.problem("departmentId", "cannot be null")
	}
	s.optRef("departmentId", "department_id", in.DepartmentID, "Department")
	s.optRef("managerId", "manager_id", in.ManagerID, "Employee")
	noLoop(s, k)
	opt(s, "employmentType", "employment_type", in.EmploymentType, false)
	if v, _ := in.Status.ValueOK(); v != nil && *v == "terminated" {
		s.problem("status", "an employee is terminated with terminateEmployee")
	}
	opt(s, "status", "status", in.Status, false)
	opt(s, "location", "location", in.Location, true, short)
	opt(s, "weeklyCapacityHours", "weekly_capacity_hours", in.WeeklyCapacityHours, false, capacity)
	personal(s, in.Salary, in.SalaryCurrency, in.PersonalEmail, in.Phone, in.BirthDate, in.HomeAddress)
	return w.changeEmployee(ctx, k, in.Version, s, events.EmployeeUpdated, func(before row) {})
}

// noLoop checks that the manager s sets for employee k keeps the
// reporting line a tree: no one manages themselves or anyone above them.
func noLoop(s *set, k int64) {
	if m, _ := s.has("manager_id"); m != nil {
		s.fails("managerId", "is the employee or reports to them: the reporting line would be a loop",
			`? IN (WITH RECURSIVE up(id) AS (SELECT ?::bigint UNION SELECT e.manager_id FROM employees e JOIN up ON e.id = up.id WHERE e.manager_id IS NOT NULL) SELECT id FROM up)`, k, m)
	}
}

// UpsertEmployees hires and changes the employees a source (an HR
// system) sends, by its ids (sync.go): a new one is hired as
// HireEmployee hires (employee.hired), a known one changed
// (employee.updated). Sensitive columns are hr's and not synced.
func (w *Writer) UpsertEmployees(ctx context.Context, in store.UpsertEmployeesInput) ([]*store.SyncResult, error) {
	return w.sync(ctx, syncing{sp: employees, source: in.Source, externals: externalsOf(in.Items, func(it *store.EmployeeSyncItem) string { return it.ExternalID }),
		created: events.EmployeeHired, updated: events.EmployeeUpdated,
		uniques: map[string]string{"employee_number": "employeeNumber", "email": "email"},
		build: func(i int, s *set, before row) {
			it := in.Items[i]
			k := before.int("id") // 0 for a hire
			must(s, before, "employeeNumber", "employee_number", it.EmployeeNumber, code)
			if v, _ := it.EmployeeNumber.ValueOK(); v != nil {
				s.unique("employeeNumber", "employees", "employee_number", *v, k)
			}
			must(s, before, "firstName", "first_name", it.FirstName, name)
			must(s, before, "lastName", "last_name", it.LastName, name)
			must(s, before, "email", "email", it.Email, email)
			if v, _ := it.Email.ValueOK(); v != nil {
				s.unique("email", "employees", "email", *v, k)
			}
			may(s, before, "title", "title", it.Title, short)
			mustRef(s, before, "departmentId", "department_id", it.DepartmentID, "Department")
			mayRef(s, before, "managerId", "manager_id", it.ManagerID, "Employee")
			if before != nil {
				noLoop(s, k)
			}
			must(s, before, "employmentType", "employment_type", it.EmploymentType)
			must(s, before, "hiredOn", "hired_on", it.HiredOn)
			if before == nil {
				s.put("status", store.EmployeeStatus("active"))
			}
			may(s, before, "location", "location", it.Location, short)
			must(s, before, "weeklyCapacityHours", "weekly_capacity_hours", it.WeeklyCapacityHours, capacity)
		}})
}

// TerminateEmployee ends an employment on the day given.
func (w *Writer) TerminateEmployee(ctx context.Context, in store.TerminateEmployeeInput) (int64, error) {
	k, err := target(in.ID, "Employee")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	req(s, "terminatedOn", "terminated_on", in.TerminatedOn)
	s.put("status", store.EmployeeStatus("terminated"))
	return w.changeEmployee(ctx, k, in.Version, s, events.EmployeeTerminated, func(before row) {
		if before.str("status") == "terminated" {
			s.problem("terminatedOn", "the employee was terminated on %s already", before.str("terminated_on"))
		}
		if hired := before.date("hired_on"); in.TerminatedOn.Before(hired) {
			s.problem("terminatedOn", "is before the employee was hired on %s", hired.Format(time.DateOnly))
		}
	})
}

// changeEmployee is the one path of the updates of an employee; validate
// checks the input against the row as it is.
func (w *Writer) changeEmployee(ctx context.Context, k int64, version int, s *set, event string, validate func(before row)) (int64, error) {
	return w.alter(ctx, alteration{sp: employees, key: k, version: &version, s: s, event: event, uniques: employeeUniques,
		facts: by(func(row) *policy.Facts { return &policy.Facts{Employee: k} }), check: validate})
}

// CreateDepartment adds a department to the tree.
func (w *Writer) CreateDepartment(ctx context.Context, in store.CreateDepartmentInput) (int64, error) {
	s := newSet("input")
	req(s, "code", "code", in.Code, code)
	s.unique("code", "departments", "code", in.Code, 0)
	req(s, "name", "name", in.Name, name)
	s.optRef("parentId", "parent_id", in.ParentID, "Department")
	opt(s, "costCenter", "cost_center", in.CostCenter, true, short)
	return w.create(ctx, creation{sp: departments, s: s, event: events.DepartmentCreated, uniques: departmentCodes})
}

// UpdateDepartment changes a department; the tree stays a tree.
func (w *Writer) UpdateDepartment(ctx context.Context, in store.UpdateDepartmentInput) (int64, error) {
	k, err := target(in.ID, "Department")
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	opt(s, "code", "code", in.Code, false, code)
	if v, _ := in.Code.ValueOK(); v != nil {
		s.unique("code", "departments", "code", *v, k)
	}
	opt(s, "name", "name", in.Name, false, name)
	s.optRef("parentId", "parent_id", in.ParentID, "Department")
	if p, _ := s.has("parent_id"); p != nil {
		s.fails("parentId", "is the department or one below it: the tree would be a loop",
			`? IN (WITH RECURSIVE up(id) AS (SELECT ?::bigint UNION SELECT d.parent_id FROM departments d JOIN up ON d.id = up.id WHERE d.parent_id IS NOT NULL) SELECT id FROM up)`, k, p)
	}
	opt(s, "costCenter", "cost_center", in.CostCenter, true, short)
	return w.alter(ctx, alteration{sp: departments, key: k, s: s, event: events.DepartmentUpdated, uniques: departmentCodes})
}
