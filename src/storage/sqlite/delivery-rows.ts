import type { DestinationRecord } from '../delivery-port.js';
import { toDestination as fromDecodedRow, type DestinationRow as DecodedDestinationRow } from '../rows/delivery-rows.js';

// Deliveries and attempts map the same on every store (src/storage/rows).
export { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from '../rows/delivery-rows.js';

/** A `destinations` row as SQLite returns it: lists as JSON text, the flag 0 or 1. */
export type DestinationRow = Omit<DecodedDestinationRow, 'events' | 'source_ids' | 'include_test'> & {
  events: string;
  source_ids: string | null;
  include_test: number;
};

/** A SQLite destination row as the port's record (decoded, then mapped as on every store). */
export function toDestination(r: DestinationRow): DestinationRecord {
  return fromDecodedRow({
    ...r,
    events: JSON.parse(r.events) as string[],
    source_ids: r.source_ids === null ? null : (JSON.parse(r.source_ids) as string[]),
    include_test: r.include_test === 1,
  });
}
