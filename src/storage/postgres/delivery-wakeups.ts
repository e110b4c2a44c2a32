import pg from 'pg';
import { quoteIdent } from './pool.js';
import { SQL } from './delivery-statements.js';

/** The first reconnect waits this long, doubling up to {@link MAX_RECONNECT_MS}. */
const FIRST_RECONNECT_MS = 250;
const MAX_RECONNECT_MS = 5_000;

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

export interface WakeupOptions {
  /** A new, unconnected client with the store's settings. */
  newClient(): pg.Client;
  /** Run on a client just connected, before LISTEN (the store's search_path). */
  prepare(client: pg.Client): Promise<void>;
  /** Send one notification on the store's channel (any connection); `payload` names its kind and sender. */
  notify(payload: string): Promise<void>;
  /** This instance: its own notifications are not echoed back to it. */
  instanceId: string;
  /** Another instance committed deliveries, or notifications may have been missed (after a reconnect). */
  onWake(): void;
  /** Another instance changed destinations, or notifications may have been missed (after a reconnect). */
  onDestinationsChanged(): void;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * Wakes the delivery workers of every instance on one schema when one of them commits deliveries,
 * and has them reload destinations when one of them changes a destination: LISTEN on a dedicated
 * connection that reconnects by itself (with a backoff) whenever it is lost, and a NOTIFY after each
 * commit, coalesced (one in flight, one more of each kind queued at most). Polling stays the
 * fallback for a notification lost with its connection or its sender.
 */
export class DeliveryWakeups {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = FIRST_RECONNECT_MS;
  private isStarted = false;
  private isClosed = false;
  /** The notifications being sent, while any are. */
  private sending: Promise<void> | null = null;
  private readonly wanted = new Set<WakeupKind>();
  private listeningWaiters: (() => void)[] = [];

  constructor(private readonly o: WakeupOptions) {}

  /** Start listening (once; later calls do nothing). */
  start(): void {
    if (this.isStarted || this.isClosed) return;
    this.isStarted = true;
    void this.connect(false);
  }

  /** Tell the other instances that deliveries were committed, or destinations changed (sent after the commit, coalesced). */
  announce(kind: WakeupKind = 'deliveries'): void {
    if (this.isClosed) return;
    this.wanted.add(kind);
    if (this.sending !== null) return;
    this.sending = (async () => {
      while (this.wanted.size > 0) {
        const kinds = [...this.wanted];
        this.wanted.clear();
        // Best effort: a notification that cannot be sent now is made up for by the pollers.
        for (const k of kinds) await this.o.notify(wakeupPayload(k, this.o.instanceId)).catch(() => {});
      }
      this.sending = null;
    })();
  }

  /** Resolves once a LISTEN is active (at once if it is now); after start(). */
  whenListening(): Promise<void> {
    if (this.client !== null) return Promise.resolve();
    return new Promise((resolve) => this.listeningWaiters.push(resolve));
  }

  /** Send what is announced (a change just made must reach the others), then stop listening. */
  async close(): Promise<void> {
    await this.sending;
    this.isClosed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = this.o.newClient();
    let lost = false;
    const onLost = (error?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.isClosed) return;
      this.o.log?.warn({ err: error }, 'delivery wake-ups: the LISTEN connection to PostgreSQL was lost; reconnecting (workers poll meanwhile)');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      const { kind, sender } = parseWakeup(message.payload ?? '');
      if (sender === this.o.instanceId) return;
      if (kind === 'destinations') this.o.onDestinationsChanged();
      else this.o.onWake();
    });
    try {
      await client.connect();
      await this.o.prepare(client);
      const { rows } = await client.query<{ channel: string }>(SQL.channel);
      await client.query(`LISTEN ${quoteIdent((rows[0] as { channel: string }).channel)}`);
    } catch (error) {
      onLost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (this.isClosed || lost) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.reconnectMs = FIRST_RECONNECT_MS;
    for (const resolve of this.listeningWaiters.splice(0)) resolve();
    // Changes committed while nobody listened would wait for the next poll: look now.
    if (isReconnect) {
      this.o.onDestinationsChanged();
      this.o.onWake();
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null || this.isClosed) return;
    const wait = this.reconnectMs;
    this.reconnectMs = Math.min(MAX_RECONNECT_MS, this.reconnectMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect(true);
    }, wait);
    this.reconnectTimer.unref();
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
