/**
 * The live lead stream (`GET /api/live`, server-sent events): a small in-process hub. The store
 * tells it which leads each commit created or updated (ids only; on PostgreSQL every instance's
 * commits, src/storage/postgres/lead-notices.ts); the hub reads those leads once, in batches, and
 * writes each one to every open stream whose filter takes it.
 *
 * Every stream is opened with the credentials its request was let through with, and ends as soon
 * as they stop holding: at once when this instance revokes the token or signs the session out
 * ({@link LiveHub.endStreamsOf}), else at the next keep-alive tick, when each stream's credentials
 * are checked again in the store (a token revoked, or a session signed out or expired, through
 * another instance). It is then sent `event: end` with `{"reason": …}` ({@link StreamEndReason})
 * and closed. Streams also end after `maxStreamMs` (the client reconnects, and is authorized
 * again; no `end` event: the client should reconnect). Bounded: at
 * most `maxStreams` streams, `maxStreamsPerToken` of them with one token (more are refused with
 * LH_E_TOO_MANY_STREAMS, 503); a
 * client that does not read is dropped once `maxBufferBytes` wait to be sent to it (it reconnects
 * and reloads, rather than the server holding its backlog); lead ids waiting to be read are capped
 * (past the cap, changes are not streamed: the console's list is the truth, the stream a hint).
 */
import type { ServerResponse } from 'node:http';
import { hubError } from '../core/errors.js';
import type { Lead } from '../core/lead.js';
import type { ConsoleStore, LeadsChanged } from '../storage/console-port.js';
import { sseComment, sseEvent } from './sse.js';

export interface LiveOptions {
  /** Streams open at once, at most. */
  maxStreams: number;
  /**
   * Streams open at once with one token (a named token, its sessions included; or the first-start
   * admin token), at most: one viewer's tabs or scripts cannot take every stream from the others.
   */
  maxStreamsPerToken: number;
  /** A comment is written to every stream this often, ms, so that proxies and browsers keep it open. */
  keepAliveMs: number;
  /** Bytes waiting to be sent to one client, at most; past it the client is dropped. */
  maxBufferBytes: number;
  /**
   * A stream is ended after this long, ms; the client reconnects (EventSource does, after the
   * `retry` the stream announced) and is authenticated again. Credentials that stop holding end a
   * stream sooner: see {@link StreamCredentials}.
   */
  maxStreamMs: number;
}

/**
 * Why a stream's credentials stopped holding (the `reason` of its `event: end`):
 * - `token-revoked`: the named API token it was opened with (`Authorization: Bearer`) was revoked;
 * - `session-ended`: its session was signed out, or deleted with its token, or the admin token it
 *   was made with changed;
 * - `session-expired`: its session ended by time (idle or absolute expiry).
 * The last two mean the client must sign in again.
 */
export type StreamEndReason = 'token-revoked' | 'session-ended' | 'session-expired';

/** The credentials a stream was opened with (src/http/admin-auth.ts `Authenticator.heldCredentials`). */
export interface StreamCredentials {
  /** The named token (directly, or the one its session was made with); null for the first-start admin token. */
  tokenId: string | null;
  /** Its session's secret hash; null for a bearer token. */
  sessionHash: string | null;
  /**
   * Null while they still hold, else why not; throws on a storage fault. Reads only, writes nothing.
   * Null itself for credentials that cannot stop holding while the server runs (the first-start admin token).
   */
  check: (() => Promise<StreamEndReason | null>) | null;
}

export const LIVE_DEFAULTS: LiveOptions = { maxStreams: 100, maxStreamsPerToken: 10, keepAliveMs: 15_000, maxBufferBytes: 1024 * 1024, maxStreamMs: 5 * 60_000 };

/** How long a client waits before it reconnects, ms (the stream's `retry:` field). */
const RECONNECT_MS = 1_000;

/** Lead ids waiting to be read, at most. */
const MAX_PENDING = 5_000;
/** Leads read at once. */
const READ_BATCH = 200;

export type LeadChangeKind = 'created' | 'updated';

