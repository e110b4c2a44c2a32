import type { DestinationRecord } from '../delivery-port.js';
import { toDestination, type DestinationRow } from '../sqlite/delivery-rows.js';

/**
 * A row of `destinations` as node-postgres returns it (migrations/postgres/0002_delivery.sql): the
 * SQLite row's columns, with native arrays and booleans; filtered_count is a bigint (text, or a
 * number when read through to_jsonb).
 */
export type PgDestinationRow = Omit<DestinationRow, 'events' | 'source_ids' | 'include_test' | 'filtered_count'> & {
  events: string[];
  source_ids: string[] | null;
  include_test: boolean;
  filtered_count: string | number;
};

/** A destination row as the port's record (one mapping of columns to fields: SQLite's). */
export function toPgDestination(r: PgDestinationRow): DestinationRecord {
  return toDestination({
    ...r,
    events: JSON.stringify(r.events),
    source_ids: r.source_ids === null ? null : JSON.stringify(r.source_ids),
    include_test: r.include_test ? 1 : 0,
    filtered_count: Number(r.filtered_count),
  });
}
