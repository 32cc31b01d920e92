package store

// The tables of the graph, each declared once, here. A table's model
// (models.go) gives its columns through its gorm tags; its declaration
// below says everything else the API knows about it: how its lists can be
// ordered, how they are searched, the filter fields that are not a
// column's, the relations it starts (to-one through its own foreign key,
// to-many through the child's), and which of its sensitive columns may be
// filtered and ordered at all. Which columns are sensitive is not said here:
// the rules answer that (Rules.Sensitive). The generic machinery (query.go,
// order.go, filter.go, search.go, batch.go, relations.go) reads these
// declarations and holds no fact of any one table.
//
// A new table: its model and relation methods in models.go/relations.go,
// its declaration here and its name in tables, its types in
// schema.graphqls and gqlgen.yml, its root list in graph/schema.resolvers.go.

var (
	customersTable = declare[Customer](decl{
		orders: map[string]string{"NAME": "name", "COUNTRY": "country", "SEGMENT": "segment",
			"STATUS": "status", "ANNUAL_CONTRACT_VALUE": "annual_contract_value", "CREATED_AT": "created_at"},
		search: &searchable{
			doc: "lower(t.name || ' ' || coalesce(t.legal_name, '') || ' ' || coalesce(t.website, ''))"},
		toOne: []toOne{{field: "accountManager", fkCol: "account_manager_id", to: "Employee"}},
		toMany: []toMany{
			{field: "projects", of: "Project", fkCol: "customer_id"},
			{field: "contacts", of: "Contact", fkCol: "customer_id"}},
	})

	contactsTable = declare[Contact](decl{
		orders: map[string]string{"NAME": "name", "CREATED_AT": "created_at"},
		toOne:  []toOne{{field: "customer", fkCol: "customer_id", to: "Customer"}},
	})

	projectsTable = declare[Project](decl{
		orders: map[string]string{"CODE": "code", "NAME": "name", "STATUS": "status",
			"PRIORITY": "priority", "BUDGET": "budget", "START_ON": "start_on", "DUE_ON": "due_on", "CREATED_AT": "created_at"},
		search: &searchable{doc: "lower(t.code || ' ' || t.name)", exact: []string{"code"}},
		toOne: []toOne{
			{field: "customer", fkCol: "customer_id", to: "Customer"},
			{field: "manager", fkCol: "manager_id", to: "Employee"}},
		toMany: []toMany{
			{field: "team", of: "Assignment", fkCol: "project_id"},
			{field: "timeEntries", of: "TimeEntry", fkCol: "project_id"},
			{field: "feedback", of: "ProjectFeedback", fkCol: "project_id"}},
		// totals read by the project's key (projectHours, projectNPS)
		keyOnly: []string{"hours", "nps", "feedbackAnswers"},
	})

	employeesTable = declare[Employee](decl{
		orders: map[string]string{"EMPLOYEE_NUMBER": "employee_number", "FIRST_NAME": "first_name",
			"LAST_NAME": "last_name", "HIRED_ON": "hired_on", "TERMINATED_ON": "terminated_on", "CREATED_AT": "created_at",
			"SALARY": "salary"},
		search: &searchable{
			doc:   "lower(t.first_name || ' ' || t.last_name || ' ' || t.email || ' ' || t.employee_number)",
			exact: []string{"email", "employee_number"}},
		// Salary ranges and orderings, for callers who may read every salary
		// (hr, admin). Personal contact data and birth dates are never
		// filtered or ordered by.
		acrossRows: []string{"salary"},
		toOne: []toOne{
			{field: "department", fkCol: "department_id", to: "Department"},
			{field: "manager", fkCol: "manager_id", to: "Employee"}},
		toMany: []toMany{
			{field: "directReports", of: "Employee", fkCol: "manager_id"},
			{field: "assignments", of: "Assignment", fkCol: "employee_id"},
			{field: "timeEntries", of: "TimeEntry", fkCol: "employee_id"},
			{field: "timesheets", of: "Timesheet", fkCol: "employee_id"},
			{field: "reviews", of: "Review", fkCol: "employee_id"},
			{field: "payslips", of: "Payslip", fkCol: "employee_id"},
			{field: "onboardings", of: "Onboarding", fkCol: "employee_id"},
			{field: "openTasks", of: "OnboardingTask", cond: openTasks}},
	})

	departmentsTable = declare[Department](decl{
		orders:  map[string]string{"CODE": "code", "NAME": "name"},
		filters: map[string]condition{"within": departmentsWithin},
		toOne:   []toOne{{field: "parent", fkCol: "parent_id", to: "Department"}},
		toMany: []toMany{
			{field: "children", of: "Department", fkCol: "parent_id"},
			{field: "employees", of: "Employee", fkCol: "department_id"}},
	})

	assignmentsTable = declare[Assignment](decl{
		orders: map[string]string{"STARTS_ON": "starts_on", "ENDS_ON": "ends_on",
			"ALLOCATION_PERCENT": "allocation_percent", "BILL_RATE": "bill_rate"},
		filters: map[string]condition{"activeOn": assignmentsActiveOn},
		// Bill rate ranges and orderings, for callers who may read every
		// rate (manager, admin).
		acrossRows: []string{"bill_rate"},
		// An audited bill rate names its employee, so reading billRate reads
		// the assignment's employee_id as well.
		also: map[string]string{"billRate": "employee_id"},
		toOne: []toOne{
			{field: "project", fkCol: "project_id", to: "Project"},
			{field: "employee", fkCol: "employee_id", to: "Employee"}},
	})

	timeEntriesTable = declare[TimeEntry](decl{
		orders: map[string]string{"WORK_DATE": "work_date", "HOURS": "hours", "CREATED_AT": "created_at"},
		toOne: []toOne{
			{field: "employee", fkCol: "employee_id", to: "Employee"},
			{field: "project", fkCol: "project_id", to: "Project"}},
	})

	// The audit log is read as a list, oldest first; it is not a node.
	auditEventsTable = declare[AuditEvent](decl{
		fields: map[string]string{"roles": "roles", "employee": "employee_id", "record": "record_id",
			"requestIdClaimed": "request_id_claimed"},
		also: map[string]string{"record": "field"},
	})

	// The audit of writes, read as a list like the audit log.
	writeAuditTable = declare[WriteAuditEntry](decl{
		fields: map[string]string{"roles": "roles", "employee": "employee_id", "record": "entity_key", "table": "entity_table",
			"changes": "changes", "sensitiveChanges": "sensitive_changes", "requestIdClaimed": "request_id_claimed"},
		also: map[string]string{"record": "entity_table"},
	})
)

