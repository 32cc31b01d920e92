package write_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// firm is the demo data's cast, found with SQL: a project with a manager
// and a team, a customer with its account manager, and employees to act.
type firm struct {
	project, manager, customer, accountManager int64
	contact, assignment                        int64
	viewer, hr, admin, other                   int64
	department                                 int64
}

func cast(a *api) firm {
	a.t.Helper()
	var f firm
	a.one(&f.project, `SELECT p.id FROM projects p WHERE p.manager_id IS NOT NULL AND p.status = 'active'
		AND EXISTS (SELECT 1 FROM assignments s WHERE s.project_id = p.id) ORDER BY p.id LIMIT 1`)
	f.manager = a.int(`SELECT manager_id FROM projects WHERE id = $1`, f.project)
	a.one(&f.customer, `SELECT c.id FROM customers c WHERE c.account_manager_id NOT IN ($1)
		AND EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id) ORDER BY c.id LIMIT 1`, f.manager)
	f.accountManager = a.int(`SELECT account_manager_id FROM customers WHERE id = $1`, f.customer)
	f.contact = a.int(`SELECT min(id) FROM contacts WHERE customer_id = $1`, f.customer)
	f.assignment = a.int(`SELECT min(id) FROM assignments WHERE project_id = $1`, f.project)
	f.department = a.int(`SELECT min(id) FROM departments WHERE parent_id IS NOT NULL`)
	var others []int64
	rows, err := a.db.Query(a.t.Context(), `SELECT id FROM employees WHERE id NOT IN ($1, $2) AND status = 'active'
		AND hired_on < '2025-01-01' AND NOT EXISTS (SELECT 1 FROM projects WHERE manager_id = employees.id)
		AND NOT EXISTS (SELECT 1 FROM customers WHERE account_manager_id = employees.id) ORDER BY id LIMIT 4`,
		f.manager, f.accountManager)
	if err != nil {
		a.t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			a.t.Fatal(err)
		}
		others = append(others, id)
	}
	if len(others) < 4 {
		a.t.Fatalf("the demo data has %d employees to act, 4 needed", len(others))
	}
	f.viewer, f.hr, f.admin, f.other = others[0], others[1], others[2], others[3]
	return f
}

func (f firm) callers() []caller {
	return []caller{
		{"viewer", f.viewer, []auth.Role{auth.Viewer}},
		{"project manager", f.manager, []auth.Role{auth.Manager}},
		{"account manager", f.accountManager, []auth.Role{auth.Viewer}},
		{"hr", f.hr, []auth.Role{auth.HR}},
		{"admin", f.admin, []auth.Role{auth.Admin}},
		{"analytics", 0, []auth.Role{auth.Analytics}},
	}
}

