import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveAdminToken } from './admin-token.js';
import { followStorageFaults, lockDataDir } from './data-dir-lock.js';
import type { Config } from './config.js';
import type { HubError } from './core/errors.js';
import { DeliveryService } from './delivery/service.js';
import { buildApp } from './http/app.js';
import { ensurePrivateDir } from './private-files.js';
import type { Store } from './storage/port.js';
import { openSqliteStore } from './storage/sqlite/store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  adminToken: string;
  delivery: DeliveryService;
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
  } = {},
): Promise<RunningServer> {
  // Secrets live in the data directory: created 0700; one that others can reach is a warning, logged below.
  const dataDirWarning = ensurePrivateDir(config.dataDir);
  // One server per data directory (LH_E_DATA_DIR_IN_USE): a second worker would steal the first one's deliveries.
  const lock = lockDataDir(config.dataDir);
  let admin: ReturnType<typeof resolveAdminToken>;
  let store: ReturnType<typeof openSqliteStore>;
  try {
    admin = resolveAdminToken(config.adminToken, config.dataDir);
    store = openSqliteStore(databaseFile(config.dataDir), { commitBatchMax: config.commitBatchMax });
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
  });
  // Storage faults (disk full, read-only, locked, I/O) and recoveries, once per episode.
  store.setLog(app.log.child({ component: 'storage' }));
  if (dataDirWarning !== null) app.log.warn(dataDirWarning);
  delivery = new DeliveryService(store, config, app.log);
  // HTTP requests being received or answered: at shutdown they are finished, and their connections closed after.
  const requestsInFlight = new Set<ServerResponse>();
  app.server.on('request', (_req, res) => {
    requestsInFlight.add(res);
    res.once('close', () => requestsInFlight.delete(res));
  });
  try {
    await delivery.start();
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await delivery.stop();
    await store.close();
    lock.release();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  if (admin.isNew) {
    app.log.info(`generated an admin token, stored in ${admin.file}`);
    process.stdout.write(`\nleadhook admin token (shown once; also in ${admin.file}):\n  ${admin.token}\n\n`);
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
    close: () => (closing ??= shutdown()),
  };
}
