import type { Assignee, Attribution, Lead, LeadPatch, Person, ProviderId, TimelineItem } from './lead.js';
import { canonicalJson } from './normalize/canonical-json.js';
import { phoneDetailsAfter } from './phone-details.js';
import { truncate } from './truncate.js';

export type ApplyOutcome = 'created' | 'updated' | 'stale';

/** A canonical field that changed: `{ "stage": { from: "new", to: "assigned" } }`. */
export type LeadChanges = Record<string, { from: unknown; to: unknown }>;

/** Characters of a derived timeline summary: it quotes provider text (statuses, names, messages). */
export const TIMELINE_SUMMARY_LENGTH = 200;
/** Characters of one quoted value inside a `field_changed` summary (the whole value is in `data`). */
const SUMMARY_VALUE_LENGTH = 40;

export interface MergeContext {
  leadId: string;
  sourceId: string;
  provider: ProviderId;
  /** Hub receipt time of the request, ISO UTC. */
  receivedAt: string;
}

export interface MergeResult {
  outcome: ApplyOutcome;
  lead: Lead;
  /** The ordering key this lead now holds (provider time, else receipt time). */
  orderingTs: string;
  changes: LeadChanges;
  /** Entries to add; the store ignores any whose dedupeKey the lead already has. */
  timeline: TimelineItem[];
}

/**
 * Apply one normalized provider item to the lead it names (pure).
 *
 * - The first sighting creates the lead, whatever the provider called the event (providers.md §4.6).
 * - An item older than what the lead already holds is `stale`: it never rolls the lead back, but
 *   the history it carries (notes, calls…) still reaches the timeline. A creation event for a known
 *   lead is older by definition (LeadPro may send `lead.updated` before `lead.created`).
 * - A newer item updates: non-null values replace, null keeps (providers send partial snapshots and
 *   cannot tell "cleared" from "not sent", providers.md §2.3 #27). A status-less snapshot keeps the stage.
 * - `attribution` follows the latest item; `firstAttribution` is set on creation and never changes.
 * - The timeline says what happened: `created` or `first_received` first, then a `field_changed`
 *   entry for every update that changed a canonical field (see {@link diffLeads}).
 */
export function mergeLead(existing: { lead: Lead; orderingTs: string } | null, patch: LeadPatch, ctx: MergeContext): MergeResult {
  const orderingTs = patch.occurredAt ?? ctx.receivedAt;
  if (existing === null) return create(patch, ctx, orderingTs);
  if (orderingTs < existing.orderingTs || patch.isCreation === true) {
    return { outcome: 'stale', lead: existing.lead, orderingTs: existing.orderingTs, changes: {}, timeline: patch.timeline };
  }
  const old = existing.lead;
  const f = patch.fields;
  const hasStatus = f.providerStatus !== null;
  const lead: Lead = {
    ...old,
    stage: hasStatus ? f.stage : old.stage,
    providerStatus: hasStatus ? f.providerStatus : old.providerStatus,
    person: { ...pickNonNull(old.person, f.person), ...phoneDetailsAfter(old.person, f.person) },
    message: f.message ?? old.message,
    attribution: pickNonNull(old.attribution, f.attribution),
    firstAttribution: old.firstAttribution,
    assignee: mergeAssignee(old.assignee, f.assignee),
    providerCreatedAt: old.providerCreatedAt ?? f.providerCreatedAt,
    lastEventAt: ctx.receivedAt,
    lastProviderUpdateAt: maxIso(old.lastProviderUpdateAt, patch.occurredAt),
    version: old.version + 1,
    // The latest item's flag: a provider that resends a lead says again whether it is a test.
    isTest: f.isTest,
    extra: { ...old.extra, ...f.extra },
  };
  const changes = diffLeads(old, lead);
  const timeline = [...derivedEntries(old, lead, changes, patch), ...patch.timeline];
  return { outcome: 'updated', lead, orderingTs, changes, timeline };
}

function create(patch: LeadPatch, ctx: MergeContext, orderingTs: string): MergeResult {
  const f = patch.fields;
  const lead: Lead = {
    id: ctx.leadId,
    sourceId: ctx.sourceId,
    provider: ctx.provider,
    providerLeadId: patch.providerLeadId,
    stage: f.stage,
    providerStatus: f.providerStatus,
    person: { ...f.person },
    message: f.message,
    attribution: { ...f.attribution },
    firstAttribution: { ...f.attribution },
    assignee: f.assignee,
    providerCreatedAt: f.providerCreatedAt,
    firstSeenAt: ctx.receivedAt,
    lastEventAt: ctx.receivedAt,
    lastProviderUpdateAt: patch.occurredAt,
    version: 1,
    isTest: f.isTest,
    extra: { ...f.extra },
  };
  return { outcome: 'created', lead, orderingTs, changes: {}, timeline: [arrivalEntry(patch, ctx), ...patch.timeline] };
}

/**
 * The lead's first entry, and what it can truthfully claim. With a provider creation time it is
 * `created`, dated then. Without one (Anarock 2018, a Praetorian element without `created`) it is
 * `first_received`, with no provider time: it sorts at its receipt, after the history the snapshot
 * carries. Either way the status is only the one first received: the lead may have been created
 * with another (the first Anarock callback may already be `Final negotiation`).
 */
