import { loadConfig } from '../config.js';
import { startServer } from '../server.js';

/**
 * `leadhook serve`: listen until SIGTERM/SIGINT, then shut down gracefully (see RunningServer.close:
 * in-flight requests answered, claimed deliveries recorded, bounded by LEADHOOK_SHUTDOWN_GRACE_MS)
 * and exit 0. A second signal exits at once with 1, which is as safe as a crash.
 */
export async function serve(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const log = server.app.log;
  log.info(`leadhook listening on ${server.url} (data in ${config.dataDir})`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} received again: exiting now, without finishing the shutdown`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal} received: shutting down (send it again to exit at once)`);
    server.close().then(
      () => {
        log.info('leadhook stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
