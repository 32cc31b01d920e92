-- The rollup triggers of 00007_analytics.sql follow every write exactly,
-- but an UPDATE paid as if every updated row had moved: they subtracted the
-- sums of all its old rows and added those of all its new rows back, so a
-- bulk status change of 100,000 projects rewrote about 1.1 million rollup
-- rows to the values they already had (and correcting a time entry's note
-- re-summed its month).
--
-- Now an UPDATE re-sums only the rows that moved as far as the rollups can
-- see. Each table's trigger compares the statement's old and new rows on
-- the columns the rollups read of that table (time_entry_rollup_reads) and
-- feeds only the difference to the same sums functions as before: the old
-- rows without an equal new row are subtracted, the new rows without an
-- equal old row added (EXCEPT ALL, so equal rows cancel one for one). That
-- is exactly what subtracting all and adding all gave: a row's share of
-- the sums is a function of those columns alone, so rows equal on them
-- cancel whatever else changed, even the id. An UPDATE that moves nothing
-- (a description, a status, a note, a title, an assignment's role) writes
-- no rollup row and runs no statement of the rollups'.
--
-- INSERT, DELETE and TRUNCATE are unchanged: every row they touch moved.
-- The trigger functions keep their names, so the triggers of 00007 call
-- the new bodies; Down puts 00007's back.

-- +goose Up
-- The columns of tbl that the rollups' sums read: a time entry's keys,
-- hours and billable flag; an assignment's pair, period and rate (the
-- value of an hour); the sums of time_entry_months that time_entry_totals
-- adds up; the dimensions time_entry_totals is keyed by, with the id that
-- joins them. Adding a column to a sum means adding it here.
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_reads(tbl name) RETURNS text
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

-- What time_entry_rollup_changes gives (the transition tables of an event
-- and their signs), with an UPDATE's narrowed to the rows that moved: a
-- subquery of the read columns of the rows of one side that the other side
-- lacks. The other events' tables are given whole.
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_moves(op text, tbl name) RETURNS TABLE (src text, sign int)
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN op = 'UPDATE'
            THEN format('(SELECT %1$s FROM %2$s EXCEPT ALL SELECT %1$s FROM %3$s)', time_entry_rollup_reads(tbl), c.src,
                        CASE c.src WHEN 'old_rows' THEN 'new_rows' ELSE 'old_rows' END)
            ELSE c.src END,
       c.sign
FROM time_entry_rollup_changes(op) c
$$;
-- +goose StatementEnd

-- The statement that tells whether an UPDATE of tbl moved any row the
-- rollups read. The old side is enough: an UPDATE has as many new rows as
-- old, so if every old row has its equal among the new, the reverse holds.
-- The trigger function EXECUTEs it, being the one that sees the
-- transition tables.
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_moved(tbl name) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT 'SELECT EXISTS ' || src FROM time_entry_rollup_moves('UPDATE', tbl) WHERE sign < 0
$$;
-- +goose StatementEnd

-- time_entries changed: add the moved new rows' sums, subtract the moved
-- old rows'.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_months_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    moved boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_months;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        EXECUTE time_entry_rollup_moved(TG_TABLE_NAME) INTO moved;
        IF NOT moved THEN
            RETURN NULL;
        END IF;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_moves(TG_OP, TG_TABLE_NAME) LOOP
        EXECUTE time_entry_rollup_upsert('time_entry_months', time_entry_months_sums(change.src, change.sign));
        IF change.sign < 0 THEN
            EXECUTE format($q$DELETE FROM time_entry_months m USING (SELECT DISTINCT
                    date_trunc('month', work_date)::date AS month, employee_id, project_id FROM %s x) o
                WHERE m.entries = 0 AND (m.month, m.employee_id, m.project_id) = (o.month, o.employee_id, o.project_id)$q$,
                change.src);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- assignments changed: recompute every (project, employee) pair named by a
-- moved old or new row, since the rate of their hours may have changed.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_months_rerate() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    pairs text;
    moved boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM time_entry_months_rebuild();
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        EXECUTE time_entry_rollup_moved(TG_TABLE_NAME) INTO moved;
        IF NOT moved THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT string_agg(format('SELECT project_id, employee_id FROM %s x', src), ' UNION ') INTO pairs
    FROM time_entry_rollup_moves(TG_OP, TG_TABLE_NAME);
    EXECUTE format($q$DELETE FROM time_entry_months m USING (%s) p
        WHERE m.project_id = p.project_id AND m.employee_id = p.employee_id$q$, pairs);
    EXECUTE 'INSERT INTO time_entry_months ' || time_entry_months_sums('time_entries', 1,
        format('AND (t.project_id, t.employee_id) IN (%s)', pairs));
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- time_entry_months or a dimension changed: move the moved rows' sums.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    fine text;
    moved boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_totals;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        EXECUTE time_entry_rollup_moved(TG_TABLE_NAME) INTO moved;
        IF NOT moved THEN
            RETURN NULL;
        END IF;
    END IF;
    FOR change IN SELECT * FROM time_entry_rollup_moves(TG_OP, TG_TABLE_NAME) LOOP
        fine := CASE TG_TABLE_NAME
            WHEN 'time_entry_months' THEN change.src
            WHEN 'employees' THEN format('(SELECT * FROM time_entry_months WHERE employee_id IN (SELECT id FROM %s x))', change.src)
            WHEN 'projects' THEN format('(SELECT * FROM time_entry_months WHERE project_id IN (SELECT id FROM %s x))', change.src)
            ELSE format('(SELECT * FROM time_entry_months WHERE project_id IN (SELECT id FROM projects WHERE customer_id IN (SELECT id FROM %s x)))', change.src)
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

-- +goose Down
-- 00007's bodies, which re-sum every updated row.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_months_apply() RETURNS trigger
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_months_rerate() RETURNS trigger
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_totals_follow() RETURNS trigger
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

DROP FUNCTION time_entry_rollup_moved(name);
DROP FUNCTION time_entry_rollup_moves(text, name);
DROP FUNCTION time_entry_rollup_reads(name);
