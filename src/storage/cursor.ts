import { hubError } from '../core/errors.js';

/** Opaque keyset cursor over (sort key, id): base64url JSON. */
export function encodeCursor(sortKey: string, id: string): string {
  return Buffer.from(JSON.stringify([sortKey, id]), 'utf8').toString('base64url');
}

/** Decode a cursor this API issued; throws LH_E_INVALID_CURSOR otherwise. */
export function decodeCursor(cursor: string): { sortKey: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { sortKey: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw hubError('LH_E_INVALID_CURSOR');
}
