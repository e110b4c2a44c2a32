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
  /** The reload not started yet (every caller until it starts shares it), and the last one queued. */
  private queuedLoad: Promise<void> | null = null;
  private lastLoad: Promise<void> = Promise.resolve();

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
    // Several instances on one database: another instance's change to a destination reaches this planner too.
    this.store.delivery.onDestinationsChanged?.(() => void this.refresh().catch((error: unknown) => this.log?.warn({ err: error }, 'could not reload destinations')));
    await this.refresh();
    this.store.delivery.setPlanner(this.planner);
    this.worker.start();
  }

  /**
   * Reload destinations after any change to them. Reloads run one at a time, each after the one
   * before: one that starts after a change sees it, and an older read never replaces a newer one.
   * Calls made while a reload waits to start share it.
   */
  refresh(): Promise<void> {
    if (this.queuedLoad !== null) return this.queuedLoad;
    const load = async (): Promise<void> => {
      this.queuedLoad = null;
      this.planner.load(await this.store.delivery.listDestinations());
      this.worker.wake();
    };
    const queued = this.lastLoad.then(load, load);
    this.queuedLoad = queued;
    this.lastLoad = queued;
    return queued;
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
