-- Claims read one destination's due deliveries in order through this index, with a LIMIT, so a
-- claim costs the same whatever the backlog.
CREATE INDEX deliveries_claim ON deliveries (destination_id, status, next_attempt_at, seq);
