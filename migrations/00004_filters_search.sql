-- Search and the common filters of list pages.
--
-- Search (internal/store/search.go) matches a row's searchable text, lower-
-- cased, by substring (LIKE) and by word similarity (pg_trgm's <%). One
-- trigram GIN index per searched table answers both; its expression must be
-- exactly the one the store writes, or the planner will not use it.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the
-- database owner can create it without superuser rights.
--
-- The btree indexes serve filters list pages combine with an ordering: a
-- status or segment with the default sort of the page, so a filtered page
-- is still one index range however deep it is.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX customers_search_idx ON customers
    USING gin (lower(name || ' ' || coalesce(legal_name, '') || ' ' || coalesce(website, '')) gin_trgm_ops);
CREATE INDEX projects_search_idx ON projects
    USING gin (lower(code || ' ' || name) gin_trgm_ops);
CREATE INDEX employees_search_idx ON employees
    USING gin (lower(first_name || ' ' || last_name || ' ' || email || ' ' || employee_number) gin_trgm_ops);

CREATE INDEX projects_status_due_on_id_idx ON projects (status, due_on, id);
CREATE INDEX projects_status_id_idx ON projects (status, id);
CREATE INDEX customers_segment_name_id_idx ON customers (segment, name, id);
CREATE INDEX employees_department_id_last_name_first_name_id_idx ON employees (department_id, last_name, first_name, id);
CREATE INDEX time_entries_work_date_id_idx ON time_entries (work_date, id);

-- +goose Down
DROP INDEX time_entries_work_date_id_idx;
DROP INDEX employees_department_id_last_name_first_name_id_idx;
DROP INDEX customers_segment_name_id_idx;
DROP INDEX projects_status_id_idx;
DROP INDEX projects_status_due_on_id_idx;
DROP INDEX employees_search_idx;
DROP INDEX projects_search_idx;
DROP INDEX customers_search_idx;
-- pg_trgm stays: other objects of the firm's database may use it.
