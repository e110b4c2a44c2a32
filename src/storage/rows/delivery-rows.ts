import type { EventType } from '../../core/lead-events.js';
import type { AttemptRecord, DeliveryRecord, DeliveryStatus, DestinationRecord } from '../delivery-port.js';

/**
 * A `destinations` row with its columns decoded: lists as arrays, the flag as a boolean. Each store
 * decodes its own encoding first (SQLite: JSON text and 0/1, sqlite/delivery-rows.ts; PostgreSQL:
 * native arrays and booleans, postgres/delivery-rows.ts), then maps it with {@link toDestination}.
 */
export interface DestinationRow {
  id: string;
  name: string;
  url: string;
  events: string[];
  filter: string | null;
  source_ids: string[] | null;
  include_test: boolean;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
  last_success_at: string | null;
  failing_since: string | null;
  filtered_count: number;
  last_rule_error: string | null;
  last_rule_error_at: string | null;
  last_rule_error_delivery_id: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export function toDestination(r: DestinationRow): DestinationRecord {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    events: r.events as EventType[],
    filter: r.filter,
    sourceIds: r.source_ids,
    includeTest: r.include_test,
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
    lastSuccessAt: r.last_success_at,
    failingSince: r.failing_since,
    filteredCount: r.filtered_count,
    lastRuleError:
      r.last_rule_error === null
        ? null
        : { message: r.last_rule_error, at: r.last_rule_error_at ?? '', deliveryId: r.last_rule_error_delivery_id ?? '' },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

/** A `deliveries` row (seq as a number: PostgreSQL's bigint is converted by the caller). */
export interface DeliveryRow {
  seq: number;
  id: string;
  event_id: string;
  event_type?: string;
  destination_id: string;
  lead_id: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export function toDelivery(r: DeliveryRow, eventType: string): DeliveryRecord {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: eventType as EventType,
    destinationId: r.destination_id,
    leadId: r.lead_id,
    status: r.status as DeliveryStatus,
    attemptCount: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deliveredAt: r.delivered_at,
  };
}

/** A `delivery_attempts` row. */
export interface AttemptRow {
  id: string;
  attempt_number: number;
  started_at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_snippet: string | null;
}

export function toAttempt(r: AttemptRow): AttemptRecord {
  return {
    id: r.id,
    attemptNumber: r.attempt_number,
    startedAt: r.started_at,
    statusCode: r.status_code,
    latencyMs: r.latency_ms,
    error: r.error,
    responseSnippet: r.response_snippet,
  };
}
