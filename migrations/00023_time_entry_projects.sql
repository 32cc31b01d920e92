-- Budget burn over a project's whole life (analytics.budgetBurn without a
-- range or a department: what analytics tools ask every hour) added up
-- time_entry_months per project on every call: the 300,000 rows of the
-- active projects at scale 1, 405 ms at one client (issue 20 asks for 20).
--
-- time_entry_projects holds those sums per project over all months
-- (100,000 rows at scale 1, one per project with hours), with the three
-- counts of people the burn's withholding needs (policy.MinContributors):
-- the employees with a month of rated hours on the project (amount > 0),
-- of rated billable hours, and of rated non-billable hours. A burn with a
-- range or a department still reads time_entry_months.
--
-- It follows time_entry_months as time_entry_totals does (00007, 00012,
-- 00013): statement triggers add the moved rows' sums under their project
-- (an upsert, so concurrent writes add up under the row's lock), then
-- count the touched projects' people again from time_entry_months as it
-- now is (a count of distinct people does not add up; each project is an
-- index range of time_entry_months_project_id_employee_id_idx), and drop
-- the projects left without entries. Its key is the project alone, which
-- no write moves, so no dimension needs following. time_entry_months
-- changes only under 00016's locks, so what holds for time_entry_totals
-- under concurrent writes holds here.
--
-- time_entry_rollup_reads('time_entry_months') gains amount and
-- unrated_hours, which this rollup adds up and time_entry_totals did not:
-- an UPDATE moving only those (a rate change on non-billable hours) must
-- reach it.

-- +goose Up
CREATE TABLE time_entry_projects (
    project_id               bigint  NOT NULL PRIMARY KEY,
    entries                  bigint  NOT NULL,
    hours                    numeric NOT NULL,
    billable_hours           numeric NOT NULL,
    amount                   numeric NOT NULL, -- sensitive: derived from bill_rate
    billable_amount          numeric NOT NULL,
    unrated_hours            numeric NOT NULL,
    billable_unrated_hours   numeric NOT NULL,
    -- Counted again after each change, never added (the upsert adds 0).
    contributors             bigint  NOT NULL DEFAULT 0, -- people with amount > 0 in a month
    billable_contributors    bigint  NOT NULL DEFAULT 0, -- billable_amount > 0
    nonbillable_contributors bigint  NOT NULL DEFAULT 0  -- amount - billable_amount > 0
);
COMMENT ON TABLE time_entry_projects IS
    'Sums of time_entry_months per project over all months, kept by triggers (migrations/00023_time_entry_projects.sql).';

-- The sums of a set of time_entry_months rows (fine) per project, with a
-- sign: the upsert adds them.
-- +goose StatementBegin
CREATE FUNCTION time_entry_projects_sums(fine text, sign int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
    SELECT f.project_id, %2$s * sum(f.entries), %2$s * sum(f.hours), %2$s * sum(f.billable_hours),
           %2$s * sum(f.amount), %2$s * sum(f.billable_amount), %2$s * sum(f.unrated_hours),
           %2$s * sum(f.billable_unrated_hours)
    FROM %1$s f
    GROUP BY 1$q$, fine, sign)
$$;
-- +goose StatementEnd

-- The statement counting again, from time_entry_months, the people of the
-- projects named by the project_id column of keys (a transition table or
-- a parenthesized query).
-- +goose StatementBegin
CREATE FUNCTION time_entry_projects_recount(keys text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
    UPDATE time_entry_projects t
    SET contributors = n.contributors, billable_contributors = n.billable, nonbillable_contributors = n.nonbillable
    FROM (SELECT m.project_id,
                 count(DISTINCT m.employee_id) FILTER (WHERE m.amount > 0) AS contributors,
                 count(DISTINCT m.employee_id) FILTER (WHERE m.billable_amount > 0) AS billable,
                 count(DISTINCT m.employee_id) FILTER (WHERE m.amount - m.billable_amount > 0) AS nonbillable
          FROM time_entry_months m
          WHERE m.project_id IN (SELECT k.project_id FROM %s k)
          GROUP BY m.project_id) n
    WHERE t.project_id = n.project_id$q$, keys)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION time_entry_projects_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    moved boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_projects;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        EXECUTE time_entry_rollup_moved(TG_TABLE_NAME) INTO moved;
        IF NOT moved THEN
            RETURN NULL;
        END IF;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_moves(TG_OP, TG_TABLE_NAME) LOOP
        EXECUTE time_entry_rollup_upsert('time_entry_projects', time_entry_projects_sums(change.src, change.sign));
        -- A statement of its own, after the upsert took the projects' rows:
        -- it counts what concurrent writers committed before it.
        EXECUTE time_entry_projects_recount(change.src);
    END LOOP;
    DELETE FROM time_entry_projects WHERE entries = 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_rollup_reads(tbl name) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    CASE tbl
    WHEN 'time_entries' THEN RETURN 'work_date, employee_id, project_id, hours, billable';
    WHEN 'assignments' THEN RETURN 'project_id, employee_id, starts_on, ends_on, bill_rate';
    WHEN 'time_entry_months' THEN
        RETURN 'month, employee_id, project_id, entries, hours, billable_hours, amount, billable_amount, unrated_hours, billable_unrated_hours';
    WHEN 'employees' THEN RETURN 'id, department_id';
    WHEN 'projects' THEN RETURN 'id, customer_id, currency';
    WHEN 'customers' THEN RETURN 'id, segment';
    ELSE RAISE EXCEPTION 'time_entry_rollup_reads: the rollups read nothing of %', tbl;
    END CASE;
END $$;
-- +goose StatementEnd

CREATE TRIGGER time_entry_projects_follow_insert AFTER INSERT ON time_entry_months REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_projects_follow();
CREATE TRIGGER time_entry_projects_follow_update AFTER UPDATE ON time_entry_months
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_projects_follow();
CREATE TRIGGER time_entry_projects_follow_delete AFTER DELETE ON time_entry_months REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_projects_follow();
CREATE TRIGGER time_entry_projects_follow_truncate AFTER TRUNCATE ON time_entry_months
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_projects_follow();

-- The rows as they stand: every project's sums, then its people.
INSERT INTO time_entry_projects
SELECT f.project_id, sum(f.entries), sum(f.hours), sum(f.billable_hours),
       sum(f.amount), sum(f.billable_amount), sum(f.unrated_hours), sum(f.billable_unrated_hours),
       count(DISTINCT f.employee_id) FILTER (WHERE f.amount > 0),
       count(DISTINCT f.employee_id) FILTER (WHERE f.billable_amount > 0),
       count(DISTINCT f.employee_id) FILTER (WHERE f.amount - f.billable_amount > 0)
FROM time_entry_months f GROUP BY 1;
ANALYZE time_entry_projects;

-- +goose Down
-- Dropping the trigger function drops its triggers.
DROP FUNCTION time_entry_projects_follow() CASCADE;
DROP FUNCTION time_entry_projects_recount(text);
DROP FUNCTION time_entry_projects_sums(text, int);
DROP TABLE time_entry_projects;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_rollup_reads(tbl name) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    CASE tbl
    WHEN 'time_entries' THEN RETURN 'work_date, employee_id, project_id, hours, billable';
    WHEN 'assignments' THEN RETURN 'project_id, employee_id, starts_on, ends_on, bill_rate';
    WHEN 'time_entry_months' THEN
        RETURN 'month, employee_id, project_id, entries, hours, billable_hours, billable_amount, billable_unrated_hours';
    WHEN 'employees' THEN RETURN 'id, department_id';
    WHEN 'projects' THEN RETURN 'id, customer_id, currency';
    WHEN 'customers' THEN RETURN 'id, segment';
    ELSE RAISE EXCEPTION 'time_entry_rollup_reads: the rollups read nothing of %', tbl;
    END CASE;
END $$;
-- +goose StatementEnd
