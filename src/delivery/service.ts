import type { Config } from '../config.js';
import type { Store } from '../storage/port.js';
import { DestinationPlanner } from './planner.js';
import { DeliveryWorker, type DeliveryObserver } from './worker.js';

type DeliveryConfig = Pick<
  Config,
  'retryScheduleMs' | 'deliveryTimeoutMs' | 'allowPrivateDestinations' | 'disableAfterDays' | 'deliveryConcurrency' | 'ruleTimeoutMs'
>;

export interface DeliveryLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Outbound delivery in one process: the planner ingest consults, and the worker that evaluates rules and sends. */
export class DeliveryService {
  readonly planner: DestinationPlanner;
  readonly worker: DeliveryWorker;

  constructor(
    private readonly store: Store,
    config: DeliveryConfig,
    private readonly log?: DeliveryLog,
    /** Told every delivery outcome and attempt latency (metrics). */
    observer?: DeliveryObserver,
  ) {
    this.planner = new DestinationPlanner();
    this.worker = new DeliveryWorker({
      store: store.delivery,
      schedule: config.retryScheduleMs,
      timeoutMs: config.deliveryTimeoutMs,
      maxInFlight: config.deliveryConcurrency,
      perDestinationMaxInFlight: Math.max(1, Math.ceil(config.deliveryConcurrency / 4)),
      disableAfterMs: config.disableAfterDays * 86_400_000,
      allowPrivateDestinations: config.allowPrivateDestinations,
      ruleTimeoutMs: config.ruleTimeoutMs,
      // Never an unhandled rejection (it would end the process): a storage fault here is retried at the next refresh.
      onDestinationMayBeDisabled: () => void this.refresh().catch((error: unknown) => log?.warn({ err: error }, 'could not reload destinations')),
      ...(log ? { log } : {}),
      ...(observer ? { observer } : {}),
    });
  }

  async start(): Promise<void> {
    // One process serves a data directory, so a claim found at startup is a stopped process's: send
    // it again now instead of when its lease runs out (meanwhile it would hold back its lead's later events).
    // With several instances on one database a claim may be a live peer's: its lease decides.
    if (this.store.delivery.isSingleProcess !== false) {
      const released = await this.store.delivery.releaseClaims(new Date().toISOString());
      if (released > 0) this.log?.warn({ released }, `${released} deliveries claimed by a stopped process are due again`);
    }
    await this.refresh();
    this.store.delivery.setPlanner(this.planner);
    this.worker.start();
  }

  /** Reload destinations after any change to them. */
  async refresh(): Promise<void> {
    this.planner.load(await this.store.delivery.listDestinations());
    this.worker.wake();
  }

  /** Stop claiming and drain the deliveries already claimed (bounded by the send timeout). */
  async stop(): Promise<void> {
    await this.worker.stop();
  }

  /** Cut the sends still in flight short (see DeliveryWorker.abortInFlight); returns how many. */
  abortInFlight(): number {
    return this.worker.abortInFlight();
  }
}
