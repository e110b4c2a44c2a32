import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { formatListenAddress, parseListenAddress } from '../../src/metrics/listen-address.js';
import { listenForMetrics, type MetricsListener } from '../../src/metrics/listener.js';
import { check } from './support.js';

/** One raw HTTP request (no URL normalization, unlike fetch): the status. */
function send(url: URL, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('the metrics listener against arbitrary requests', () => {
  let listener: MetricsListener;
  let scrapes = 0;
  before(async () => {
    listener = await listenForMetrics({ host: '127.0.0.1', port: 0 }, async () => {
      scrapes++;
      return { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'leadhook_up 1\n' };
    });
  });
  after(() => listener.close());

  it('answers 200 with the scrape to GET /metrics (any query) and 404 to every other method and path, without collecting', async () => {
    const url = new URL(listener.url);
    const near = fc.constantFrom('/metrics', '/metrics/', '/METRICS', '//metrics', '/metrics%00', '/metrics?x=1', '/metrics#x', '/api/leads', '/hooks/x', '/', '*');
    const path = fc.oneof(near, fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)), fc.webPath().map((p) => `/metrics${p}`));
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS');
    await check(
      fc.asyncProperty(method, path, async (m, p) => {
        const before = scrapes;
        const status = await send(url, m, p);
        const isScrape = m === 'GET' && p.split('?')[0] === '/metrics';
        assert.equal(status, isScrape ? 200 : 404, `${m} ${p}`);
        assert.equal(scrapes - before, isScrape ? 1 : 0, 'only a scrape collects');
      }),
      100,
    );
  });
});

describe('LEADHOOK_METRICS_LISTEN against arbitrary text', () => {
  it('is off, or a host and a port from 0 to 65535 that print back to the same address, or an Error saying what is expected', async () => {
    const host = fc.oneof(fc.ipV4(), fc.domain(), fc.ipV6().map((h) => `[${h}]`));
    const valid = fc.tuple(host, fc.integer({ min: 0, max: 65535 })).map(([h, p]) => `${h}:${p}`);
    const text = fc.oneof(valid, fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('off', 'OFF', ':9464', '9464', '[::1]', '[::1]9464', 'a:b:c', 'h:070000'));
    await check(
      fc.asyncProperty(text, async (t) => {
        let parsed: ReturnType<typeof parseListenAddress>;
        try {
          parsed = parseListenAddress(t);
        } catch (error) {
          assert.ok(error instanceof Error);
          assert.match(error.message, /host:port .* or off/);
          return;
        }
        if (parsed === null) return assert.equal(t.toLowerCase(), 'off');
        assert.ok(Number.isInteger(parsed.port) && parsed.port >= 0 && parsed.port <= 65535, t);
        assert.ok(parsed.host.length > 0 && !/\s/.test(parsed.host), t);
        assert.deepEqual(parseListenAddress(formatListenAddress(parsed)), parsed, 'prints back to the same address');
      }),
      500,
    );
  });
});
