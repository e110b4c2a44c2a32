import type pg from 'pg';
import { quoteIdent } from './pool.js';

/** The first reconnect waits this long, doubling up to {@link MAX_RECONNECT_MS}. */
const FIRST_RECONNECT_MS = 250;
const MAX_RECONNECT_MS = 5_000;

/** How an instance reaches its schema's channel (the options of the wake-ups and of the lead notices). */
export interface ChannelOptions {
  /** A new, unconnected client with the store's settings. */
  newClient(): pg.Client;
  /** Run on a client just connected, before LISTEN (the store's search_path). */
  prepare(client: pg.Client): Promise<void>;
  /** Send one payload on the channel (any connection). */
  notify(payload: string): Promise<void>;
  /** This instance: its own notifications are not echoed back to it. */
  instanceId: string;
  log?: { warn(obj: object, msg: string): void };
}

export interface ListenOptions {
  /** An SQL expression naming the channel (it depends on the schema, so it is read after prepare). */
  channelSql: string;
  /** A notification's payload ('' when it has none). */
  onPayload(payload: string): void;
  /** A LISTEN became active; `isReconnect` when it replaces a lost one (notifications may have been missed). */
  onListening?(isReconnect: boolean): void;
  /** Logged with the error when the connection is lost. */
  lostMessage: string;
}

/**
 * A LISTEN on a dedicated connection (delivery wake-ups, lead notices), which reconnects by itself,
 * with a backoff, whenever it is lost.
 */
export class ListenConnection {
  private client: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = FIRST_RECONNECT_MS;
  private isStarted = false;
  private isClosed = false;
  private listeningWaiters: (() => void)[] = [];

  constructor(
    private readonly channel: Omit<ChannelOptions, 'notify' | 'instanceId'>,
    private readonly o: ListenOptions,
  ) {}

  /** Start listening (once; later calls do nothing). */
  start(): void {
    if (this.isStarted || this.isClosed) return;
    this.isStarted = true;
    void this.connect(false);
  }

  /** Resolves once a LISTEN is active (at once if it is now); after start(). */
  whenListening(): Promise<void> {
    if (this.client !== null) return Promise.resolve();
    return new Promise((resolve) => this.listeningWaiters.push(resolve));
  }

  /** Stop listening, and reconnecting. */
  async close(): Promise<void> {
    this.isClosed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = this.channel.newClient();
    let lost = false;
    const onLost = (error?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.isClosed) return;
      this.channel.log?.warn({ err: error }, this.o.lostMessage);
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => this.o.onPayload(message.payload ?? ''));
    try {
      await client.connect();
      await this.channel.prepare(client);
      const { rows } = await client.query<{ channel: string }>(`SELECT ${this.o.channelSql} AS channel`);
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
    this.o.onListening?.(isReconnect);
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

/**
 * NOTIFY sends coalesced: one round in flight at a time; what is announced meanwhile waits in the
 * owner's pending state and goes in the next round. Best effort: a send that fails is not retried.
 */
export class CoalescedNotify {
  private sending: Promise<void> | null = null;

  constructor(
    /** The payloads of everything pending, which then counts as sent ([] when nothing is pending). */
    private readonly takePayloads: () => string[],
    /** Send one payload on the channel (any connection). */
    private readonly notify: (payload: string) => Promise<void>,
  ) {}

  /** Send what is pending now or soon (after the round in flight). */
  kick(): void {
    if (this.sending !== null) return;
    const payloads = this.takePayloads();
    // Set before run() clears it: a round awaits at least one send.
    if (payloads.length > 0) this.sending = this.run(payloads);
  }

  /** Resolves once nothing is being sent. */
  async idle(): Promise<void> {
    await this.sending;
  }

  private async run(first: string[]): Promise<void> {
    for (let payloads = first; payloads.length > 0; payloads = this.takePayloads()) {
      for (const payload of payloads) await this.notify(payload).catch(() => {});
    }
    this.sending = null;
  }
}
