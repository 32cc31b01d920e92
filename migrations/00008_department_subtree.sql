-- A department "within" another is it or any department below it, at any
-- depth, by parent_id: what a department filter's `within` selects, and
-- what the analytics reports add up when asked for one department. The
-- rule lives here once; the filter (internal/store) and the reports'
-- department argument (internal/analytics) both read it.
--
-- department_subtree(root) is root and every department below it, or,
-- for a NULL root, every department reached from a top-level unit (one
-- without a parent). A root that does not exist has an empty subtree.
-- UNION, not UNION ALL: a cycle in bad data ends the walk instead of
-- looping. One SQL statement, STABLE and not STRICT, so the planner
-- inlines it into the query that calls it from a FROM clause: the plan is
-- the one the walk would have written out in place, an index lookup of
-- the root (or, with no root, of the top-level units) and the children by
-- parent_id. The two starting branches keep that true for a generic plan
-- as well, where the root is a parameter whose value is not known.
--
-- The value of an hour has its one home in 00007_analytics.sql
-- (time_entry_months_sums): Project.hours reads those sums.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION department_subtree(root bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH RECURSIVE sub(id) AS (
    SELECT d.id FROM departments d WHERE d.id = root
    UNION
    SELECT d.id FROM departments d WHERE root IS NULL AND d.parent_id IS NULL
    UNION
    SELECT d.id FROM departments d JOIN sub s ON d.parent_id = s.id)
SELECT id FROM sub
$$;
-- +goose StatementEnd
COMMENT ON FUNCTION department_subtree(bigint) IS
    'The department root and every department below it; every department when root is NULL (migrations/00008_department_subtree.sql).';

-- +goose Down
DROP FUNCTION department_subtree(bigint);
