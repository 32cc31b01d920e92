-- The analytics queries (internal/analytics) add up hours and their value
-- per month. Read from time_entries, a year of the firm at scale 1 is about
-- a million entries and takes over a second to add up, every time an
-- analytics tool asks; the whole history takes several.
--
-- time_entry_months keeps those sums per employee, project and calendar
-- month (about 1.1 million rows at scale 1 for 5 million entries; a year is
-- about 250,000 of them). It holds no dimension that can change elsewhere:
-- the department (employees), the segment (customers) and the currency
-- (projects) are joined when a query runs, so editing those tables needs no
-- upkeep here. What it does depend on is kept correct by triggers, per
-- statement (transition tables, so a COPY of millions of rows is one
-- aggregate, not millions of upserts):
--   * time_entries INSERT / UPDATE / DELETE: the changed rows' sums are added
--     (or subtracted) under their keys; a key left without entries is
--     removed. TRUNCATE empties the rollup.
--   * assignments INSERT / UPDATE / DELETE: the value of an hour depends on
--     the bill rate of the assignment it was logged under, so every
--     (project, employee) pair a changed assignment names is recomputed
--     from time_entries. TRUNCATE recomputes everything.
-- time_entry_months_rebuild() recomputes the whole table from time_entries;
-- this migration runs it once (one to three minutes at scale 1 on two busy
-- cores). The triggers follow every write exactly, with one race left: a
-- statement changing an assignment and one inserting entries of the same
-- (project, employee) pair, in concurrent transactions, may leave those
-- entries valued at the rate the inserting statement saw, until the pair
-- changes again or the table is rebuilt (SELECT time_entry_months_rebuild()).
-- Bulk loads pay once per statement: a COPY of all of scale 1's entries
-- (the seeder) adds the cost of one rebuild.
--
-- A year of time_entry_months is still 200,000 rows, over 100 ms just to
-- read on two cores. The two per-month reports by department or segment
-- read time_entry_totals instead: the same sums per month, department,
-- customer segment and currency (about 800 rows a month at scale 1). Its
-- key holds dimensions that do change elsewhere, so it follows them:
--   * time_entry_months INSERT / UPDATE / DELETE / TRUNCATE (so every
--     change above) adds or subtracts the changed rows' sums under their
--     department, segment and currency of the moment;
--   * employees, projects and customers UPDATE: the sums of the rows'
--     time_entry_months are moved from the old department (employees),
--     currency and customer (projects) or segment (customers) to the new.
-- Deleting an employee, project or customer that has hours is refused by
-- the foreign keys, so only updates matter there.
--
-- The value of an hour: hours × bill_rate of the assignment of the same
-- project and employee whose period (starts_on .. ends_on, open-ended when
-- NULL) covers the work date, the latest-starting one if several do (the
-- rule of Project.hours). Hours with no such assignment, or whose
-- assignment has no bill rate, are "unrated": counted in hours, not in
-- amount.

-- +goose Up
CREATE TABLE time_entry_months (
    month                  date   NOT NULL, -- first day of the calendar month of work_date
    employee_id            bigint NOT NULL,
    project_id             bigint NOT NULL,
    entries                bigint NOT NULL,
    hours                  numeric NOT NULL,
    billable_hours         numeric NOT NULL,
    amount                 numeric NOT NULL, -- Σ hours × bill rate (sensitive: derived from bill_rate)
    billable_amount        numeric NOT NULL,
    unrated_hours          numeric NOT NULL,
    billable_unrated_hours numeric NOT NULL,
    PRIMARY KEY (month, employee_id, project_id)
);
CREATE INDEX time_entry_months_project_id_employee_id_idx ON time_entry_months (project_id, employee_id);
COMMENT ON TABLE time_entry_months IS
    'Monthly sums of time_entries per employee and project, kept by triggers (migrations/00007_analytics.sql).';

-- The sums of a set of time entries (a transition table, or time_entries
-- itself), grouped by key, each hour valued at its assignment's rate.
-- Formatted into the functions below with the source and a sign.
-- +goose StatementBegin
CREATE FUNCTION time_entry_months_sums(src text, sign int, pairs text DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
    SELECT date_trunc('month', t.work_date)::date AS month, t.employee_id, t.project_id,
           %2$s * count(*) AS entries,
           %2$s * sum(t.hours) AS hours,
           %2$s * coalesce(sum(t.hours) FILTER (WHERE t.billable), 0) AS billable_hours,
           %2$s * coalesce(sum(t.hours * r.bill_rate), 0) AS amount,
           %2$s * coalesce(sum(t.hours * r.bill_rate) FILTER (WHERE t.billable), 0) AS billable_amount,
           %2$s * coalesce(sum(t.hours) FILTER (WHERE r.bill_rate IS NULL), 0) AS unrated_hours,
           %2$s * coalesce(sum(t.hours) FILTER (WHERE r.bill_rate IS NULL AND t.billable), 0) AS billable_unrated_hours
    FROM %1$s t
    LEFT JOIN assignments r ON r.project_id = t.project_id AND r.employee_id = t.employee_id
         AND r.starts_on <= t.work_date AND (r.ends_on IS NULL OR r.ends_on >= t.work_date)
    WHERE NOT EXISTS (
        SELECT FROM assignments later
        WHERE later.project_id = t.project_id AND later.employee_id = t.employee_id
          AND later.starts_on > r.starts_on AND later.starts_on <= t.work_date
          AND (later.ends_on IS NULL OR later.ends_on >= t.work_date))
      %3$s
    GROUP BY 1, 2, 3$q$, src, sign, coalesce(pairs, ''))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION time_entry_months_rebuild() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE time_entry_months;
    EXECUTE 'INSERT INTO time_entry_months ' || time_entry_months_sums('time_entries', 1);
