import type pg from 'pg';
import type { IngestLookups, ItemPlan, LeadRowWrite, StoredLead } from '../../ingest/item-plan.js';
import type { IngestJob } from '../port.js';
import { leadFromDocument } from '../../core/stored-lead.js';

/** The items of one request and the source they belong to: what reading for them needs. */
export interface LookupScope {
  sourceId: string;
  items: IngestJob['items'];
}

/** A (source, key) pair as one map key (a newline never occurs in a source id). */
function scoped(sourceId: string, key: string): string {
  return `${sourceId}\n${key}`;
}

/** The named statements of the reads (parsed once per connection). */
const READ = {
  lock: {
    name: 'lh_ingest_lock',
    text: `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`,
  },
  leads: {
    name: 'lh_ingest_leads',
    text: `SELECT l.id, l.source_id, l.provider_lead_id, l.ordering_ts, l.doc
           FROM leads l JOIN unnest($1::text[], $2::text[]) AS k (s, p) ON l.source_id = k.s AND l.provider_lead_id = k.p
           ORDER BY l.source_id, l.provider_lead_id FOR UPDATE OF l`,
  },
  ledger: {
    name: 'lh_ingest_ledger',
    text: `SELECT e.source_id, e.idempotency_key, e.lead_id
           FROM lead_events e JOIN unnest($1::text[], $2::text[]) AS k (s, i) ON e.source_id = k.s AND e.idempotency_key = k.i`,
  },
  erasures: {
    name: 'lh_ingest_erasures',
    text: 'SELECT lead_id, erased_at FROM lead_erasures WHERE lead_id = ANY($1::text[]) AND hold_lifted_at IS NULL',
  },
} as const;

/** Two parallel arrays of a set of scoped keys (source ids, keys), in sorted order. */
function pairs(keys: ReadonlySet<string>): { sorted: string[]; sources: string[]; values: string[] } {
  const sorted = [...keys].sort();
  const split = sorted.map((k) => k.split('\n') as [string, string]);
  return { sorted, sources: split.map((s) => s[0]), values: split.map((s) => s[1]) };
}

/**
 * What the requests of one batch read, read at once and then answered from memory: each request's
 * lookups ({@link forSource}) see the rows as they were read, overlaid with what the batch's earlier
 * requests wrote ({@link record}), so a later webhook of the batch sees an earlier one's lead and
 * ledger entry exactly as if they had been committed one after the other.
 */
export class BatchLookups {
  private readonly leads = new Map<string, StoredLead>();
  private readonly seen = new Map<string, string>();
  private readonly erasures = new Map<string, string>();

  /**
   * Read everything the requests of `scopes` need inside the batch's transaction (one statement per
   * kind), after serializing with every other transaction that writes the same provider leads:
   *
   * 1. a transaction advisory lock per (source, provider lead id), all in one statement, in sorted
   *    order (two batches never wait for each other crosswise), so that two webhooks of the same
   *    provider lead (on any instance) apply one after the other, also when the lead does not exist
   *    yet: no unique-violation, no lost update, and the second sees the first's ledger entry;
   * 2. the leads, locked `FOR UPDATE` (an erasure of the lead waits, and is waited for);
   * 3. the idempotency ledger entries of the items' keys;
   * 4. the erasures still holding those leads.
   *
   * Under READ COMMITTED each statement sees what committed before it started, so these reads see
   * whatever the transactions that held the locks wrote.
   */
  static async read(client: pg.PoolClient, scopes: readonly LookupScope[]): Promise<BatchLookups> {
    const lookups = new BatchLookups();
    const leadKeys = new Set<string>();
    const idempotencyKeys = new Set<string>();
    for (const scope of scopes) {
      for (const item of scope.items) {
        if ('error' in item) continue;
        leadKeys.add(scoped(scope.sourceId, item.patch.providerLeadId));
        idempotencyKeys.add(scoped(scope.sourceId, item.patch.idempotencyKey));
      }
    }
    if (leadKeys.size === 0) return lookups;
    const leadPairs = pairs(leadKeys);
    await client.query({ ...READ.lock, values: [leadPairs.sorted] });
    const rows = await client.query<{ id: string; source_id: string; provider_lead_id: string; ordering_ts: string; doc: string }>({
      ...READ.leads,
      values: [leadPairs.sources, leadPairs.values],
    });
    for (const r of rows.rows) lookups.leads.set(scoped(r.source_id, r.provider_lead_id), { id: r.id, lead: leadFromDocument(r.doc), orderingTs: r.ordering_ts });
    const keyPairs = pairs(idempotencyKeys);
    const ledger = await client.query<{ source_id: string; idempotency_key: string; lead_id: string }>({
      ...READ.ledger,
      values: [keyPairs.sources, keyPairs.values],
    });
    for (const r of ledger.rows) lookups.seen.set(scoped(r.source_id, r.idempotency_key), r.lead_id);
    const leadIds = [...new Set([...[...lookups.leads.values()].map((l) => l.id), ...lookups.seen.values()])];
    if (leadIds.length > 0) {
      const held = await client.query<{ lead_id: string; erased_at: string }>({ ...READ.erasures, values: [leadIds] });
      for (const r of held.rows) lookups.erasures.set(r.lead_id, r.erased_at);
    }
    return lookups;
  }

