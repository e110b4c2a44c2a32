-- leadhook schema 13: what the console's sources list counts, requests by lead, and test sends.
--
-- A request stored by `POST /api/sources/:id/test-lead` (a sample lead sent from the console or the
-- API) is a test send: its leads are test leads, also when the request is reprocessed or applied
-- later (src/ingest/reprocess-request.ts). A webhook can never set it (its headers say nothing to
-- leadhook). Requests stored before were all real webhooks.
ALTER TABLE requests ADD COLUMN is_test_send INTEGER NOT NULL DEFAULT 0 CHECK (is_test_send IN (0, 1));

-- A source's last received webhook (`lastReceivedAt` of GET /api/sources): the newest real request
-- of the source is the last entry of its range in this index (test sends are not in it).
CREATE INDEX requests_real_by_source_received ON requests (source_id, received_at) WHERE is_test_send = 0;

-- A source's quarantined requests waiting for a reprocess (`quarantinedCount`): only quarantined
-- requests, few next to all, are in this index.
CREATE INDEX requests_quarantined_by_source ON requests (source_id) WHERE status = 'quarantined';

-- `GET /api/requests?leadId=` reads the requests that touched a lead from `lead_requests` (migration
-- 0010), whose primary key (lead_id, request_id) is already the index it needs: newest first is
-- that lead's range walked backwards.
