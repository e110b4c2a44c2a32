import type Database from 'better-sqlite3';

/** Every prepared statement the SQLite store uses, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    // Each provider item applies inside its own savepoint, so a failing item leaves no partial writes.
    beginItem: db.prepare('SAVEPOINT item'),
    releaseItem: db.prepare('RELEASE item'),
    rollbackItem: db.prepare('ROLLBACK TO item'),
    insertSource: db.prepare(
      `INSERT INTO sources (id, provider, name, url_token, secret, default_country, created_at, updated_at)
       VALUES (@id, @provider, @name, @urlToken, @secret, @defaultCountry, @createdAt, @createdAt)`,
    ),
    selectSource: db.prepare('SELECT * FROM sources WHERE id = ?'),
    // A webhook's source, by the token of its URL (migration 0009 indexes both columns).
    selectSourceByUrlToken: db.prepare(
      `SELECT * FROM sources WHERE url_token = @token AND deleted_at IS NULL
       UNION ALL
       SELECT * FROM sources WHERE previous_url_token = @token AND previous_url_token_expires_at > @at AND deleted_at IS NULL
       LIMIT 1`,
    ),
    selectSources: db.prepare('SELECT * FROM sources WHERE deleted_at IS NULL ORDER BY created_at, id'),
    updateSource: db.prepare(
      `UPDATE sources SET name = @name, default_country = @defaultCountry, updated_at = @now,
              secret = @secret, previous_secret = @previousSecret, previous_secret_expires_at = @previousSecretExpiresAt,
              url_token = @urlToken, previous_url_token = @previousUrlToken, previous_url_token_expires_at = @previousUrlTokenExpiresAt
       WHERE id = @id AND deleted_at IS NULL`,
    ),
    deleteSource: db.prepare('UPDATE sources SET deleted_at = @now, updated_at = @now WHERE id = @id AND deleted_at IS NULL'),

    insertRequest: db.prepare(
      `INSERT INTO requests (id, source_id, provider, received_at, status, reason, http_status, content_type,
                             headers, body, body_sha256, auth_payload, items, is_test_send)
       VALUES (@id, @sourceId, @provider, @receivedAt, @status, @reason, @httpStatus, @contentType,
               @headers, @body, @bodySha256, @authPayload, @items, @isTestSend)`,
    ),
    // A reprocess is recorded beside the request (migration 0008); its own outcome is never changed.
    recordReprocess: db.prepare(
      'UPDATE requests SET reprocesses = @reprocesses, reprocess_count = reprocess_count + 1, reprocessed_at = @now WHERE id = @id',
    ),
    selectRequest: db.prepare('SELECT * FROM requests WHERE id = ?'),

    selectLeadEvent: db.prepare('SELECT lead_id FROM lead_events WHERE source_id = ? AND idempotency_key = ?'),
    insertLeadEvent: db.prepare(
      `INSERT INTO lead_events (source_id, idempotency_key, lead_id, request_id, outcome)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    selectLeadByProviderId: db.prepare(
      'SELECT id, ordering_ts, doc FROM leads WHERE source_id = ? AND provider_lead_id = ?',
    ),
    insertLead: db.prepare(
      `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, phone, email, search_text,
                          last_event_at, ordering_ts, version, is_test, doc)
       VALUES (@id, @sourceId, @provider, @providerLeadId, @stage, @phone, @email, @searchText,
               @lastEventAt, @orderingTs, @version, @isTest, @doc)`,
    ),
    updateLead: db.prepare(
      `UPDATE leads SET stage = @stage, phone = @phone, email = @email, search_text = @searchText,
              last_event_at = @lastEventAt, ordering_ts = @orderingTs, version = @version, is_test = @isTest, doc = @doc
       WHERE id = @id`,
    ),
    selectLead: db.prepare('SELECT doc FROM leads WHERE id = ?'),
    // A lead's numbers (migration 0014), replaced by those of each write: the ones it no longer has
    // deleted, the new ones added (a JSON array of E.164 numbers).
    deleteStaleLeadPhones: db.prepare('DELETE FROM lead_phones WHERE lead_id = ? AND phone NOT IN (SELECT value FROM json_each(?))'),
    insertLeadPhones: db.prepare('INSERT OR IGNORE INTO lead_phones (lead_id, phone) SELECT ?, value FROM json_each(?)'),
    // Erasure (migration 0010): which requests carry a lead, and webhooks held for an erased lead.
    insertLeadRequest: db.prepare('INSERT OR IGNORE INTO lead_requests (lead_id, request_id) VALUES (?, ?)'),
    selectHoldingErasure: db.prepare('SELECT erased_at FROM lead_erasures WHERE lead_id = ? AND hold_lifted_at IS NULL').pluck(),
    insertHeld: db.prepare('INSERT OR IGNORE INTO held_requests (request_id, lead_id, held_at) VALUES (?, ?, ?)'),
    // The `q` index's queue (migration 0004): leads written since it was last indexed.
    countSearchPending: db.prepare('SELECT count(*) FROM leads_fts_pending').pluck(),
    indexSearchPending: db.prepare(
      `INSERT INTO leads_fts (rowid, search_text)
       SELECT l.rowid, l.search_text FROM leads_fts_pending p JOIN leads l ON l.rowid = p.lead_rowid`,
    ),
    clearSearchPending: db.prepare('DELETE FROM leads_fts_pending'),
    insertTimeline: db.prepare(
      `INSERT INTO timeline (id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id)
       VALUES (@id, @leadId, @dedupeKey, @kind, @occurredAt, @recordedAt, @summary, @data, @requestId)
       ON CONFLICT (lead_id, dedupe_key) DO NOTHING`,
    ),
    // Each entry at its own time; one the provider did not date, at its receipt. Among the entries
    // of one receipt, the lead's `first_received` comes after the history it arrived with.
    selectTimeline: db.prepare(
      `SELECT * FROM timeline WHERE lead_id = ?
       ORDER BY COALESCE(occurred_at, recorded_at), recorded_at, kind = 'first_received', id`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
