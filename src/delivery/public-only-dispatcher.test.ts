import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Agent } from 'undici';
import { anyAddress, samplesOf, SPECIAL_BLOCKS } from '../../test/helpers/special-addresses.js';
import { checkDestinationUrl } from './destination-url.js';
import { PrivateAddressError, publicOnlyDispatcher, publicOnlyLookup, type AddressResolver } from './public-only-dispatcher.js';
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

  /** What the connect-time lookup answers for a name that resolves to `address`: the error, or null when it lets the socket connect. */
  function connectLookup(address: string): Promise<Error | null> {
    const lookup = publicOnlyLookup(async () => [{ address, family: address.includes(':') ? 6 : 4 }]);
    return new Promise((resolve) => {
      lookup('crm.example.com', { all: true }, (err: NodeJS.ErrnoException | null) => resolve(err));
    });
  }

  for (const { cidr, what } of SPECIAL_BLOCKS) {
    it(`refuses to connect to ${cidr} (${what}) when a name resolves there`, async () => {
      for (const ip of samplesOf(cidr)) {
        const err = await connectLookup(ip);
        assert.ok(err instanceof PrivateAddressError, ip);
        assert.match(err.message, new RegExp(`crm\\.example\\.com resolved to ${ip.replace(/\./g, '\\.')} \\(\\w+\\) when connecting`));
      }
    });
  }

  it('connects exactly where a destination check would have let the URL through (property)', async () => {
    await fc.assert(
      fc.asyncProperty(anyAddress, async (ip) => {
        const atCreation = await checkDestinationUrl('https://crm.example.com/', { allowPrivate: false, lookup: async () => [ip] });
        assert.equal((await connectLookup(ip)) === null, atCreation.ok, ip);
      }),
      { numRuns: 1000 },
    );
  });
});
