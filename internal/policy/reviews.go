package policy

import "github.com/bizgraph/bizgraph/internal/auth"

// The rules of performance reviews (DOMAIN.md, "Workflows the firm runs on
// top"): a review is seen by its employee, by the managers above that
// employee, and by hr and admin; to anyone else it does not exist. Its
// employee reads the rating only once the review is finalized; that rule
// lives here, as the rating's read grant (SelfFinal), and nowhere else.
var (
	// reviewReaders see a review at all, and read its texts.
	reviewReaders = Grant{Roles: []auth.Role{auth.HR, auth.Admin},
		Via: []Via{{Relation: Self}, {Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
	// ratingReaders read the rating: as reviewReaders, but the employee
	// only once the review is final.
	ratingReaders = Grant{Roles: []auth.Role{auth.HR, auth.Admin},
		Via: []Via{{Relation: SelfFinal}, {Relation: ReportingLine, Roles: []auth.Role{auth.Manager}}}}
	// reviewer is a manager who is the review's reviewer.
	reviewer = Via{Relation: Reviewer, Roles: []auth.Role{auth.Manager}}

	reviews = Table{
		Rows: &reviewReaders,
		Keys: Keys{Employee: "employee_id", Reviewer: "reviewer_id", Final: "t.status = 'finalized'"},
		Columns: map[string]Column{
			// The employee writes their own self-assessment (admin: anyone's).
			"self_assessment": {Read: reviewReaders, Write: own},
			// The reviewer writes the manager assessment and the first
			// rating; hr changes the rating in calibration.
			"manager_assessment": {Read: reviewReaders, Write: Grant{Roles: []auth.Role{auth.Admin}, Via: []Via{reviewer}}},
			"rating":             {Read: ratingReaders, Write: Grant{Roles: []auth.Role{auth.HR, auth.Admin}, Via: []Via{reviewer}}},
			// Finalizing is hr's.
			"finalized_at": {Write: hrWrites},
		},
		// Cycles open their reviews (hr); the steps update them, each
		// column guarded above.
		Create: hrWrites,
		Update: Grant{Roles: []auth.Role{auth.HR, auth.Admin}, Via: []Via{{Relation: Self}, reviewer}},
	}
)
