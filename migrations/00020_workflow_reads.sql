-- Reads of the workflows (issue 16) at the speed of the rest.
--
-- A review cycle's reviews are paged in id order (ReviewCycle.reviews, the
-- workflow page of make bench): (cycle_id, id) serves each page with one
-- index range. Without it the first page of the cycle in progress walked
-- the older cycles' reviews by id (the unique (cycle_id, employee_id) index
-- is in the wrong order): 62-72 ms against 25-34 ms with it at scale 1.
--
-- NPS per customer segment and quarter (analytics.npsBySegment),
-- read from a rollup of project_feedback kept exact by triggers, as
-- 00007's rollups of time entries are: grouping 50,000 answers by their
-- project's customer's segment meant hashing all 100,000 projects on every
-- call (tens of milliseconds; issue 20 asks for 20 at most), while a year
-- of the rollup is 12 rows.
--
-- An answer counts at the quarter of received_at in UTC and at the segment
-- its project's customer has now, so the rollup follows three kinds of
-- write: answers recorded, changed or deleted (and TRUNCATE); a project
-- moved to a customer of another segment; a customer's segment changed.
-- Each statement-level trigger adds its difference. Concurrent writes of
-- the two sides would each miss the other's rows (00016's problem for
-- the hours), so the answers' trigger locks the projects and customers it
-- counts at FOR SHARE, and a move locks the customers it counts at: a
-- segment change or a move (which takes the row's update lock) then waits
-- for the answers' transaction, or they wait for it, and the second sees
-- the first's rows when it runs (its statements read after the wait).

-- +goose Up
CREATE INDEX reviews_cycle_id_id_idx ON reviews (cycle_id, id);

CREATE TABLE feedback_quarters (
    quarter    date NOT NULL,
    segment    customer_segment NOT NULL,
    responses  bigint NOT NULL,
    promoters  bigint NOT NULL,
    passives   bigint NOT NULL,
    detractors bigint NOT NULL,
    PRIMARY KEY (quarter, segment)
);

-- The upsert adding into the rollup the answers of query answers, whose
-- rows are (quarter date, segment, sign int, score int): sign 1 adds an
-- answer, -1 takes it away. The trigger functions EXECUTE it, as only they
-- see their transition tables.
-- +goose StatementBegin
CREATE FUNCTION feedback_quarters_upsert(answers text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
INSERT INTO feedback_quarters AS r (quarter, segment, responses, promoters, passives, detractors)
SELECT quarter, segment, sum(sign), coalesce(sum(sign) FILTER (WHERE score >= 9), 0),
       coalesce(sum(sign) FILTER (WHERE score BETWEEN 7 AND 8), 0), coalesce(sum(sign) FILTER (WHERE score <= 6), 0)
FROM (%s) a
GROUP BY quarter, segment
ON CONFLICT (quarter, segment) DO UPDATE SET responses = r.responses + excluded.responses,
    promoters = r.promoters + excluded.promoters, passives = r.passives + excluded.passives,
    detractors = r.detractors + excluded.detractors$q$, answers)
$f$;
-- +goose StatementEnd

-- project_feedback changed: add the new rows, take away the old ones, at
-- their projects' customers' segments, locked first (above).
-- +goose StatementBegin
CREATE FUNCTION feedback_quarters_answers() RETURNS trigger
LANGUAGE plpgsql AS $f$
DECLARE
    change record;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE feedback_quarters;
        RETURN NULL;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_changes(TG_OP) LOOP
        EXECUTE format('SELECT FROM projects p JOIN customers c ON c.id = p.customer_id
            WHERE p.id IN (SELECT project_id FROM %s) FOR SHARE OF p, c', change.src);
        EXECUTE feedback_quarters_upsert(format($q$
            SELECT date_trunc('quarter', a.received_at AT TIME ZONE 'UTC')::date AS quarter, c.segment, %s AS sign, a.score
            FROM %s a JOIN projects p ON p.id = a.project_id JOIN customers c ON c.id = p.customer_id$q$,
            change.sign, change.src));
    END LOOP;
    DELETE FROM feedback_quarters WHERE responses = 0;
    RETURN NULL;
END $f$;
-- +goose StatementEnd

-- Projects moved to a customer of another segment, or customers whose
-- segment changed: their answers leave the old segment for the new one.
-- moves is a query of (project_id, old segment, new segment).
-- +goose StatementBegin
CREATE FUNCTION feedback_quarters_move(moves text) RETURNS text
LANGUAGE sql IMMUTABLE AS $f$
SELECT feedback_quarters_upsert(format($q$
    SELECT date_trunc('quarter', f.received_at AT TIME ZONE 'UTC')::date AS quarter, s.segment, s.sign, f.score
    FROM (%s) m(project_id, old, new)
    CROSS JOIN LATERAL (VALUES (m.old, -1), (m.new, 1)) s(segment, sign)
    JOIN project_feedback f ON f.project_id = m.project_id
    WHERE m.old <> m.new$q$, moves))
$f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION feedback_quarters_projects() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
    IF NOT EXISTS (SELECT FROM old_rows o JOIN new_rows n USING (id) WHERE o.customer_id <> n.customer_id) THEN
        RETURN NULL; -- no project moved: a status, a date, a name
    END IF;
    PERFORM FROM customers c WHERE c.id IN (
        SELECT o.customer_id FROM old_rows o JOIN new_rows n USING (id) WHERE o.customer_id <> n.customer_id
        UNION SELECT n.customer_id FROM old_rows o JOIN new_rows n USING (id) WHERE o.customer_id <> n.customer_id)
    FOR SHARE;
    EXECUTE feedback_quarters_move('
        SELECT n.id, oc.segment, nc.segment FROM old_rows o JOIN new_rows n USING (id)
        JOIN customers oc ON oc.id = o.customer_id JOIN customers nc ON nc.id = n.customer_id
        WHERE o.customer_id <> n.customer_id');
    DELETE FROM feedback_quarters WHERE responses = 0;
    RETURN NULL;
END $f$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION feedback_quarters_customers() RETURNS trigger
LANGUAGE plpgsql AS $f$
BEGIN
    IF NOT EXISTS (SELECT FROM old_rows o JOIN new_rows n USING (id) WHERE o.segment <> n.segment) THEN
        RETURN NULL;
    END IF;
    EXECUTE feedback_quarters_move('
        SELECT p.id, o.segment, n.segment FROM old_rows o JOIN new_rows n USING (id)
        JOIN projects p ON p.customer_id = n.id
        WHERE o.segment <> n.segment');
    DELETE FROM feedback_quarters WHERE responses = 0;
    RETURN NULL;
END $f$;
-- +goose StatementEnd

CREATE TRIGGER feedback_quarters_insert AFTER INSERT ON project_feedback REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_answers();
CREATE TRIGGER feedback_quarters_update AFTER UPDATE ON project_feedback REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_answers();
CREATE TRIGGER feedback_quarters_delete AFTER DELETE ON project_feedback REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_answers();
CREATE TRIGGER feedback_quarters_truncate AFTER TRUNCATE ON project_feedback
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_answers();
CREATE TRIGGER feedback_quarters_follow AFTER UPDATE ON projects REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_projects();
CREATE TRIGGER feedback_quarters_follow AFTER UPDATE ON customers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_quarters_customers();

INSERT INTO feedback_quarters
SELECT date_trunc('quarter', f.received_at AT TIME ZONE 'UTC')::date, c.segment, count(*),
       count(*) FILTER (WHERE f.score >= 9), count(*) FILTER (WHERE f.score BETWEEN 7 AND 8), count(*) FILTER (WHERE f.score <= 6)
FROM project_feedback f JOIN projects p ON p.id = f.project_id JOIN customers c ON c.id = p.customer_id
GROUP BY 1, 2;

-- +goose Down
DROP TRIGGER feedback_quarters_follow ON customers;
DROP TRIGGER feedback_quarters_follow ON projects;
DROP TRIGGER feedback_quarters_truncate ON project_feedback;
DROP TRIGGER feedback_quarters_delete ON project_feedback;
DROP TRIGGER feedback_quarters_update ON project_feedback;
DROP TRIGGER feedback_quarters_insert ON project_feedback;
DROP FUNCTION feedback_quarters_customers();
DROP FUNCTION feedback_quarters_projects();
DROP FUNCTION feedback_quarters_move(text);
DROP FUNCTION feedback_quarters_answers();
DROP FUNCTION feedback_quarters_upsert(text);
DROP TABLE feedback_quarters;
DROP INDEX reviews_cycle_id_id_idx;