/** Which leads a stream takes (its `isTest` filter, as `GET /api/leads` reads it). */
export type LiveFilter = (lead: Lead) => boolean;

interface LiveStream {
  res: ServerResponse;
  accepts: LiveFilter;
  credentials: StreamCredentials;
}

export class LiveHub {
  private readonly o: LiveOptions;
  private readonly streams = new Set<LiveStream>();
  private readonly pending = new Map<string, LeadChangeKind>();
  private isReading = false;
  private isClosed = false;
  private keepAlive: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** A round of credential checks is under way (a tick finding one still running skips its own). */
  private isChecking = false;
  /** A check failed (storage fault) and was logged; cleared by the next check that works. */
  private isCheckFaulted = false;

  constructor(
    private readonly store: Pick<ConsoleStore, 'leadsByIds' | 'onLeadsChanged'>,
    options: Partial<LiveOptions> = {},
    private readonly log?: { warn(obj: object, msg: string): void },
  ) {
    this.o = { ...LIVE_DEFAULTS, ...options };
  }

  /** Streams open now. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Check that one more stream may open; throws LH_E_TOO_MANY_STREAMS (503) when `maxStreams` are
   * open, or `maxStreamsPerToken` with the token of `credentials` (by `tokenId`: null, the
   * first-start admin token, counts as one token too), or the hub is closing. Call before taking the
   * response over.
   */
  admit(credentials?: StreamCredentials): void {
    if (this.isClosed || this.streams.size >= this.o.maxStreams) throw hubError('LH_E_TOO_MANY_STREAMS', this.o.maxStreams);
    if (credentials === undefined) return;
    let same = 0;
    for (const stream of this.streams) if (stream.credentials.tokenId === credentials.tokenId) same++;
    if (same >= this.o.maxStreamsPerToken) throw hubError('LH_E_TOO_MANY_STREAMS', this.o.maxStreamsPerToken);
  }

