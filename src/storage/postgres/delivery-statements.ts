/**
 * SQL of outbound delivery on PostgreSQL (tables in migrations/postgres/0002_delivery.sql). Every
 * statement is a constant with positional parameters; decisions (which destinations, how many,
 * what an outcome means) are made by the callers' pure functions, never here.
 */

/**
 * The NOTIFY channel of the store's schema: instances on one schema wake each other, stores in
 * other schemas of the same database (tests, several installations) do not.
 */
export const CHANNEL_SQL = `'leadhook_deliveries_' || left(md5(current_schema()), 16)`;

const RELEASE = `UPDATE deliveries SET status = 'pending', claimed_until = NULL, claimed_by = NULL, updated_at = $1`;

export const SQL = {
  notify: `SELECT pg_notify(${CHANNEL_SQL}, $1)`,
  /** The claim and outcome bookkeeping may skip the WAL flush (see DeliveryStore.completeAttempt). */
  relaxCommit: 'SET LOCAL synchronous_commit TO off',

  // Creates are serialized (two instances must not both pass the count); the lock lasts one insert.
  lockDestinations: 'LOCK TABLE destinations IN SHARE ROW EXCLUSIVE MODE',
  countDestinations: 'SELECT count(*)::int AS n FROM destinations WHERE deleted_at IS NULL',
  insertDestination: `INSERT INTO destinations (id, name, url, events, filter, source_ids, include_test, secret, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
  selectDestination: 'SELECT * FROM destinations WHERE id = $1',
  selectDestinationForUpdate: 'SELECT * FROM destinations WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
  selectDestinations: 'SELECT * FROM destinations WHERE deleted_at IS NULL ORDER BY created_at, id',
  updateDestination: `UPDATE destinations SET name = $2, url = $3, events = $4, filter = $5, source_ids = $6, include_test = $7,
            secret = $8, previous_secret = $9, previous_secret_expires_at = $10, disabled_at = $11, disabled_reason = $12, updated_at = $13
     WHERE id = $1 AND deleted_at IS NULL RETURNING *`,
  deleteDestination: 'UPDATE destinations SET deleted_at = $2, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL',
  activeDestinationIds: 'SELECT id FROM destinations WHERE disabled_at IS NULL AND deleted_at IS NULL ORDER BY id',
  /** Changes whenever a destination is created, changed, disabled or deleted (each bumps its updated_at); a few rows at most. */
  destinationsVersion: `SELECT coalesce(md5(string_agg(id || '@' || updated_at, ',' ORDER BY id)), 'none') AS version FROM destinations WHERE deleted_at IS NULL`,

  /** Events of one ingest, several at once: ids, types, lead ids, source ids, created_at, bodies, payloads. */
  insertEvents: `INSERT INTO events (id, type, lead_id, source_id, created_at, body, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])`,
  /** Deliveries of one ingest in the order given (their seq orders a lead's deliveries). */
  insertDeliveries: `INSERT INTO deliveries (id, event_id, destination_id, lead_id, status, attempts, next_attempt_at, created_at, updated_at)
     SELECT id, event_id, destination_id, lead_id, 'pending', 0, now_at, now_at, now_at
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS d(id, event_id, destination_id, lead_id, now_at, n)
     ORDER BY n`,

  /**
   * Lock, for each destination in $1, up to its count in $2 of its oldest due deliveries (as of $3)
   * whose lead has no earlier one pending or in flight there (per-lead order), skipping rows another
   * instance is claiming or completing now. The caller chooses among them (pickClaims) and claims
   * the chosen in the same transaction; the others are unlocked at its commit.
   */
  lockCandidates: `SELECT c.id, c.seq, q.destination_id
     FROM unnest($1::text[], $2::int[]) AS q(destination_id, n) CROSS JOIN LATERAL (
       SELECT d.id, d.seq FROM deliveries d
       WHERE d.destination_id = q.destination_id AND d.status = 'pending' AND d.next_attempt_at <= $3
         AND NOT EXISTS (
           SELECT 1 FROM deliveries e
           WHERE e.destination_id = d.destination_id AND e.lead_id = d.lead_id AND e.seq < d.seq
             AND e.status IN ('pending', 'delivering'))
       ORDER BY d.next_attempt_at, d.seq
       LIMIT q.n
       FOR UPDATE OF d SKIP LOCKED) c`,
  /** Claim the deliveries $1 (locked by lockCandidates) until $3 for instance $4; each with its event and destination. */
  claim: `WITH claimed AS (
       UPDATE deliveries SET status = 'delivering', claimed_until = $3, claimed_by = $4, updated_at = $2
       WHERE id = ANY($1::text[]) AND status = 'pending'
       RETURNING *)
     SELECT c.*, e.type AS event_type, e.body AS event_body, e.payload AS event_payload, to_jsonb(t) AS destination
     FROM claimed c JOIN events e ON e.id = c.event_id JOIN destinations t ON t.id = c.destination_id
     ORDER BY c.seq`,

  /** The claimed delivery an outcome is for, locked; nothing when it is not this instance's claim any more. */
  selectOwnClaimForUpdate: `SELECT d.destination_id, (SELECT count(*)::int FROM delivery_attempts a WHERE a.delivery_id = d.id) AS attempts_so_far,
            t.failing_since
     FROM deliveries d JOIN destinations t ON t.id = d.destination_id
     WHERE d.id = $1 AND d.status = 'delivering' AND d.claimed_by = $2
     FOR UPDATE OF d`,
  insertAttempt: `INSERT INTO delivery_attempts (id, delivery_id, attempt_number, started_at, status_code, latency_ms, error, response_snippet)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  /** $2 status, $3 next attempt, $4 status code, $5 error, $6 now. */
  finishDelivery: `UPDATE deliveries SET status = $2, attempts = attempts + 1, next_attempt_at = $3, claimed_until = NULL, claimed_by = NULL,
            last_status_code = $4, last_error = $5, updated_at = $6, delivered_at = CASE WHEN $2 = 'succeeded' THEN $6 ELSE delivered_at END
     WHERE id = $1`,
  /** Filtered by its rule: terminal, no attempt; the lead's next delivery is claimable at once. $2 reason, $3 now. */
  filterDelivery: `UPDATE deliveries SET status = 'filtered', next_attempt_at = NULL, claimed_until = NULL, claimed_by = NULL,
            last_status_code = NULL, last_error = $2, updated_at = $3
     WHERE id = $1`,
  /** A success: last_success_at only when it is older than $3 (so at most one write a second), or to end failing_since. */
  markDestinationSuccess: `UPDATE destinations SET last_success_at = $2, failing_since = NULL
     WHERE id = $1 AND (failing_since IS NOT NULL OR last_success_at IS NULL OR last_success_at <= $3)`,
  markDestinationFailing: 'UPDATE destinations SET failing_since = COALESCE(failing_since, $2) WHERE id = $1',
  disableDestination: 'UPDATE destinations SET disabled_at = $2, disabled_reason = $3, updated_at = $2 WHERE id = $1 AND disabled_at IS NULL',
  markDestinationFiltered: 'UPDATE destinations SET filtered_count = filtered_count + 1 WHERE id = $1',
  markDestinationRuleFailure: 'UPDATE destinations SET last_rule_error = $2, last_rule_error_at = $3, last_rule_error_delivery_id = $4 WHERE id = $1',

  requeueExpired: `${RELEASE} WHERE status = 'delivering' AND claimed_until < $1`,
  /** This instance's claims but those in $3. */
  releaseOwnExcept: `${RELEASE} WHERE status = 'delivering' AND claimed_by = $2 AND NOT (id = ANY($3::text[]))`,
  /** This instance's claims in $3. */
  releaseOwnOnly: `${RELEASE} WHERE status = 'delivering' AND claimed_by = $2 AND id = ANY($3::text[])`,
  /** The earliest pending delivery of an active destination: one entry of deliveries_claimable each. */
  nextDue: `SELECT min(n.at) AS at FROM destinations t CROSS JOIN LATERAL (
       SELECT next_attempt_at AS at FROM deliveries WHERE destination_id = t.id AND status = 'pending' ORDER BY next_attempt_at LIMIT 1) n
     WHERE t.disabled_at IS NULL AND t.deleted_at IS NULL`,

  /** Metrics: the pending and delivering counts read their partial indexes; failed its own. */
  queueStats: `SELECT (SELECT count(*)::int FROM deliveries WHERE status = 'pending') AS pending,
            (SELECT count(*)::int FROM deliveries WHERE status = 'delivering') AS delivering,
            (SELECT count(*)::int FROM deliveries WHERE status = 'failed') AS failed,
            (SELECT min(created_at) FROM deliveries WHERE status = 'pending') AS "oldestPendingAt"`,

  selectDelivery: 'SELECT d.*, e.type AS event_type, e.body AS event_body FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1',
  selectAttempts: 'SELECT * FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt_number',
  resetDelivery: `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2, claimed_until = NULL, claimed_by = NULL, updated_at = $2
     WHERE id = $1 AND status IN ('succeeded', 'failed', 'filtered', 'pending')`,
  /** $1 destination, $2 since, $3 status or null, $4 now. */
  replay: `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $4, claimed_until = NULL, claimed_by = NULL, updated_at = $4
     WHERE destination_id = $1 AND created_at >= $2 AND status <> 'delivering' AND ($3::text IS NULL OR status = $3)`,
} as const;
