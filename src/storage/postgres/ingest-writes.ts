import type pg from 'pg';
import type { IngestLookups, ItemPlan, StoredLead } from '../../ingest/item-plan.js';
import type { IngestJob } from '../port.js';
import { leadFromDocument } from '../../core/stored-lead.js';

/** The provider lead ids and idempotency keys of a job's mapped items. */
function itemKeys(job: Pick<IngestJob, 'items'>): { providerLeadIds: string[]; keys: string[] } {
  const providerLeadIds = new Set<string>();
  const keys = new Set<string>();
  for (const item of job.items) {
    if ('error' in item) continue;
    providerLeadIds.add(item.patch.providerLeadId);
    keys.add(item.patch.idempotencyKey);
  }
  return { providerLeadIds: [...providerLeadIds].sort(), keys: [...keys] };
}

/**
 * Everything applying a request's items reads, read at once inside its transaction (one query per
 * kind), after serializing with every other transaction that writes the same provider leads:
 *
 * 1. a transaction advisory lock per (source, provider lead id), taken in sorted order, so that two
 *    webhooks of the same provider lead (on any instance) apply one after the other, also when the
 *    lead does not exist yet: no unique-violation, no lost update, and the second sees the first's
 *    ledger entry (a retry is a duplicate);
 * 2. the leads, locked `FOR UPDATE` (an erasure of the lead waits, and is waited for);
 * 3. the idempotency ledger entries of the items' keys;
 * 4. the erasures still holding those leads.
 *
 * Under READ COMMITTED each statement sees what committed before it started, so these reads see
 * whatever the transactions that held the locks wrote.
 */
export async function readLookups(client: pg.PoolClient, sourceId: string, job: Pick<IngestJob, 'items'>): Promise<IngestLookups> {
  const { providerLeadIds, keys } = itemKeys(job);
  const leads = new Map<string, StoredLead>();
  const seen = new Map<string, string>();
  const erasures = new Map<string, string>();
  if (providerLeadIds.length > 0) {
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended($1 || E'\\n' || p, 0)) FROM unnest($2::text[]) AS p`,
      [sourceId, providerLeadIds],
    );
    const rows = await client.query<{ id: string; provider_lead_id: string; ordering_ts: string; doc: string }>(
      `SELECT id, provider_lead_id, ordering_ts, doc FROM leads WHERE source_id = $1 AND provider_lead_id = ANY($2::text[])
       ORDER BY provider_lead_id FOR UPDATE`,
      [sourceId, providerLeadIds],
    );
    for (const r of rows.rows) leads.set(r.provider_lead_id, { id: r.id, lead: leadFromDocument(r.doc), orderingTs: r.ordering_ts });
    const ledger = await client.query<{ idempotency_key: string; lead_id: string }>(
      'SELECT idempotency_key, lead_id FROM lead_events WHERE source_id = $1 AND idempotency_key = ANY($2::text[])',
      [sourceId, keys],
    );
    for (const r of ledger.rows) seen.set(r.idempotency_key, r.lead_id);
    const leadIds = [...new Set([...[...leads.values()].map((l) => l.id), ...seen.values()])];
    if (leadIds.length > 0) {
      const held = await client.query<{ lead_id: string; erased_at: string }>(
        'SELECT lead_id, erased_at FROM lead_erasures WHERE lead_id = ANY($1::text[]) AND hold_lifted_at IS NULL',
        [leadIds],
      );
      for (const r of held.rows) erasures.set(r.lead_id, r.erased_at);
    }
  }
  return {
    seenLeadId: (key) => seen.get(key),
    storedLead: (providerLeadId) => leads.get(providerLeadId),
    holdingErasure: (leadId) => erasures.get(leadId),
  };
}

/** Thrown when a ledger entry appeared that the locked read did not see: the transaction is run again (SQLSTATE 40001). */
class LedgerRace extends Error {
  readonly code = '40001';
  constructor() {
    super('an idempotency key was applied by a concurrent transaction; the request is applied again');
  }
}

/**
 * Execute the queued plans of one request (ItemPlan's order: lead rows, timeline, ledger, holds,
 * lead-request links) in one statement per table, then fan out every change in item order (the
 * delivery store writes events and deliveries in the same transaction). A lead written by several
 * items of the request is written once, as the last of them left it.
 */
export async function writePlans(
  client: pg.PoolClient,
  plans: readonly ItemPlan[],
  fanOut: (change: NonNullable<ItemPlan['change']>) => Promise<void>,
): Promise<void> {
  const leadRows = new Map<string, NonNullable<ItemPlan['leadWrite']>['row']>();
  for (const p of plans) if (p.leadWrite !== null) leadRows.set(p.leadWrite.row.id, p.leadWrite.row);
  if (leadRows.size > 0) {
    const rows = [...leadRows.values()];
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    await client.query(
      `INSERT INTO leads (id, source_id, provider, provider_lead_id, stage, phone, email, search_text, last_event_at, ordering_ts, version, is_test, doc)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $12::boolean[], $13::text[])
       ON CONFLICT (id) DO UPDATE SET stage = EXCLUDED.stage, phone = EXCLUDED.phone, email = EXCLUDED.email, search_text = EXCLUDED.search_text,
         last_event_at = EXCLUDED.last_event_at, ordering_ts = EXCLUDED.ordering_ts, version = EXCLUDED.version, is_test = EXCLUDED.is_test, doc = EXCLUDED.doc`,
      [
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
    );
  }
  const timeline = plans.flatMap((p) => p.timeline);
  if (timeline.length > 0) {
    const col = <K extends keyof (typeof timeline)[number]>(k: K) => timeline.map((t) => t[k]);
    await client.query(
      `INSERT INTO timeline (id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id)
       SELECT id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
         WITH ORDINALITY AS u (id, lead_id, dedupe_key, kind, occurred_at, recorded_at, summary, data, request_id, n)
       ORDER BY n
       ON CONFLICT (lead_id, dedupe_key) DO NOTHING`,
      [col('id'), col('leadId'), col('dedupeKey'), col('kind'), col('occurredAt'), col('recordedAt'), col('summary'), timeline.map((t) => JSON.stringify(t.data)), col('requestId')],
    );
  }
  const ledger = plans.flatMap((p) => (p.ledger === null ? [] : [p.ledger]));
  if (ledger.length > 0) {
    const inserted = await client.query(
      `INSERT INTO lead_events (source_id, idempotency_key, lead_id, request_id, outcome)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (source_id, idempotency_key) DO NOTHING`,
      [ledger.map((l) => l.sourceId), ledger.map((l) => l.idempotencyKey), ledger.map((l) => l.leadId), ledger.map((l) => l.requestId), ledger.map((l) => l.outcome)],
    );
    // The planner saw no entry for these keys (and one request never plans a key twice): an entry
    // now means another transaction applied one of them meanwhile. Run the request again.
    if (inserted.rowCount !== ledger.length) throw new LedgerRace();
  }
  const held = plans.flatMap((p) => (p.held === null ? [] : [p.held]));
  if (held.length > 0) {
    await client.query(
      `INSERT INTO held_requests (request_id, lead_id, held_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
      [held.map((h) => h.requestId), held.map((h) => h.leadId), held.map((h) => h.heldAt)],
    );
  }
  const links = plans.flatMap((p) => (p.leadRequest === null ? [] : [p.leadRequest]));
  if (links.length > 0) {
    await client.query(
      `INSERT INTO lead_requests (lead_id, request_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      [links.map((l) => l.leadId), links.map((l) => l.requestId)],
    );
  }
  for (const p of plans) if (p.change !== null) await fanOut(p.change);
}
