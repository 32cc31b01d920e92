package graph

import (
	"context"
	"time"

	"github.com/bizgraph/bizgraph/internal/analytics"
	"github.com/bizgraph/bizgraph/internal/auth"
	"github.com/bizgraph/bizgraph/internal/live"
	"github.com/bizgraph/bizgraph/internal/page"
	"github.com/bizgraph/bizgraph/internal/store"
	"github.com/bizgraph/bizgraph/internal/webhook"
)

// CreateCustomer is the resolver for the createCustomer field.
func (r *mutationResolver) CreateCustomer(ctx context.Context, input store.CreateCustomerInput) (*store.CustomerPayload, error) {
	k, err := r.Writer.CreateCustomer(ctx, input)
	row, err := readBackOne[*store.Customer](ctx, r.Store, "Customer", "customer", k, err)
	if row == nil {
		return nil, err
	}
	return &store.CustomerPayload{Customer: row}, nil
}

// UpdateCustomer is the resolver for the updateCustomer field.
func (r *mutationResolver) UpdateCustomer(ctx context.Context, input store.UpdateCustomerInput) (*store.CustomerPayload, error) {
	k, err := r.Writer.UpdateCustomer(ctx, input)
	row, err := readBackOne[*store.Customer](ctx, r.Store, "Customer", "customer", k, err)
	if row == nil {
		return nil, err
	}
	return &store.CustomerPayload{Customer: row}, nil
}

