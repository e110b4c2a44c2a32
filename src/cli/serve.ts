import { loadConfig } from '../config.js';
import type { HubError } from '../core/errors.js';
import { startServer } from '../server.js';
import { toStartupError } from '../startup-errors.js';
import { stdoutLog } from './stdout-log.js';

/**
 * `leadhook serve`: listen until SIGTERM/SIGINT, then shut down gracefully (see RunningServer.close:
 * in-flight requests answered, claimed deliveries recorded, bounded by LEADHOOK_SHUTDOWN_GRACE_MS)
 * and exit 0. A second signal exits at once with 1, which is as safe as a crash.
 *
 * A failure to start (port in use, data directory unusable or served by another leadhook, bad
 * configuration) rejects with one HubError whose message says what to fix; main prints it on one
 * line and exits 2. Writing the log never blocks or breaks the shutdown, even when stdout is gone.
 */
export async function serve(env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  const config = loadConfig(env);
  const logStream = stdoutLog();
  let stop: ((reason: string, exitCode: number) => void) | null = null;
  const onLockLost = (_error: HubError) => stop?.('lost the data directory lock', 2);
  const server = await startServer(config, { logStream, onLockLost }).catch((error: unknown) => {
    throw toStartupError(error, config);
  });
  const log = server.app.log;
  log.info(`leadhook listening on ${server.url} (data in ${config.dataDir})`);
  // Started through an IPC channel (Node's fork, a process manager, the test helpers): say where it
  // listens, so a parent that asked for PORT=0 knows the port, and knows this process is the one there.
  process.send?.({ leadhook: 'listening', url: server.url });
  let stopping = false;
  stop = (reason, exitCode) => {
    if (stopping) {
      log.warn(`${reason} again: exiting now, without finishing the shutdown`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${reason}: shutting down (send it again to exit at once)`);
    server.close().then(
      () => {
        log.info('leadhook stopped');
        process.exit(exitCode);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => stop?.(`${signal} received`, 0);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
