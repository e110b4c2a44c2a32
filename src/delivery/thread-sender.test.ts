import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startReceiver, type Receiver } from '../../test/helpers/receiver.js';
import type { AttemptJob } from './attempt.js';
import { newSigningSecret } from './signing.js';
import { ThreadSender } from './thread-sender.js';

const SECRET = newSigningSecret();

function job(url: string, eventId: string, timeoutMs = 5_000): AttemptJob {
  return { url, body: JSON.stringify({ type: 'lead.created', id: eventId }), eventId, startedAtMs: Date.now(), secrets: [SECRET], timeoutMs, allowPrivate: true };
}

/** A log that keeps what it is told. */
function recordingLog(): { lines: string[]; warn(o: object, m: string): void; error(o: object, m: string): void } {
  const lines: string[] = [];
  return { lines, warn: (_o, m) => lines.push(`warn ${m}`), error: (_o, m) => lines.push(`error ${m}`) };
}

describe('ThreadSender: delivery attempts on a worker thread', () => {
  let receiver: Receiver;
  let dir: string;

  before(async () => {
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'leadhook-sender-thread-'));
  });

  after(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A thread module of our own making, for the failure cases. */
  const entry = (name: string, source: string): URL => {
    const file = join(dir, name);
    writeFileSync(file, source);
    return pathToFileURL(file);
  };

  it('signs and sends from the thread: the receiver verifies with standardwebhooks, and the result comes back', async () => {
    const log = recordingLog();
    const sender = new ThreadSender(log);
    try {
      const results = await Promise.all(['evt_t1', 'evt_t2', 'evt_t3'].map((id) => sender.send(job(receiver.url, id))));
      assert.equal(sender.isThreaded, true);
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.equal(r.error, null);
        assert.equal(r.responseSnippet, 'ok');
      }
      const wh = new Webhook(SECRET);
      for (const id of ['evt_t1', 'evt_t2', 'evt_t3']) {
        const got = receiver.received.find((r) => r.headers['webhook-id'] === id);
        assert.ok(got, `${id} reached the receiver`);
        assert.doesNotThrow(() => wh.verify(got.body, got.headers as Record<string, string>));
        assert.equal(got.headers['idempotency-key'], id);
      }
      assert.deepEqual(log.lines, []);
    } finally {
      await sender.close();
    }
  });

  it('starts a new thread for the next send after close()', async () => {
    const sender = new ThreadSender();
    try {
      assert.equal((await sender.send(job(receiver.url, 'evt_before_close'))).status, 200);
      await sender.close();
      assert.equal((await sender.send(job(receiver.url, 'evt_after_close'))).status, 200);
      assert.equal(sender.isThreaded, true);
    } finally {
      await sender.close();
    }
  });

  it('falls back to sending from the calling thread when the thread cannot load, and still delivers what it was given', async () => {
    const log = recordingLog();
    const sender = new ThreadSender(log, entry('broken.mjs', "throw new Error('this module cannot load');\n"));
    try {
      const results = await Promise.all([sender.send(job(receiver.url, 'evt_fallback_1')), sender.send(job(receiver.url, 'evt_fallback_2'))]);
      assert.deepEqual(
        results.map((r) => r.status),
        [200, 200],
      );
      assert.equal(sender.isThreaded, false);
      assert.equal((await sender.send(job(receiver.url, 'evt_fallback_3'))).status, 200);
      assert.deepEqual(log.lines, ['warn delivery: the sender thread could not start; sending from the main thread']);
    } finally {
      await sender.close();
    }
  });

  it('answers "no answer" for the attempts a dying thread held, so they are retried, and logs it', async () => {
    const log = recordingLog();
    const dying = entry(
      'dying.mjs',
      "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\nparentPort.postMessage({ kind: 'ready' });\n",
    );
    const sender = new ThreadSender(log, dying);
    try {
      const result = await sender.send(job(receiver.url, 'evt_dies'));
      assert.equal(result.status, null);
      assert.match(result.error ?? '', /the sender thread stopped \(exit code 3\) before the receiver answered/);
      assert.deepEqual(log.lines, ['error delivery: the sender thread stopped; its attempts in flight are retried']);
    } finally {
      await sender.close();
    }
  });

  it('abortAll cuts the attempts waiting on a receiver that never answers, with the reason as their error', async () => {
    const hanging = await startReceiver(() => undefined);
    const sender = new ThreadSender();
    try {
      const pending = sender.send(job(hanging.url, 'evt_hangs', 60_000));
      await hanging.waitFor((r) => r.length === 1);
      sender.abortAll('leadhook shut down before the receiver answered');
      const result = await pending;
      assert.equal(result.status, null);
      assert.equal(result.error, 'leadhook shut down before the receiver answered');
    } finally {
      await sender.close();
      await hanging.close();
    }
  });
});