function arrivalEntry(patch: LeadPatch, ctx: MergeContext): TimelineItem {
  const f = patch.fields;
  const status = f.providerStatus === null ? ` (stage ${f.stage})` : `, with status ${f.providerStatus} (stage ${f.stage})`;
  const data = { stage: f.stage, providerStatus: f.providerStatus, providerEventType: patch.providerEventType };
  if (f.providerCreatedAt !== null) {
    return {
      kind: 'created',
      occurredAt: f.providerCreatedAt,
      summary: truncate(`Created at ${ctx.provider}; first received${status}`, TIMELINE_SUMMARY_LENGTH),
      data,
      dedupeKey: 'created',
    };
  }
  return {
    kind: 'first_received',
    occurredAt: null,
    summary: truncate(`First received from ${ctx.provider}${status}`, TIMELINE_SUMMARY_LENGTH),
    data,
    dedupeKey: 'first_received',
  };
}

/**
 * Entries an update derives by diffing: `field_changed` for every change (all changed fields in
 * `data.changes`, as destinations receive them), plus `status_changed` and `assigned` for those.
 * Keyed by the event's idempotency key, so applying the same event again adds nothing.
 */
function derivedEntries(old: Lead, lead: Lead, changes: LeadChanges, patch: LeadPatch): TimelineItem[] {
  const out: TimelineItem[] = [];
  const occurredAt = patch.occurredAt ?? lead.lastEventAt;
  if (changes['stage'] !== undefined || changes['providerStatus'] !== undefined) {
    out.push({
      kind: 'status_changed',
      occurredAt,
      summary: truncate(
        `Status ${old.providerStatus ?? '(none)'} → ${lead.providerStatus ?? '(none)'} (stage ${old.stage} → ${lead.stage})`,
        TIMELINE_SUMMARY_LENGTH,
      ),
      data: { fromStage: old.stage, toStage: lead.stage, fromStatus: old.providerStatus, toStatus: lead.providerStatus },
      dedupeKey: `status_changed:${patch.idempotencyKey}`,
    });
  }
  if (changes['assignee.name'] !== undefined || changes['assignee.email'] !== undefined) {
    out.push({
      kind: 'assigned',
      occurredAt,
      summary: truncate(`Assigned to ${lead.assignee?.name ?? lead.assignee?.email ?? '(nobody)'}`, TIMELINE_SUMMARY_LENGTH),
      data: { from: old.assignee, to: lead.assignee },
      dedupeKey: `assigned:${patch.idempotencyKey}`,
    });
  }
  if (Object.keys(changes).length > 0) {
    out.push({
      kind: 'field_changed',
      occurredAt,
      summary: changeSummary(changes),
      data: { changes },
      dedupeKey: `field_changed:${patch.idempotencyKey}`,
    });
  }
  return out;
}

/** `Changed person.email: a@x.com → b@x.com; message: (none) → Hi…`, at most TIMELINE_SUMMARY_LENGTH characters. */
function changeSummary(changes: LeadChanges): string {
  const parts = Object.entries(changes).map(([field, { from, to }]) => `${field}: ${shown(from)} → ${shown(to)}`);
  return truncate(`Changed ${parts.join('; ')}`, TIMELINE_SUMMARY_LENGTH);
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  return truncate(typeof value === 'string' ? value : canonicalJson(value), SUMMARY_VALUE_LENGTH);
}

function pickNonNull<T extends Person | Attribution>(old: T, next: T): T {
  const out = { ...old };
  for (const key of Object.keys(next) as (keyof T)[]) if (next[key] !== null && next[key] !== undefined) out[key] = next[key];
  return out;
}

function mergeAssignee(old: Assignee | null, next: Assignee | null): Assignee | null {
  if (next === null) return old;
  return { name: next.name ?? old?.name ?? null, email: next.email ?? old?.email ?? null };
}

function maxIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

const NO_ASSIGNEE: Assignee = Object.freeze({ name: null, email: null });

/**
 * Canonical fields whose value differs between two versions of a lead, named `stage`,
 * `providerStatus`, `person.<field>`, `message`, `attribution.<field>` and `assignee.<field>`.
 * A field one version lacks (a document stored before the field existed) counts as `null`.
 */
export function diffLeads(before: Lead, after: Lead): LeadChanges {
  const changes: LeadChanges = {};
  diffValue(changes, 'stage', before.stage, after.stage);
  diffValue(changes, 'providerStatus', before.providerStatus, after.providerStatus);
  diffFields(changes, 'person', before.person, after.person);
  diffValue(changes, 'message', before.message, after.message);
  diffFields(changes, 'attribution', before.attribution, after.attribution);
  diffFields(changes, 'assignee', before.assignee ?? NO_ASSIGNEE, after.assignee ?? NO_ASSIGNEE);
  return changes;
}

function diffFields(changes: LeadChanges, prefix: string, before: object, after: object): void {
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) diffValue(changes, `${prefix}.${key}`, b[key], a[key]);
}

function diffValue(changes: LeadChanges, name: string, before: unknown, after: unknown): void {
  const from = before ?? null;
  const to = after ?? null;
  if (from === to) return;
  // Lists (other phones…) compare by content.
  if (typeof from === 'object' && typeof to === 'object' && canonicalJson(from) === canonicalJson(to)) return;
  changes[name] = { from, to };
}
