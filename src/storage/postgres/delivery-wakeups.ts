import { CHANNEL_SQL } from './delivery-statements.js';
import { CoalescedNotify, ListenConnection, type ChannelOptions } from './listen-connection.js';

/** What a notification says changed: deliveries were committed, or destinations (or their rules) changed. */
export type WakeupKind = 'deliveries' | 'destinations';

/**
 * A notification's payload: `kind:instanceId`. A bare instance id (an older instance's) means deliveries.
 */
export function wakeupPayload(kind: WakeupKind, instanceId: string): string {
  return `${kind}:${instanceId}`;
}

/** The kind and sender of a notification's payload (see {@link wakeupPayload}). */
export function parseWakeup(payload: string): { kind: WakeupKind; sender: string } {
  const colon = payload.indexOf(':');
  const kind = payload.slice(0, colon);
  if (kind === 'deliveries' || kind === 'destinations') return { kind, sender: payload.slice(colon + 1) };
  return { kind: 'deliveries', sender: payload };
}

export interface WakeupOptions extends ChannelOptions {
  /** Another instance committed deliveries, or notifications may have been missed (after a reconnect). */
  onWake(): void;
  /** Another instance changed destinations, or notifications may have been missed (after a reconnect). */
  onDestinationsChanged(): void;
}

/**
 * Wakes the delivery workers of every instance on one schema when one of them commits deliveries,
 * and has them reload destinations when one of them changes a destination: LISTEN on a dedicated
 * connection that reconnects by itself (with a backoff) whenever it is lost (listen-connection.ts),
 * and a NOTIFY after each commit, coalesced (one in flight, one more of each kind queued at most).
 * Polling stays the fallback for a notification lost with its connection or its sender.
 */
export class DeliveryWakeups {
  private isClosed = false;
  private readonly wanted = new Set<WakeupKind>();
  private readonly listen: ListenConnection;
  // Best effort: a notification that cannot be sent now is made up for by the pollers.
  private readonly sends = new CoalescedNotify(() => this.takePayloads(), (payload) => this.o.notify(payload));

  constructor(private readonly o: WakeupOptions) {
    this.listen = new ListenConnection(o, {
      channelSql: CHANNEL_SQL,
      onPayload: (payload) => {
        const { kind, sender } = parseWakeup(payload);
        if (sender === o.instanceId) return;
        if (kind === 'destinations') o.onDestinationsChanged();
        else o.onWake();
      },
      onListening: (isReconnect) => {
        // Changes committed while nobody listened would wait for the next poll: look now.
        if (!isReconnect) return;
        o.onDestinationsChanged();
        o.onWake();
      },
      lostMessage: 'delivery wake-ups: the LISTEN connection to PostgreSQL was lost; reconnecting (workers poll meanwhile)',
    });
  }

  /** Start listening (once; later calls do nothing). */
  start(): void {
    if (!this.isClosed) this.listen.start();
  }

  /** Tell the other instances that deliveries were committed, or destinations changed (sent after the commit, coalesced). */
  announce(kind: WakeupKind = 'deliveries'): void {
    if (this.isClosed) return;
    this.wanted.add(kind);
    this.sends.kick();
  }

  /** Resolves once a LISTEN is active (at once if it is now); after start(). */
  whenListening(): Promise<void> {
    return this.listen.whenListening();
  }

  /** Send what is announced (a change just made must reach the others), then stop listening. */
  async close(): Promise<void> {
    await this.sends.idle();
    this.isClosed = true;
    await this.listen.close();
  }

  private takePayloads(): string[] {
    const kinds = [...this.wanted];
    this.wanted.clear();
    return kinds.map((kind) => wakeupPayload(kind, this.o.instanceId));
  }
}

/** How often each instance compares the destinations' version by default, ms (the fallback for a lost notification). */
export const DESTINATIONS_POLL_MS = 2_000;

export interface DestinationsWatchOptions {
  /** A short text that changes whenever a destination is created, changed, disabled or deleted. */
  readVersion(): Promise<string>;
  /** The version differs from the one seen last (the first read always does). */
  onChange(): void;
  intervalMs?: number;
}

/**
 * The fallback for destination changes whose notification was lost (with its connection or its
 * sender): every `intervalMs`, one small read of the destinations' version; a new version is a
 * change. A read that fails (a storage fault, recorded by the store) is tried at the next tick.
 */
export class DestinationsWatch {
  private timer: NodeJS.Timeout | null = null;
  private seen: string | null = null;
  private isReading = false;

  constructor(private readonly o: DestinationsWatchOptions) {}

  /** Start comparing (once; later calls do nothing). */
  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.check(), this.o.intervalMs ?? DESTINATIONS_POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async check(): Promise<void> {
    if (this.isReading) return;
    this.isReading = true;
    try {
      const version = await this.o.readVersion();
      if (this.timer === null || version === this.seen) return;
      this.seen = version;
      this.o.onChange();
    } catch {
      // A storage fault: the store recorded it; the next tick tries again.
    } finally {
      this.isReading = false;
    }
  }
}