// CreateContact is the resolver for the createContact field.
func (r *mutationResolver) CreateContact(ctx context.Context, input store.CreateContactInput) (*store.ContactPayload, error) {
	k, err := r.Writer.CreateContact(ctx, input)
	row, err := readBackOne[*store.Contact](ctx, r.Store, "Contact", "contact", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ContactPayload{Contact: row}, nil
}

// UpdateContact is the resolver for the updateContact field.
func (r *mutationResolver) UpdateContact(ctx context.Context, input store.UpdateContactInput) (*store.ContactPayload, error) {
	k, err := r.Writer.UpdateContact(ctx, input)
	row, err := readBackOne[*store.Contact](ctx, r.Store, "Contact", "contact", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ContactPayload{Contact: row}, nil
}

// DeleteContact is the resolver for the deleteContact field.
func (r *mutationResolver) DeleteContact(ctx context.Context, input store.DeleteInput) (*store.DeletePayload, error) {
	gid, err := r.Writer.DeleteContact(ctx, input)
	return deletion(ctx, gid, err)
}

// CreateProject is the resolver for the createProject field.
func (r *mutationResolver) CreateProject(ctx context.Context, input store.CreateProjectInput) (*store.ProjectPayload, error) {
	k, err := r.Writer.CreateProject(ctx, input)
	row, err := readBackOne[*store.Project](ctx, r.Store, "Project", "project", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ProjectPayload{Project: row}, nil
}

// UpdateProject is the resolver for the updateProject field.
func (r *mutationResolver) UpdateProject(ctx context.Context, input store.UpdateProjectInput) (*store.ProjectPayload, error) {
	k, err := r.Writer.UpdateProject(ctx, input)
	row, err := readBackOne[*store.Project](ctx, r.Store, "Project", "project", k, err)
	if row == nil {
		return nil, err
	}
	return &store.ProjectPayload{Project: row}, nil
}

// AssignEmployee is the resolver for the assignEmployee field.
func (r *mutationResolver) AssignEmployee(ctx context.Context, input store.AssignEmployeeInput) (*store.AssignmentPayload, error) {
	k, err := r.Writer.AssignEmployee(ctx, input)
	row, err := readBackOne[*store.Assignment](ctx, r.Store, "Assignment", "assignment", k, err)
	if row == nil {
		return nil, err
	}
	return &store.AssignmentPayload{Assignment: row}, nil
}

// UpdateAssignment is the resolver for the updateAssignment field.
func (r *mutationResolver) UpdateAssignment(ctx context.Context, input store.UpdateAssignmentInput) (*store.AssignmentPayload, error) {
	k, err := r.Writer.UpdateAssignment(ctx, input)
	row, err := readBackOne[*store.Assignment](ctx, r.Store, "Assignment", "assignment", k, err)
	if row == nil {
		return nil, err
	}
	return &store.AssignmentPayload{Assignment: row}, nil
}

// EndAssignment is the resolver for the endAssignment field.
func (r *mutationResolver) EndAssignment(ctx context.Context, input store.EndAssignmentInput) (*store.AssignmentPayload, error) {
	k, err := r.Writer.EndAssignment(ctx, input)
	row, err := readBackOne[*store.Assignment](ctx, r.Store, "Assignment", "assignment", k, err)
	if row == nil {
		return nil, err
	}
	return &store.AssignmentPayload{Assignment: row}, nil
}

// LogTime is the resolver for the logTime field.
func (r *mutationResolver) LogTime(ctx context.Context, input store.LogTimeInput) (*store.TimeEntriesPayload, error) {
	keys, err := r.Writer.LogTime(ctx, input)
	rows, err := readBack[*store.TimeEntry](ctx, r.Store, "TimeEntry", "timeEntries", keys, err)
	if rows == nil {
		return nil, err
	}
	return &store.TimeEntriesPayload{TimeEntries: rows}, nil
}

// UpdateTimeEntry is the resolver for the updateTimeEntry field.
func (r *mutationResolver) UpdateTimeEntry(ctx context.Context, input store.UpdateTimeEntryInput) (*store.TimeEntryPayload, error) {
	k, err := r.Writer.UpdateTimeEntry(ctx, input)
	row, err := readBackOne[*store.TimeEntry](ctx, r.Store, "TimeEntry", "timeEntry", k, err)
	if row == nil {
		return nil, err
	}
	return &store.TimeEntryPayload{TimeEntry: row}, nil
}

// DeleteTimeEntry is the resolver for the deleteTimeEntry field.
func (r *mutationResolver) DeleteTimeEntry(ctx context.Context, input store.DeleteInput) (*store.DeletePayload, error) {
	gid, err := r.Writer.DeleteTimeEntry(ctx, input)
	return deletion(ctx, gid, err)
}

// HireEmployee is the resolver for the hireEmployee field.
func (r *mutationResolver) HireEmployee(ctx context.Context, input store.HireEmployeeInput) (*store.EmployeePayload, error) {
	k, err := r.Writer.HireEmployee(ctx, input)
	row, err := readBackOne[*store.Employee](ctx, r.Store, "Employee", "employee", k, err)
	if row == nil {
		return nil, err
	}
	return &store.EmployeePayload{Employee: row}, nil
}

// UpdateEmployee is the resolver for the updateEmployee field.
func (r *mutationResolver) UpdateEmployee(ctx context.Context, input store.UpdateEmployeeInput) (*store.EmployeePayload, error) {
	k, err := r.Writer.UpdateEmployee(ctx, input)
	row, err := readBackOne[*store.Employee](ctx, r.Store, "Employee", "employee", k, err)
	if row == nil {
		return nil, err
	}
	return &store.EmployeePayload{Employee: row}, nil
}

// TerminateEmployee is the resolver for the terminateEmployee field.
func (r *mutationResolver) TerminateEmployee(ctx context.Context, input store.TerminateEmployeeInput) (*store.EmployeePayload, error) {
	k, err := r.Writer.TerminateEmployee(ctx, input)
	row, err := readBackOne[*store.Employee](ctx, r.Store, "Employee", "employee", k, err)
	if row == nil {
		return nil, err
	}
	return &store.EmployeePayload{Employee: row}, nil
}

// CreateDepartment is the resolver for the createDepartment field.
func (r *mutationResolver) CreateDepartment(ctx context.Context, input store.CreateDepartmentInput) (*store.DepartmentPayload, error) {
	k, err := r.Writer.CreateDepartment(ctx, input)
	row, err := readBackOne[*store.Department](ctx, r.Store, "Department", "department", k, err)
	if row == nil {
		return nil, err
	}
	return &store.DepartmentPayload{Department: row}, nil
}

// UpdateDepartment is the resolver for the updateDepartment field.
func (r *mutationResolver) UpdateDepartment(ctx context.Context, input store.UpdateDepartmentInput) (*store.DepartmentPayload, error) {
	k, err := r.Writer.UpdateDepartment(ctx, input)
	row, err := readBackOne[*store.Department](ctx, r.Store, "Department", "department", k, err)
	if row == nil {
		return nil, err
	}
	return &store.DepartmentPayload{Department: row}, nil
}

// SubmitTimesheet is the resolver for the submitTimesheet field.
func (r *mutationResolver) SubmitTimesheet(ctx context.Context, input store.SubmitTimesheetInput) (*store.TimesheetPayload, error) {
	k, err := r.Writer.SubmitTimesheet(ctx, input)
	row, err := readBackOne[*store.Timesheet](ctx, r.Store, "Timesheet", "timesheet", k, err)
	if row == nil {
		return nil, err
	}
	return &store.TimesheetPayload{Timesheet: row}, nil
}

// ApproveTimesheet is the resolver for the approveTimesheet field.
func (r *mutationResolver) ApproveTimesheet(ctx context.Context, input store.ApproveTimesheetInput) (*store.TimesheetPayload, error) {
	k, err := r.Writer.ApproveTimesheet(ctx, input)
	row, err := readBackOne[*store.Timesheet](ctx, r.Store, "Timesheet", "timesheet", k, err)
	if row == nil {
		return nil, err
	}
	return &store.TimesheetPayload{Timesheet: row}, nil
}

// RejectTimesheet is the resolver for the rejectTimesheet field.
func (r *mutationResolver) RejectTimesheet(ctx context.Context, input store.RejectTimesheetInput) (*store.TimesheetPayload, error) {
	k, err := r.Writer.RejectTimesheet(ctx, input)
	row, err := readBackOne[*store.Timesheet](ctx, r.Store, "Timesheet", "timesheet", k, err)
	if row == nil {
		return nil, err
	}
	return &store.TimesheetPayload{Timesheet: row}, nil
}

// OpenReviewCycle is the resolver for the openReviewCycle field.
func (r *mutationResolver) OpenReviewCycle(ctx context.Context, input store.OpenReviewCycleInput) (*store.ReviewCyclePayload, error) {
	k, err := r.Writer.OpenReviewCycle(ctx, input)
	return cyclePayload(ctx, r.Store, k, err)
}

// SubmitSelfAssessment is the resolver for the submitSelfAssessment field.
func (r *mutationResolver) SubmitSelfAssessment(ctx context.Context, input store.SubmitSelfAssessmentInput) (*store.ReviewPayload, error) {
	k, err := r.Writer.SubmitSelfAssessment(ctx, input)
	return reviewPayload(ctx, r.Store, k, err)
}

// SubmitManagerAssessment is the resolver for the submitManagerAssessment field.
func (r *mutationResolver) SubmitManagerAssessment(ctx context.Context, input store.SubmitManagerAssessmentInput) (*store.ReviewPayload, error) {
	k, err := r.Writer.SubmitManagerAssessment(ctx, input)
	return reviewPayload(ctx, r.Store, k, err)
}

// CalibrateRating is the resolver for the calibrateRating field.
func (r *mutationResolver) CalibrateRating(ctx context.Context, input store.CalibrateRatingInput) (*store.ReviewPayload, error) {
	k, err := r.Writer.CalibrateRating(ctx, input)
	return reviewPayload(ctx, r.Store, k, err)
}

// FinalizeReview is the resolver for the finalizeReview field.
func (r *mutationResolver) FinalizeReview(ctx context.Context, input store.FinalizeReviewInput) (*store.ReviewPayload, error) {
	k, err := r.Writer.FinalizeReview(ctx, input)
	return reviewPayload(ctx, r.Store, k, err)
}

// CloseReviewCycle is the resolver for the closeReviewCycle field.
func (r *mutationResolver) CloseReviewCycle(ctx context.Context, input store.CloseReviewCycleInput) (*store.ReviewCyclePayload, error) {
	k, err := r.Writer.CloseReviewCycle(ctx, input)
	return cyclePayload(ctx, r.Store, k, err)
}

// RecordFeedback is the resolver for the recordFeedback field.
func (r *mutationResolver) RecordFeedback(ctx context.Context, input store.RecordFeedbackInput) (*store.FeedbackPayload, error) {
	k, err := r.Writer.RecordFeedback(ctx, input)
	row, err := readBackOne[*store.ProjectFeedback](ctx, r.Store, "ProjectFeedback", "feedback", k, err)
	if row == nil {
		return nil, err
	}
	return &store.FeedbackPayload{Feedback: row}, nil
}

// CreatePayrollRun is the resolver for the createPayrollRun field.
func (r *mutationResolver) CreatePayrollRun(ctx context.Context, input store.CreatePayrollRunInput) (*store.PayrollRunPayload, error) {
	k, err := r.Writer.CreatePayrollRun(ctx, input)
	return runPayload(ctx, r.Store, k, err)
}

// RecomputePayrollRun is the resolver for the recomputePayrollRun field.
func (r *mutationResolver) RecomputePayrollRun(ctx context.Context, input store.RecomputePayrollRunInput) (*store.PayrollRunPayload, error) {
	k, err := r.Writer.RecomputePayrollRun(ctx, input)
	return runPayload(ctx, r.Store, k, err)
}

// ApprovePayrollRun is the resolver for the approvePayrollRun field.
func (r *mutationResolver) ApprovePayrollRun(ctx context.Context, input store.ApprovePayrollRunInput) (*store.PayrollRunPayload, error) {
	k, err := r.Writer.ApprovePayrollRun(ctx, input)
	return runPayload(ctx, r.Store, k, err)
}

// MarkPayrollRunPaid is the resolver for the markPayrollRunPaid field.
func (r *mutationResolver) MarkPayrollRunPaid(ctx context.Context, input store.MarkPayrollRunPaidInput) (*store.PayrollRunPayload, error) {
	k, err := r.Writer.MarkPayrollRunPaid(ctx, input)
	return runPayload(ctx, r.Store, k, err)
}

// StartOnboarding is the resolver for the startOnboarding field.
func (r *mutationResolver) StartOnboarding(ctx context.Context, input store.StartOnboardingInput) (*store.OnboardingPayload, error) {
	k, err := r.Writer.StartOnboarding(ctx, input)
	return onboardingPayload(ctx, r.Store, k, err)
}

// CompleteOnboardingTask is the resolver for the completeOnboardingTask field.
func (r *mutationResolver) CompleteOnboardingTask(ctx context.Context, input store.CompleteOnboardingTaskInput) (*store.OnboardingTaskPayload, error) {
	task, onboarding, err := r.Writer.CompleteOnboardingTask(ctx, input)
	return onboardingTaskPayload(ctx, r.Store, task, onboarding, err)
}

// CancelOnboarding is the resolver for the cancelOnboarding field.
func (r *mutationResolver) CancelOnboarding(ctx context.Context, input store.CancelOnboardingInput) (*store.OnboardingPayload, error) {
	k, err := r.Writer.CancelOnboarding(ctx, input)
	return onboardingPayload(ctx, r.Store, k, err)
}

// CreateOnboardingTemplate is the resolver for the createOnboardingTemplate field.
func (r *mutationResolver) CreateOnboardingTemplate(ctx context.Context, input store.CreateOnboardingTemplateInput) (*store.OnboardingTemplatePayload, error) {
	k, err := r.Writer.CreateOnboardingTemplate(ctx, input)
	return templatePayload(ctx, r.Store, k, err)
}

// UpsertCustomers is the resolver for the upsertCustomers field.
func (r *mutationResolver) UpsertCustomers(ctx context.Context, input store.UpsertCustomersInput) (*store.SyncPayload, error) {
	results, err := r.Writer.UpsertCustomers(ctx, input)
	return synced(ctx, results, err)
}

// UpsertContacts is the resolver for the upsertContacts field.
func (r *mutationResolver) UpsertContacts(ctx context.Context, input store.UpsertContactsInput) (*store.SyncPayload, error) {
	results, err := r.Writer.UpsertContacts(ctx, input)
	return synced(ctx, results, err)
}

// UpsertEmployees is the resolver for the upsertEmployees field.
func (r *mutationResolver) UpsertEmployees(ctx context.Context, input store.UpsertEmployeesInput) (*store.SyncPayload, error) {
	results, err := r.Writer.UpsertEmployees(ctx, input)
	return synced(ctx, results, err)
}

// CreateWebhookEndpoint is the resolver for the createWebhookEndpoint field.
func (r *mutationResolver) CreateWebhookEndpoint(ctx context.Context, input webhook.EndpointInput) (*webhook.SecretPayload, error) {
	return r.Webhooks.CreateEndpoint(ctx, input)
}

// RotateWebhookSecret is the resolver for the rotateWebhookSecret field.
func (r *mutationResolver) RotateWebhookSecret(ctx context.Context, id string) (*webhook.SecretPayload, error) {
	key, err := webhook.EndpointKey(id)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.RotateSecret(ctx, key)
}

// PauseWebhookEndpoint is the resolver for the pauseWebhookEndpoint field.
func (r *mutationResolver) PauseWebhookEndpoint(ctx context.Context, id string) (*webhook.Endpoint, error) {
	key, err := webhook.EndpointKey(id)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.Pause(ctx, key)
}

// ResumeWebhookEndpoint is the resolver for the resumeWebhookEndpoint field.
func (r *mutationResolver) ResumeWebhookEndpoint(ctx context.Context, id string) (*webhook.Endpoint, error) {
	key, err := webhook.EndpointKey(id)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.Resume(ctx, key)
}

// DeleteWebhookEndpoint is the resolver for the deleteWebhookEndpoint field.
func (r *mutationResolver) DeleteWebhookEndpoint(ctx context.Context, id string) (string, error) {
	key, err := webhook.EndpointKey(id)
	if err != nil {
		return "", err
	}
	return r.Webhooks.Delete(ctx, key)
}

// RedeliverWebhookEvent is the resolver for the redeliverWebhookEvent field.
func (r *mutationResolver) RedeliverWebhookEvent(ctx context.Context, endpoint string, event string) (*webhook.Delivery, error) {
	key, err := webhook.EndpointKey(endpoint)
	if err != nil {
		return nil, err
	}
	ev, err := webhook.EventKey(event)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.Redeliver(ctx, key, ev)
}

// ReplayWebhookEvents is the resolver for the replayWebhookEvents field.
func (r *mutationResolver) ReplayWebhookEvents(ctx context.Context, endpoint string, since time.Time) (*webhook.ReplayPayload, error) {
	key, err := webhook.EndpointKey(endpoint)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.Replay(ctx, key, since)
}

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (store.Node, error) {
	nodes, err := r.Store.Nodes(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	return nodes[0], nil
}

// Me is the resolver for the me field.
func (r *queryResolver) Me(ctx context.Context) (*store.Employee, error) {
	id := auth.From(ctx)
	if id == nil || id.EmployeeID == 0 {
		return nil, nil
	}
	return store.NodeOf[*store.Employee](ctx, r.Store, "Employee", store.GlobalID("Employee", id.EmployeeID), selection(ctx))
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

// WriteAudit is the resolver for the writeAudit field.
func (r *queryResolver) WriteAudit(ctx context.Context, first *int, after *string, last *int, before *string) (*page.Connection[*store.WriteAuditEntry], error) {
	return r.Store.WriteAudit(ctx, page.Args{First: first, After: after, Last: last, Before: before}, selection(ctx))
}

// Analytics is the resolver for the analytics field.
func (r *queryResolver) Analytics(ctx context.Context) (*analytics.Reports, error) {
	return r.Resolver.Analytics, nil
}

// Timesheet is the resolver for the timesheet field.
func (r *queryResolver) Timesheet(ctx context.Context, id string) (*store.Timesheet, error) {
	return store.NodeOf[*store.Timesheet](ctx, r.Store, "Timesheet", id, selection(ctx))
}

// Timesheets is the resolver for the timesheets field.
func (r *queryResolver) Timesheets(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.TimesheetFilter) (*page.Connection[*store.Timesheet], error) {
	return store.Page[store.Timesheet](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// ReviewCycles is the resolver for the reviewCycles field.
func (r *queryResolver) ReviewCycles(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.ReviewCycleFilter) (*page.Connection[*store.ReviewCycle], error) {
	return store.Page[store.ReviewCycle](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// PayrollRuns is the resolver for the payrollRuns field.
func (r *queryResolver) PayrollRuns(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.PayrollRunFilter) (*page.Connection[*store.PayrollRun], error) {
	return store.Page[store.PayrollRun](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// Onboarding is the resolver for the onboarding field.
func (r *queryResolver) Onboarding(ctx context.Context, id string) (*store.Onboarding, error) {
	return store.NodeOf[*store.Onboarding](ctx, r.Store, "Onboarding", id, selection(ctx))
}

// Onboardings is the resolver for the onboardings field.
func (r *queryResolver) Onboardings(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.OnboardingFilter) (*page.Connection[*store.Onboarding], error) {
	return store.Page[store.Onboarding](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// OnboardingTemplates is the resolver for the onboardingTemplates field.
func (r *queryResolver) OnboardingTemplates(ctx context.Context, first *int, after *string, last *int, before *string, orderBy []*store.Order, filter *store.OnboardingTemplateFilter) (*page.Connection[*store.OnboardingTemplate], error) {
	return store.Page[store.OnboardingTemplate](ctx, r.Store, page.Args{First: first, After: after, Last: last, Before: before}, store.List{OrderBy: orderBy, Filter: filter}, selection(ctx))
}

// WebhookEndpoints is the resolver for the webhookEndpoints field.
func (r *queryResolver) WebhookEndpoints(ctx context.Context) ([]*webhook.Endpoint, error) {
	return r.Webhooks.Endpoints(ctx)
}

// WebhookDeliveries is the resolver for the webhookDeliveries field.
func (r *queryResolver) WebhookDeliveries(ctx context.Context, endpoint string, status *string, first int) ([]*webhook.Delivery, error) {
	key, err := webhook.EndpointKey(endpoint)
	if err != nil {
		return nil, err
	}
	return r.Webhooks.Deliveries(ctx, key, status, first)
}

// ProjectUpdated is the resolver for the projectUpdated field.
func (r *subscriptionResolver) ProjectUpdated(ctx context.Context, id string) (<-chan *store.Project, error) {
	return followEntity[*store.Project](ctx, r.Resolver, "Project", id, func(e *live.Event) bool {
		return e.EntityID == id || (e.EntityType == "Assignment" || e.EntityType == "TimeEntry") && e.Ref("project") == id
	})
}

// TimeEntryLogged is the resolver for the timeEntryLogged field.
func (r *subscriptionResolver) TimeEntryLogged(ctx context.Context, projectID *string, employeeID *string) (<-chan *store.TimeEntry, error) {
	return timeEntriesLogged(ctx, r.Resolver, projectID, employeeID)
}

// EmployeeUpdated is the resolver for the employeeUpdated field.
func (r *subscriptionResolver) EmployeeUpdated(ctx context.Context, id string) (<-chan *store.Employee, error) {
	return followEntity[*store.Employee](ctx, r.Resolver, "Employee", id, func(e *live.Event) bool { return e.EntityID == id })
}

// Events is the resolver for the events field.
func (r *subscriptionResolver) Events(ctx context.Context, types []string) (<-chan *live.Event, error) {
	return rawEvents(ctx, r.Resolver, types)
}

// Mutation returns MutationResolver implementation.
func (r *Resolver) Mutation() MutationResolver { return &mutationResolver{r} }

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

// Subscription returns SubscriptionResolver implementation.
func (r *Resolver) Subscription() SubscriptionResolver { return &subscriptionResolver{r} }

type mutationResolver struct{ *Resolver }
type queryResolver struct{ *Resolver }
type subscriptionResolver struct{ *Resolver }
