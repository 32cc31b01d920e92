package analytics

import "github.com/bizgraph/bizgraph/internal/store"

// The reports' statements, one each. Named parameters (GORM ends a name at
// a space or a parenthesis, hence CAST(@x AS t) and not @x::t): @from and @to (the
// first day of the first month, the last day of the last; NULL where a
// report allows an open range), @dept (the subtree's root; NULL: every
// department) and the report's own filters.

// subtreeCTE is the departments at and below @dept, or all of them
// (department_subtree, migrations/00008: the one definition, which the
// filter Department.within reads too).
const subtreeCTE = `WITH subtree(id) AS (SELECT s FROM department_subtree(CAST(@dept AS bigint)) s)`

// inSubtree keeps the rollup rows h of people of the subtree. Inside an OR
// the IN is a hashed subplan over the subtree's employees, never a join of
// the rollup with employees, and without a department the OR is true
// before the subplan is ever built (folded away entirely when PostgreSQL
// plans for the parameters' values).
const inSubtree = `(CAST(@dept AS bigint) IS NULL OR h.employee_id IN (
    SELECT e.id FROM employees e WHERE e.department_id IN (SELECT id FROM subtree)))`

// monthsCTE is the calendar months of the range: their first and last
// days and how many weekdays they have (weekdays_through, migrations/00024).
// Materialized, so joins do not redo the date arithmetic per row.
const monthsCTE = `months(month, last, weekdays) AS MATERIALIZED (
    SELECT month, last, weekdays_through(last) - weekdays_through(month - 1)
    FROM (SELECT m::date, (m + interval '1 month' - interval '1 day')::date
          FROM generate_series(CAST(@from AS date), CAST(@to AS date), interval '1 month') m) m(month, last))`

// runningCTE is, per department of the subtree and month of the range,
// the running sums of department_changes (migrations/00024) up to the
// month: the headcount and weekly capacity at its end, and the weekly
// capacity of the people employed all of it; with the month's own hires,
// leavers and partial capacity. Every department and month of the range
// has its row (a month without changes carries the sums on); the changes
// before the range start the sums. department_changes has a row per
// department and month, so each month of the grid meets at most one.
// Its c.month >= @from spares sorting the changes before the range; not a
// BETWEEN, whose selectivity the generic plan of a prepared statement (pgx
// prepares them) guesses so small that the planner then merges on the
// department alone and filters ~300,000 pairs by month (headcount's
// generic plan: 106 ms under EXPLAIN ANALYZE, against the old statement's
// 78 and this one's 35).
const runningCTE = `before AS (
    SELECT department_id, sum(head) AS head, sum(weekly_capacity) AS weekly_capacity, sum(full_capacity) AS full_capacity
    FROM department_changes
    WHERE department_id IN (SELECT id FROM subtree) AND month < CAST(@from AS date)
    GROUP BY 1),
running AS (
    SELECT s.id AS department_id, m.month, coalesce(c.hires, 0) AS hires, coalesce(c.leavers, 0) AS leavers,
           coalesce(c.partial_capacity, 0) AS partial_capacity,
           coalesce(b.head, 0) + sum(coalesce(c.head, 0)) OVER w AS headcount,
           coalesce(b.weekly_capacity, 0) + sum(coalesce(c.weekly_capacity, 0)) OVER w AS weekly_capacity,
           coalesce(b.full_capacity, 0) + sum(coalesce(c.full_capacity, 0)) OVER w AS full_capacity
    FROM subtree s CROSS JOIN months m
    LEFT JOIN department_changes c ON c.department_id = s.id AND c.month = m.month AND c.month >= CAST(@from AS date)
    LEFT JOIN before b ON b.department_id = s.id
    WINDOW w AS (PARTITION BY s.id ORDER BY m.month))`

// hoursByDepartmentSQL reads the hours from time_entry_department_months
// (migrations/00026), or adds up time_entry_totals' rows of a segment, and
// the capacity from department_changes: per department and month, the weekly
// capacity of the people employed all month (a running sum) times its
// weekdays, plus the partial months' share, over 5. A department has a
// capacity row in a month when someone was employed in it: counted at the
// month's end (the running headcount) or leaving during it.
const hoursByDepartmentSQL = subtreeCTE + `,
` + monthsCTE + `,
hours AS (
    SELECT department_id, month, hours, billable_hours
    FROM time_entry_department_months
    WHERE CAST(@segment AS customer_segment) IS NULL
      AND month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
      AND department_id IN (SELECT id FROM subtree) AND entries > 0
    UNION ALL
    SELECT department_id, month, sum(hours), sum(billable_hours)
    FROM time_entry_totals
    WHERE segment = CAST(@segment AS customer_segment)
      AND month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
      AND department_id IN (SELECT id FROM subtree)
    GROUP BY 1, 2),
` + runningCTE + `,
capacity AS (
    SELECT r.department_id, r.month, (m.weekdays * r.full_capacity + r.partial_capacity) / 5 AS capacity
    FROM running r JOIN months m USING (month)
    WHERE r.headcount > 0 OR r.leavers > 0)
SELECT d.id AS department_id, d.code AS department_code, d.name AS department_name, month,
       coalesce(h.hours, 0) AS hours,
       coalesce(h.billable_hours, 0) AS billable_hours,
       round(coalesce(c.capacity, 0), 2) AS capacity_hours,
       round(coalesce(h.billable_hours, 0) / nullif(c.capacity, 0), 4) AS utilization
FROM hours h
FULL JOIN capacity c USING (department_id, month)
JOIN departments d ON d.id = department_id
ORDER BY month, d.code`

