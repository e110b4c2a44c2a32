import pg from 'pg';
import { quoteIdent } from './pool.js';
import { SQL } from './delivery-statements.js';

/** The first reconnect waits this long, doubling up to {@link MAX_RECONNECT_MS}. */
const FIRST_RECONNECT_MS = 250;
const MAX_RECONNECT_MS = 5_000;

export interface WakeupOptions {
  /** A new, unconnected client with the store's settings. */
  newClient(): pg.Client;
  /** Run on a client just connected, before LISTEN (the store's search_path). */
  prepare(client: pg.Client): Promise<void>;
  /** Send one notification on the store's channel (any connection); `payload` names the sender. */
  notify(payload: string): Promise<void>;
  /** This instance: its own notifications are not echoed back to it. */
  instanceId: string;
  /** Another instance committed deliveries, or notifications may have been missed (after a reconnect). */
  onWake(): void;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * Wakes the delivery workers of every instance on one schema when one of them commits deliveries:
 * LISTEN on a dedicated connection that reconnects by itself (with a backoff) whenever it is lost,
 * and a NOTIFY after each commit, coalesced (one in flight, one more queued at most). Polling by the
 * worker stays the fallback for a notification lost with its connection or its sender.
 */
export class DeliveryWakeups {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = FIRST_RECONNECT_MS;
  private isStarted = false;
  private isClosed = false;
  private isSending = false;
  private wantsSend = false;
  private listeningWaiters: (() => void)[] = [];

  constructor(private readonly o: WakeupOptions) {}

  /** Start listening (once; later calls do nothing). */
  start(): void {
    if (this.isStarted || this.isClosed) return;
    this.isStarted = true;
    void this.connect(false);
  }

  /** Tell the other instances that deliveries were committed (sent after the commit, coalesced). */
  announce(): void {
    if (this.isClosed) return;
    if (this.isSending) {
      this.wantsSend = true;
      return;
    }
    this.isSending = true;
    void (async () => {
      do {
        this.wantsSend = false;
        // Best effort: a notification that cannot be sent now is made up for by the pollers.
        await this.o.notify(this.o.instanceId).catch(() => {});
      } while (this.wantsSend && !this.isClosed);
      this.isSending = false;
    })();
  }

  /** Resolves once a LISTEN is active (at once if it is now); after start(). */
  whenListening(): Promise<void> {
    if (this.client !== null) return Promise.resolve();
    return new Promise((resolve) => this.listeningWaiters.push(resolve));
  }

  async close(): Promise<void> {
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
      if (message.payload !== this.o.instanceId) this.o.onWake();
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
    // Deliveries committed while nobody listened would wait for the next poll: look now.
    if (isReconnect) this.o.onWake();
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
