/**
 * What `leadhook store copy` moves from SQLite to PostgreSQL: every table of the store, its columns
 * and how each column's value is written on either side. The schemas are the final state of
 * migrations/sqlite/0001–0014 and migrations/postgres/0001–0006; a column or table either side has
 * that is not listed here (a later migration) makes the copy refuse rather than drop it silently.
 */

/**
 * How a column's value is held on each side:
 * - `text`: TEXT on both;
 * - `int`: INTEGER on SQLite, INTEGER or BIGINT on PostgreSQL (read exactly, as decimal text);
 * - `bytes`: BLOB / BYTEA;
 * - `bool`: INTEGER 0/1 / BOOLEAN;
 * - `textArray`: a JSON array of strings in TEXT / `text[]`.
 */
export type ColumnKind = 'text' | 'int' | 'bytes' | 'bool' | 'textArray';

export interface CopiedColumn {
  name: string;
  kind: ColumnKind;
}

/** One table copied, keyed and ordered by `key` (its primary key) on both sides. */
export interface CopiedTable {
  name: string;
  columns: readonly CopiedColumn[];
  /** Primary key columns, in order: batches and checksums walk the table in this order. */
  key: readonly string[];
  /** A `GENERATED … AS IDENTITY` column on PostgreSQL, whose sequence continues after the copied rows. */
  identity?: string;
  /**
   * Where the rows come from: a SQLite table, or the admin token file of the data directory
   * (`settings`: on PostgreSQL the token belongs to the database, shared by every instance).
   */
  from: 'sqlite' | 'admin-token-file';
}

const text = (...names: string[]): CopiedColumn[] => names.map((name) => ({ name, kind: 'text' }));
const int = (name: string): CopiedColumn => ({ name, kind: 'int' });

