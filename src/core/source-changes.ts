import type { SourceChanges, SourceRecord } from '../storage/port.js';

/** A credential after a change: the value, and the one it replaced while that is still accepted. */
interface Rotated {
  value: string;
  previous: string | null;
  expiresAt: string | null;
}

/**
 * Replace `current` with `next` (when given): the replaced value is kept as the previous one until
 * `until`, or dropped at once when `until` is null. Without `next`, nothing changes.
 */
function rotate(current: string, previous: string | null, expiresAt: string | null, next: string | undefined, until: string | null | undefined): Rotated {
  if (next === undefined) return { value: current, previous, expiresAt };
  if (until === undefined || until === null) return { value: next, previous: null, expiresAt: null };
  return { value: next, previous: current, expiresAt: until };
}

/** The parameters of the `updateSource` statement: `current` with `changes` applied at `now`. */
export function updatedSourceParams(current: SourceRecord, changes: SourceChanges, now: string) {
  const secret = rotate(current.secret, current.previousSecret, current.previousSecretExpiresAt, changes.secret, changes.previousSecretExpiresAt);
  const url = rotate(current.urlToken, current.previousUrlToken, current.previousUrlTokenExpiresAt, changes.urlToken, changes.previousUrlTokenExpiresAt);
  return {
    id: current.id,
    now,
    name: changes.name ?? current.name,
    defaultCountry: changes.defaultCountry === undefined ? current.defaultCountry : changes.defaultCountry,
    secret: secret.value,
    previousSecret: secret.previous,
    previousSecretExpiresAt: secret.expiresAt,
    urlToken: url.value,
    previousUrlToken: url.previous,
    previousUrlTokenExpiresAt: url.expiresAt,
  };
}
