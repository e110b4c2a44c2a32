import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Agent, type Dispatcher } from 'undici';
import { VERSION } from '../version.js';
import { RESPONSE_SNIPPET_BYTES, sendWebhook } from './sender.js';
import { newSigningSecret, signPayload } from './signing.js';

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** Receivers still listening; closed after the suite. */
const open: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(open.map((close) => close()));
});

/** A real HTTP receiver on 127.0.0.1, port 0. `handle` answers (or never does). */
async function receiver(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    res.on('error', () => undefined); // the client may hang up mid-body on purpose
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  open.push(close);
  return { url: `http://127.0.0.1:${port}/hooks`, received, close };
}

const BODY = JSON.stringify({ type: 'lead.created', data: { id: 'lead_1', name: 'Priya — ₹' } });
const HEADERS = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,abc' };

describe('sendWebhook', () => {
  it('POSTs the body with JSON content type, our user agent and the signature headers', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const secret = newSigningSecret();
    const headers = signPayload({ id: 'msg_42', timestamp: new Date(), body: BODY, secrets: [secret] });

    const result = await sendWebhook({ url: r.url, body: BODY, headers: { ...headers }, timeoutMs: 5_000 });

    assert.deepEqual({ ...result, latencyMs: 0 }, { status: 200, latencyMs: 0, error: null, responseSnippet: 'ok', retryAfter: null });
    assert.ok(result.latencyMs >= 0);
    const [req] = r.received;
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.body, BODY);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['user-agent'], `leadhook/${VERSION}`);
    assert.equal(req.headers['idempotency-key'], 'msg_42');
    const asSent = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    assert.deepEqual(new Webhook(secret).verify(req.body, asSent), JSON.parse(BODY));
  });

  it('reports a 500 with the start of its body and no error', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('database down');
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, 500);
    assert.equal(result.error, null);
    assert.equal(result.responseSnippet, 'database down');
  });

  it('passes Retry-After through verbatim', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end();
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, 429);
    assert.equal(result.retryAfter, '120');
    assert.equal(result.responseSnippet, null);
  });

  it('does not follow a redirect and reports it as a failure', async () => {
    const target = await receiver((_req, res) => res.end('should not be reached'));
    const r = await receiver((_req, res) => {
      res.writeHead(307, { location: target.url });
      res.end('moved');
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, 307);
    assert.equal(result.error, 'redirects are not followed');
    assert.equal(target.received.length, 0);
  });

  it('gives up on a receiver that never answers once the timeout passes', async () => {
    const r = await receiver(() => undefined);
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 200 });
    assert.equal(result.status, null);
    assert.equal(result.error, 'timeout after 200 ms');
    assert.equal(result.responseSnippet, null);
    assert.ok(result.latencyMs >= 150 && result.latencyMs < 5_000, `${result.latencyMs} ms`);
    await r.close();
  });

  it('keeps only the first 1 KiB of a huge response', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(4 * 1024 * 1024));
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, 200);
    assert.equal(result.responseSnippet, 'x'.repeat(RESPONSE_SNIPPET_BYTES));
  });

  it('stops reading a response that streams forever', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'y'.repeat(512);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, 200);
    assert.equal(result.error, null);
    assert.equal(result.responseSnippet?.length, RESPONSE_SNIPPET_BYTES);
  });

  it('keeps the status when the body stalls past the timeout', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 200 });
    assert.equal(result.status, 200);
    assert.equal(result.error, null);
    assert.equal(result.responseSnippet, 'partial');
    await r.close();
  });

  it('reports a refused connection with the socket error', async () => {
    const r = await receiver(() => undefined);
    await r.close();
    const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 });
    assert.equal(result.status, null);
    assert.match(result.error ?? '', /ECONNREFUSED/);
    assert.equal(result.responseSnippet, null);
  });

  it('sends through the given dispatcher (connection pool)', async () => {
    const r = await receiver((_req, res) => res.end());
    let dispatched = 0;
    class CountingAgent extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
        dispatched++;
        return super.dispatch(options, handler);
      }
    }
    const dispatcher = new CountingAgent();
    try {
      const result = await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000, dispatcher });
      assert.equal(result.status, 200);
      assert.equal(dispatched, 1);
    } finally {
      await dispatcher.close();
    }
  });

  it('reuses the connection for the next send after an answer with a body', async () => {
    const sockets = new Set<unknown>();
    const r = await receiver((req, res) => {
      sockets.add(req.socket);
      res.end('x'.repeat(4000));
    });
    for (let i = 0; i < 6; i++) assert.equal((await sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 5_000 })).status, 200);
    // The pool may open a second connection while the first is being released; never one per send.
    assert.ok(sockets.size <= 2, `${sockets.size} connections for 6 sends`);
  });

  it('answers with the caller\'s reason when its signal aborts the attempt', async () => {
    const r = await receiver(() => undefined);
    const controller = new AbortController();
    const pending = sendWebhook({ url: r.url, body: BODY, headers: HEADERS, timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('leadhook shut down before the receiver answered')), 50);
    const result = await pending;
    assert.equal(result.status, null);
    assert.equal(result.error, 'leadhook shut down before the receiver answered');
    await r.close();
  });

  it('keeps a caller-given content type and idempotency key', async () => {
    const r = await receiver((_req, res) => res.end());
    await sendWebhook({
      url: r.url,
      body: BODY,
      headers: { ...HEADERS, 'Content-Type': 'application/cloudevents+json', 'Idempotency-Key': 'custom' },
      timeoutMs: 5_000,
    });
    assert.equal(r.received[0]?.headers['content-type'], 'application/cloudevents+json');
    assert.equal(r.received[0]?.headers['idempotency-key'], 'custom');
  });
});
