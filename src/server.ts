import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveAdminToken } from './admin-token.js';
import type { Config } from './config.js';
import { DeliveryService } from './delivery/service.js';
import { buildApp } from './http/app.js';
import type { Store } from './storage/port.js';
import { openSqliteStore } from './storage/sqlite/store.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  adminToken: string;
  delivery: DeliveryService;
  /** Stop taking requests, finish those in flight, drain claimed deliveries, close the store. */
  close(): Promise<void>;
}

/** The SQLite file inside the data directory. */
export function databaseFile(dataDir: string): string {
  return join(dataDir, 'leadhook.db');
}

/** Open the store, build the app and listen. Used by `leadhook serve` and by the tests. */
export async function startServer(config: Readonly<Config>, options: { logger?: false } = {}): Promise<RunningServer> {
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  const store = openSqliteStore(databaseFile(config.dataDir), { commitBatchMax: config.commitBatchMax });
  let delivery: DeliveryService | null = null;
  const app = await buildApp({
    config,
    store,
    adminToken: admin.token,
    version: VERSION,
    refreshDestinations: async () => delivery?.refresh(),
    ...(options.logger === false ? { logger: false } : {}),
  });
  delivery = new DeliveryService(store, config, app.log);
  try {
    await delivery.start();
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await delivery.stop();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  if (admin.isNew) {
    app.log.info(`generated an admin token, stored in ${admin.file}`);
    process.stdout.write(`\nleadhook admin token (shown once; also in ${admin.file}):\n  ${admin.token}\n\n`);
  }
  let closing: Promise<void> | null = null;
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    adminToken: admin.token,
    delivery,
    close: () => (closing ??= app.close().then(async () => {
      await delivery.stop();
      await store.close();
    })),
  };
}
