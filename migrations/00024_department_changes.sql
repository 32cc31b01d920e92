-- Headcount and capacity per department and month (analytics.
-- headcountByDepartment, and the capacity of hoursByDepartment) were
-- computed from every employee on every call: 15,000 hire and departure
-- events grouped for the headcount, the 5,000 people joined with each
-- month of the range for the capacity (issue 20 asks for 20 ms; they took
-- 71 and 34 at scale 1).
--
-- department_changes holds, per department and month, what changes there:
-- the people who join its headcount (a hire on hired_on, a departure the
-- day after terminated_on) and their weekly capacity, the hires and the
-- leavers (terminated_on in the month), and capacity in two parts. A
-- month's capacity is the weekly capacity of the people employed all of
-- it, times its weekdays, plus each partly employed person's weekly
-- capacity times the weekdays they were employed in it, all over 5. So
-- full_capacity is the change in the weekly capacity of people employed
-- the whole month (+ from the first such month, - from the first month
-- after the last), and partial_capacity is Σ weekly capacity × weekdays
-- employed, in the months of a hire or a departure not on a month's edge.
-- A report adds up a department's rows up to a month (a running sum), so
-- it reads about a row per department and month instead of the people.
--
-- A person's rows are a function of four columns (department_changes_of);
-- a row trigger subtracts the old row's and adds the new row's, only when
-- one of them changed, as an upsert that adds: concurrent writes add up
-- under the rollup row's lock, and nothing but employees feeds it, so no
-- other table's writes can race it (unlike 00016's). A department and
-- month whose changes net to zero keep their row of zeros: deleting it
-- could race a concurrent upsert, and the rows are bounded by departments
-- × months anyway.
--
-- terminated_on before hired_on has no meaning the reports could give
-- (the write path refuses it); a constraint now says so for new rows.

-- +goose Up
ALTER TABLE employees ADD CONSTRAINT employees_terminated_after_hired
    CHECK (terminated_on >= hired_on) NOT VALID;

-- The Mondays to Fridays from 2001-01-01 (a Monday) through d, negative
-- before it (until now a Go string in internal/analytics): whole weeks
-- give five, the days of the last part week up to five. Closed form, so
-- capacity needs no row per day. 7,000,000 days (a multiple of 7) keep the
-- division on positive numbers for any date of the last 19,000 years,
-- where integer / and % are floor division; integers, not numeric's div
-- and mod, which cost a third of a second over 5,000 people and 12
-- months. One expression, so PostgreSQL inlines it.
CREATE FUNCTION weekdays_through(d date) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 5 * ((d - DATE '2001-01-01' + 7000000) / 7 - 1000000) + least((d - DATE '2001-01-01' + 7000000) % 7 + 1, 5);

CREATE TABLE department_changes (
    department_id    bigint  NOT NULL,
    month            date    NOT NULL, -- its first day
    head             bigint  NOT NULL, -- hires on a day of the month - departures (the day after terminated_on) in it
    weekly_capacity  numeric NOT NULL, -- the same, of weekly_capacity_hours
    hires            bigint  NOT NULL, -- hired_on in the month
    leavers          bigint  NOT NULL, -- terminated_on in the month
    full_capacity    numeric NOT NULL, -- change of the weekly capacity of people employed the whole month
    partial_capacity numeric NOT NULL, -- Σ weekly capacity × weekdays employed, of the people employed part of it
    PRIMARY KEY (department_id, month)
);
COMMENT ON TABLE department_changes IS
    'Changes of headcount and capacity per department and month, kept by a trigger on employees (migrations/00024_department_changes.sql).';

-- A person's rows of department_changes. Months: h of the hire, f the
-- first employed whole, d of the departure (the day after terminated_on;
-- NULL while employed), l of terminated_on. Whole months run from f to
-- the month before d; h is partial if it is not whole (hired after its
-- first day, or gone before its last), and so is l when it is not h and
-- the person left before its last day (d = l).
-- +goose StatementBegin
CREATE FUNCTION department_changes_of(dept bigint, hired date, term date, wk numeric)
RETURNS TABLE (department_id bigint, month date, head int, weekly_capacity numeric, hires int, leavers int,
               full_capacity numeric, partial_capacity numeric)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
WITH m(h, f, d, l) AS (
    SELECT date_trunc('month', hired)::date,
           (date_trunc('month', hired - 1) + interval '1 month')::date,
           date_trunc('month', term + 1)::date,
           date_trunc('month', term)::date),
