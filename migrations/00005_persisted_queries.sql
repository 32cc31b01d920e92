-- Persisted operations: GraphQL documents clients send by id instead of by
-- text (internal/persisted). Every replica reads the same set, and a restart
-- loses nothing. Two kinds share the table: documents a client registered
-- itself by Apollo's automatic persisted queries (trusted false), and
-- documents imported from a manifest by `bizgraph documents import`
-- (trusted true), the only ones a server in trusted mode runs. A body never
-- changes under its id: clients and caches rely on id → document.

-- +goose Up
CREATE TABLE persisted_queries (
    id            text PRIMARY KEY,               -- what clients send: documentId, or extensions.persistedQuery.sha256Hash
    sha256        text NOT NULL,                  -- hex SHA-256 of body: finds a trusted document sent as text
    body          text NOT NULL,
    operation     text NOT NULL CHECK (operation IN ('query', 'mutation', 'subscription')),
    name          text,                           -- the operation's name, for people reading `documents list`
    trusted       boolean NOT NULL DEFAULT false,
    cache_control text,                           -- Cache-Control of its GET answers; NULL: the server's default
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persisted_queries_sha256_idx ON persisted_queries (sha256);

-- +goose Down
DROP TABLE persisted_queries;
