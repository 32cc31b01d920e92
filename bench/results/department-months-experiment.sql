-- Not applied: the experiment of bench/results/analytics-orderings.md, "Goal 2, fourth look"
-- (measured, not landed: a bulk change of people cost 23 times as much).
-- It was migrations/00027_department_months.sql, with runningCTE in
-- internal/analytics/sql.go reading department_months (the range of rows,
-- and a LATERAL of each department's last row carried on past it).

-- headcountByDepartment took running sums of department_changes (00024)
-- over every department and month of its range on each call: 7,200 cells
-- for ten years, 12–17 ms of a ~20 ms statement at scale 1
-- (bench/results/analytics-orderings.md, "fourth look"). department_months
-- keeps those sums: per department, a row for every month from its first
-- change to its last, with the running headcount, weekly capacity and
-- capacity of the people employed the whole month at the month's end,
-- and the month's own hires, leavers and partial capacity. A report reads
-- its range of rows, and carries a department's last row on for the
-- months after it (nothing changes there).
--
-- A row trigger on department_changes adds each change to the rows from
-- its month on (up to a department's whole history, ~200 rows, for a
-- change dated years back; a hire today touches a row or two), after
-- adding the months the department had no row for yet. Changes to one
-- department are applied one transaction at a time, under an advisory
-- lock on the department: a transaction adding months copies the last
-- row's sums, which another's change to earlier months must not miss.

-- +goose Up
CREATE TABLE department_months (
    department_id    bigint  NOT NULL,
    month            date    NOT NULL, -- its first day
    headcount        bigint  NOT NULL, -- Σ department_changes.head through the month: the people at its end
    weekly_capacity  numeric NOT NULL, -- Σ weekly_capacity through it: their weekly capacity
    full_capacity    numeric NOT NULL, -- Σ full_capacity through it: that of the people employed all of it
    hires            bigint  NOT NULL, -- the month's own
    leavers          bigint  NOT NULL,
    partial_capacity numeric NOT NULL,
    PRIMARY KEY (department_id, month)
);
COMMENT ON TABLE department_months IS
    'Running headcount and capacity per department and month, kept by a trigger on department_changes (migrations/00027_department_months.sql).';

-- +goose StatementBegin
CREATE FUNCTION department_months_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    d_head bigint := NEW.head;
    d_weekly numeric := NEW.weekly_capacity;
    d_full numeric := NEW.full_capacity;
    d_hires bigint := NEW.hires;
    d_leavers bigint := NEW.leavers;
    d_partial numeric := NEW.partial_capacity;
    first_month date;
    last_month date;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        d_head := NEW.head - OLD.head;
        d_weekly := NEW.weekly_capacity - OLD.weekly_capacity;
        d_full := NEW.full_capacity - OLD.full_capacity;
        d_hires := NEW.hires - OLD.hires;
        d_leavers := NEW.leavers - OLD.leavers;
        d_partial := NEW.partial_capacity - OLD.partial_capacity;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('department months:' || NEW.department_id, 15));
    SELECT min(month), max(month) INTO first_month, last_month
    FROM department_months WHERE department_id = NEW.department_id;
    IF first_month IS NULL THEN
        INSERT INTO department_months VALUES (NEW.department_id, NEW.month, 0, 0, 0, 0, 0, 0);
    ELSIF NEW.month < first_month THEN
        -- Before the first change nothing had happened: zeros.
        INSERT INTO department_months
        SELECT NEW.department_id, m::date, 0, 0, 0, 0, 0, 0
        FROM generate_series(NEW.month, first_month - interval '1 month', interval '1 month') m;
    ELSIF NEW.month > last_month THEN
        -- After the last, the sums stand as they were.
        INSERT INTO department_months
        SELECT NEW.department_id, m::date, l.headcount, l.weekly_capacity, l.full_capacity, 0, 0, 0
        FROM department_months l, generate_series(last_month + interval '1 month', NEW.month, interval '1 month') m
        WHERE l.department_id = NEW.department_id AND l.month = last_month;
    END IF;
    UPDATE department_months
    SET headcount = headcount + d_head,
        weekly_capacity = weekly_capacity + d_weekly,
        full_capacity = full_capacity + d_full,
        hires = hires + CASE WHEN month = NEW.month THEN d_hires ELSE 0 END,
        leavers = leavers + CASE WHEN month = NEW.month THEN d_leavers ELSE 0 END,
        partial_capacity = partial_capacity + CASE WHEN month = NEW.month THEN d_partial ELSE 0 END
    WHERE department_id = NEW.department_id AND month >= NEW.month;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- department_changes' rows are upserted, never deleted (00024); emptied
-- only with employees, by TRUNCATE.
CREATE TRIGGER department_months_follow AFTER INSERT OR UPDATE ON department_changes
    FOR EACH ROW EXECUTE FUNCTION department_months_follow();

-- +goose StatementBegin
CREATE FUNCTION department_months_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE department_months;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER department_months_truncate AFTER TRUNCATE ON department_changes
    FOR EACH STATEMENT EXECUTE FUNCTION department_months_truncate();

-- The rows as they stand.
INSERT INTO department_months
SELECT g.department_id, g.month,
       sum(coalesce(c.head, 0)) OVER w, sum(coalesce(c.weekly_capacity, 0)) OVER w, sum(coalesce(c.full_capacity, 0)) OVER w,
       coalesce(c.hires, 0), coalesce(c.leavers, 0), coalesce(c.partial_capacity, 0)
FROM (SELECT department_id, m::date AS month
      FROM (SELECT department_id, min(month) AS first_month, max(month) AS last_month
            FROM department_changes GROUP BY 1) s,
           generate_series(s.first_month, s.last_month, interval '1 month') m) g
LEFT JOIN department_changes c USING (department_id, month)
WINDOW w AS (PARTITION BY g.department_id ORDER BY g.month);
ANALYZE department_months;

-- +goose Down
DROP FUNCTION department_months_truncate() CASCADE;
DROP FUNCTION department_months_follow() CASCADE;
DROP TABLE department_months;