/** Every table copied, in the order they are copied (referenced tables first, for a reader of a half-done copy). */
export const COPIED_TABLES: readonly CopiedTable[] = [
  {
    name: 'sources',
    from: 'sqlite',
    key: ['id'],
    columns: text(
      'id',
      'provider',
      'name',
      'url_token',
      'previous_url_token',
      'previous_url_token_expires_at',
      'secret',
      'previous_secret',
      'previous_secret_expires_at',
      'default_country',
      'created_at',
      'updated_at',
      'deleted_at',
    ),
  },
  {
    name: 'requests',
    from: 'sqlite',
    key: ['id'],
    columns: [
      ...text('id', 'source_id', 'provider', 'received_at', 'status', 'reason'),
      int('http_status'),
      ...text('content_type', 'headers'),
      { name: 'body', kind: 'bytes' },
      ...text('body_sha256', 'auth_payload', 'items', 'reprocessed_at'),
      int('reprocess_count'),
      ...text('reprocesses'),
      // A test send (sqlite 0013, postgres 0005).
      { name: 'is_test_send', kind: 'bool' },
    ],
  },
  {
    name: 'leads',
    from: 'sqlite',
    key: ['id'],
    columns: [
      ...text('id', 'source_id', 'provider', 'provider_lead_id', 'stage', 'phone', 'email', 'search_text', 'last_event_at', 'ordering_ts'),
      int('version'),
      { name: 'is_test', kind: 'bool' },
      ...text('doc'),
    ],
  },
  // Every number of each lead, as `?phone=` finds it (sqlite 0014, postgres 0006).
  { name: 'lead_phones', from: 'sqlite', key: ['lead_id', 'phone'], columns: text('lead_id', 'phone') },
  { name: 'lead_events', from: 'sqlite', key: ['source_id', 'idempotency_key'], columns: text('source_id', 'idempotency_key', 'lead_id', 'request_id', 'outcome') },
  {
    name: 'timeline',
    from: 'sqlite',
    key: ['id'],
    columns: text('id', 'lead_id', 'dedupe_key', 'kind', 'occurred_at', 'recorded_at', 'summary', 'data', 'request_id'),
  },
  { name: 'lead_requests', from: 'sqlite', key: ['lead_id', 'request_id'], columns: text('lead_id', 'request_id') },
  {
    name: 'lead_erasures',
    from: 'sqlite',
    key: ['lead_id'],
    columns: text('lead_id', 'erased_at', 'actor', 'remote_address', 'requested_by', 'erased', 'hold_lifted_at', 'hold_lifted_by'),
  },
  { name: 'held_requests', from: 'sqlite', key: ['request_id', 'lead_id'], columns: text('request_id', 'lead_id', 'held_at', 'resolution', 'resolved_at', 'resolved_by') },
  {
    name: 'webhook_refusals',
    from: 'sqlite',
    key: ['source_id', 'slot'],
    columns: [
      ...text('source_id'),
      int('slot'),
      int('seq'),
      ...text('id', 'provider', 'received_at', 'reason', 'detail', 'content_type', 'headers'),
      int('headers_omitted'),
      int('body_size'),
      { name: 'body_excerpt', kind: 'bytes' },
    ],
  },
  { name: 'webhook_refusal_counts', from: 'sqlite', key: ['source_id'], columns: [...text('source_id'), int('total'), ...text('first_at', 'last_at')] },
  {
    name: 'destinations',
    from: 'sqlite',
    key: ['id'],
    columns: [
      ...text('id', 'name', 'url'),
      { name: 'events', kind: 'textArray' },
      ...text('filter'),
      { name: 'source_ids', kind: 'textArray' },
      { name: 'include_test', kind: 'bool' },
      ...text('secret', 'previous_secret', 'previous_secret_expires_at', 'disabled_at', 'disabled_reason', 'last_success_at', 'failing_since'),
      int('filtered_count'),
      ...text('last_rule_error', 'last_rule_error_at', 'last_rule_error_delivery_id', 'created_at', 'updated_at', 'deleted_at'),
    ],
  },
  {
    name: 'events',
    from: 'sqlite',
    key: ['seq'],
    identity: 'seq',
    columns: [int('seq'), ...text('id', 'type', 'lead_id', 'source_id', 'created_at', 'body', 'payload')],
  },
  {
    name: 'deliveries',
    from: 'sqlite',
    key: ['seq'],
    identity: 'seq',
    columns: [
      int('seq'),
      ...text('id', 'event_id', 'destination_id', 'lead_id', 'status'),
      int('attempts'),
      ...text('next_attempt_at', 'claimed_until'),
      int('last_status_code'),
      ...text('last_error', 'created_at', 'updated_at', 'delivered_at'),
    ],
  },
  {
    name: 'delivery_attempts',
    from: 'sqlite',
    key: ['id'],
    columns: [...text('id', 'delivery_id'), int('attempt_number'), ...text('started_at'), int('status_code'), int('latency_ms'), ...text('error', 'response_snippet')],
  },
  // Named API tokens and browser sessions (sqlite 0011, postgres 0003): hashes only, copied as they are.
  { name: 'api_tokens', from: 'sqlite', key: ['id'], columns: text('id', 'name', 'role', 'token_hash', 'created_at', 'last_used_at', 'revoked_at') },
  {
    name: 'sessions',
    from: 'sqlite',
    key: ['secret_hash'],
    columns: text('secret_hash', 'token_id', 'admin_token_hash', 'name', 'role', 'created_at', 'last_seen_at', 'expires_at'),
  },
  { name: 'settings', from: 'admin-token-file', key: ['name'], columns: text('name', 'value') },
];

/** SQLite tables and columns that are not copied: indexes of data that is copied, or derived from it. */
export const SQLITE_NOT_COPIED = {
  tables: ['leads_fts', 'leads_fts_pending', 'sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4'],
  /** Internal tables of the FTS5 index (`leads_fts_data`, …). */
  tablePrefixes: ['leads_fts_'],
  /** `leads.first_seen_at` is generated from the document on both sides. */
  columns: ['leads.first_seen_at'],
} as const;

/**
 * PostgreSQL tables and columns that are not copied: bookkeeping of their own, or columns SQLite
 * does not have whose default is right for a copied row (`claimed_by`: a copied claim belongs to no
 * instance, and expires as any other lease).
 */
export const POSTGRES_NOT_COPIED = {
  tables: ['schema_migrations', 'copy_progress'],
  columns: ['leads.first_seen_at', 'deliveries.claimed_by'],
} as const;