// budgetBurnSQL filters projects before it adds up their hours, so a
// status or segment reads only those projects' rollup rows.
var budgetBurnSQL = subtreeCTE + `,
burn AS (
    SELECT p.id,
           sum(CASE CAST(@billable AS boolean) WHEN true THEN h.billable_hours WHEN false THEN h.hours - h.billable_hours
               ELSE h.hours END) AS hours,
           sum(CASE CAST(@billable AS boolean) WHEN true THEN h.billable_unrated_hours
               WHEN false THEN h.unrated_hours - h.billable_unrated_hours ELSE h.unrated_hours END) AS unrated_hours,
           sum(CASE CAST(@billable AS boolean) WHEN true THEN h.billable_amount WHEN false THEN h.amount - h.billable_amount
               ELSE h.amount END) AS amount,
           count(DISTINCT h.employee_id) FILTER (WHERE CASE CAST(@billable AS boolean) WHEN true THEN h.billable_amount
               WHEN false THEN h.amount - h.billable_amount ELSE h.amount END > 0) AS contributors
    FROM projects p
    JOIN customers c ON c.id = p.customer_id
    JOIN time_entry_months h ON h.project_id = p.id
    WHERE (CAST(@segment AS customer_segment) IS NULL OR c.segment = CAST(@segment AS customer_segment))
      AND (CAST(@status AS project_status) IS NULL OR p.status = CAST(@status AS project_status))
      AND (CAST(@from AS date) IS NULL OR h.month >= CAST(@from AS date))
      AND (CAST(@to AS date) IS NULL OR h.month <= CAST(@to AS date))
      AND ` + inSubtree + `
    GROUP BY p.id)
SELECT p.id AS project_id, p.code, p.name, p.status, p.currency, p.budget,
       b.hours, b.unrated_hours, round(b.amount, 2) AS burn,
       round(b.amount / nullif(p.budget, 0), 4) AS budget_used,
       p.budget - round(b.amount, 2) AS remaining,
       b.contributors
FROM burn b
JOIN projects p ON p.id = b.id
WHERE b.hours > 0
ORDER BY budget_used DESC NULLS LAST, burn DESC, p.id
LIMIT (@first)`

// budgetBurnLifetimeSQL is budgetBurnSQL over every month and department:
// each project's sums and people are one row of time_entry_projects
// (migrations/00023), not its rows of time_entry_months added up.
var budgetBurnLifetimeSQL = `
SELECT p.id AS project_id, p.code, p.name, p.status, p.currency, p.budget,
       b.hours, b.unrated_hours, round(b.amount, 2) AS burn,
       round(b.amount / nullif(p.budget, 0), 4) AS budget_used,
       p.budget - round(b.amount, 2) AS remaining,
       b.contributors
FROM time_entry_projects h
JOIN projects p ON p.id = h.project_id
CROSS JOIN LATERAL (SELECT
    CASE CAST(@billable AS boolean) WHEN true THEN h.billable_hours WHEN false THEN h.hours - h.billable_hours
        ELSE h.hours END AS hours,
    CASE CAST(@billable AS boolean) WHEN true THEN h.billable_unrated_hours
        WHEN false THEN h.unrated_hours - h.billable_unrated_hours ELSE h.unrated_hours END AS unrated_hours,
    CASE CAST(@billable AS boolean) WHEN true THEN h.billable_amount WHEN false THEN h.amount - h.billable_amount
        ELSE h.amount END AS amount,
    CASE CAST(@billable AS boolean) WHEN true THEN h.billable_contributors WHEN false THEN h.nonbillable_contributors
        ELSE h.contributors END AS contributors) b
WHERE (CAST(@segment AS customer_segment) IS NULL
       OR EXISTS (SELECT FROM customers c WHERE c.id = p.customer_id AND c.segment = CAST(@segment AS customer_segment)))
  AND (CAST(@status AS project_status) IS NULL OR p.status = CAST(@status AS project_status))
  AND b.hours > 0
ORDER BY budget_used DESC NULLS LAST, burn DESC, p.id
LIMIT (@first)`

