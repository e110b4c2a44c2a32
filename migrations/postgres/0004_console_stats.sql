-- leadhook PostgreSQL schema 4: indexes of the console's overview figures (GET /api/stats,
-- src/core/stats.ts), as SQLite's migration 0012.
--
-- Real leads by first sighting, with the provider and stage the figures group by: the per-day and
-- per-stage counts of a range read this index (test leads, nearly none, are not in it).
CREATE INDEX leads_real_by_first_seen ON leads (first_seen_at, provider, stage) WHERE NOT is_test;

-- Deliveries by creation time: the per-destination counts and latencies of a range start here.
-- created_at never changes, so status changes never touch this index.
CREATE INDEX deliveries_by_created ON deliveries (created_at);
