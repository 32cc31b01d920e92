-- Webhooks out (issue 18): the endpoints admins register, their signing
-- secrets, and one delivery per (endpoint, event) with its attempts. River's
-- own tables (its job queue) are created just before this, by the same
-- migration (internal/migrate/webhooks.go).

CREATE TABLE webhook_endpoints (
    id              bigserial PRIMARY KEY,
    url             text NOT NULL,
    description     text NOT NULL DEFAULT '',
    -- DOMAIN.md's event names; '*' is every type.
    event_types     text[] NOT NULL,
    paused          boolean NOT NULL DEFAULT false,
    -- Set when the receiver answered 410 Gone or failed for days: nothing
    -- is sent until an admin resumes it.
    disabled_at     timestamptz,
    disabled_reason text,
    -- The first failure since the last success: an endpoint failing for
    -- longer than the settings allow is disabled.
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A new secret is added on rotation; the previous one gets an expiry, and
-- until then both sign every message (Standard Webhooks' overlap).
CREATE TABLE webhook_secrets (
    id          bigserial PRIMARY KEY,
    endpoint_id bigint NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz
);
CREATE INDEX webhook_secrets_endpoint_idx ON webhook_secrets (endpoint_id);

-- A delivery keeps its body: an event pruned by retention can still be
-- delivered and redelivered.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    endpoint_id     bigint NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id        bigint NOT NULL,
    event_type      text NOT NULL,
    -- "<entity type>:<entity id>": one entity's deliveries to one endpoint
    -- go in event order.
    entity          text NOT NULL,
    body            text NOT NULL,
    -- sent again by an admin (redeliver, replay): a second delivery of an
    -- event the fan-out delivered already
    replay          boolean NOT NULL DEFAULT false,
    -- pending, delivered, failed (gave up after the retry period)
    status          text NOT NULL DEFAULT 'pending',
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
-- The oldest pending delivery of an entity to an endpoint.
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, entity, event_id, id)
    WHERE status = 'pending';
-- The fan-out makes one delivery per (endpoint, event), however often it
-- runs (a fan-out job of a killed process is run again).
CREATE UNIQUE INDEX webhook_deliveries_event_idx ON webhook_deliveries (endpoint_id, event_id) WHERE NOT replay;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    -- null when no answer came (refused, timed out)
    status_code int,
    latency_ms  int NOT NULL,
    -- the answer's first bytes, or what went wrong
    response    text NOT NULL DEFAULT '',
    next_attempt_at timestamptz
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- The fan-out reads a transaction's events.
CREATE INDEX events_tx_idx ON events (tx);