END $$;
-- +goose StatementEnd

-- The transition tables a statement trigger of event op has, each with the
-- sign its rows' sums take: old rows are subtracted, new rows added.
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_changes(op text) RETURNS TABLE (src text, sign int)
LANGUAGE sql IMMUTABLE AS $$
SELECT * FROM (VALUES ('old_rows', -1), ('new_rows', 1)) v(src, sign)
WHERE CASE src WHEN 'old_rows' THEN op IN ('UPDATE', 'DELETE') ELSE op IN ('UPDATE', 'INSERT') END
$$;
-- +goose StatementEnd

-- The statement that adds the rows of query sums (grouped by the rollup's
-- key) into the rollup: an upsert adding every column but the key. Made
-- from the catalog, so both rollups share it; the caller EXECUTEs it,
-- because only the trigger function itself sees the transition tables.
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_upsert(rollup regclass, sums text) RETURNS text
LANGUAGE sql STABLE AS $$
SELECT format('INSERT INTO %s AS r %s ON CONFLICT (%s) DO UPDATE SET %s', rollup, sums,
    string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE a.attnum = ANY (i.indkey)),
    string_agg(format('%1$I = r.%1$I + excluded.%1$I', a.attname), ', ' ORDER BY a.attnum) FILTER (WHERE NOT a.attnum = ANY (i.indkey)))
FROM pg_attribute a JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = rollup AND a.attnum > 0 AND NOT a.attisdropped
$$;
-- +goose StatementEnd

-- time_entries changed: add the new rows' sums, subtract the old rows'.
-- Transition tables are visible to EXECUTE in the trigger function itself.
-- +goose StatementBegin
CREATE FUNCTION time_entry_months_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_months;
        RETURN NULL;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_changes(TG_OP) LOOP
        EXECUTE time_entry_rollup_upsert('time_entry_months', time_entry_months_sums(change.src, change.sign));
        IF change.sign < 0 THEN
            EXECUTE format($q$DELETE FROM time_entry_months m USING (SELECT DISTINCT
                    date_trunc('month', work_date)::date AS month, employee_id, project_id FROM %s) o
                WHERE m.entries = 0 AND (m.month, m.employee_id, m.project_id) = (o.month, o.employee_id, o.project_id)$q$,
                change.src);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd


-- assignments changed: recompute every (project, employee) pair named by an
-- old or a new row, since the rate of their hours may have changed.
-- +goose StatementBegin
CREATE FUNCTION time_entry_months_rerate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pairs text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM time_entry_months_rebuild();
        RETURN NULL;
    END IF;
    pairs := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT project_id, employee_id FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT project_id, employee_id FROM old_rows'
        ELSE 'SELECT project_id, employee_id FROM old_rows UNION SELECT project_id, employee_id FROM new_rows' END;
    EXECUTE format($q$DELETE FROM time_entry_months m USING (%s) p
        WHERE m.project_id = p.project_id AND m.employee_id = p.employee_id$q$, pairs);
    EXECUTE 'INSERT INTO time_entry_months ' || time_entry_months_sums('time_entries', 1,
        format('AND (t.project_id, t.employee_id) IN (%s)', pairs));
    RETURN NULL;
END $$;
-- +goose StatementEnd