  /** The lookups of a request of `sourceId`: the rows read, as the batch's earlier requests left them. */
  forSource(sourceId: string): IngestLookups {
    return {
      seenLeadId: (key) => this.seen.get(scoped(sourceId, key)),
      storedLead: (providerLeadId) => this.leads.get(scoped(sourceId, providerLeadId)),
      holdingErasure: (leadId) => this.erasures.get(leadId),
    };
  }

  /** A request of `sourceId` planned `plan`: the batch's later requests see its lead and ledger entry. */
  record(sourceId: string, plan: ItemPlan): void {
    if (plan.ledger !== null) this.seen.set(scoped(plan.ledger.sourceId, plan.ledger.idempotencyKey), plan.ledger.leadId);
    const providerLeadId = plan.outcome.providerLeadId;
    if (plan.stored !== null && providerLeadId !== null) this.leads.set(scoped(sourceId, providerLeadId), plan.stored);
  }
}
/** Thrown when a ledger entry appeared that the locked read did not see: the transaction is run again (SQLSTATE 40001). */
class LedgerRace extends Error {
  readonly code = '40001';
  constructor() {
    super('an idempotency key was applied by a concurrent transaction; the request is applied again');
  }
}

/**
 * Execute the queued plans of one batch of requests, in their order (ItemPlan's order: lead rows,
 * timeline, ledger, holds, lead-request links), in one statement per table; the caller fans out
 * their changes after. A lead written by several items is written once, as the last of them left it.
 */
