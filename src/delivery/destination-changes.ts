import { hubError } from '../core/errors.js';
import type { DestinationChanges, DestinationRecord } from '../storage/delivery-port.js';

/** Throws LH_E_DESTINATION_LIMIT when `count` destinations (not deleted) already reach `maxDestinations`. */
export function assertDestinationRoom(count: number, maxDestinations: number): void {
  if (count >= maxDestinations) throw hubError('LH_E_DESTINATION_LIMIT', maxDestinations);
}

/** A destination after `changes`: each given field replaces the current one. */
export function changedDestination(current: DestinationRecord, changes: DestinationChanges): DestinationRecord {
  return { ...current, ...changes };
}
