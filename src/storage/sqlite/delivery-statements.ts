import type Database from 'better-sqlite3';

/** Prepared statements of outbound delivery (destinations, events, deliveries, attempts). */
export function prepareDeliveryStatements(db: Database.Database) {
  return {
    insertDestination: db.prepare(
      `INSERT INTO destinations (id, name, url, events, filter, source_ids, include_test, secret, created_at, updated_at)
       VALUES (@id, @name, @url, @events, @filter, @sourceIds, @includeTest, @secret, @createdAt, @createdAt)`,
    ),
    selectDestination: db.prepare('SELECT * FROM destinations WHERE id = ?'),
    selectDestinations: db.prepare('SELECT * FROM destinations WHERE deleted_at IS NULL ORDER BY created_at, id'),
    updateDestination: db.prepare(
      `UPDATE destinations SET name = @name, url = @url, events = @events, filter = @filter, source_ids = @sourceIds,
              include_test = @includeTest, secret = @secret, previous_secret = @previousSecret, previous_secret_expires_at = @previousSecretExpiresAt,
              disabled_at = @disabledAt, disabled_reason = @disabledReason, updated_at = @now
       WHERE id = @id AND deleted_at IS NULL`,
    ),
    deleteDestination: db.prepare('UPDATE destinations SET deleted_at = @now, updated_at = @now WHERE id = @id AND deleted_at IS NULL'),
    markDestinationSuccess: db.prepare('UPDATE destinations SET last_success_at = @now, failing_since = NULL WHERE id = @id'),
    markDestinationFailing: db.prepare('UPDATE destinations SET failing_since = COALESCE(failing_since, @now) WHERE id = @id'),
    disableDestination: db.prepare(
      'UPDATE destinations SET disabled_at = @now, disabled_reason = @reason, updated_at = @now WHERE id = @id AND disabled_at IS NULL',
    ),

    countDestinations: db.prepare('SELECT count(*) AS n FROM destinations WHERE deleted_at IS NULL'),
    markDestinationFiltered: db.prepare('UPDATE destinations SET filtered_count = filtered_count + 1 WHERE id = @id'),
    markDestinationRuleFailure: db.prepare(
      `UPDATE destinations SET last_rule_error = @reason, last_rule_error_at = @now, last_rule_error_delivery_id = @deliveryId
       WHERE id = @id`,
    ),

    insertEvent: db.prepare(
      `INSERT INTO events (id, type, lead_id, source_id, created_at, body, payload)
       VALUES (@id, @type, @leadId, @sourceId, @createdAt, @body, @payload)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (id, event_id, destination_id, lead_id, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (@id, @eventId, @destinationId, @leadId, 'pending', 0, @now, @now, @now)`,
    ),
    activeDestinationIds: db.prepare('SELECT id FROM destinations WHERE disabled_at IS NULL AND deleted_at IS NULL ORDER BY id'),
    // One destination's oldest due deliveries, skipping any whose lead has an earlier one still
    // pending or in flight (per-lead order). Reads the deliveries_claimable index and stops at LIMIT.
    claimDue: db.prepare(
      `UPDATE deliveries SET status = 'delivering', claimed_until = @leaseUntil, updated_at = @now
       WHERE id IN (
         SELECT d.id FROM deliveries d
         WHERE d.destination_id = @destinationId AND d.status = 'pending' AND d.next_attempt_at <= @now
           AND NOT EXISTS (
             SELECT 1 FROM deliveries e
             WHERE e.destination_id = d.destination_id AND e.lead_id = d.lead_id AND e.seq < d.seq
               AND e.status IN ('pending', 'delivering'))
         ORDER BY d.next_attempt_at, d.seq
         LIMIT @limit)
       RETURNING *`,
    ),
    selectEventBody: db.prepare('SELECT type, body FROM events WHERE id = ?'),
    selectEventPayload: db.prepare('SELECT payload FROM events WHERE id = ?'),
    selectDelivery: db.prepare('SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?'),
    selectDeliveryState: db.prepare('SELECT status, destination_id FROM deliveries WHERE id = ?'),
    countAttempts: db.prepare('SELECT count(*) AS n FROM delivery_attempts WHERE delivery_id = ?'),
    insertAttempt: db.prepare(
      `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, status_code, latency_ms, error, response_snippet)
       VALUES (@id, @deliveryId, @attemptNumber, @startedAt, @statusCode, @latencyMs, @error, @responseSnippet)`,
    ),
    selectAttempts: db.prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt_number'),
    finishDelivery: db.prepare(
      `UPDATE deliveries SET status = @status, attempts = attempts + 1, next_attempt_at = @nextAttemptAt, claimed_until = NULL,
              last_status_code = @statusCode, last_error = @error, updated_at = @now,
              delivered_at = CASE WHEN @status = 'succeeded' THEN @now ELSE delivered_at END
       WHERE id = @id AND status = 'delivering'`,
    ),
    // Filtered by its rule: terminal, no attempt; the lead's next delivery is claimable at once.
    filterDelivery: db.prepare(
      `UPDATE deliveries SET status = 'filtered', next_attempt_at = NULL, claimed_until = NULL, last_status_code = NULL,
              last_error = @reason, updated_at = @now
       WHERE id = @id AND status = 'delivering'`,
    ),
    requeueExpired: db.prepare(
      `UPDATE deliveries SET status = 'pending', claimed_until = NULL, updated_at = @now
       WHERE status = 'delivering' AND claimed_until < @now`,
    ),
    // At startup every claim is a stopped process's; after a reopen, those not in @ids (a JSON array).
    releaseClaimsExcept: db.prepare(
      `UPDATE deliveries SET status = 'pending', claimed_until = NULL, updated_at = @now
       WHERE status = 'delivering' AND id NOT IN (SELECT value FROM json_each(@ids))`,
    ),
    // At stop: the claims taken ahead and never sent.
    releaseClaimsOnly: db.prepare(
      `UPDATE deliveries SET status = 'pending', claimed_until = NULL, updated_at = @now
       WHERE status = 'delivering' AND id IN (SELECT value FROM json_each(@ids))`,
    ),
    // One destination's earliest pending delivery: the first entry of deliveries_claimable.
    nextDueOf: db.prepare(
      `SELECT next_attempt_at AS at FROM deliveries WHERE destination_id = ? AND status = 'pending' ORDER BY next_attempt_at LIMIT 1`,
    ),
    // Metrics: each count reads its status's partial index; the oldest pending is the lowest seq in
    // deliveries_claimable. `+seq`: a bare min(seq) walks the whole table in rowid order instead.
    queueStats: db.prepare(
      `SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending') AS pending,
              (SELECT count(*) FROM deliveries WHERE status = 'delivering') AS delivering,
              (SELECT count(*) FROM deliveries WHERE status = 'failed') AS failed,
              (SELECT created_at FROM deliveries WHERE seq = (SELECT min(+seq) FROM deliveries WHERE status = 'pending')) AS oldestPendingAt`,
    ),
    resetDelivery: db.prepare(
      `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, claimed_until = NULL, updated_at = @now
       WHERE id = @id AND status IN ('succeeded', 'failed', 'filtered', 'pending')`,
    ),
    replay: db.prepare(
      `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = @now, claimed_until = NULL, updated_at = @now
       WHERE destination_id = @destinationId AND created_at >= @since AND status != 'delivering'
         AND (@status IS NULL OR status = @status)`,
    ),
  };
}

export type DeliveryStatements = ReturnType<typeof prepareDeliveryStatements>;