export async function writePlans(client: pg.PoolClient, plans: readonly ItemPlan[]): Promise<void> {
  const leadRows = new Map<string, NonNullable<ItemPlan['leadWrite']>['row']>();
  for (const p of plans) if (p.leadWrite !== null) leadRows.set(p.leadWrite.row.id, p.leadWrite.row);
  if (leadRows.size > 0) {
    const rows = [...leadRows.values()];
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    await client.query({
      name: 'lh_ingest_write_leads',
      text: `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, phone, email, search_text, last_event_at, ordering_ts, version, is_test, doc)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::boolean[], $13::text[])
       ON CONFLICT (id) DO UPDATE SET stage = EXCLUDED.stage, phone = EXCLUDED.phone, email = EXCLUDED.email, search_text = EXCLUDED.search_text,
         last_event_at = EXCLUDED.last_event_at, ordering_ts = EXCLUDED.ordering_ts, version = EXCLUDED.version, is_test = EXCLUDED.is_test, doc = EXCLUDED.doc`,
      values: [
        col('id'),
        col('sourceId'),
        col('provider'),
        col('providerLeadId'),
        col('stage'),
        col('phone'),
        col('email'),
        col('searchText'),
        col('lastEventAt'),
        col('orderingTs'),
        col('version'),
        col('isTest'),
        rows.map((r) => JSON.stringify(r.lead)),
      ],
    });
    await writeLeadPhones(client, rows);
  }
  const timeline = plans.flatMap((p) => p.timeline);
  if (timeline.length > 0) {
    const col = <K extends keyof (typeof timeline)[number]>(k: K) => timeline.map((t) => t[k]);
    await client.query({
      name: 'lh_ingest_write_timeline',
      text: `INSERT INTO timeline (id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id)
       SELECT id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         WITH ORDINALITY AS u (id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id, n)
       ORDER BY n
       ON CONFLICT (lead_id, dedupe_key) DO NOTHING`,
      values: [col('id'), col('leadId'), col('dedupeKey'), col('kind'), col('occurredAt'), col('recordedAt'), col('summary'), timeline.map((t) => JSON.stringify(t.data)), col('requestId')],
    });
  }
  const ledger = plans.flatMap((p) => (p.ledger === null ? [] : [p.ledger]));
  if (ledger.length > 0) {
    const inserted = await client.query({
      name: 'lh_ingest_write_ledger',
      text: `INSERT INTO lead_events (source_id, idempotency_key, lead_id, request_id, outcome)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (source_id, idempotency_key) DO NOTHING`,
      values: [ledger.map((l) => l.sourceId), ledger.map((l) => l.idempotencyKey), ledger.map((l) => l.leadId), ledger.map((l) => l.requestId), ledger.map((l) => l.outcome)],
    });
    // The planner saw no entry for these keys (and one request never plans a key twice): an entry
    // now means another transaction applied one of them meanwhile. Run the request again.
    if (inserted.rowCount !== ledger.length) throw new LedgerRace();
  }
  const held = plans.flatMap((p) => (p.held === null ? [] : [p.held]));
  if (held.length > 0) {
    await client.query({
      name: 'lh_ingest_write_held',
      text: `INSERT INTO held_requests (request_id, lead_id, held_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      values: [held.map((h) => h.requestId), held.map((h) => h.leadId), held.map((h) => h.heldAt)],
    });
  }
  const links = plans.flatMap((p) => (p.leadRequest === null ? [] : [p.leadRequest]));
  if (links.length > 0) {
    await client.query({
      name: 'lh_ingest_write_links',
      text: `INSERT INTO lead_requests (lead_id, request_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      values: [links.map((l) => l.leadId), links.map((l) => l.requestId)],
    });
  }
}

/**
 * Replace the numbers of the written leads (`lead_phones`, migration 0006) by theirs, in two
 * statements for the whole batch: the numbers a lead no longer has are deleted, its new ones added.
 * An update that keeps the lead's numbers (the usual one) changes no row.
 */
async function writeLeadPhones(client: pg.PoolClient, rows: readonly Pick<LeadRowWrite, 'id' | 'phones'>[]): Promise<void> {
  const ids = rows.map((r) => r.id);
  const leadIds = rows.flatMap((r) => r.phones.map(() => r.id));
  const phones = rows.flatMap((r) => r.phones);
  await client.query({
    name: 'lh_ingest_prune_lead_phones',
    text: `DELETE FROM lead_phones lp WHERE lp.lead_id = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::text[]) AS k (l, p) WHERE k.l = lp.lead_id AND k.p = lp.phone)`,
    values: [ids, leadIds, phones],
  });
  if (phones.length === 0) return;
  await client.query({
    name: 'lh_ingest_write_lead_phones',
    text: `INSERT INTO lead_phones (lead_id, phone) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    values: [leadIds, phones],
  });
}

/** One `requests` row: a webhook as received, with what applying it decided (see planRequestRecord). */
export interface RequestRowWrite {
  id: string;
  sourceId: string;
  provider: string;
  receivedAt: string;
  status: string;
  reason: string | null;
  httpStatus: number;
  contentType: string | null;
  headers: string;
  body: Buffer;
  bodySha256: string;
  authPayload: string | null;
  items: string;
  isTestSend: boolean;
}

/** Insert the `requests` rows of a batch, in one statement. */
export async function insertRequests(client: pg.PoolClient, rows: readonly RequestRowWrite[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <K extends keyof RequestRowWrite>(k: K) => rows.map((r) => r[k]);
  await client.query({
    name: 'lh_ingest_write_requests',
    text: `INSERT INTO requests (id, source_id, provider, received_at, status, reason, http_status, content_type, headers, body, body_sha256, auth_payload, items, is_test_send)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::bytea[], $11::text[], $12::text[], $13::text[], $14::boolean[])`,
    values: [
      col('id'),
      col('sourceId'),
      col('provider'),
      col('receivedAt'),
      col('status'),
      col('reason'),
      col('httpStatus'),
      col('contentType'),
      col('headers'),
      col('body'),
      col('bodySha256'),
      col('authPayload'),
      col('items'),
      col('isTestSend'),
    ],
  });
}
