import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderId } from '../core/lead.js';
import type { DeliveryObserver, DeliveryOutcome } from '../delivery/worker.js';
import type { WebhookMetrics } from '../http/routes/inbound.js';
import type { DeliveryQueueStats } from '../storage/delivery-port.js';
import type { StorageObserver } from '../storage/observer.js';
import type { ItemCounts } from '../storage/port.js';

/** Every metric name starts with it, the process metrics of prom-client too. */
export const METRIC_PREFIX = 'leadhook_';

/** The provider label of a webhook whose source was not found (unknown URL, body over the limit). */
export const UNKNOWN_PROVIDER = 'unknown';

/** The item outcomes counted per webhook (the keys of ItemCounts but `total`). */
const ITEM_OUTCOMES = ['created', 'updated', 'duplicate', 'stale', 'quarantined'] as const satisfies readonly (keyof ItemCounts)[];
const DELIVERY_OUTCOMES = ['delivered', 'retry', 'give_up', 'disable', 'filtered'] as const satisfies readonly DeliveryOutcome[];
const QUEUE_STATUSES = ['pending', 'delivering', 'failed'] as const satisfies readonly (keyof DeliveryQueueStats)[];

/** Receipt to durable commit: an fsync is about a millisecond on a good disk, a batch behind a slow one seconds. */
const INGEST_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A receiver has up to LEADHOOK_DELIVERY_TIMEOUT_MS (at most 120 s) to answer. */
const ATTEMPT_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120];
/** Jobs per group commit, up to LEADHOOK_COMMIT_BATCH_MAX (at most 10000). */
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 10000];