partial(month) AS (
    SELECT CASE WHEN m.f > m.h OR m.d = m.h THEN m.h END FROM m
    UNION ALL
    SELECT CASE WHEN m.d = m.l AND m.l <> m.h THEN m.l END FROM m)
SELECT dept, r.* FROM m CROSS JOIN LATERAL (VALUES
    (m.h, 1, wk, 1, 0, 0::numeric, 0::numeric),
    (m.d, -1, -wk, 0, 0, 0, 0),
    (m.l, 0, 0, 0, 1, 0, 0),
    (CASE WHEN m.d IS NULL OR m.f < m.d THEN m.f END, 0, 0, 0, 0, wk, 0),
    (CASE WHEN m.f < m.d THEN m.d END, 0, 0, 0, 0, -wk, 0)) r
WHERE r.column1 IS NOT NULL
UNION ALL
SELECT dept, p.month, 0, 0, 0, 0, 0,
       wk * (weekdays_through(least((p.month + interval '1 month' - interval '1 day')::date, term))
             - weekdays_through(greatest(p.month, hired) - 1))
FROM partial p
WHERE p.month IS NOT NULL
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION department_changes_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE department_changes;
        RETURN NULL;
    END IF;
    INSERT INTO department_changes AS t
    SELECT c.department_id, c.month, sum(s * c.head), sum(s * c.weekly_capacity), sum(s * c.hires), sum(s * c.leavers),
           sum(s * c.full_capacity), sum(s * c.partial_capacity)
    FROM (SELECT 1 AS s, n.* FROM department_changes_of(NEW.department_id, NEW.hired_on, NEW.terminated_on, NEW.weekly_capacity_hours) n
          WHERE TG_OP <> 'DELETE'
          UNION ALL
          SELECT -1, o.* FROM department_changes_of(OLD.department_id, OLD.hired_on, OLD.terminated_on, OLD.weekly_capacity_hours) o
          WHERE TG_OP <> 'INSERT') c
    GROUP BY 1, 2
    -- An update moving nothing a row reads (a capacity of equal value)
    -- cancels out and writes nothing.
    HAVING sum(s * c.head) <> 0 OR sum(s * c.weekly_capacity) <> 0 OR sum(s * c.hires) <> 0 OR sum(s * c.leavers) <> 0
        OR sum(s * c.full_capacity) <> 0 OR sum(s * c.partial_capacity) <> 0
    ORDER BY 1, 2 -- one order of row locks for every writer
    ON CONFLICT (department_id, month) DO UPDATE
    SET head = t.head + excluded.head, weekly_capacity = t.weekly_capacity + excluded.weekly_capacity,
        hires = t.hires + excluded.hires, leavers = t.leavers + excluded.leavers,
        full_capacity = t.full_capacity + excluded.full_capacity,
        partial_capacity = t.partial_capacity + excluded.partial_capacity;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER department_changes_follow AFTER INSERT OR DELETE ON employees
    FOR EACH ROW EXECUTE FUNCTION department_changes_follow();
-- Only an update of what a person's rows read runs it: a title, a status
-- or a salary does not.
CREATE TRIGGER department_changes_follow_update AFTER UPDATE OF department_id, hired_on, terminated_on, weekly_capacity_hours
    ON employees FOR EACH ROW
    WHEN ((OLD.department_id, OLD.hired_on, OLD.terminated_on, OLD.weekly_capacity_hours)
          IS DISTINCT FROM (NEW.department_id, NEW.hired_on, NEW.terminated_on, NEW.weekly_capacity_hours))
    EXECUTE FUNCTION department_changes_follow();
CREATE TRIGGER department_changes_follow_truncate AFTER TRUNCATE ON employees
    FOR EACH STATEMENT EXECUTE FUNCTION department_changes_follow();

-- The rows as they stand.
INSERT INTO department_changes
SELECT c.department_id, c.month, sum(c.head), sum(c.weekly_capacity), sum(c.hires), sum(c.leavers),
       sum(c.full_capacity), sum(c.partial_capacity)
FROM employees e, department_changes_of(e.department_id, e.hired_on, e.terminated_on, e.weekly_capacity_hours) c
GROUP BY 1, 2;
ANALYZE department_changes;

-- +goose Down
-- Dropping the trigger function drops its triggers.
DROP FUNCTION department_changes_follow() CASCADE;
DROP FUNCTION department_changes_of(bigint, date, date, numeric);
DROP TABLE department_changes;
DROP FUNCTION weekdays_through(date);
ALTER TABLE employees DROP CONSTRAINT employees_terminated_after_hired;
