-- Authentication and the audit of sensitive reads (README, "Who may see
-- what"). API keys are stored as the SHA-256 of the key: the key is 32
-- random bytes, so a fast hash is as good as a slow one and costs nothing
-- per request; the key itself is shown once, when it is created. The audit
-- log is append-only: the API writes it in batches off the request path and
-- admins read it newest first.

-- +goose Up
CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    role        text NOT NULL,
    key_hash    bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE audit_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    subject      text NOT NULL,
    roles        text NOT NULL, -- the reader's roles, space-separated
    operation    text,
    request_id   text,
    field        text NOT NULL,
    employee_id  bigint,
    record_id    bigint NOT NULL
);
CREATE INDEX audit_events_employee_id_idx ON audit_events (employee_id, id);

-- +goose Down
DROP TABLE audit_events;
DROP TABLE api_keys;
