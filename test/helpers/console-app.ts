import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';
import { TEST_ADMIN_TOKEN } from './server.js';

export interface ConsoleApp {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The real HTTP app (buildApp: every route, hook and error handler) serving the console build in
 * `consoleDir`, on a loopback port, over a SQLite store in a temporary directory.
 */
export async function startConsoleApp(consoleDir: string): Promise<ConsoleApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadhook-console-'));
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dataDir, adminToken: TEST_ADMIN_TOKEN, logLevel: 'silent', metricsListen: null, databaseUrl: null });
  const store = openSqliteStore(join(dataDir, 'leadhook.db'));
  const app = await buildApp({ config, store, adminToken: TEST_ADMIN_TOKEN, version: 'test', refreshDestinations: async () => {}, logger: false, consoleDir });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
