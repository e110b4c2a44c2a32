/**
 * Per-key log throttling, so that a flood of one kind of event (a provider retrying a webhook with a
 * stale secret, or a stranger probing a source) costs a line a minute, not a line a request.
 */

export interface LogThrottleOptions {
  /** At most one line per key per this many milliseconds (default one minute). */
  intervalMs?: number;
  /** Keys tracked at most; the least recently seen is forgotten first (default 1000). */
  maxKeys?: number;
  /** Milliseconds on a clock that does not go back; injected in tests. */
  now?: () => number;
}

interface Entry {
  loggedAt: number;
  suppressed: number;
}

/**
 * Decides, per key, whether an occurrence gets a log line: the first does, then at most one per
 * interval, which carries how many were held back since the previous line. Memory is bounded by
 * `maxKeys`; a forgotten key logs again at its next occurrence (its held-back count is lost).
 *
 * @example
 * const throttle = new LogThrottle();
 * const held = throttle.admit(source.id);
 * if (held !== null) log.warn({ suppressed: held }, 'webhook credentials rejected');
 */
export class LogThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly intervalMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: LogThrottleOptions = {}) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 1000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Null when this occurrence stays out of the log; else how many occurrences of `key` were held back since its last line. */
  admit(key: string): number | null {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.entries.set(key, { loggedAt: now, suppressed: 0 });
      if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
      return 0;
    }
    // Seen again: move it to the most recently used end, so a flooding key is not the one forgotten.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (now - entry.loggedAt < this.intervalMs) {
      entry.suppressed++;
      return null;
    }
    const held = entry.suppressed;
    entry.loggedAt = now;
    entry.suppressed = 0;
    return held;
  }

  /** How many keys are tracked (for tests of the memory bound). */
  get size(): number {
    return this.entries.size;
  }
}
