import type { EventType, LeadChange, LeadChangeEventType } from '../core/lead-events.js';
import type { Lead } from '../core/lead.js';
import type { Page } from './port.js';

/** A team's receiver: where events go, which ones, and how they are signed. */
export interface DestinationRecord {
  id: string;
  name: string;
  url: string;
  events: EventType[];
  filter: string | null;
  /** null = every source. */
  sourceIds: string[] | null;
  /** Also receive the events of test leads (a provider's test flag, `Lead.isTest`); off by default. */
  includeTest: boolean;
  secret: string;
  /** During a rotation's overlap window both secrets sign. */
  previousSecret: string | null;
  previousSecretExpiresAt: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
  lastSuccessAt: string | null;
  failingSince: string | null;
  /** Deliveries its rule filtered out (no match, error or over budget), ever. */
  filteredCount: number;
  /** The last time its rule failed (error or over budget) rather than simply not matching. */
  lastRuleError: RuleFailure | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

/** A rule that failed on one delivery: why, when, and which delivery it filtered. */
export interface RuleFailure {
  message: string;
  at: string;
  deliveryId: string;
}

export type NewDestination = Pick<DestinationRecord, 'id' | 'name' | 'url' | 'events' | 'filter' | 'sourceIds' | 'includeTest' | 'secret' | 'createdAt'>;
export type DestinationChanges = Partial<
  Pick<DestinationRecord, 'name' | 'url' | 'events' | 'filter' | 'sourceIds' | 'includeTest' | 'secret' | 'previousSecret' | 'previousSecretExpiresAt' | 'disabledAt' | 'disabledReason'>
>;

/** `filtered`: the destination's rule did not match, failed or ran over its budget; nothing was sent. */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed', 'filtered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRecord {
  id: string;
  eventId: string;
  eventType: EventType;
  destinationId: string;
  leadId: string;
  status: DeliveryStatus;
  /** Attempts in the current cycle (a manual retry or replay starts a new cycle). */
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export interface AttemptRecord {
  id: string;
  attemptNumber: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
}

/** A delivery handed to a worker, with what it needs to send it. */
export interface ClaimedDelivery {
  delivery: DeliveryRecord;
  body: string;
  url: string;
  secrets: string[];
  /**
   * The destination's current rule, to evaluate before the first attempt of a cycle (a manual retry
   * or a replay starts a new one); absent when the destination has none or the cycle already passed it.
   */
  rule?: { expression: string; payload: string | null };
}

/** A delivery its rule filtered out: it ends `filtered` with `reason`, and no attempt is made. */
export interface FilteredCompletion {
  deliveryId: string;
  reason: string;
  /** The rule failed (error or over budget) rather than not matching: the destination keeps it. */
  isRuleFailure: boolean;
  now: string;
}

export type AttemptDecision =
  | { kind: 'delivered' }
  | { kind: 'retry'; after: string }
  | { kind: 'disable'; reason: string }
  | { kind: 'give_up' };

export interface AttemptCompletion {
  deliveryId: string;
  attempt: Omit<AttemptRecord, 'id' | 'attemptNumber'>;
  decision: AttemptDecision;
  now: string;
  /** A destination failing for longer than this (ms) with a delivery given up is disabled. */
  disableAfterMs: number;
}

export interface DeliveryQuery {
  destinationId?: string;
  status?: DeliveryStatus;
  leadId?: string;
  limit: number;
  cursor?: string;
}

/** The delivery queue at one moment (metrics read it on each scrape). */
export interface DeliveryQueueStats {
  /** Deliveries waiting for their next attempt (due now or later). */
  pending: number;
  /** Deliveries claimed by a worker and not yet recorded. */
  delivering: number;
  /** Deliveries that gave up (until retried or replayed). */
  failed: number;
  /** When the oldest pending delivery was created; null when none is pending. */
  oldestPendingAt: string | null;
}

/** Which destinations get which event for a committed lead change (see src/delivery/planner.ts). */
export interface DeliveryPlanner {
  /** `hasRule`: the destination has a rule, evaluated later by the delivery side (the event keeps the payload). */
  plan(change: LeadChange & { sourceId: string }): { destinationId: string; type: LeadChangeEventType; hasRule: boolean }[];
  /**
   * The destinations told of the lead's erasure (`lead.erased`): the same scope as its changes
   * (enabled, listening to its source, `includeTest` for a test lead), subscribed to `lead.erased`.
   */
  planErasure(lead: Pick<Lead, 'sourceId' | 'isTest'>): { destinationId: string }[];
}

export interface DeliveryStore {
  /**
   * Only one process uses the database (SQLite's data directory lock), so a claim found at startup
   * is a stopped process's and may be released at once. Absent means true. A store shared by several
   * processes (PostgreSQL) says false: a peer's claims are live until their lease expires.
   */
  readonly isSingleProcess?: boolean;
  /** Throws LH_E_DESTINATION_LIMIT when `maxDestinations` (not deleted) already exist. */
  createDestination(d: NewDestination, maxDestinations: number): Promise<DestinationRecord>;
  getDestination(id: string): Promise<DestinationRecord | null>;
  listDestinations(): Promise<DestinationRecord[]>;
  updateDestination(id: string, changes: DestinationChanges, now: string): Promise<DestinationRecord | null>;
  deleteDestination(id: string, now: string): Promise<boolean>;

  /** Used by ingest, inside its transaction, to write events and deliveries. */
  setPlanner(planner: DeliveryPlanner): void;
  /** Called after every commit that wrote deliveries (workers wake up). */
  onDeliveriesCommitted(listener: () => void): void;
  /**
   * Called soon after destinations (or their rules) may have changed through another process on the
   * same database, so the caller reloads what it holds of them (the planner). Absent on a store only
   * one process uses (SQLite): its own changes are the only ones.
   */
  onDestinationsChanged?(listener: () => void): void;

  /**
   * Mark up to `limit` due deliveries `delivering` until `leaseUntil`, oldest first, at most
   * `perDestination` (or its `perDestinationOverrides` entry) in flight per destination (counting
   * `inFlight`), one per (destination, lead) in order.
   */
  claimDueDeliveries(claim: {
    now: string;
    limit: number;
    leaseUntil: string;
    perDestination: number;
    perDestinationOverrides?: Readonly<Record<string, number>>;
    inFlight: Readonly<Record<string, number>>;
  }): Promise<ClaimedDelivery[]>;
  /**
   * Record an attempt and its outcome. Claims and outcomes are the worker's bookkeeping: an adapter
   * may commit them without waiting for the disk (they survive a crash of the process, and a power
   * cut that loses the last ones makes the delivery be sent again with the same `webhook-id`).
   */
  completeAttempt(completion: AttemptCompletion): Promise<void>;
  /** End a claimed delivery `filtered` without an attempt (its rule said no); counted on its destination. */
  completeFiltered(completion: FilteredCompletion): Promise<void>;
  /** Deliveries whose worker died (lease expired) become pending again. */
  requeueExpiredClaims(now: string): Promise<number>;
  /**
   * Make claimed deliveries pending again, whatever their lease: all of them (at startup), all but
   * `except` (after {@link onReopened}: the sends in flight keep theirs), or `only` those (claimed
   * ahead and never sent, at stop). A store shared by several processes releases only this
   * process's claims.
   */
  releaseClaims(now: string, which?: { except?: readonly string[]; only?: readonly string[] }): Promise<number>;
  /**
   * Called after the store reopened its database following a storage fault. The worker's last
   * bookkeeping writes may not have reached the disk, so claims may be left that nobody holds.
   */
  onReopened(listener: () => void): void;
  /** The earliest next_attempt_at of a pending delivery, or null. */
  nextDueAt(): Promise<string | null>;
  /**
   * How many deliveries are pending, delivering and failed, and the creation time of the oldest
   * pending one. Read on every metrics scrape, so it reads indexes only (no scan of the history).
   */
  queueStats(): Promise<DeliveryQueueStats>;

  listDeliveries(query: DeliveryQuery): Promise<Page<DeliveryRecord>>;
  getDelivery(id: string): Promise<(DeliveryRecord & { attempts: AttemptRecord[]; event: unknown }) | null>;
  retryDelivery(id: string, now: string): Promise<DeliveryRecord | null>;
  replayDeliveries(destinationId: string, since: string, status: DeliveryStatus | undefined, now: string): Promise<number>;
}
