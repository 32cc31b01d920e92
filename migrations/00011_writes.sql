-- The write side (issue 15): every write leaves an event, an audit row and,
-- when its request carried an Idempotency-Key, the answer to replay, all in
-- the write's own transaction.

-- +goose Up

-- events is what happened, for the consumers outside the write (live
-- updates, webhooks): DOMAIN.md's "Events". id only grows; tx is the
-- writing transaction's id, so a consumer reading "everything after id N"
-- can tell events of transactions still in flight (a lower id may commit
-- after a higher one) with pg_snapshot_xmin(pg_current_snapshot()) and
-- wait for them. data holds the entity's non-sensitive fields only.
CREATE TABLE events (
    id                bigserial PRIMARY KEY,
    tx                xid8 NOT NULL DEFAULT pg_current_xact_id(),
    type              text NOT NULL,
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    entity_type       text NOT NULL,
    entity_id         text NOT NULL,
    actor             text NOT NULL,
    actor_employee_id bigint,
    request_id        text,
    data              jsonb NOT NULL
);
-- An entity's history in order (a subscription to one project), and
-- retention by time (a BRIN index: events are appended in time order).
CREATE INDEX events_entity_idx ON events (entity_type, entity_id, id);
CREATE INDEX events_occurred_at_idx ON events USING brin (occurred_at);

-- write_audit is who changed what: one row per row written, with each
-- changed column's old and new value. Sensitive columns' values go to
-- sensitive_changes, which only admins read.
CREATE TABLE write_audit (
    id                 bigserial PRIMARY KEY,
    at                 timestamptz NOT NULL DEFAULT now(),
    subject            text NOT NULL,
    roles              text NOT NULL, -- space-separated, as audit_events'
    employee_id        bigint,
    operation          text,
    operation_claimed  boolean NOT NULL DEFAULT true,
    request_id         text,
    request_id_claimed boolean NOT NULL DEFAULT false,
    action             text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity_table       text NOT NULL,
    entity_key         bigint NOT NULL,
    changes            jsonb NOT NULL,
    sensitive_changes  jsonb
);
CREATE INDEX write_audit_entity_idx ON write_audit (entity_table, entity_key, id);
CREATE INDEX write_audit_subject_idx ON write_audit (subject, at);

-- idempotency_keys holds the answer to a mutation request that carried an
-- Idempotency-Key, per caller, until expires_at: a retry with the same key
-- and the same request gets the same bytes, on any replica.
CREATE TABLE idempotency_keys (
    subject      text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    response     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (subject, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE write_audit;
DROP TABLE events;