// TestRules_EveryRoleEveryMutation: each mutation is done by exactly the
// callers DOMAIN.md's "Who writes what" names; everyone else gets FORBIDDEN
// and the table, the audit and the events are as they were.
func TestRules_EveryRoleEveryMutation(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	var n atomic.Int64
	uniq := func() int64 { return n.Add(1) }
	version := func(table string, id int64) int64 {
		return a.int(`SELECT version FROM `+table+` WHERE id = $1`, id)
	}
	freshContact := func() int64 {
		return a.int(`INSERT INTO contacts (customer_id, name, is_primary) VALUES ($1, 'Temp', false) RETURNING id`, f.customer)
	}
	entryOf := func(employee int64) int64 {
		return a.int(`INSERT INTO time_entries (employee_id, project_id, work_date, hours, billable)
			VALUES ($1, $2, '2026-11-02', 1, true) RETURNING id`, employee, f.project)
	}
	freshEmployee := func() int64 {
		i := uniq()
		return a.int(`INSERT INTO employees (employee_number, first_name, last_name, email, department_id, employment_type,
			status, hired_on, weekly_capacity_hours) VALUES ($1, 'Tem', 'Porary', $2, $3, 'full_time', 'active', '2020-01-01', 40)
			RETURNING id`, fmt.Sprintf("T%06d", i), fmt.Sprintf("temp%d@example.com", i), f.department)
	}
	type mutation struct {
		name  string
		table string
		// make builds the request afresh for each caller (new codes,
		// current versions, rows of its own to delete).
		make  func() (string, map[string]any)
		allow []string
		// event is the type of the event a done write leaves.
		event string
	}
	admins := []string{"admin"}
	people := []string{"viewer", "project manager", "account manager", "hr", "admin"}
	cases := []mutation{
		{"createCustomer", "customers", func() (string, map[string]any) {
			return `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customer { id } } }`,
				map[string]any{"in": map[string]any{"name": "New Co", "country": "DE", "segment": "SMB"}}
		}, admins, "customer.created"},
		{"updateCustomer", "customers", func() (string, map[string]any) {
			return `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Customer", f.customer), "version": version("customers", f.customer),
					"industry": fmt.Sprintf("Industry %d", uniq())}}
		}, []string{"account manager", "admin"}, "customer.updated"},
		{"createContact", "contacts", func() (string, map[string]any) {
			return `mutation($in: CreateContactInput!) { createContact(input: $in) { contact { id } } }`,
				map[string]any{"in": map[string]any{"customerId": gid("Customer", f.customer), "name": "Ada"}}
		}, []string{"account manager", "admin"}, "contact.created"},
		{"updateContact", "contacts", func() (string, map[string]any) {
			return `mutation($in: UpdateContactInput!) { updateContact(input: $in) { contact { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Contact", f.contact), "role": fmt.Sprintf("Role %d", uniq())}}
		}, []string{"account manager", "admin"}, "contact.updated"},
		{"deleteContact", "contacts", func() (string, map[string]any) {
			return `mutation($in: DeleteInput!) { deleteContact(input: $in) { deletedId } }`,
				map[string]any{"in": map[string]any{"id": gid("Contact", freshContact())}}
		}, []string{"account manager", "admin"}, "contact.deleted"},
		{"createProject", "projects", func() (string, map[string]any) {
			return `mutation($in: CreateProjectInput!) { createProject(input: $in) { project { id } } }`,
				map[string]any{"in": map[string]any{"code": fmt.Sprintf("NEW-%d", uniq()), "name": "New", "customerId": gid("Customer", f.customer),
					"currency": "EUR", "billingModel": "FIXED_PRICE", "startOn": "2026-12-01"}}
		}, admins, "project.created"},
		{"updateProject", "projects", func() (string, map[string]any) {
			return `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Project", f.project), "version": version("projects", f.project),
					"description": fmt.Sprintf("Phase %d", uniq()), "priority": "HIGH"}}
		}, []string{"project manager", "admin"}, "project.updated"},
		{"updateProject budget", "projects", func() (string, map[string]any) {
			return `mutation($in: UpdateProjectInput!) { updateProject(input: $in) { project { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Project", f.project), "version": version("projects", f.project),
					"budget": fmt.Sprintf("%d.00", 100000+uniq())}}
		}, admins, "project.updated"},
		{"assignEmployee", "assignments", func() (string, map[string]any) {
			return `mutation($in: AssignEmployeeInput!) { assignEmployee(input: $in) { assignment { id } } }`,
				map[string]any{"in": map[string]any{"projectId": gid("Project", f.project), "employeeId": gid("Employee", f.other),
					"role": "Engineer", "allocationPercent": 50, "startsOn": fmt.Sprintf("2027-01-%02d", uniq()%28+1), "billRate": "120.00"}}
		}, []string{"project manager", "admin"}, "assignment.created"},
		{"updateAssignment", "assignments", func() (string, map[string]any) {
			return `mutation($in: UpdateAssignmentInput!) { updateAssignment(input: $in) { assignment { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Assignment", f.assignment), "allocationPercent": uniq()%100 + 1,
					"billRate": "150.00"}}
		}, []string{"project manager", "admin"}, "assignment.updated"},
		{"endAssignment", "assignments", func() (string, map[string]any) {
			return `mutation($in: EndAssignmentInput!) { endAssignment(input: $in) { assignment { id endsOn } } }`,
				map[string]any{"in": map[string]any{"id": gid("Assignment", f.assignment), "endsOn": "2030-12-31"}}
		}, []string{"project manager", "admin"}, "assignment.ended"},
		{"logTime own", "time_entries", func() (string, map[string]any) {
			return `mutation($in: LogTimeInput!) { logTime(input: $in) { timeEntries { id } } }`,
				map[string]any{"in": map[string]any{"entries": []any{map[string]any{"projectId": gid("Project", f.project),
					"workDate": "2026-11-02", "hours": "2.5", "billable": true}}}}
		}, people, "time_entry.logged"},
		{"logTime for another", "time_entries", func() (string, map[string]any) {
			return `mutation($in: LogTimeInput!) { logTime(input: $in) { timeEntries { id } } }`,
				map[string]any{"in": map[string]any{"entries": []any{map[string]any{"projectId": gid("Project", f.project),
					"workDate": "2026-11-02", "hours": "2.5", "billable": true, "employeeId": gid("Employee", f.other)}}}}
		}, admins, "time_entry.logged"},
		{"updateTimeEntry", "time_entries", func() (string, map[string]any) {
			return `mutation($in: UpdateTimeEntryInput!) { updateTimeEntry(input: $in) { timeEntry { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("TimeEntry", entryOf(f.viewer)), "hours": "3"}}
		}, []string{"viewer", "admin"}, "time_entry.updated"},
		{"deleteTimeEntry", "time_entries", func() (string, map[string]any) {
			return `mutation($in: DeleteInput!) { deleteTimeEntry(input: $in) { deletedId } }`,
				map[string]any{"in": map[string]any{"id": gid("TimeEntry", entryOf(f.viewer))}}
		}, []string{"viewer", "admin"}, "time_entry.deleted"},
		{"hireEmployee", "employees", func() (string, map[string]any) {
			i := uniq()
			return `mutation($in: HireEmployeeInput!) { hireEmployee(input: $in) { employee { id } } }`,
				map[string]any{"in": map[string]any{"employeeNumber": fmt.Sprintf("H%06d", i), "firstName": "New", "lastName": "Hire",
					"email": fmt.Sprintf("hire%d@example.com", i), "departmentId": gid("Department", f.department),
					"employmentType": "FULL_TIME", "hiredOn": "2026-12-01", "weeklyCapacityHours": "40", "salary": "65000.00",
					"salaryCurrency": "EUR"}}
		}, []string{"hr", "admin"}, "employee.hired"},
		{"updateEmployee", "employees", func() (string, map[string]any) {
			return `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": version("employees", f.other),
					"salary": fmt.Sprintf("%d.00", 70000+uniq())}}
		}, []string{"hr", "admin"}, "employee.updated"},
		{"terminateEmployee", "employees", func() (string, map[string]any) {
			e := freshEmployee()
			return `mutation($in: TerminateEmployeeInput!) { terminateEmployee(input: $in) { employee { id status } } }`,
				map[string]any{"in": map[string]any{"id": gid("Employee", e), "version": 1, "terminatedOn": "2026-11-30"}}
		}, []string{"hr", "admin"}, "employee.terminated"},
		{"createDepartment", "departments", func() (string, map[string]any) {
			return `mutation($in: CreateDepartmentInput!) { createDepartment(input: $in) { department { id } } }`,
				map[string]any{"in": map[string]any{"code": fmt.Sprintf("NEW-%d", uniq()), "name": "New"}}
		}, admins, "department.created"},
		{"updateDepartment", "departments", func() (string, map[string]any) {
			return `mutation($in: UpdateDepartmentInput!) { updateDepartment(input: $in) { department { id } } }`,
				map[string]any{"in": map[string]any{"id": gid("Department", f.department), "costCenter": fmt.Sprintf("CC-%d", uniq())}}
		}, admins, "department.updated"},
	}
	for _, m := range cases {
		for _, c := range f.callers() {
			q, vars := m.make()
			before := a.digest(m.table)
			audit, events := a.trail()
			r := a.do(c, q, vars)
			allowed := contains(m.allow, c.name)
			switch {
			case allowed && (len(r.Errors) > 0 || r.Status != 200):
				t.Errorf("%s as %s: want it done, got status %d, errors %+v", m.name, c.name, r.Status, r.Errors)
			case allowed:
				if a2, e2 := a.trail(); a2 == audit || e2 == events {
					t.Errorf("%s as %s: done without an audit row or an event (audit %d→%d, events %d→%d)", m.name, c.name, audit, a2, events, e2)
				}
				var typ string
				a.one(&typ, `SELECT type FROM events ORDER BY id DESC LIMIT 1`)
				if typ != m.event {
					t.Errorf("%s as %s: the event is %s, want %s", m.name, c.name, typ, m.event)
				}
			case !allowed:
				code := r.Code()
				if (code != "FORBIDDEN" || r.Status != 403) && !(c.name == "analytics" && code == "TRUSTED_DOCUMENT_REQUIRED") {
					t.Errorf("%s as %s: want 403 FORBIDDEN, got status %d, errors %+v", m.name, c.name, r.Status, r.Errors)
				}
				if len(r.Data) != 0 {
					t.Errorf("%s as %s: refused, yet data is %s", m.name, c.name, r.Data)
				}
				if after := a.digest(m.table); after != before {
					t.Errorf("%s as %s: refused, yet %s changed", m.name, c.name, m.table)
				}
				if a2, e2 := a.trail(); a2 != audit || e2 != events {
					t.Errorf("%s as %s: refused, yet the trail grew (audit %d→%d, events %d→%d)", m.name, c.name, audit, a2, events, e2)
				}
			}
		}
	}
}

// digest is a fingerprint of a table's rows.
func (a *api) digest(table string) string {
	var d string
	a.one(&d, `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM `+table+` t`)
	return d
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
