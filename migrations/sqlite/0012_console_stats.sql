-- leadhook schema 12: indexes of the console's overview figures (GET /api/stats, src/core/stats.ts).
--
-- Real leads by first sighting, with the provider and stage the figures group by: the per-day and
-- per-stage counts of a range read this index alone (test leads, nearly none, are not in it).
CREATE INDEX leads_real_by_first_seen ON leads (first_seen_at, provider, stage) WHERE is_test = 0;

-- Deliveries by creation time: the per-destination counts and latencies of a range start here.
-- created_at never changes, so status changes never touch this index.
CREATE INDEX deliveries_by_created ON deliveries (created_at);