-- Four statement triggers on each table, one per event (a trigger with
-- transition tables may have only one event), all named <function>_<event>.
-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('time_entries', 'time_entry_months_apply'),
                                   ('assignments', 'time_entry_months_rerate')) v(tbl, fn) LOOP
        EXECUTE format('CREATE TRIGGER %2$s_insert AFTER INSERT ON %1$I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %2$s()', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %2$s_update AFTER UPDATE ON %1$I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %2$s()', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %2$s_delete AFTER DELETE ON %1$I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %2$s()', t.tbl, t.fn);
        EXECUTE format('CREATE TRIGGER %2$s_truncate AFTER TRUNCATE ON %1$I
            FOR EACH STATEMENT EXECUTE FUNCTION %2$s()', t.tbl, t.fn);
    END LOOP;
END $$;
-- +goose StatementEnd

CREATE TABLE time_entry_totals (
    month                  date   NOT NULL,
    department_id          bigint NOT NULL,
    segment                customer_segment NOT NULL,
    currency               char(3) NOT NULL,
    entries                bigint NOT NULL,
    hours                  numeric NOT NULL,
    billable_hours         numeric NOT NULL,
    billable_amount        numeric NOT NULL, -- sensitive: derived from bill_rate
    billable_unrated_hours numeric NOT NULL,
    PRIMARY KEY (month, department_id, segment, currency)
);
-- Rows left at zero entries are removed after every change; this index
-- finds them without reading the table.
CREATE INDEX time_entry_totals_emptied_idx ON time_entry_totals (month) WHERE entries = 0;
COMMENT ON TABLE time_entry_totals IS
    'Monthly sums of time_entries per department, customer segment and currency, kept by triggers (migrations/00007_analytics.sql).';

-- The sums of a set of time_entry_months rows (fine), each under the
-- department of its employee in emps, the currency of its project in
-- projs and the segment of that project's customer in custs: the tables
-- themselves, or a transition table standing in for one of them.
-- +goose StatementBegin
CREATE FUNCTION time_entry_totals_sums(fine text, sign int, emps text, projs text, custs text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT format($q$
    SELECT f.month, e.department_id, c.segment, p.currency,
           %2$s * sum(f.entries), %2$s * sum(f.hours), %2$s * sum(f.billable_hours),
           %2$s * sum(f.billable_amount), %2$s * sum(f.billable_unrated_hours)
    FROM %1$s f
    JOIN %3$s e ON e.id = f.employee_id
    JOIN %4$s p ON p.id = f.project_id
    JOIN %5$s c ON c.id = p.customer_id
    GROUP BY 1, 2, 3, 4$q$, fine, sign, emps, projs, custs)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION time_entry_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    fine text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_totals;
        RETURN NULL;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_changes(TG_OP) LOOP
        fine := CASE TG_TABLE_NAME
            WHEN 'time_entry_months' THEN change.src
            WHEN 'employees' THEN format('(SELECT * FROM time_entry_months WHERE employee_id IN (SELECT id FROM %s))', change.src)
            WHEN 'projects' THEN format('(SELECT * FROM time_entry_months WHERE project_id IN (SELECT id FROM %s))', change.src)
            ELSE format('(SELECT * FROM time_entry_months WHERE project_id IN (SELECT id FROM projects WHERE customer_id IN (SELECT id FROM %s)))', change.src)
        END;
        EXECUTE time_entry_rollup_upsert('time_entry_totals', time_entry_totals_sums(fine, change.sign,
                CASE TG_TABLE_NAME WHEN 'employees' THEN change.src ELSE 'employees' END,
                CASE TG_TABLE_NAME WHEN 'projects' THEN change.src ELSE 'projects' END,
                CASE TG_TABLE_NAME WHEN 'customers' THEN change.src ELSE 'customers' END));
    END LOOP;
    DELETE FROM time_entry_totals WHERE entries = 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The same four statement triggers on time_entry_months, and update
-- triggers on the dimensions.
-- +goose StatementBegin
DO $$
DECLARE
    tbl text;
BEGIN
    EXECUTE 'CREATE TRIGGER time_entry_totals_follow_insert AFTER INSERT ON time_entry_months REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION time_entry_totals_follow()';
    EXECUTE 'CREATE TRIGGER time_entry_totals_follow_delete AFTER DELETE ON time_entry_months REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION time_entry_totals_follow()';
    EXECUTE 'CREATE TRIGGER time_entry_totals_follow_truncate AFTER TRUNCATE ON time_entry_months
        FOR EACH STATEMENT EXECUTE FUNCTION time_entry_totals_follow()';
    FOREACH tbl IN ARRAY ARRAY['time_entry_months', 'employees', 'projects', 'customers'] LOOP
        EXECUTE format('CREATE TRIGGER time_entry_totals_follow_update AFTER UPDATE ON %I
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION time_entry_totals_follow()', tbl);
    END LOOP;
END $$;
-- +goose StatementEnd

SELECT time_entry_months_rebuild();
ANALYZE time_entry_months, time_entry_totals;

-- +goose Down
-- Dropping the trigger functions drops their triggers.
DROP FUNCTION time_entry_totals_follow() CASCADE;
DROP FUNCTION time_entry_totals_sums(text, int, text, text, text);
DROP TABLE time_entry_totals;
DROP FUNCTION time_entry_months_rerate() CASCADE;
DROP FUNCTION time_entry_months_apply() CASCADE;
DROP FUNCTION time_entry_months_rebuild();
DROP FUNCTION time_entry_months_sums(text, int, text);
DROP FUNCTION time_entry_rollup_changes(text);
DROP FUNCTION time_entry_rollup_upsert(regclass, text);
DROP TABLE time_entry_months;
