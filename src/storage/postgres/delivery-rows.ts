import type { DestinationRecord } from '../delivery-port.js';
import { toDestination, type DestinationRow } from '../rows/delivery-rows.js';

/**
 * A row of `destinations` as node-postgres returns it (migrations/postgres/0002_delivery.sql): native
 * arrays and booleans already; filtered_count is a bigint (text, or a number when read through to_jsonb).
 */
export type PgDestinationRow = Omit<DestinationRow, 'filtered_count'> & { filtered_count: string | number };

/** A destination row as the port's record (the mapping of every store: rows/delivery-rows.ts). */
export function toPgDestination(r: PgDestinationRow): DestinationRecord {
  return toDestination({ ...r, filtered_count: Number(r.filtered_count) });
}