// tables are the node types, by GraphQL type name: node(id) reads through
// them, and relations find their far end among them.
var tables map[string]*table

// init links the declarations above once they all exist: a relation's far
// end may be declared after it, and global ids (ParseID, which filters by
// id use) consult tables.
func init() {
	tables = link(customersTable, contactsTable, projectsTable, employeesTable, departmentsTable,
		assignmentsTable, timeEntriesTable, timesheetsTable,
		reviewCyclesTable, reviewsTable, projectFeedbackTable, payrollRunsTable, payslipsTable,
		onboardingTemplatesTable, onboardingTemplateTasksTable, onboardingsTable, onboardingTasksTable)
	for typ, tbl := range tables {
		typeOfTable[tbl.name] = typ
	}
}

// typeOfTable is the node type of each declared table's rows.
var typeOfTable = map[string]string{}

// TableOf is the table of node type typ's rows; "" when typ is none.
func TableOf(typ string) string {
	if tbl := tables[typ]; tbl != nil {
		return tbl.name
	}
	return ""
}

// TypeOfTable is the node type of table's rows; "" when it holds none.
func TypeOfTable(table string) string { return typeOfTable[table] }

// departmentsWithin is the departments' filter field within: the
// department given and every department below it.
func departmentsWithin(b *filterBuilder, tbl *table, alias string, v any) (string, error) {
	key, err := b.id(v, tbl)
	if err != nil {
		return "", err
	}
	// The subtree's one definition is the SQL function (migrations/00008).
	return alias + ".id IN (SELECT s FROM department_subtree(" + b.bind(key, "bigint") + ") s)", nil
}

// assignmentsActiveOn is the assignments' filter field activeOn: the
// staffings running on a date.
func assignmentsActiveOn(b *filterBuilder, _ *table, alias string, v any) (string, error) {
	d, err := b.value(v, colType{cast: "date", class: compareOps})
	if err != nil {
		return "", err
	}
	return "(" + alias + ".starts_on <= " + b.bind(d, "date") + " AND (" + alias + ".ends_on IS NULL OR " +
		alias + ".ends_on >= " + b.bind(d, "date") + "))", nil
}
