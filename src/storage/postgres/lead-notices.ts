import type { LeadsChanged } from '../console-port.js';
import { CoalescedNotify, ListenConnection, type ChannelOptions } from './listen-connection.js';

/**
 * The NOTIFY channel of lead changes of the store's schema (a sibling of the delivery wake-ups'
 * channel, delivery-statements.ts): instances on one schema tell each other, other schemas do not hear.
 */
export const LEADS_CHANNEL_SQL = `'leadhook_leads_' || left(md5(current_schema()), 16)`;

/** Longest payload sent, bytes: PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
export const MAX_NOTICE_BYTES = 7900;
/** Lead ids waiting to be announced at most; past it, new ones are dropped (live updates are best effort). */
const MAX_PENDING_IDS = 10_000;
/** Longest lead id a received notice may carry (ours are about 31 characters). */
const MAX_ID_LENGTH = 200;

/** One notice: who sent it and the leads it names (ids only: each instance reads the rows itself). */
export interface LeadNotice {
  from: string;
  created: string[];
  updated: string[];
}

/**
 * The payloads announcing `change` from instance `from`, JSON, each at most `maxBytes` bytes (a big
 * change is split; an id that cannot fit alone is left out). Pure.
 */
export function noticePayloads(from: string, change: LeadsChanged, maxBytes: number = MAX_NOTICE_BYTES): string[] {
  const empty = (): LeadNotice => ({ from, created: [], updated: [] });
  const baseBytes = Buffer.byteLength(JSON.stringify(empty()));
  const out: string[] = [];
  let current = empty();
  let bytes = baseBytes;
  const flush = () => {
    if (current.created.length + current.updated.length > 0) out.push(JSON.stringify(current));
    current = empty();
    bytes = baseBytes;
  };
  for (const [kind, ids] of [['created', change.created], ['updated', change.updated]] as const) {
    for (const id of ids) {
      const cost = Buffer.byteLength(JSON.stringify(id)) + 1;
      if (baseBytes + cost > maxBytes) continue;
      if (bytes + cost > maxBytes) flush();
      current[kind].push(id);
      bytes += cost;
    }
  }
  flush();
  return out;
}

/** A received payload as a notice, or null when it is not one (any database user can NOTIFY). */
export function readNotice(payload: string): LeadNotice | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { from, created, updated } = value as Record<string, unknown>;
  const isIds = (v: unknown): v is string[] => Array.isArray(v) && v.every((id) => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH);
  if (typeof from !== 'string' || !isIds(created) || !isIds(updated)) return null;
  return { from, created, updated };
}

export interface LeadNoticesOptions extends ChannelOptions {
  /** Another instance committed these changes. */
  onNotice(change: LeadsChanged): void;
}

/**
 * Lead changes between the instances on one schema: a NOTIFY after each commit that created or
 * updated leads (coalesced: one send in flight, the ids announced meanwhile merged and sent next),
 * and a LISTEN on a dedicated connection that reconnects by itself, with a backoff, when lost
 * (listen-connection.ts). Best effort: a notice lost with its connection or its sender is not sent again.
 */
export class LeadNotices {
  private isClosed = false;
  private readonly pending = { created: new Set<string>(), updated: new Set<string>() };
  private readonly listen: ListenConnection;
  // Best effort: a notice that cannot be sent now is lost (the console reloads its list).
  private readonly sends = new CoalescedNotify(() => this.takePayloads(), (payload) => this.o.notify(payload));

  constructor(private readonly o: LeadNoticesOptions) {
    this.listen = new ListenConnection(o, {
      channelSql: LEADS_CHANNEL_SQL,
      onPayload: (payload) => {
        const notice = readNotice(payload);
        if (notice === null || notice.from === o.instanceId) return;
        o.onNotice({ created: notice.created, updated: notice.updated });
      },
      lostMessage: 'live lead notices: the LISTEN connection to PostgreSQL was lost; reconnecting',
    });
  }

  /** Start listening (once; later calls do nothing). */
  start(): void {
    if (!this.isClosed) this.listen.start();
  }

  /** Resolves once a LISTEN is active; after start(). */
  whenListening(): Promise<void> {
    return this.listen.whenListening();
  }

  /** Tell the other instances (after the commit). */
  announce(change: LeadsChanged): void {
    if (this.isClosed) return;
    for (const [kind, ids] of [['created', change.created], ['updated', change.updated]] as const) {
      for (const id of ids) if (this.pending.created.size + this.pending.updated.size < MAX_PENDING_IDS) this.pending[kind].add(id);
    }
    this.sends.kick();
  }

  /** Send what was announced (nothing more is taken), and stop listening. */
  async close(): Promise<void> {
    this.isClosed = true;
    await Promise.all([this.sends.idle(), this.listen.close()]);
  }

  /** The payloads of the ids announced since the last round (an id both created and updated is created). */
  private takePayloads(): string[] {
    const created = [...this.pending.created];
    const updated = [...this.pending.updated].filter((id) => !this.pending.created.has(id));
    this.pending.created.clear();
    this.pending.updated.clear();
    return created.length + updated.length === 0 ? [] : noticePayloads(this.o.instanceId, { created, updated });
  }
}
