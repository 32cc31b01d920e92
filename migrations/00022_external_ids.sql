-- Sync in from other systems (issue 18): each row an external system
-- (a CRM, an HR system) keeps in step with bizgraph is known to it by its
-- own id. external_ids maps (source, entity type, external id) to the row,
-- so an upsert sent twice finds the row it wrote the first time
-- (internal/write/sync.go). There is no foreign key to the entity: one
-- table maps rows of several; a mapping whose row was deleted (a contact)
-- is pointed at the row the next upsert creates.

-- +goose Up
CREATE TABLE external_ids (
    source       text NOT NULL,
    entity_type  text NOT NULL,
    external_id  text NOT NULL,
    entity_id    bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, entity_type, external_id)
);

-- +goose Down
DROP TABLE external_ids;
