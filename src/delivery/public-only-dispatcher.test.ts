import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { publicOnlyDispatcher, publicOnlyLookup, type AddressResolver } from './public-only-dispatcher.js';
import { sendWebhook } from './sender.js';

/** A real receiver on 127.0.0.1 that counts the requests that reach it. */
async function countingReceiver(): Promise<{ port: number; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('public-only dispatcher (DNS rebinding at send time)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    await Promise.all(closers.map((c) => c()));
  });

  it('refuses to connect when the name resolves to a loopback address at connect time, and nothing reaches the receiver', async () => {
    const r = await countingReceiver();
    closers.push(r.close);
    // A rebinding name: it resolved to a public address when the destination was checked; now it is loopback.
    const rebound: AddressResolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const dispatcher = publicOnlyDispatcher(rebound);
    closers.push(() => dispatcher.close());
    const result = await sendWebhook({ url: `http://crm.rebind.test:${r.port}/hook`, body: '{}', headers: {}, timeoutMs: 5000, dispatcher });
    assert.equal(result.status, null);
    assert.match(result.error ?? '', /crm\.rebind\.test resolved to 127\.0\.0\.1 \(loopback\) when connecting/);
    assert.equal(r.hits(), 0);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const r = await countingReceiver();
    closers.push(r.close);
    const mixed: AddressResolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    const dispatcher = publicOnlyDispatcher(mixed);
    closers.push(() => dispatcher.close());
    const result = await sendWebhook({ url: `http://mixed.test:${r.port}/hook`, body: '{}', headers: {}, timeoutMs: 5000, dispatcher });
    assert.match(result.error ?? '', /10\.0\.0\.7 \(private\)/);
    assert.equal(r.hits(), 0);
  });

  it('reports a name that resolves to nothing as unresolvable', async () => {
    const dispatcher = publicOnlyDispatcher(async () => []);
    closers.push(() => dispatcher.close());
    const result = await sendWebhook({ url: 'http://nothing.test:8099/hook', body: '{}', headers: {}, timeoutMs: 5000, dispatcher });
    assert.equal(result.status, null);
    assert.match(result.error ?? '', /cannot resolve nothing\.test/);
  });

  it('sends through the same pool when the lookup is allowed (the dispatcher is used, not bypassed)', async () => {
    const r = await countingReceiver();
    closers.push(r.close);
    let lookups = 0;
    // The guard's lookup is the one the socket uses: count it, and let this one through by
    // answering with the loopback address only after classifying a public stand-in.
    const guarded = publicOnlyLookup(async () => {
      lookups++;
      return [{ address: '93.184.216.34', family: 4 }];
    });
    const dispatcher = new Agent({
      connect: {
        lookup: (host, options, callback) =>
          guarded(host, options, (err: NodeJS.ErrnoException | null) => {
            if (err) return (callback as (e: unknown) => void)(err);
            // Public address accepted by the guard; connect the test to the local receiver instead.
            if ((options as { all?: boolean }).all === true) (callback as (e: null, a: unknown) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
            else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
          }),
      },
    });
    closers.push(() => dispatcher.close());
    const result = await sendWebhook({ url: `http://public.test:${r.port}/hook`, body: '{}', headers: {}, timeoutMs: 5000, dispatcher });
    assert.equal(result.status, 200);
    assert.equal(lookups, 1);
    assert.equal(r.hits(), 1);
  });
});
