import type Database from 'better-sqlite3';

/** The store's current connection (replaced after a fault) and its read wrapper. */
export interface ConnectionView {
  readonly db: Database.Database;
  /** Run a read outside the group commit; storage faults become LH_E_STORE_* errors (503). */
  read<T>(work: () => T): T;
}

/**
 * Statements prepared once per connection: `prepare`d on a connection's first use and kept as long
 * as it is (a connection replaced after a fault gets its own).
 */
export function perConnection<T>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const prepared = new WeakMap<Database.Database, T>();
  return (db) => {
    let st = prepared.get(db);
    if (st === undefined) {
      st = prepare(db);
      prepared.set(db, st);
    }
    return st;
  };
}
