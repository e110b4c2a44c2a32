/**
 * What a store reports as it works, for metrics (see src/metrics). The store only calls these; it
 * never imports a metrics library. Every argument is a small closed set or a number: never an id.
 */
export interface StorageObserver {
  /** A group commit succeeded with `size` jobs (webhooks, API changes, delivery bookkeeping) in one transaction. */
  commitBatch(size: number): void;
  /**
   * `operations` storage operations failed with a fault of `kind` (the adapter's closed set, e.g.
   * SQLite's `disk_full`, `read_only`, `locked`, `io_error`, `cant_open`, `corrupt`, `unavailable`).
   */
  storageFault(kind: string, operations: number): void;
}
