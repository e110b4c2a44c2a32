import type { Assignee, Attribution, Lead, LeadPatch, Person, ProviderId, TimelineItem } from './lead.js';

export type ApplyOutcome = 'created' | 'updated' | 'stale';

/** A canonical field that changed: `{ "stage": { from: "new", to: "assigned" } }`. */
export type LeadChanges = Record<string, { from: unknown; to: unknown }>;

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
    person: pickNonNull(old.person, f.person),
    message: f.message ?? old.message,
    attribution: pickNonNull(old.attribution, f.attribution),
    assignee: mergeAssignee(old.assignee, f.assignee),
    providerCreatedAt: old.providerCreatedAt ?? f.providerCreatedAt,
    lastEventAt: ctx.receivedAt,
    lastProviderUpdateAt: maxIso(old.lastProviderUpdateAt, patch.occurredAt),
    version: old.version + 1,
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
    assignee: f.assignee,
    providerCreatedAt: f.providerCreatedAt,
    firstSeenAt: ctx.receivedAt,
    lastEventAt: ctx.receivedAt,
    lastProviderUpdateAt: patch.occurredAt,
    version: 1,
    extra: { ...f.extra },
  };
  const created: TimelineItem = {
    kind: 'created',
    occurredAt: f.providerCreatedAt ?? ctx.receivedAt,
    summary: `Lead received from ${ctx.provider}${f.providerStatus ? ` with status ${f.providerStatus}` : ''} (stage ${f.stage})`,
    data: { stage: f.stage, providerStatus: f.providerStatus, providerEventType: patch.providerEventType },
    dedupeKey: 'created',
  };
  return { outcome: 'created', lead, orderingTs, changes: {}, timeline: [created, ...patch.timeline] };
}

function derivedEntries(old: Lead, lead: Lead, changes: LeadChanges, patch: LeadPatch): TimelineItem[] {
  const out: TimelineItem[] = [];
  if (changes['stage'] !== undefined || changes['providerStatus'] !== undefined) {
    out.push({
      kind: 'status_changed',
      occurredAt: patch.occurredAt ?? lead.lastEventAt,
      summary: `Status ${old.providerStatus ?? '(none)'} → ${lead.providerStatus ?? '(none)'} (stage ${old.stage} → ${lead.stage})`,
      data: { fromStage: old.stage, toStage: lead.stage, fromStatus: old.providerStatus, toStatus: lead.providerStatus },
      dedupeKey: `status_changed:${patch.idempotencyKey}`,
    });
  }
  if (changes['assignee.name'] !== undefined || changes['assignee.email'] !== undefined) {
    out.push({
      kind: 'assigned',
      occurredAt: patch.occurredAt ?? lead.lastEventAt,
      summary: `Assigned to ${lead.assignee?.name ?? lead.assignee?.email ?? '(nobody)'}`,
      data: { from: old.assignee, to: lead.assignee },
      dedupeKey: `assigned:${patch.idempotencyKey}`,
    });
  }
  return out;
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

const DIFFED: readonly (readonly [string, (l: Lead) => unknown])[] = [
  ['stage', (l) => l.stage],
  ['providerStatus', (l) => l.providerStatus],
  ['person.fullName', (l) => l.person.fullName],
  ['person.firstName', (l) => l.person.firstName],
  ['person.lastName', (l) => l.person.lastName],
  ['person.email', (l) => l.person.email],
  ['person.emailRaw', (l) => l.person.emailRaw],
  ['person.phone', (l) => l.person.phone],
  ['person.phoneRaw', (l) => l.person.phoneRaw],
  ['message', (l) => l.message],
  ['assignee.name', (l) => l.assignee?.name ?? null],
  ['assignee.email', (l) => l.assignee?.email ?? null],
];

/** Canonical fields whose value differs between two versions of a lead. */
export function diffLeads(before: Lead, after: Lead): LeadChanges {
  const changes: LeadChanges = {};
  for (const [name, get] of DIFFED) {
    const from = get(before);
    const to = get(after);
    if (from !== to) changes[name] = { from, to };
  }
  return changes;
}
