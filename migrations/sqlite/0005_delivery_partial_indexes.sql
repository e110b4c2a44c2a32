-- Index only the deliveries a worker looks for, so a delivery's status changes touch small indexes
-- and the indexes stay small whatever the history (succeeded deliveries leave them):
--   pending     → deliveries_claimable (claims, the next due time, ?status=pending)
--   delivering  → deliveries_claimed   (expired leases, release at startup, ?status=delivering)
--   failed      → deliveries_failed    (?status=failed)
-- A delivery's life now costs four index writes for its status instead of ten.
DROP INDEX deliveries_due;
DROP INDEX deliveries_claim;
CREATE INDEX deliveries_claimable ON deliveries (destination_id, next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX deliveries_claimed ON deliveries (claimed_until) WHERE status = 'delivering';
CREATE INDEX deliveries_failed ON deliveries (seq) WHERE status = 'failed';
