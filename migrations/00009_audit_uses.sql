-- +goose Up
-- A sensitive column is learned not only by reading it: a filter or an
-- ordering by it reveals it across rows (a run of salary ranges narrows one
-- salary to the unit). Each such use is recorded too; use says which kind
-- of use a row records: 'read' (a field answered for record_id) or
-- 'compare' (a filter or ordering by field, here table.column; record_id 0).
ALTER TABLE audit_events ADD COLUMN use text NOT NULL DEFAULT 'read';

-- +goose Down
ALTER TABLE audit_events DROP COLUMN use;
