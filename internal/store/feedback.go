package store

import (
	"context"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/page"
)

// Customer feedback (DOMAIN.md, "Workflows the firm runs on top"): a
// customer's answer about a project, from an external system (a survey
// tool), and the project's NPS over its answers. There is no row scope
// (internal/policy/feedback.go): whoever sees a project sees its feedback.

// ProjectFeedback is one answer: a score from 0 to 10, maybe a comment,
// maybe from a named contact of the project's customer.
type ProjectFeedback struct {
	ID         int64     `gorm:"column:id;primaryKey"`
	ProjectID  int64     `gorm:"column:project_id"`
	ContactID  *int64    `gorm:"column:contact_id"`
	Score      int       `gorm:"column:score"`
	Comment    *string   `gorm:"column:comment"`
	ReceivedAt time.Time `gorm:"column:received_at"`
	Source     string    `gorm:"column:source"`
	ExternalID *string   `gorm:"column:external_id"`
	member
}

// TableName, PageKey and GlobalID name the ProjectFeedback row: its table, key and global id.
func (ProjectFeedback) TableName() string   { return "project_feedback" }
func (f *ProjectFeedback) PageKey() int64   { return f.ID }
func (f *ProjectFeedback) GlobalID() string { return GlobalID("ProjectFeedback", f.ID) }

type (
	ProjectFeedbackConnection = page.Connection[*ProjectFeedback]
	ProjectFeedbackEdge       = page.Edge[*ProjectFeedback]
)

var projectFeedbackTable = declare[ProjectFeedback](decl{
	orders: map[string]string{"SCORE": "score", "RECEIVED_AT": "received_at", "SOURCE": "source"},
	toOne: []toOne{
		{field: "project", fkCol: "project_id", to: "Project"},
		{field: "contact", fkCol: "contact_id", to: "Contact"}},
})

// Project is the project the answer is about.
func (f *ProjectFeedback) Project() (*Project, error) { return one[Project](f, f.set, "project") }

// Contact is who answered, when the source named them.
func (f *ProjectFeedback) Contact() (*Contact, error) { return one[Contact](f, f.set, "contact") }

// Feedback is a page of the answers about the project.
func (p *Project) Feedback(first *int, after *string, last *int, before *string, orderBy []*Order, filter *ProjectFeedbackFilter) (*ProjectFeedbackConnection, error) {
	return many[ProjectFeedback](p.ID, p.set, "feedback", args(first, after, last, before), List{OrderBy: orderBy, Filter: filter})
}

// Nps is the project's net promoter score over all its answers (DOMAIN.md:
// the percentage of scores 9–10 minus the percentage of 0–6), from -100 to
// 100; nil without answers.
func (p *Project) Nps() (*float64, error) {
	n, err := p.nps()
	if err != nil || n == nil || n.Answers == 0 {
		return nil, err
	}
	v := n.Score
	return &v, nil
}

// FeedbackAnswers is how many answers the project's NPS is over.
func (p *Project) FeedbackAnswers() (int, error) {
	n, err := p.nps()
	if err != nil || n == nil {
		return 0, err
	}
	return n.Answers, nil
}

// npsOf is a project's NPS and the number of answers it is over.
type npsOf struct {
	ProjectID int64   `gorm:"column:project_id"`
	Answers   int     `gorm:"column:answers"`
	Score     float64 `gorm:"column:score"`
}

// nps is the NPS of the project, computed for every project of the
// sibling set in one statement (both fields share it).
func (p *Project) nps() (*npsOf, error) {
	s := p.set
	v, err := s.load("Project.nps", page.Window{}, func(ctx context.Context) (any, error) {
		return projectNPS(ctx, s.st, s.keys)
	})
	if err != nil {
		return nil, err
	}
	return v.(map[int64]*npsOf)[p.ID], nil
}

// NPS is the net promoter score from SQL expressions counting the
// promoters (scores 9–10), the detractors (0–6) and all the responses:
// the percentage of promoters minus that of detractors (DOMAIN.md),
// computed in numeric and rounded half away from zero to two decimals, so
// that the answer is the same whatever the float arithmetic. Project.nps
// and analytics' npsBySegment both use it, so a segment of one project has
// that project's NPS.
func NPS(promoters, detractors, responses string) string {
	return fmt.Sprintf(`round(100.0 * ((%s) - (%s)) / (%s), 2)::float8`, promoters, detractors, responses)
}

var projectNPSSQL = `
SELECT f.project_id, count(*) AS answers,
       ` + NPS("count(*) FILTER (WHERE f.score >= 9)", "count(*) FILTER (WHERE f.score <= 6)", "count(*)") + ` AS score
FROM project_feedback f
WHERE f.project_id = ANY(` + keysSQL + `)
GROUP BY f.project_id`

// projectNPS computes the NPS of every project in keys: one scan of each
// project's answers on (project_id, id) INCLUDE (score).
func projectNPS(ctx context.Context, st *Store, keys []int64) (map[int64]*npsOf, error) {
	var rows []*npsOf
	err := st.db.WithContext(ctx).Raw(projectNPSSQL, ids(keys)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("compute the NPS of projects: %w", err)
	}
	m := make(map[int64]*npsOf, len(rows))
	for _, r := range rows {
		m[r.ProjectID] = r
	}
	return m, nil
}