  /**
   * Start streaming to `res` (its headers are written here); it ends when the client goes, the hub
   * closes, or `credentials` stop holding.
   */
  open(res: ServerResponse, accepts: LiveFilter, credentials: StreamCredentials): void {
    this.admit(credentials);
    // A client gone already would never say so again ('close' has been emitted): nothing to stream to.
    if (res.destroyed || res.socket === null || res.socket.destroyed) return;
    const stream: LiveStream = { res, accepts, credentials };
    this.streams.add(stream);
    this.unsubscribe ??= this.store.onLeadsChanged((change) => this.changed(change));
    const expiry = setTimeout(() => this.end(stream), this.o.maxStreamMs);
    expiry.unref();
    res.once('close', () => {
      clearTimeout(expiry);
      this.streams.delete(stream);
      if (this.streams.size === 0) this.stopKeepAlive();
    });
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // Proxies such as nginx must pass events on at once, not buffer them.
      'x-accel-buffering': 'no',
      // One stream per connection: ending it (a shutdown) closes the connection, nothing waits for it.
      connection: 'close',
    });
    this.write(stream, `retry: ${RECONNECT_MS}\n${sseComment('leadhook live leads')}`);
    this.startKeepAlive();
  }

  /** End every stream (clients see the end and reconnect elsewhere) and take no more; at shutdown. */
  close(): void {
    this.isClosed = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.stopKeepAlive();
    this.pending.clear();
    for (const stream of [...this.streams]) this.end(stream);
  }

  /**
   * End at once, with `event: end`, the streams opened with a token this instance just revoked
   * (`token-revoked` for the token's own, `session-ended` for its sessions': they were deleted with
   * it), or with a session it just signed out (`session-ended`). Other instances end theirs at
   * their next tick.
   */
  endStreamsOf(which: { tokenId: string } | { sessionHash: string }): void {
    for (const stream of [...this.streams]) {
      const c = stream.credentials;
      if ('tokenId' in which && c.tokenId === which.tokenId) this.endWith(stream, c.sessionHash === null ? 'token-revoked' : 'session-ended');
      else if ('sessionHash' in which && c.sessionHash === which.sessionHash) this.endWith(stream, 'session-ended');
    }
  }

  /** Tell the client why its stream ends (it must not reconnect with these credentials), then end it. */
  private endWith(stream: LiveStream, reason: StreamEndReason): void {
    if (this.streams.has(stream)) this.end(stream, sseEvent('end', { reason }));
  }

  /**
   * Check every open stream's credentials again, one stream after another (a tick costs at most one
   * store read per stream, and one connection at a time), and end those that no longer hold. A
   * storage fault keeps the streams (a fault must not end every console's stream) and ends the
   * round; it is logged once until a check works again.
   */
  private async recheck(): Promise<void> {
    if (this.isChecking || this.isClosed) return;
    this.isChecking = true;
    try {
      for (const stream of [...this.streams]) {
        const check = stream.credentials.check;
        if (check === null || !this.streams.has(stream)) continue;
        let reason: StreamEndReason | null;
        try {
          reason = await check();
        } catch (error) {
          if (!this.isCheckFaulted) this.log?.warn({ err: error }, 'live leads: could not check the credentials of open streams; they stay open until a check works');
          this.isCheckFaulted = true;
          return;
        }
        this.isCheckFaulted = false;
        if (reason !== null) this.endWith(stream, reason);
      }
    } finally {
      this.isChecking = false;
    }
  }

  /**
   * End one stream, after `last` when given; whatever still waits for a slow client is dropped
   * rather than waited for (`last` with it: the client sees the connection drop).
   */
  private end(stream: LiveStream, last?: string): void {
    this.streams.delete(stream);
    if (stream.res.writableLength > 0) stream.res.destroy();
    else if (last === undefined) stream.res.end();
    else stream.res.end(last);
  }

  private changed(change: LeadsChanged): void {
    if (this.streams.size === 0 || this.isClosed) return;
    for (const [kind, ids] of [['created', change.created], ['updated', change.updated]] as const) {
      for (const id of ids) {
        if (this.pending.size >= MAX_PENDING) break;
        // A lead created and then updated before it was read is still new to the clients.
        if (!this.pending.has(id)) this.pending.set(id, kind);
      }
    }
    void this.readPending();
  }

  /** Read the waiting leads, a batch at a time, and write each to the streams that take it. */
  private async readPending(): Promise<void> {
    if (this.isReading) return;
    this.isReading = true;
    try {
      while (this.pending.size > 0 && this.streams.size > 0) {
        const batch = [...this.pending].slice(0, READ_BATCH);
        for (const [id] of batch) this.pending.delete(id);
        const kinds = new Map(batch);
        let leads: Lead[];
        try {
          leads = await this.store.leadsByIds([...kinds.keys()]);
        } catch (error) {
          // A storage fault (the store reports it): these changes are not streamed.
          this.log?.warn({ err: error }, 'live leads: could not read changed leads; they were not streamed');
          continue;
        }
        // Oldest change first: a client that puts each new row on top ends with the newest there.
        leads.sort((a, b) => (a.lastEventAt < b.lastEventAt ? -1 : a.lastEventAt > b.lastEventAt ? 1 : 0));
        for (const lead of leads) {
          const text = sseEvent('lead', { change: kinds.get(lead.id) ?? 'updated', lead });
          for (const stream of this.streams) if (stream.accepts(lead)) this.write(stream, text);
        }
      }
    } finally {
      this.isReading = false;
      if (this.streams.size === 0) this.pending.clear();
    }
  }

  /**
   * Write to one stream. A client with more than maxBufferBytes still waiting from earlier writes
   * is dropped instead (so one stream holds at most that plus one event, however big).
   */
  private write(stream: LiveStream, text: string): void {
    const res = stream.res;
    if (res.destroyed || res.writableEnded) return;
    if (res.writableLength > this.o.maxBufferBytes) {
      this.streams.delete(stream);
      res.destroy();
      return;
    }
    res.write(text);
  }

  private startKeepAlive(): void {
    if (this.keepAlive !== null) return;
    this.keepAlive = setInterval(() => {
      const text = sseComment('keep-alive');
      for (const stream of [...this.streams]) this.write(stream, text);
      void this.recheck();
    }, this.o.keepAliveMs);
    this.keepAlive.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }
}
