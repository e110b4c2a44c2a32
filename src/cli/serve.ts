import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

/** `leadhook serve`: listen until SIGTERM/SIGINT, then drain in-flight requests and exit 0. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  server.app.log.info(`leadhook listening on ${server.url} (data in ${config.dataDir})`);
  const stop = (signal: string) => {
    server.app.log.info(`${signal} received: finishing in-flight requests`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
