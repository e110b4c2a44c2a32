import type { ProviderId } from '../core/lead.js';
import type { AuthFailureReason } from '../providers/adapter.js';
import type { Page } from './port.js';

/**
 * Bounds on what refused webhooks (wrong or missing credentials on a known source) may store,
 * whatever is sent: a fixed-size ring per source, and fixed-size entries in it.
 */
export const REFUSAL_LIMITS = {
  /** Refusals kept per source; the oldest is overwritten (the rest are only counted). */
  keptPerSource: 50,
  /** Bytes of the body kept (never processed). */
  bodyExcerptBytes: 1024,
  /** Most bytes of a refusal's redacted headers, as stored JSON; the headers past it are counted. */
  headersBytes: 4096,
  /** Longest header name or value kept, characters (longer ones end with `…`). */
  headerValueLength: 512,
  /** Longest refusal detail, characters. */
  detailLength: 300,
} as const;

/** Prefix of a refusal's time-ordered id (`rej_…`): `GET /api/requests/:id` tells them from requests by it. */
export const REFUSAL_ID_PREFIX = 'rej';

/** One refused webhook, as the ingest path hands it over: already bounded (see REFUSAL_LIMITS). */
export interface NewRefusal {
  /** Time-ordered, `rej_…`. */
  id: string;
  sourceId: string;
  provider: ProviderId;
  receivedAt: string;
  reason: AuthFailureReason;
  detail: string;
  contentType: string | null;
  /** Credentials redacted, bounded to REFUSAL_LIMITS.headersBytes. */
  headers: Record<string, string>;
  /** Headers left out to stay within the bound. */
  headersOmitted: number;
  bodySize: number;
  /** The first REFUSAL_LIMITS.bodyExcerptBytes bytes of the body. */
  bodyExcerpt: Buffer;
}

/** A kept refusal. */
export type StoredRefusal = NewRefusal;

/** How many webhooks a source (or every source) refused, since when, and the last one's time. */
export interface RefusalCounts {
  total: number;
  /** Time of the first refusal counted; null when none. */
  since: string | null;
  lastAt: string | null;
}

export interface RefusalQuery {
  sourceId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Refused webhooks, kept in a bounded ring per source (REFUSAL_LIMITS.keptPerSource) and counted.
 * Recording is cheap and coalesced: a flood of refusals costs at most one write of the ring's size
 * per source per group commit, and never grows the database past the ring.
 */
export interface RefusalStore {
  /** Keep `refusal` (overwriting its source's oldest when the ring is full); resolves once committed. */
  record(refusal: NewRefusal): Promise<void>;
  /** Kept refusals, newest first. */
  list(query: RefusalQuery): Promise<Page<StoredRefusal>>;
  get(id: string): Promise<StoredRefusal | null>;
  /** Counts of one source, or of every source when `sourceId` is undefined. */
  counts(sourceId?: string): Promise<RefusalCounts>;
}
