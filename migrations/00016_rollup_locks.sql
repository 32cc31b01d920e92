-- The rollups stay exact under concurrent writes (issue 15). 00007's
-- header leaves one race: a statement that changes what an hour is worth
-- or where it is counted (an assignment's rate or period, an employee's
-- department, a project's customer or currency, a customer's segment) and
-- one that writes time entries it concerns, in concurrent transactions.
-- Each trigger reads the other's rows as they were before the other
-- committed, so the entries keep the old value or the old place until the
-- table is rebuilt. With writes through the API such statements meet every
-- day.
--
-- Here the two sides take transaction-scoped advisory locks on what they
-- share, before any rollup trigger of their statement runs (a statement's
-- AFTER triggers fire in name order, and time_entry_lock_* sorts before
-- time_entry_months_* and time_entry_totals_*): a statement writing time
-- entries takes a shared lock per (project, employee) pair, employee,
-- project and customer its moved rows name; a statement changing those
-- takes the key of each row it moved exclusively. Whichever comes second
-- waits for the first to commit and then reads its rows, so its sums add
-- up to the truth. Time entries do not wait for each other (shared locks),
-- keys are taken in one order (sorted), and an UPDATE that moved nothing
-- the rollups read takes nothing (00012's narrowing). A statement moving
-- more than 100 rows (a bulk load, a bulk update) locks the other side's
-- tables in SHARE mode instead, which PostgreSQL's lock table holds at
-- any size.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION time_entry_rollup_lock() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    per_row text;
    parts text[] := '{}';
    rows_seen text[] := '{}';
    moved bigint;
    c record;
    ks text[];
BEGIN
    per_row := CASE TG_TABLE_NAME
        WHEN 'time_entries' THEN $q$SELECT v.k FROM %s r, LATERAL (VALUES
            ('pair:' || r.project_id || ':' || r.employee_id), ('employee:' || r.employee_id), ('project:' || r.project_id),
            ((SELECT 'customer:' || p.customer_id FROM projects p WHERE p.id = r.project_id))) v(k)$q$
        WHEN 'assignments' THEN $q$SELECT 'pair:' || r.project_id || ':' || r.employee_id FROM %s r$q$
        WHEN 'employees' THEN $q$SELECT 'employee:' || r.id FROM %s r$q$
        WHEN 'projects' THEN $q$SELECT 'project:' || r.id FROM %s r$q$
        WHEN 'customers' THEN $q$SELECT 'customer:' || r.id FROM %s r$q$
    END;
    FOR c IN SELECT * FROM time_entry_rollup_moves(TG_OP, TG_TABLE_NAME) LOOP
        parts := parts || format(per_row, c.src);
        rows_seen := rows_seen || format('SELECT 1 FROM %s r', c.src);
    END LOOP;
    -- A bulk statement (over 100 rows moved; counting stops there) locks
    -- tables: cheaper than listing its keys, and within the lock table.
    EXECUTE format('SELECT count(*) FROM (%s LIMIT 101) r', array_to_string(rows_seen, ' UNION ALL ')) INTO moved;
    IF moved = 0 THEN
        RETURN NULL;
    ELSIF moved > 100 THEN
        IF TG_TABLE_NAME = 'time_entries' THEN
            LOCK TABLE assignments, employees, projects, customers IN SHARE MODE;
        ELSE
            LOCK TABLE time_entries IN SHARE MODE;
        END IF;
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT k ORDER BY k) FROM (%s) keys(k) WHERE k IS NOT NULL',
        array_to_string(parts, ' UNION ALL ')) INTO ks;
    IF ks IS NULL THEN
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'time_entries' THEN
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(k, 15)) FROM unnest(ks) k;
    ELSE
        PERFORM pg_advisory_xact_lock(hashtextextended(k, 15)) FROM unnest(ks) k;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES ('time_entries', true), ('assignments', true),
                                   ('employees', false), ('projects', false), ('customers', false)) v(tbl, all_events) LOOP
        EXECUTE format('CREATE TRIGGER time_entry_lock_update AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION time_entry_rollup_lock()', t.tbl);
        IF t.all_events THEN
            EXECUTE format('CREATE TRIGGER time_entry_lock_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION time_entry_rollup_lock()', t.tbl);
            EXECUTE format('CREATE TRIGGER time_entry_lock_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION time_entry_rollup_lock()', t.tbl);
        END IF;
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION time_entry_rollup_lock() CASCADE;
