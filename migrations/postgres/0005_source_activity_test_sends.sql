-- leadhook PostgreSQL schema 5: what the console's sources list counts, requests by lead, and test
-- sends, as SQLite's migration 0013.
--
-- A request stored by `POST /api/sources/:id/test-lead` is a test send: its leads are test leads,
-- also when the request is reprocessed or applied later. A webhook can never set it.
ALTER TABLE requests ADD COLUMN is_test_send BOOLEAN NOT NULL DEFAULT false;

-- A source's last received webhook (`lastReceivedAt`): the end of its range in this index (test
-- sends are not in it).
CREATE INDEX requests_real_by_source_received ON requests (source_id, received_at) WHERE NOT is_test_send;

-- A source's quarantined requests waiting for a reprocess (`quarantinedCount`).
CREATE INDEX requests_quarantined_by_source ON requests (source_id) WHERE status = 'quarantined';

-- `GET /api/requests?leadId=` reads `lead_requests`, whose primary key (lead_id, request_id) is the
-- index it needs.
