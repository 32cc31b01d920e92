-- Nested connections page each parent's children in id order
-- (WHERE fk = parent AND id > cursor ORDER BY id LIMIT n). A composite
-- (fk, id) index answers that with an index range scan per parent, also for
-- the few customers with hundreds of projects, and still indexes the foreign
-- key, so it replaces the single-column index.

-- +goose Up
CREATE INDEX departments_parent_id_id_idx ON departments (parent_id, id);
DROP INDEX departments_parent_id_idx;
CREATE INDEX employees_department_id_id_idx ON employees (department_id, id);
DROP INDEX employees_department_id_idx;
CREATE INDEX employees_manager_id_id_idx ON employees (manager_id, id);
DROP INDEX employees_manager_id_idx;
CREATE INDEX customers_account_manager_id_id_idx ON customers (account_manager_id, id);
DROP INDEX customers_account_manager_id_idx;
CREATE INDEX contacts_customer_id_id_idx ON contacts (customer_id, id);
DROP INDEX contacts_customer_id_idx;
CREATE INDEX projects_customer_id_id_idx ON projects (customer_id, id);
DROP INDEX projects_customer_id_idx;
CREATE INDEX projects_manager_id_id_idx ON projects (manager_id, id);
DROP INDEX projects_manager_id_idx;
CREATE INDEX assignments_project_id_id_idx ON assignments (project_id, id);
CREATE INDEX assignments_employee_id_id_idx ON assignments (employee_id, id);
DROP INDEX assignments_employee_id_idx;
CREATE INDEX time_entries_employee_id_id_idx ON time_entries (employee_id, id);
DROP INDEX time_entries_employee_id_idx;
CREATE INDEX time_entries_project_id_id_idx ON time_entries (project_id, id);
DROP INDEX time_entries_project_id_idx;

-- +goose Down
CREATE INDEX time_entries_project_id_idx ON time_entries (project_id);
DROP INDEX time_entries_project_id_id_idx;
CREATE INDEX time_entries_employee_id_idx ON time_entries (employee_id);
DROP INDEX time_entries_employee_id_id_idx;
CREATE INDEX assignments_employee_id_idx ON assignments (employee_id);
DROP INDEX assignments_employee_id_id_idx;
DROP INDEX assignments_project_id_id_idx;
CREATE INDEX projects_manager_id_idx ON projects (manager_id);
DROP INDEX projects_manager_id_id_idx;
CREATE INDEX projects_customer_id_idx ON projects (customer_id);
DROP INDEX projects_customer_id_id_idx;
CREATE INDEX contacts_customer_id_idx ON contacts (customer_id);
DROP INDEX contacts_customer_id_id_idx;
CREATE INDEX customers_account_manager_id_idx ON customers (account_manager_id);
DROP INDEX customers_account_manager_id_id_idx;
CREATE INDEX employees_manager_id_idx ON employees (manager_id);
DROP INDEX employees_manager_id_id_idx;
CREATE INDEX employees_department_id_idx ON employees (department_id);
DROP INDEX employees_department_id_id_idx;
CREATE INDEX departments_parent_id_idx ON departments (parent_id);
DROP INDEX departments_parent_id_id_idx;
