-- hoursByDepartment without a segment and revenueBySegment without a
-- department (the variables the tools ship with) grouped time_entry_totals
-- (00007: per month, department, segment and currency; 13,064 rows for a
-- year at scale 1) on every call, to 720 and 396 rows: about 15 ms each
-- of their 37 and 27 at one client (issue 20 asks for 20).
--
-- Two rollups of time_entry_totals hold those groupings:
-- time_entry_department_months (per month and department, over segments
-- and currencies: hours) and time_entry_segment_months (per month, segment
-- and currency, over departments: billable hours and amounts, and people,
-- which add up across departments as a person sits in one). Statement
-- triggers on time_entry_totals add the new rows' values and subtract the
-- old rows' (an upsert, so concurrent writers add up under the row's
-- lock); time_entry_totals changes only inside its own triggers, under
-- 00016's locks, so these follow it exactly as it follows the entries.
-- A group whose rows all went keeps a row of zeros (entries = 0): the
-- reports skip those, as time_entry_totals deletes its own.

-- +goose Up
CREATE TABLE time_entry_department_months (
    month          date    NOT NULL,
    department_id  bigint  NOT NULL,
    entries        bigint  NOT NULL,
    hours          numeric NOT NULL,
    billable_hours numeric NOT NULL,
    PRIMARY KEY (month, department_id)
);
COMMENT ON TABLE time_entry_department_months IS
    'time_entry_totals summed per month and department, kept by triggers (migrations/00026_time_entry_month_sums.sql).';

CREATE TABLE time_entry_segment_months (
    month                  date             NOT NULL,
    segment                customer_segment NOT NULL,
    currency               char(3)          NOT NULL,
    entries                bigint           NOT NULL,
    billable_hours         numeric          NOT NULL,
    billable_unrated_hours numeric          NOT NULL,
    billable_amount        numeric          NOT NULL, -- sensitive: derived from bill_rate
    people                 bigint           NOT NULL, -- Σ time_entry_totals.people: each person sits in one department
    PRIMARY KEY (month, segment, currency)
);
COMMENT ON TABLE time_entry_segment_months IS
    'time_entry_totals summed per month, segment and currency, kept by triggers (migrations/00026_time_entry_month_sums.sql).';

-- +goose StatementBegin
CREATE FUNCTION time_entry_month_sums_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    src text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE time_entry_department_months, time_entry_segment_months;
        RETURN NULL;
    END IF;
    -- The moved rows with a sign: transition tables are visible to
    -- EXECUTE in the trigger function itself.
    src := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT 1 AS s, * FROM new_rows'
        WHEN 'DELETE' THEN 'SELECT -1 AS s, * FROM old_rows'
        ELSE 'SELECT 1 AS s, * FROM new_rows UNION ALL SELECT -1 AS s, * FROM old_rows'
    END;
    -- Groups that net to nothing (people counted again to the same
    -- number, an update that moved no value) write nothing.
    EXECUTE format($q$
        INSERT INTO time_entry_department_months AS t
        SELECT month, department_id, sum(s * entries), sum(s * hours), sum(s * billable_hours)
        FROM (%s) r
        GROUP BY 1, 2
        HAVING sum(s * entries) <> 0 OR sum(s * hours) <> 0 OR sum(s * billable_hours) <> 0
        ORDER BY 1, 2
        ON CONFLICT (month, department_id) DO UPDATE
        SET entries = t.entries + excluded.entries, hours = t.hours + excluded.hours,
            billable_hours = t.billable_hours + excluded.billable_hours$q$, src);
    EXECUTE format($q$
        INSERT INTO time_entry_segment_months AS t
        SELECT month, segment, currency, sum(s * entries), sum(s * billable_hours), sum(s * billable_unrated_hours),
               sum(s * billable_amount), sum(s * people)
        FROM (%s) r
        GROUP BY 1, 2, 3
        HAVING sum(s * entries) <> 0 OR sum(s * billable_hours) <> 0 OR sum(s * billable_unrated_hours) <> 0
            OR sum(s * billable_amount) <> 0 OR sum(s * people) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (month, segment, currency) DO UPDATE
        SET entries = t.entries + excluded.entries, billable_hours = t.billable_hours + excluded.billable_hours,
            billable_unrated_hours = t.billable_unrated_hours + excluded.billable_unrated_hours,
            billable_amount = t.billable_amount + excluded.billable_amount, people = t.people + excluded.people$q$, src);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER time_entry_month_sums_follow_insert AFTER INSERT ON time_entry_totals REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_month_sums_follow();
CREATE TRIGGER time_entry_month_sums_follow_update AFTER UPDATE ON time_entry_totals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_month_sums_follow();
CREATE TRIGGER time_entry_month_sums_follow_delete AFTER DELETE ON time_entry_totals REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_month_sums_follow();
CREATE TRIGGER time_entry_month_sums_follow_truncate AFTER TRUNCATE ON time_entry_totals
    FOR EACH STATEMENT EXECUTE FUNCTION time_entry_month_sums_follow();

-- The rows as they stand.
INSERT INTO time_entry_department_months
SELECT month, department_id, sum(entries), sum(hours), sum(billable_hours) FROM time_entry_totals GROUP BY 1, 2;
INSERT INTO time_entry_segment_months
SELECT month, segment, currency, sum(entries), sum(billable_hours), sum(billable_unrated_hours), sum(billable_amount), sum(people)
FROM time_entry_totals GROUP BY 1, 2, 3;
ANALYZE time_entry_department_months;
ANALYZE time_entry_segment_months;

-- +goose Down
-- Dropping the trigger function drops its triggers.
DROP FUNCTION time_entry_month_sums_follow() CASCADE;
DROP TABLE time_entry_segment_months;
DROP TABLE time_entry_department_months;