// budgetBurnLifetimeAllSQL is budgetBurnLifetimeSQL counting all hours
// (billable absent): time_entry_projects keeps each project's budget used
// with an index in this order (migrations/00025), so the statement walks
// the index from the top and keeps the projects the filters pass, instead
// of ranking every project with hours.
const budgetBurnLifetimeAllSQL = `
SELECT p.id AS project_id, p.code, p.name, p.status, p.currency, p.budget,
       h.hours, h.unrated_hours, round(h.amount, 2) AS burn, h.budget_used,
       p.budget - round(h.amount, 2) AS remaining, h.contributors
FROM time_entry_projects h
JOIN projects p ON p.id = h.project_id
WHERE h.hours > 0
  AND (CAST(@segment AS customer_segment) IS NULL
       OR EXISTS (SELECT FROM customers c WHERE c.id = p.customer_id AND c.segment = CAST(@segment AS customer_segment)))
  AND (CAST(@status AS project_status) IS NULL OR p.status = CAST(@status AS project_status))
ORDER BY h.budget_used DESC NULLS LAST, round(h.amount, 2) DESC, h.project_id
LIMIT (@first)`

// revenueBySegmentSQL reads time_entry_segment_months (migrations/00026)
// for every department, or adds up the subtree's time_entry_totals, with
// the people of each cell (time_entry_totals.people, migrations/00013): a
// revenue one or two people make up is withheld from callers who may read
// only sums (policy.MinContributors). People sit in one department each,
// so the departments' counts add up to the subtree's.
var revenueBySegmentSQL = subtreeCTE + `
SELECT segment, month, currency, billable_hours, billable_unrated_hours AS unrated_hours,
       round(billable_amount, 2) AS revenue, people AS contributors
FROM time_entry_segment_months
WHERE CAST(@dept AS bigint) IS NULL
  AND month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
  AND (CAST(@segment AS customer_segment) IS NULL OR segment = CAST(@segment AS customer_segment))
  AND billable_hours > 0
UNION ALL
SELECT segment, month, currency,
       sum(billable_hours) AS billable_hours,
       sum(billable_unrated_hours) AS unrated_hours,
       round(sum(billable_amount), 2) AS revenue,
       sum(people) AS contributors
FROM time_entry_totals
WHERE CAST(@dept AS bigint) IS NOT NULL
  AND month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
  AND department_id IN (SELECT id FROM subtree)
  AND (CAST(@segment AS customer_segment) IS NULL OR segment = CAST(@segment AS customer_segment))
GROUP BY segment, month, currency
HAVING sum(billable_hours) > 0
ORDER BY month, segment, currency`

// headcountByDepartmentSQL adds up department_changes (migrations/00024):
// a hire adds one person on hired_on, a departure removes them the day
// after terminated_on, so the headcount on a month's last day is the
// running sum of the changes up to it, and so is the weekly capacity.
const headcountByDepartmentSQL = subtreeCTE + `,
` + monthsCTE + `,
` + runningCTE + `
SELECT d.id AS department_id, d.code AS department_code, d.name AS department_name, r.month,
       r.headcount, r.hires, r.leavers, r.weekly_capacity AS weekly_capacity_hours
FROM running r JOIN departments d ON d.id = r.department_id
WHERE r.headcount > 0 OR r.hires > 0 OR r.leavers > 0
ORDER BY r.month, d.code`

// npsBySegmentSQL reads the rollup of the answers per quarter (of
// received_at in UTC) and segment of their project's customer
// (feedback_quarters, migrations/00020: 4 rows a quarter), with store.NPS,
// Project.nps's formula.
var npsBySegmentSQL = `
SELECT segment, quarter, responses, promoters, passives, detractors,
       ` + store.NPS("promoters", "detractors", "responses") + ` AS nps
FROM feedback_quarters
WHERE quarter BETWEEN CAST(@from AS date) AND CAST(@to AS date)
  AND (CAST(@segment AS customer_segment) IS NULL OR segment = CAST(@segment AS customer_segment))
ORDER BY quarter, segment`

// reviewCompletionSQL counts a cycle's reviews per department of their
// employee and status. Positional parameters, since the row scope
// (policy.Rules.Scope, over the reviews aliased t, written in by %s) has
// its own: the subtree's root (NULL: every department), the cycle, then
// the scope's.
const reviewCompletionSQL = `WITH subtree(id) AS (SELECT s FROM department_subtree(CAST(? AS bigint)) s)
SELECT d.id AS department_id, d.code AS department_code, d.name AS department_name,
       count(*) AS reviews,
       count(*) FILTER (WHERE t.status = 'not_started') AS not_started,
       count(*) FILTER (WHERE t.status = 'self_submitted') AS self_submitted,
       count(*) FILTER (WHERE t.status = 'manager_submitted') AS manager_submitted,
       count(*) FILTER (WHERE t.status = 'finalized') AS finalized,
       round(count(*) FILTER (WHERE t.status = 'finalized')::numeric / count(*), 4) AS completion
FROM reviews t
JOIN employees e ON e.id = t.employee_id
JOIN departments d ON d.id = e.department_id
WHERE t.cycle_id = ? AND e.department_id IN (SELECT id FROM subtree) AND %s
GROUP BY d.id
ORDER BY d.code`
