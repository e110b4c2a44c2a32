import type { ItemCounts, WebhookResult } from '../../types.js';

const STATUS_WORDS: Record<string, string> = {
  accepted: 'Accepted',
  duplicate: 'Duplicate',
  quarantined: 'Quarantined',
  rejected: 'Refused',
};

/** A request status for people: "Accepted", "Refused"… */
export function statusText(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

/** "3 items: 2 created, 1 quarantined"; "no items" for a ping. */
export function countsText(counts: ItemCounts | undefined): string {
  if (counts === undefined) return '—';
  if (counts.total === 0) return 'no items';
  const parts = (['created', 'updated', 'duplicate', 'stale', 'quarantined'] as const)
    .filter((k) => (counts[k] ?? 0) > 0)
    .map((k) => `${counts[k]} ${k}`);
  return `${counts.total} ${counts.total === 1 ? 'item' : 'items'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
}

/** What a reprocess (or apply) came to, in one sentence. */
export function resultText(result: WebhookResult): string {
  const byOutcome = new Map<string, number>();
  for (const lead of result.leads) byOutcome.set(lead.outcome, (byOutcome.get(lead.outcome) ?? 0) + 1);
  const parts = [...byOutcome].map(([outcome, n]) => `${n} ${outcome}`);
  const quarantined = result.quarantinedCount ?? result.quarantined?.length ?? 0;
  if (quarantined > 0) parts.push(`${quarantined} quarantined${result.quarantined?.[0] === undefined ? '' : ` (${result.quarantined[0].reason})`}`);
  const status = result.status === undefined ? '' : `${statusText(result.status)}: `;
  return `${status}${parts.length > 0 ? parts.join(', ') : 'no items'}.`;
}
