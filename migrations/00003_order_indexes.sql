-- Ordered lists page by keyset on (order keys, id): WHERE (keys, id) after
-- the cursor ORDER BY keys, id LIMIT n. An index on exactly those columns
-- answers a page, however deep, with one index range scan; without it every
-- page sorts the whole table (or the parent's children). These are the
-- orderings lists use most: projects by due date, start date and name,
-- customers by name, employees by name, and, for nested lists, the same
-- behind the parent's foreign key. Btree indexes scan both ways and keep
-- NULLs last ascending (first descending), as the API sorts them, so one
-- index serves ASC and DESC. Mixed directions (a DESC, b ASC) sort instead.

-- +goose Up
CREATE INDEX projects_due_on_id_idx ON projects (due_on, id);
CREATE INDEX projects_start_on_id_idx ON projects (start_on, id);
CREATE INDEX projects_name_id_idx ON projects (name, id);
CREATE INDEX customers_name_id_idx ON customers (name, id);
CREATE INDEX employees_last_name_first_name_id_idx ON employees (last_name, first_name, id);
CREATE INDEX projects_customer_id_due_on_id_idx ON projects (customer_id, due_on, id);
CREATE INDEX projects_customer_id_start_on_id_idx ON projects (customer_id, start_on, id);
CREATE INDEX assignments_project_id_starts_on_id_idx ON assignments (project_id, starts_on, id);
CREATE INDEX assignments_employee_id_starts_on_id_idx ON assignments (employee_id, starts_on, id);
CREATE INDEX time_entries_project_id_work_date_id_idx ON time_entries (project_id, work_date, id);
CREATE INDEX time_entries_employee_id_work_date_id_idx ON time_entries (employee_id, work_date, id);

-- +goose Down
DROP INDEX time_entries_employee_id_work_date_id_idx;
DROP INDEX time_entries_project_id_work_date_id_idx;
DROP INDEX assignments_employee_id_starts_on_id_idx;
DROP INDEX assignments_project_id_starts_on_id_idx;
DROP INDEX projects_customer_id_start_on_id_idx;
DROP INDEX projects_customer_id_due_on_id_idx;
DROP INDEX employees_last_name_first_name_id_idx;
DROP INDEX customers_name_id_idx;
DROP INDEX projects_name_id_idx;
DROP INDEX projects_start_on_id_idx;
DROP INDEX projects_due_on_id_idx;
