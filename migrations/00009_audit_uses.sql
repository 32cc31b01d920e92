-- +goose Up
-- A sensitive column is learned not only by reading it: a filter or an
-- ordering by it reveals it across rows (a run of salary ranges narrows one
-- salary to the unit). Each such use is recorded too; use says which kind
-- of use a row records: 'read' (a field answered for record_id) or
-- 'compare' (a filter or ordering by field, here table.column; record_id 0).
--
-- request_id and operation are what the client sent (a sane X-Request-Id,
-- its operationName): the *_claimed columns say so, so that no reader takes
-- a client's claim for the server's word. Rows from before this migration
-- are unknown and marked claimed.
ALTER TABLE audit_events
    ADD COLUMN use text NOT NULL DEFAULT 'read',
    ADD COLUMN request_id_claimed boolean NOT NULL DEFAULT false,
    ADD COLUMN operation_claimed boolean NOT NULL DEFAULT false;
UPDATE audit_events SET request_id_claimed = request_id IS NOT NULL, operation_claimed = operation IS NOT NULL;

-- +goose Down
ALTER TABLE audit_events DROP COLUMN use, DROP COLUMN request_id_claimed, DROP COLUMN operation_claimed;
