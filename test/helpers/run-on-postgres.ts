/**
 * `npm run test:postgres`: the HTTP integration suites (or the files given) against PostgreSQL, in
 * one `node --test` run with `LEADHOOK_TEST_STORE=postgres`; each test server gets a private schema.
 * Where PostgreSQL is not reachable, prints one line saying how to start it and exits 0 (skipped),
 * or 1 with LEADHOOK_TEST_REQUIRE_POSTGRES=1 (CI, where .ci/run has started it).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { PG_SKIP_REASON, postgresReachable } from './postgres.js';

const given = process.argv.slice(2);
const files = given.length > 0 ? given : readdirSync(join(ROOT, 'test/integration')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `test/integration/${f}`);

if (!(await postgresReachable())) {
  // CI (.ci/run) starts PostgreSQL and sets LEADHOOK_TEST_REQUIRE_POSTGRES: there, skipping would hide a failure.
  const required = process.env['LEADHOOK_TEST_REQUIRE_POSTGRES'] === '1';
  console.log(`# ${required ? 'cannot run' : 'skipped'} the integration suites on PostgreSQL: ${PG_SKIP_REASON}`);
  process.exit(required ? 1 : 0);
}
console.log('# the integration suites on PostgreSQL (LEADHOOK_TEST_STORE=postgres)');
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, LEADHOOK_TEST_STORE: 'postgres' },
});
child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
