import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveAdminToken, resolveSharedAdminToken, type AdminToken } from './admin-token.js';
import { followStorageFaults, lockDataDir, type DataDirLock } from './data-dir-lock.js';
import type { Config } from './config.js';
import type { HubError } from './core/errors.js';
import { DeliveryService } from './delivery/service.js';
import { buildApp } from './http/app.js';
import type { LiveOptions } from './live/hub.js';
import { PROVIDER_IDS } from './core/lead.js';
import { HubMetrics } from './metrics/hub-metrics.js';
import { listenForMetrics, type MetricsListener } from './metrics/listener.js';
import { ensurePrivateDir } from './private-files.js';
import type { Store } from './storage/port.js';
import { openPostgresStore, type PostgresStore } from './storage/postgres/store.js';
import { openSqliteStore, type SqliteStore } from './storage/sqlite/store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  adminToken: string;
  delivery: DeliveryService;
  /** `http://host:port/metrics` (LEADHOOK_METRICS_LISTEN), or null when metrics are off. */
  metricsUrl: string | null;
  /**
   * Graceful stop: take no new connections, finish the requests in flight and the deliveries already
   * claimed, then close the store. After `shutdownGraceMs`, the connections still open are closed
   * (their requests are not acknowledged, so providers retry them) and the sends still waiting are
   * aborted (recorded as failed attempts, due again at the next start).
   */
  close(): Promise<void>;
}

/** The SQLite file inside the data directory. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'leadhook.db');
}

/** Open the store, build the app and listen. Used by `leadhook serve` and by the tests. */
export async function startServer(
  config: Readonly<Config>,
  options: {
    logger?: false;
    logStream?: { write(line: string): void };
    /** Another server took the data directory while this one had let go of it during a storage fault: stop. */
    onLockLost?: (error: HubError) => void;
    /** The clock of sessions and token last-used times (tests inject one to expire sessions). */
    clock?: () => Date;
    /** Bounds of the live lead stream (tests shorten the keep-alive); src/live/hub.ts defaults. */
    live?: Partial<LiveOptions>;
  } = {},
): Promise<RunningServer> {
  // Secrets live in the data directory: created 0700; one that others can reach is a warning, logged below.
  const dataDirWarning = ensurePrivateDir(config.dataDir);
  // One server per data directory (LH_E_DATA_DIR_IN_USE): a second worker would steal the first one's deliveries.
  // With PostgreSQL, instances share the database and the data directory holds nothing: no lock.
  const lock: DataDirLock = config.databaseUrl === null ? lockDataDir(config.dataDir) : { isHeld: true, release() {}, reacquire() {} };
  let admin: AdminToken;
  let store: SqliteStore | PostgresStore;
  // Per server, in its own registry: tests run many servers in one process.
  const metrics = config.metricsListen === null ? null : new HubMetrics(PROVIDER_IDS);
  try {
    if (config.databaseUrl !== null) {
      const shared = await openPostgresStore({ url: config.databaseUrl, commitBatchMax: config.commitBatchMax, ...(metrics ? { observer: metrics.storage } : {}) });
      store = shared;
      admin = await resolveSharedAdminToken(config.adminToken, shared).catch(async (error: unknown) => {
        await shared.close();
        throw error;
      });
    } else {
      admin = resolveAdminToken(config.adminToken, config.dataDir);
      store = openSqliteStore(databaseFile(config.dataDir), { commitBatchMax: config.commitBatchMax, ...(metrics ? { observer: metrics.storage } : {}) });
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  let delivery: DeliveryService | null = null;
  const app = await buildApp({
    config,
    store,
    adminToken: admin.token,
    version: VERSION,
    refreshDestinations: async () => delivery?.refresh(),
    ...(options.logger === false ? { logger: false } : {}),
    ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
    ...(metrics ? { webhookMetrics: metrics.webhooks } : {}),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.live === undefined ? {} : { live: options.live }),
  });
  // Storage faults (disk full, read-only, locked, I/O) and recoveries, once per episode.
  store.setLog(app.log.child({ component: 'storage' }));
  if (dataDirWarning !== null) app.log.warn(dataDirWarning);
  delivery = new DeliveryService(store, config, app.log, metrics?.delivery);
  metrics?.readQueueFrom(() => store.delivery.queueStats());
  let metricsListener: MetricsListener | null = null;
  // HTTP requests being received or answered: at shutdown they are finished, and their connections closed after.
  const requestsInFlight = new Set<ServerResponse>();
  app.server.on('request', (_req, res) => {
    requestsInFlight.add(res);
    res.once('close', () => requestsInFlight.delete(res));
  });
  try {
    await delivery.start();
    if (metrics !== null && config.metricsListen !== null) metricsListener = await listenForMetrics(config.metricsListen, () => metrics.scrape());
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await metricsListener?.close();
    await delivery.stop();
    await store.close();
    lock.release();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  if (metricsListener !== null) app.log.info(`metrics at ${metricsListener.url}`);
  if (admin.isNew) {
    const where = admin.file ?? 'the database (give it to the CLI with LEADHOOK_ADMIN_TOKEN or --token)';
    app.log.info(`generated an admin token, stored in ${where}`);
    process.stdout.write(`\nleadhook admin token (shown once; also in ${where}):\n  ${admin.token}\n\n`);
  }
  const service = delivery;
  const stopFollowing = followStorageFaults(lock, () => store.storageStatus(), (error) => {
    app.log.error(error.message);
    options.onLockLost?.(error);
  });
  const shutdown = async (): Promise<void> => {
    const graceMs = config.shutdownGraceMs;
    app.log.info(
      `shutting down: accepting no new connections; waiting up to ${graceMs} ms for the requests (${requestsInFlight.size}) and deliveries (${service.worker.inFlightCount}) in flight`,
    );
    // A keep-alive connection would otherwise stay open after its answer until it idles out.
    for (const res of requestsInFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    const deadline = setTimeout(() => {
      const requests = requestsInFlight.size;
      const sends = service.abortInFlight();
      app.server.closeAllConnections();
      app.log.warn(
        `shutdown grace period of ${graceMs} ms is over: closed the connections of ${requests} unfinished requests (not acknowledged, so providers retry them) and aborted ${sends} deliveries in flight (due again at the next start)`,
      );
    }, graceMs);
    try {
      // Stop claiming at once; what is claimed is sent while the HTTP side drains.
      await Promise.all([app.close(), service.stop()]);
    } finally {
      clearTimeout(deadline);
    }
    await metricsListener?.close();
    await store.close();
    stopFollowing();
    lock.release();
    app.log.info('shutdown complete: requests answered, claimed deliveries recorded, store closed');
  };
  let closing: Promise<void> | null = null;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    adminToken: admin.token,
    delivery,
    metricsUrl: metricsListener?.url ?? null,
    close: () => (closing ??= shutdown()),
  };
}
