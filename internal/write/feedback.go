package write

import (
	"context"
	"fmt"
	"time"

	"github.com/bizgraph/bizgraph/internal/database"
	"github.com/bizgraph/bizgraph/internal/events"
	"github.com/bizgraph/bizgraph/internal/policy"
	"github.com/bizgraph/bizgraph/internal/store"
)

// Customer feedback (DOMAIN.md, "Workflows the firm runs on top"): an
// external system (an integration API key) or an admin records a
// customer's answer about a project. One step, no states; what makes it
// more than an insert is that sources re-send: an answer recorded again
// under the same (source, externalId) is the answer already recorded, and
// nothing is written (no audit row, no second event).

var projectFeedback = &spec{table: "project_feedback", typ: "ProjectFeedback", noun: "feedback",
	refs: map[string]string{"project_id": "Project", "contact_id": "Contact"}}

// RecordFeedback records the answer the input gives and answers its key,
// or the key of the answer recorded before under the same source and
// external id.
func (w *Writer) RecordFeedback(ctx context.Context, in store.RecordFeedbackInput) (int64, error) {
	id, err := caller(ctx)
	if err != nil {
		return 0, err
	}
	s := newSet("input")
	s.ref("projectId", "project_id", in.ProjectID, "Project")
	project, _ := s.has("project_id")
	req(s, "score", "score", in.Score, between(0, 10))
	opt(s, "comment", "comment", in.Comment, true, long)
	optOr(s, "receivedAt", "received_at", in.ReceivedAt, time.Now().UTC())
	req(s, "source", "source", in.Source, short)
	opt(s, "externalId", "external_id", in.ExternalID, true, short)
	s.optRef("contactId", "contact_id", in.ContactID, "Contact")
	if contact, ok := s.has("contact_id"); ok && contact != nil && project != nil {
		// Only when both exist (their own checks say so otherwise): the
		// contact speaks for the project's customer or not at all.
		s.fails("contactId", "the contact is not one of the project's customer's contacts",
			`EXISTS (SELECT 1 FROM contacts WHERE id = ?) AND EXISTS (SELECT 1 FROM projects WHERE id = ?)
			AND NOT EXISTS (SELECT 1 FROM contacts c JOIN projects p ON p.customer_id = c.customer_id WHERE c.id = ? AND p.id = ?)`,
			contact, project, contact, project)
	}
	external, _ := s.has("external_id")
	var k int64
	err = w.transact(ctx, func(ctx context.Context, tx *database.DB) error {
		if err := w.allow(id, policy.Create, projectFeedback, &policy.Facts{}, s.cols); err != nil {
			return err
		}
		if external != nil {
			before, err := w.lockFeedback(ctx, tx, in.Source, external.(string))
			if err != nil {
				return err
			}
			if before != nil {
				k = before.int("id")
				return nil
			}
		}
		if err := verify(ctx, tx, s); err != nil {
			return err
		}
		rows, err := w.insert(ctx, tx, projectFeedback, s)
		if err != nil {
			return err
		}
		k = rows[0].int("id")
		return w.record(ctx, tx, id, projectFeedback, events.FeedbackReceived, change{after: rows[0]})
	})
	return k, err
}

// lockFeedback takes the lock of the answer source sends as external
// until the transaction ends, so that the same answer sent twice at once
// is written once, and reads the answer recorded before; nil when there
// is none.
func (w *Writer) lockFeedback(ctx context.Context, tx *database.DB, source, external string) (row, error) {
	if err := tx.WithContext(ctx).Exec(`SELECT pg_advisory_xact_lock(hashtext('feedback ' || ?), hashtext(?))`, source, external).Error; err != nil {
		return nil, fmt.Errorf("lock the feedback %s sends as %q: %w", source, external, err)
	}
	rows, err := w.returning(ctx, tx, "read the feedback recorded before", `SELECT to_jsonb(f) FROM project_feedback f
		WHERE source = ? AND external_id = ?`, []any{source, external})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}