/**
 * The Prometheus metrics of one leadhook server, in a registry of its own (tests run many servers
 * in one process). The server hands {@link storage}, {@link delivery} and {@link webhooks} to the
 * parts it builds; they report through those interfaces and never import prom-client. Labels are
 * closed sets (provider, outcome, status, fault kind): never a source, lead or destination id.
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly webhooksAnswered: Counter<'provider' | 'status'>;
  private readonly webhookItems: Counter<'provider' | 'outcome'>;
  private readonly ingestSeconds: Histogram<'provider'>;
  private readonly commitBatchSize: Histogram;
  private readonly storageFaults: Counter<'fault'>;
  private readonly deliveries: Counter<'outcome'>;
  private readonly attemptSeconds: Histogram;
  private readQueue: (() => Promise<DeliveryQueueStats>) | null = null;
  /** The queue read of the scrape in progress, shared by the gauges that show it. */
  private queueRead: Promise<DeliveryQueueStats | null> | null = null;

  constructor(
    providers: readonly ProviderId[],
    private readonly now: () => number = Date.now,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    this.webhooksAnswered = new Counter({
      name: `${METRIC_PREFIX}webhooks_total`,
      help: `Webhook requests answered, by the provider of their source ("${UNKNOWN_PROVIDER}" when none was found) and HTTP status`,
      labelNames: ['provider', 'status'],
      registers,
    });
    this.webhookItems = new Counter({
      name: `${METRIC_PREFIX}webhook_items_total`,
      help: 'Items of stored webhooks, by provider and outcome (created, updated, duplicate, stale, quarantined)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.ingestSeconds = new Histogram({
      name: `${METRIC_PREFIX}ingest_duration_seconds`,
      help: 'Time from the receipt of a webhook to the durable commit of it and its items, by provider',
      labelNames: ['provider'],
      buckets: INGEST_SECONDS,
      registers,
    });
    this.commitBatchSize = new Histogram({
      name: `${METRIC_PREFIX}commit_batch_size`,
      help: 'Jobs (webhooks, API changes, delivery bookkeeping) committed together in one transaction',
      buckets: BATCH_SIZES,
      registers,
    });
    this.storageFaults = new Counter({
      name: `${METRIC_PREFIX}storage_faults_total`,
      help: 'Storage operations failed by a storage fault (answered 503 or retried), by fault',
      labelNames: ['fault'],
      registers,
    });
    this.deliveries = new Counter({
      name: `${METRIC_PREFIX}deliveries_total`,
      help: 'Delivery outcomes recorded: delivered, retry (failed attempt, due again), give_up, disable (410 Gone), filtered (by the rule)',
      labelNames: ['outcome'],
      registers,
    });
    this.attemptSeconds = new Histogram({
      name: `${METRIC_PREFIX}delivery_attempt_duration_seconds`,
      help: 'Time a receiver took to answer a delivery attempt (or to fail it)',
      buckets: ATTEMPT_SECONDS,
      registers,
    });
    const queueDepth = new Gauge({
      name: `${METRIC_PREFIX}delivery_queue_depth`,
      help: 'Deliveries pending (waiting for an attempt), delivering (claimed) and failed (gave up), read at each scrape',
      labelNames: ['status'],
      registers,
      collect: async () => {
        const stats = await this.sampleQueue();
        queueDepth.reset();
        if (stats !== null) for (const status of QUEUE_STATUSES) queueDepth.set({ status }, stats[status]);
      },
    });
    const oldestPending = new Gauge({
      name: `${METRIC_PREFIX}delivery_oldest_pending_age_seconds`,
      help: 'Age of the oldest pending delivery (0 when none is pending), read at each scrape',
      registers,
      collect: async () => {
        const stats = await this.sampleQueue();
        oldestPending.reset();
        if (stats === null) return;
        const at = stats.oldestPendingAt === null ? null : Date.parse(stats.oldestPendingAt);
        oldestPending.set(at === null ? 0 : Math.max(0, (this.now() - at) / 1000));
      },
    });
    // Zero from the start, so that rate() and increase() see the first events.
    for (const provider of providers) for (const outcome of ITEM_OUTCOMES) this.webhookItems.inc({ provider, outcome }, 0);
    for (const outcome of DELIVERY_OUTCOMES) this.deliveries.inc({ outcome }, 0);
  }

  /** What the inbound webhook route reports. */
  readonly webhooks: WebhookMetrics = {
    answered: (provider, statusCode) => this.webhooksAnswered.inc({ provider: provider ?? UNKNOWN_PROVIDER, status: String(statusCode) }),
    stored: (provider, durationMs, counts) => {
      this.ingestSeconds.observe({ provider }, durationMs / 1000);
      for (const outcome of ITEM_OUTCOMES) if (counts[outcome] > 0) this.webhookItems.inc({ provider, outcome }, counts[outcome]);
    },
  };

  /** What the store reports. */
  readonly storage: StorageObserver = {
    commitBatch: (size) => this.commitBatchSize.observe(size),
    storageFault: (kind, operations) => this.storageFaults.inc({ fault: kind }, operations),
  };

  /** What the delivery worker reports. */
  readonly delivery: DeliveryObserver = {
    completed: (outcome, attemptLatencyMs) => {
      this.deliveries.inc({ outcome });
      if (attemptLatencyMs !== null) this.attemptSeconds.observe(attemptLatencyMs / 1000);
    },
  };

  /** Where the queue gauges are read from at each scrape (the store's `delivery.queueStats`). */
  readQueueFrom(read: () => Promise<DeliveryQueueStats>): void {
    this.readQueue = read;
  }

  /** The text a scrape gets (Prometheus text format), and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * One queue read per scrape, whichever gauge asks first. Null when there is no store yet or it
   * fails (a storage fault): the gauges then have no sample, and the rest of the scrape still works.
   */
  private sampleQueue(): Promise<DeliveryQueueStats | null> {
    const read = this.readQueue;
    if (read === null) return Promise.resolve(null);
    this.queueRead ??= read()
      .catch(() => null)
      .finally(() => {
        this.queueRead = null;
      });
    return this.queueRead;
  }
}
