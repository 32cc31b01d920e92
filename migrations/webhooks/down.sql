DROP INDEX IF EXISTS events_tx_idx;
DROP TABLE IF EXISTS webhook_attempts, webhook_deliveries, webhook_secrets, webhook_endpoints;
