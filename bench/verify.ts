import Database from 'better-sqlite3';

/** What the SQLite file holds for one source after the server is gone. */
export interface DurabilityCheck {
  stored: number;
  acked: number;
  /** Acknowledged (2xx) leads that are not in the file: must be 0. */
  missing: string[];
  /** Stored but never acknowledged: committed while the load generator was hanging up (≤ connections). */
  unacked: number;
}

/**
 * Open leadhook's SQLite file read-only (after its process is gone) and check that every lead
 * that got a 2xx answer is in table `leads` for `sourceId`.
 */
export function checkDurability(file: string, sourceId: string, ackedLeadIds: readonly string[]): DurabilityCheck {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const ids = db.prepare('SELECT provider_lead_id FROM leads WHERE source_id = ?').pluck().all(sourceId) as string[];
    return compareStored(ids, ackedLeadIds);
  } finally {
    db.close();
  }
}

/** The provider lead ids a store holds for a source, checked against those acknowledged (2xx). */
export function compareStored(storedIds: readonly string[], ackedLeadIds: readonly string[]): DurabilityCheck {
  const stored = new Set(storedIds);
  const missing = ackedLeadIds.filter((id) => !stored.has(id));
  return { stored: stored.size, acked: ackedLeadIds.length, missing, unacked: stored.size - (ackedLeadIds.length - missing.length) };
}
