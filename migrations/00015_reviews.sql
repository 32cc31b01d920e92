-- Performance reviews (issue 16): review cycles, one review per employee
-- and cycle, and the history of ratings changed in calibration
-- (DOMAIN.md, "Workflows the firm runs on top").

-- +goose Up

-- A cycle moves draft → open → calibration → closed. The API opens a cycle
-- in one step (openReviewCycle creates it open, with its reviews); draft is
-- for cycles prepared outside it.
CREATE TYPE review_cycle_status AS ENUM ('draft', 'open', 'calibration', 'closed');
CREATE TYPE review_status AS ENUM ('not_started', 'self_submitted', 'manager_submitted', 'finalized');

CREATE TABLE review_cycles (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    period_start date NOT NULL,
    period_end   date NOT NULL CHECK (period_end >= period_start),
    status       review_cycle_status NOT NULL DEFAULT 'draft',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- self_assessment, manager_assessment and rating are sensitive
-- (internal/policy/firm.go says who reads them).
CREATE TABLE reviews (
    id                 bigserial PRIMARY KEY,
    cycle_id           bigint NOT NULL REFERENCES review_cycles (id),
    employee_id        bigint NOT NULL REFERENCES employees (id),
    reviewer_id        bigint NOT NULL REFERENCES employees (id),
    self_assessment    text,
    manager_assessment text,
    rating             smallint CHECK (rating BETWEEN 1 AND 5),
    status             review_status NOT NULL DEFAULT 'not_started',
    finalized_at       timestamptz,
    UNIQUE (cycle_id, employee_id),
    -- A finalized review has its time; no other has one.
    CHECK ((status = 'finalized') = (finalized_at IS NOT NULL))
);
-- cycle_id is served by the unique index's leading column.
CREATE INDEX reviews_employee_id_idx ON reviews (employee_id);
CREATE INDEX reviews_reviewer_id_idx ON reviews (reviewer_id);

-- Every change of a rating made in calibration, with who made it and why
-- (DOMAIN.md: "HR may change a rating during calibration; every change is
-- recorded"). write_audit keeps the old and new values too, but not the
-- reason, and only admins read it; this is the review's own history.
CREATE TABLE review_rating_changes (
    id          bigserial PRIMARY KEY,
    review_id   bigint NOT NULL REFERENCES reviews (id),
    old_rating  smallint,
    new_rating  smallint NOT NULL CHECK (new_rating BETWEEN 1 AND 5),
    reason      text NOT NULL,
    changed_by  text NOT NULL, -- the caller's subject
    employee_id bigint REFERENCES employees (id), -- the caller's employee, if any
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX review_rating_changes_review_id_idx ON review_rating_changes (review_id, id);
CREATE INDEX review_rating_changes_employee_id_idx ON review_rating_changes (employee_id);

-- A closed cycle is immutable, in the database itself: neither the cycle
-- nor its reviews change or go, nor does a review join it, whoever writes.
-- +goose StatementBegin
CREATE FUNCTION review_cycle_closed_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'review_cycles' THEN
        IF OLD.status = 'closed' THEN
            RAISE EXCEPTION 'review cycle % is closed and can no longer change', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM review_cycles c
                  WHERE c.status = 'closed'
                    AND c.id IN (CASE WHEN TG_OP <> 'INSERT' THEN OLD.cycle_id END,
                                 CASE WHEN TG_OP <> 'DELETE' THEN NEW.cycle_id END)) THEN
        RAISE EXCEPTION 'the review''s cycle is closed: its reviews can no longer change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER review_cycles_closed BEFORE UPDATE OR DELETE ON review_cycles
    FOR EACH ROW EXECUTE FUNCTION review_cycle_closed_guard();
CREATE TRIGGER reviews_closed BEFORE INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION review_cycle_closed_guard();

-- +goose Down
DROP TABLE review_rating_changes;
DROP TABLE reviews;
DROP TABLE review_cycles;
DROP FUNCTION review_cycle_closed_guard();
DROP TYPE review_status;
DROP TYPE review_cycle_status;
