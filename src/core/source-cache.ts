import type { SourceRecord } from '../storage/port.js';
import { urlTokenAccepted } from './source-credentials.js';

interface Entry<T> {
  value: T;
  at: number;
}

/**
 * Sources as webhooks look them up (by id, and by URL token), kept in memory. With one writer
 * (SQLite: this process) entries never age (`maxAgeMs` Infinity) and every source write calls
 * {@link forget} inside its transaction; with several instances on one database each entry is read
 * again after `maxAgeMs`, so a change made through another instance (a revoked secret) takes effect
 * within that bound, and sooner when a change notice calls {@link forget}. Unknown ids and tokens are
 * never cached (anyone can send random ones). The expiry of a previous URL token is checked on every
 * lookup, cached or not.
 */
export class SourceCache {
  private readonly byId = new Map<string, Entry<SourceRecord>>();
  private readonly byToken = new Map<string, Entry<SourceRecord>>();

  constructor(private readonly options: { maxAgeMs?: number; clock?: () => number } = {}) {}

  /** The cached source of `id`; undefined when the caller must read it (then {@link rememberId}). */
  getById(id: string): SourceRecord | undefined {
    return this.fresh(this.byId, id);
  }

  rememberId(source: SourceRecord | null): void {
    if (source !== null) this.byId.set(source.id, { value: source, at: this.now() });
  }

  /**
   * The source a URL token reaches at `at`: the cached one (null when the token is its previous one
   * and expired), or undefined when the caller must read it (then {@link rememberToken}).
   */
  getByToken(token: string, at: string): SourceRecord | null | undefined {
    const cached = this.fresh(this.byToken, token);
    if (cached === undefined) return undefined;
    return urlTokenAccepted(cached, token, at) ? cached : null;
  }

  rememberToken(token: string, source: SourceRecord | null): void {
    if (source !== null) this.byToken.set(token, { value: source, at: this.now() });
  }

  /** A source was written (or its change announced): drop it, and every token entry (a token may have moved). */
  forget(id: string): void {
    this.byId.delete(id);
    this.byToken.clear();
  }

  /** The database was reopened or may have changed in ways not announced: drop everything. */
  clear(): void {
    this.byId.clear();
    this.byToken.clear();
  }

  private fresh(map: Map<string, Entry<SourceRecord>>, key: string): SourceRecord | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    const maxAge = this.options.maxAgeMs ?? Number.POSITIVE_INFINITY;
    if (maxAge !== Number.POSITIVE_INFINITY && this.now() - entry.at >= maxAge) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
