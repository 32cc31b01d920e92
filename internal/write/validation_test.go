package write_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bizgraph/bizgraph/internal/auth"
)

// TestValidation_EachRule: each rule of the input refuses what breaks it,
// at the input path of the field at fault, and writes nothing.
func TestValidation_EachRule(t *testing.T) {
	a := newAPI(t)
	f := cast(a)
	admin := caller{"admin", f.admin, []auth.Role{auth.Admin}}
	version := func(table string, id int64) int64 { return a.int(`SELECT version FROM `+table+` WHERE id = $1`, id) }
	var number, email string
	a.one(&number, `SELECT employee_number FROM employees WHERE id = $1`, f.viewer)
	a.one(&email, `SELECT email FROM employees WHERE id = $1`, f.viewer)
	terminated := a.int(`INSERT INTO employees (employee_number, first_name, last_name, email, department_id, employment_type,
		status, hired_on, terminated_on, weekly_capacity_hours) VALUES ('GONE-1', 'Gone', 'Away', 'gone@example.com', $1, 'full_time',
		'terminated', '2020-01-01', '2025-06-30', 40) RETURNING id`, f.department)
	hire := func(change map[string]any) map[string]any {
		in := map[string]any{"employeeNumber": "N-1", "firstName": "New", "lastName": "Hire", "email": "new@example.com",
			"departmentId": gid("Department", f.department), "employmentType": "FULL_TIME", "hiredOn": "2026-12-01",
			"weeklyCapacityHours": "40"}
		for k, v := range change {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	const (
		hireQ    = `mutation($in: HireEmployeeInput!) { hireEmployee(input: $in) { employee { id } } }`
		updEmpQ  = `mutation($in: UpdateEmployeeInput!) { updateEmployee(input: $in) { employee { id } } }`
		termQ    = `mutation($in: TerminateEmployeeInput!) { terminateEmployee(input: $in) { employee { id } } }`
		assignQ  = `mutation($in: AssignEmployeeInput!) { assignEmployee(input: $in) { assignment { id } } }`
		updAsgQ  = `mutation($in: UpdateAssignmentInput!) { updateAssignment(input: $in) { assignment { id } } }`
		custQ    = `mutation($in: CreateCustomerInput!) { createCustomer(input: $in) { customer { id } } }`
		updCustQ = `mutation($in: UpdateCustomerInput!) { updateCustomer(input: $in) { customer { id } } }`
		contactQ = `mutation($in: CreateContactInput!) { createContact(input: $in) { contact { id } } }`
		deptQ    = `mutation($in: CreateDepartmentInput!) { createDepartment(input: $in) { department { id } } }`
	)
	var deptCode string
	a.one(&deptCode, `SELECT code FROM departments WHERE id = $1`, f.department)
	cases := []struct {
		name, table, query string
		vars               map[string]any
		want               []string
	}{
		{"employee number and email taken", "employees", hireQ, hire(map[string]any{"employeeNumber": number, "email": email}),
			[]string{"input.email", "input.employeeNumber"}},
		{"email malformed, capacity out of range, birth after hire", "employees", hireQ,
			hire(map[string]any{"email": "not an email", "weeklyCapacityHours": "200", "birthDate": "2027-01-01"}),
			[]string{"input.birthDate", "input.email", "input.weeklyCapacityHours"}},
		{"salary with three decimals and a lowercase currency", "employees", hireQ,
			hire(map[string]any{"salary": "1000.005", "salaryCurrency": "eur"}),
			[]string{"input.salary", "input.salaryCurrency"}},
		{"department that does not exist, manager of another type", "employees", hireQ,
			hire(map[string]any{"departmentId": gid("Department", 999999), "managerId": gid("Project", f.project)}),
			[]string{"input.departmentId", "input.managerId"}},
		{"null for a column that needs a value", "employees", updEmpQ,
			map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": version("employees", f.other), "lastName": nil, "departmentId": nil}},
			[]string{"input.departmentId", "input.lastName"}},
		{"terminated by update", "employees", updEmpQ,
			map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": version("employees", f.other), "status": "TERMINATED"}},
			[]string{"input.status"}},
		{"terminated before the hire", "employees", termQ,
			map[string]any{"in": map[string]any{"id": gid("Employee", f.other), "version": version("employees", f.other), "terminatedOn": "1900-01-01"}},
			[]string{"input.terminatedOn"}},
		{"terminated twice", "employees", termQ,
			map[string]any{"in": map[string]any{"id": gid("Employee", terminated), "version": 1, "terminatedOn": "2026-01-01"}},
			[]string{"input.terminatedOn"}},
		{"allocation out of range, ends before it starts", "assignments", assignQ,
			map[string]any{"in": map[string]any{"projectId": gid("Project", f.project), "employeeId": gid("Employee", f.other), "role": "Dev",
				"allocationPercent": 101, "startsOn": "2027-02-01", "endsOn": "2027-01-01"}},
			[]string{"input.allocationPercent", "input.endsOn"}},
		{"assigned before the hire, after leaving", "assignments", assignQ,
			map[string]any{"in": map[string]any{"projectId": gid("Project", f.project), "employeeId": gid("Employee", terminated), "role": "Dev",
				"allocationPercent": 50, "startsOn": "2019-01-01"}},
			[]string{"input.startsOn"}},
		{"bill rate negative", "assignments", updAsgQ,
			map[string]any{"in": map[string]any{"id": gid("Assignment", f.assignment), "billRate": "-1", "allocationPercent": 0}},
			[]string{"input.allocationPercent", "input.billRate"}},
		{"country and value", "customers", custQ,
			map[string]any{"in": map[string]any{"name": "X", "country": "Germany", "segment": "SMB", "annualContractValue": "9999999999999.99"}},
			[]string{"input.annualContractValue", "input.country"}},
		{"a decimal in exponent form (refused by the scalar, before the write)", "customers", custQ,
			map[string]any{"in": map[string]any{"name": "X", "country": "DE", "segment": "SMB", "annualContractValue": "1e9"}},
			[]string{"<nil>"}},
		{"account manager that does not exist", "customers", updCustQ,
			map[string]any{"in": map[string]any{"id": gid("Customer", f.customer), "version": version("customers", f.customer),
				"accountManagerId": gid("Employee", 999999)}},
			[]string{"input.accountManagerId"}},
		{"contact of no customer, bad email", "contacts", contactQ,
			map[string]any{"in": map[string]any{"customerId": gid("Customer", 999999), "name": "A", "email": "a@"}},
			[]string{"input.customerId", "input.email"}},
		{"department code taken, bad parent", "departments", deptQ,
			map[string]any{"in": map[string]any{"code": deptCode, "name": "Dup", "parentId": "bm90IGFuIGlk"}},
			[]string{"input.code", "input.parentId"}},
	}
	for _, c := range cases {
		before := a.digest(c.table)
		r := a.do(admin, c.query, c.vars)
		var got []string
		for _, e := range r.Errors {
			if e.Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("%s: %s: %v", c.name, e.Message, e.Extensions)
			}
			got = append(got, fmt.Sprint(e.Extensions["field"]))
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) || r.Status != 400 {
			t.Errorf("%s: status %d, problems at %q, want 400 at %q\n%s", c.name, r.Status, got, c.want, r.Body)
		}
		if a.digest(c.table) != before {
			t.Errorf("%s: refused, yet %s changed", c.name, c.table)
		}
	}
}
