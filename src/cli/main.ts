import { HubError } from '../core/errors.js';
import { serve } from './serve.js';

const argv = process.argv.slice(2);
const command = argv[0];

async function main(): Promise<number> {
  if (command === 'serve' || command === undefined) {
    await serve();
    return -1; // keeps running
  }
  process.stderr.write(`unknown command ${command}\n`);
  return 1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HubError) {
      process.stderr.write(`leadhook: ${error.code}: ${error.message}\n`);
      process.exitCode = error.statusCode >= 500 ? 2 : 1;
    } else {
      process.stderr.write(`leadhook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    }
  },
);
