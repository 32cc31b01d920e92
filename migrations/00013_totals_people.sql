-- A sum of bill rates over one or two people is their rates in disguise
-- (issue 21, finding 2): revenueBySegment withholds a revenue made up by
-- fewer than three people from callers who may read only sums, so it must
-- know how many people each figure adds up. time_entry_totals.people is
-- that count per cell: the employees of the department whose rated
-- billable hours (billable_amount > 0) of the month went to projects of
-- the segment and currency. People sit in one department each, so the
-- count of a department subtree is the sum of its cells.
--
-- A count of distinct people does not add up as the other columns do, so
-- the trigger counts the cells it touched again (time_entry_totals_people:
-- the department's people, each an index probe of time_entry_months by
-- month and employee) after adding their sums; the upsert leaves people as
-- it was (the sums carry no value for it, so it adds its default, 0). It
-- reads only columns 00012's time_entry_rollup_reads lists (a month row's
-- keys and billable_amount, the dimensions' keys), so an UPDATE that moves
-- none of them changes no count and may still skip the rollups entirely.

-- +goose Up
ALTER TABLE time_entry_totals ADD COLUMN people bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION time_entry_totals_people(cell_month date, department bigint, cell_segment customer_segment, cell_currency char(3))
RETURNS bigint LANGUAGE sql STABLE AS $$
SELECT count(DISTINCT m.employee_id)
FROM employees e
JOIN time_entry_months m ON m.month = cell_month AND m.employee_id = e.id
JOIN projects p ON p.id = m.project_id
JOIN customers c ON c.id = p.customer_id
WHERE e.department_id = department AND c.segment = cell_segment AND p.currency = cell_currency
  AND m.billable_amount > 0
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION time_entry_totals_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    fine text;
    sums text;
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
        sums := time_entry_totals_sums(fine, change.sign,
                CASE TG_TABLE_NAME WHEN 'employees' THEN change.src ELSE 'employees' END,
                CASE TG_TABLE_NAME WHEN 'projects' THEN change.src ELSE 'projects' END,
                CASE TG_TABLE_NAME WHEN 'customers' THEN change.src ELSE 'customers' END);
        EXECUTE time_entry_rollup_upsert('time_entry_totals', sums);
        -- The cells these sums went to, old ones and new: their people
        -- are counted again from the tables as they now are.
        EXECUTE format($q$UPDATE time_entry_totals t SET people = time_entry_totals_people(k.month, k.department_id, k.segment, k.currency)
            FROM (SELECT DISTINCT s.month, s.department_id, s.segment, s.currency FROM (%s) s) k
            WHERE (t.month, t.department_id, t.segment, t.currency) = (k.month, k.department_id, k.segment, k.currency)$q$, sums);
    END LOOP;
    DELETE FROM time_entry_totals WHERE entries = 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd

UPDATE time_entry_totals t SET people = n.people
FROM (SELECT m.month, e.department_id, c.segment, p.currency, count(DISTINCT m.employee_id) AS people
      FROM time_entry_months m
      JOIN employees e ON e.id = m.employee_id
      JOIN projects p ON p.id = m.project_id
      JOIN customers c ON c.id = p.customer_id
      WHERE m.billable_amount > 0
      GROUP BY 1, 2, 3, 4) n
WHERE (t.month, t.department_id, t.segment, t.currency) = (n.month, n.department_id, n.segment, n.currency);

-- +goose Down
-- 00012's body, which counts no people.
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
DROP FUNCTION time_entry_totals_people(date, bigint, customer_segment, char);
ALTER TABLE time_entry_totals DROP COLUMN people;
