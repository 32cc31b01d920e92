-- Automatic persisted queries are bounded per caller and in time (issue 21,
-- finding 4): a client could store any number of documents of any size,
-- forever. registered_by is the caller who registered an automatic
-- document (the identity's subject; 'anonymous' without one), counted per
-- time window so every replica enforces one quota; last_used_at is when a
-- replica last read the document from the database (at most once per
-- refresh interval), and automatic documents unused for long are swept.
-- Trusted documents (imported from a manifest) never expire.

-- +goose Up
ALTER TABLE persisted_queries
    ADD COLUMN registered_by text,
    ADD COLUMN last_used_at  timestamptz NOT NULL DEFAULT now();
CREATE INDEX persisted_queries_registered_idx ON persisted_queries (registered_by, created_at) WHERE NOT trusted;
CREATE INDEX persisted_queries_unused_idx ON persisted_queries (last_used_at) WHERE NOT trusted;

-- +goose Down
DROP INDEX persisted_queries_unused_idx;
DROP INDEX persisted_queries_registered_idx;
ALTER TABLE persisted_queries DROP COLUMN last_used_at, DROP COLUMN registered_by;
