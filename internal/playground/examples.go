package playground

import "github.com/bizgraph/bizgraph/internal/auth"

// Tab is one of the playground's opening tabs: an operation a newcomer can
// run at once, with the variables it takes. The JSON names are GraphiQL's
// (its defaultTabs prop).
type Tab struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	// As names the role button each operation of a workflow's tab is
	// meant for (its comment says so to the visitor); the examples' test
	// runs each as the demo's employee of that role (FindCast).
	As map[string]auth.Role `json:"-"`
}

// Examples are the opening tabs, in order. They show the pages the
// frontends build (DOMAIN.md, "What the consumers do") and must stay valid
// against schema.graphqls: the package's tests run each against the API.
// Comment lines stay short enough to read beside the open docs pane.
var Examples = []Tab{
	{Query: `# A customer page: its projects,
# who manages each, who works on it
# and the hours logged. Run it with
# the play button or Ctrl-Enter; the
# book icon (top left) opens the docs.
query CustomerWithProjects {
  customers(first: 3, filter: {
    segment: { in: [ENTERPRISE, MID_MARKET] }
    status: { eq: ACTIVE }
  }) {
    nodes {
      id
      name
      segment
      projects(first: 5) {
        totalCount
        nodes {
          code
          name
          status
          customer { name }
          manager { firstName lastName }
          team(first: 10) {
            nodes {
              role
              allocationPercent
              employee {
                firstName
                lastName
                department { name }
              }
            }
          }
          hours { logged billable }
        }
      }
    }
  }
}
`},
	{Query: `# The org chart: where people sit,
# who they report to (three levels
# up), who reports to them.
query ReportingLine {
  employees(first: 5) {
    nodes {
      firstName
      lastName
      title
      department {
        name
        parent { name }
      }
      manager {
        firstName
        lastName
        manager {
          firstName
          lastName
          manager { firstName lastName }
        }
      }
      directReports(first: 5) {
        totalCount
        nodes { firstName lastName }
      }
    }
  }
}
`},
	{Query: `# A project list page, ten at a
# time, active and proposed ones by
# due date. For the next page, copy
# pageInfo.endCursor into the "after"
# variable (below) and run it again;
# set "search" to find by code/name.
query ProjectPage($after: String, $search: String) {
  projects(first: 10, after: $after, search: $search,
           filter: { status: { in: [ACTIVE, PROPOSED] } },
           orderBy: [{ field: DUE_ON, direction: ASC }]) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        code
        name
        status
        priority
        budget
        currency
        startOn
        dueOn
        customer { name }
      }
    }
  }
}
`, Variables: `{ "after": null, "search": null }`},
	{Query: `# Who may see what. Salaries and
# personal data are for hr, admins
# and the person's managers; others
# get null and a FORBIDDEN error for
# just those fields. In the demo,
# the buttons above act as each role.
query Salaries {
  employees(first: 5) {
    nodes {
      firstName
      lastName
      title
      salary
      salaryCurrency
      birthDate
    }
  }
}
`},
	{Query: `# Your own work, as the person
# whose role you act as (the buttons
# above): your weeks of time and where
# each is in its approval, and your
# reviews (the rating shows once the
# review is final), and the onboarding
# tasks waiting on you.
query MyWork {
  me {
    firstName
    lastName
    timesheets(first: 4, orderBy: [{ field: WEEK_START, direction: DESC }]) {
      nodes {
        weekStart
        status
        decidedBy { firstName lastName }
        timeEntries { workDate hours project { code } }
      }
    }
    reviews(first: 2) {
      nodes { cycle { name status } status rating }
    }
    openTasks(first: 5) {
      nodes { title dueOn overdue onboarding { employee { firstName } } }
    }
  }
}
`},
	{Query: `# Onboarding: the new hires under
# way, newest first, with their tasks
# (as hr: every one; as a manager:
# your line's; as yourself: your own).
# Each task is done by its owner with
# completeOnboardingTask(input: {id})
# and the last one completes it.
query Onboarding {
  onboardings(first: 5,
              filter: { status: { eq: IN_PROGRESS } },
              orderBy: [{ field: STARTS_ON, direction: DESC }]) {
    totalCount
    nodes {
      id
      startsOn
      employee { firstName lastName department { name } }
      template { name }
      tasks(first: 10, orderBy: [{ field: DUE_ON, direction: ASC }]) {
        nodes {
          id
          title
          owner
          dueOn
          overdue
          completedBy { firstName lastName }
        }
      }
    }
  }
}
`,
		As: map[string]auth.Role{"Onboarding": auth.HR}},
	{Query: `# Payroll: a run per month, DRAFT
# → APPROVED (by hr or admin, never
# its creator) → PAID; then nothing
# changes. A payslip is seen by its
# employee, hr and admin only, and
# each gross read is audited. As hr,
# try approvePayrollRun(input: { id })
# on the draft, the latest month.
query Payroll {
  payrollRuns(last: 3, orderBy: [{ field: PERIOD_START, direction: ASC }]) {
    nodes {
      id
      periodStart
      status
      createdBy
      approvedBy
      payslips(first: 3, orderBy: [{ field: GROSS, direction: DESC }]) {
        totalCount
        nodes {
          employee { firstName lastName }
          basis
          hours
          gross
          currency
        }
      }
    }
  }
}
`,
		As: map[string]auth.Role{"Payroll": auth.HR}},
	{Query: `# Live updates: a subscription runs
# over a websocket (graphql-ws) and
# shows each message as it comes. Run
# it, then open the playground in a
# second window and run LogMyTime
# there (the next tab; it logs on
# this project): the hours move here.
# Running anything else in this
# window, or the stop button, ends it.
subscription ProjectLive($project: ID!) {
  projectUpdated(id: $project) {
    code
    name
    status
    hours { logged billable }
    manager { firstName lastName }
  }
}
`, Variables: `{ "project": "UHJvamVjdDox" }`},
	{Query: `# Writes. Log time as the person
# whose role you act as (the buttons
# above): it is checked against the
# rules (as analytics it is refused),
# each problem of the input is its
# own error, and the answer is read
# back like a query. An update names
# the version it read (CONFLICT when
# stale); an Idempotency-Key header
# makes a retry safe.
mutation LogMyTime($entries: [TimeEntryInput!]!) {
  logTime(input: { entries: $entries }) {
    timeEntries {
      id
      workDate
      hours
      employee { firstName lastName }
      project { code name hours { logged } }
    }
  }
}
`, Variables: `{ "entries": [{ "projectId": "UHJvamVjdDox", "workDate": "2026-11-30", "hours": "1.5", "billable": true }] }`},
	{Query: `# Timesheet approval, as a manager
# (the "manager" button above): the
# weeks your reporting line submitted,
# latest first. Run WaitingWeeks, put
# a week's id in "week" below (it
# holds the demo's first), then run
# ApproveWeek. rejectTimesheet sends a
# week back with a comment instead.
query WaitingWeeks {
  timesheets(first: 3,
             filter: { status: { eq: SUBMITTED } },
             orderBy: [{ field: WEEK_START, direction: DESC }]) {
    totalCount
    nodes {
      id
      weekStart
      submittedAt
      employee { firstName lastName }
      timeEntries { workDate hours project { code } }
    }
  }
}

mutation ApproveWeek($week: ID!) {
  approveTimesheet(input: { id: $week, comment: "Thanks!" }) {
    timesheet {
      id
      status
      decidedAt
      decidedBy { firstName lastName }
    }
  }
}
`, Variables: `{ "week": "VGltZXNoZWV0OjQzMzM" }`,
		As: map[string]auth.Role{"WaitingWeeks": auth.Manager, "ApproveWeek": auth.Manager}},
	{Query: `# A review's two steps in the open
# cycle. As the person ("viewer"):
# MyOpenReview, then SelfAssessment.
# As their reviewer ("manager"):
# ToAssess lists your people's reviews
# waiting for you, then ManagerStep
# submits your assessment and rating
# (1 to 5). The variables below hold
# the demo's review ids; hr then
# calibrates and finalizes.
query MyOpenReview {
  me {
    reviews(first: 1, filter: { cycle: { status: { eq: OPEN } } }) {
      nodes { id status cycle { name periodEnd } }
    }
  }
}

mutation SelfAssessment($mine: ID!) {
  submitSelfAssessment(input: { id: $mine,
    text: "Shipped the billing migration; next I want to own estimates." }) {
    review { id status selfAssessment }
  }
}

query ToAssess {
  me {
    directReports(first: 20) {
      nodes {
        firstName
        lastName
        reviews(first: 1, filter: {
          status: { eq: SELF_SUBMITTED }
          cycle: { status: { eq: OPEN } }
        }) {
          nodes { id selfAssessment }
        }
      }
    }
  }
}

mutation ManagerStep($review: ID!, $rating: Int!) {
  submitManagerAssessment(input: { id: $review, rating: $rating,
    text: "Dependable and thorough; speak up earlier when plans slip." }) {
    review { id status rating managerAssessment }
  }
}
`, Variables: `{ "mine": "UmV2aWV3OjI4NA", "review": "UmV2aWV3OjI5NA", "rating": 4 }`,
		As: map[string]auth.Role{"MyOpenReview": auth.Viewer, "SelfAssessment": auth.Viewer, "ToAssess": auth.Manager, "ManagerStep": auth.Manager}},
	{Query: `# Customer feedback, as a survey tool
# sends it: an external system's API
# key (role integration) records an
# answer, once per (source,
# externalId): sent again, the first
# is answered. Act as "integration"
# above, or paste a key from
# "bizgraph apikey create --role
# integration" into Headers as
# {"Authorization": "Bearer bzk_…"}.
# Such a key reads nothing but
# feedback; others see the project's
# nps move.
mutation RecordFeedback($input: RecordFeedbackInput!) {
  recordFeedback(input: $input) {
    feedback { id score comment source externalId receivedAt }
  }
}
`, Variables: `{ "input": { "projectId": "UHJvamVjdDox", "score": 9, "comment": "Great team, on time.", "source": "surveys", "externalId": "demo-1" } }`,
		As: map[string]auth.Role{"RecordFeedback": auth.Integration}},
	{Query: `# Sync from other systems: a CRM's
# API key (role integration) sends
# its customers by its own ids, up
# to 500 a call. Each item answers
# CREATED, UPDATED, UNCHANGED or
# INVALID, with its errors at their
# path. Run it twice: the second time
# nothing changes. The valid items
# commit together; the invalid one
# (its country) is written nowhere.
mutation UpsertCustomers($input: UpsertCustomersInput!) {
  upsertCustomers(input: $input) {
    results {
      externalId
      status
      id
      errors { path code message }
    }
  }
}
`, Variables: `{ "input": { "source": "crm", "items": [
  { "externalId": "crm-1001", "name": "Nordwind Logistik", "country": "DE", "segment": "MID_MARKET", "annualContractValue": "185000" },
  { "externalId": "crm-1002", "name": "Lumen Retail", "country": "FR", "segment": "SMB" },
  { "externalId": "crm-1003", "name": "Typo Industries", "country": "Germany", "segment": "SMB" } ] } }`,
		As: map[string]auth.Role{"UpsertCustomers": auth.Integration}},
}
