import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { eventually, startReceiver, type Receiver } from '../helpers/receiver.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { adminRoutes, check, credentials, leadBodyFor, PROVIDERS, type Provider } from './support.js';

/**
 * A webhook URL's token is a credential (Anarock's only one). Whatever webhooks, rotations and
 * reprocessing happen, and whatever headers repeat the URL (a proxy's X-Forwarded-Uri, a Referer), no admin answer but the source's own view (create, GET /api/sources/:id,
 * PATCH, rotate-url), no stored or delivered event and no log line holds a URL token, current or
 * replaced.
 */

interface SourceState {
  id: string;
  provider: Provider;
  token: string;
  previousToken: string | null;
  secret: string;
  previousSecret: string | null;
}

type Action =
  | { kind: 'lead'; source: number; url: 'current' | 'previous' | 'nearMiss' | 'publicId'; credential: 'current' | 'previous' | 'wrong'; lead: number; name: string }
  | { kind: 'rotateUrl'; source: number; overlapHours: number }
  | { kind: 'rotateSecret'; source: number; overlapHours: number }
  | { kind: 'reprocess' };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('lead' as const),
      source: fc.nat(PROVIDERS.length - 1),
      url: fc.constantFrom('current' as const, 'previous' as const, 'nearMiss' as const, 'publicId' as const),
      credential: fc.constantFrom('current' as const, 'previous' as const, 'wrong' as const),
      lead: fc.nat(2),
      name: fc.string({ maxLength: 12 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotateUrl' as const), source: fc.nat(PROVIDERS.length - 1), overlapHours: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotateSecret' as const), source: fc.nat(PROVIDERS.length - 1), overlapHours: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reprocess' as const }) },
);

const tokenOf = (webhookPath: string) => webhookPath.slice('/hooks/'.length);
const flipLast = (s: string) => `${s.slice(0, -1)}${s.endsWith('a') ? 'b' : 'a'}`;

describe('a webhook URL token shows only in its source’s own admin view', () => {
  const lines: string[] = [];
  /** Every URL token ever issued, current or replaced. */
  const tokens = new Set<string>();
  let t: TestServer;
  let receiver: Receiver;
  let run = 0;
  let lastRequestId: string | null = null;

  before(async () => {
    t = await startTestServer({ logLevel: 'trace', allowPrivateDestinations: true }, undefined, { logLines: lines });
    receiver = await startReceiver();
    assert.equal((await t.api('POST', '/api/destinations', { name: 'every source', url: receiver.url, includeTest: true })).status, 201);
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  function assertNoToken(text: string, label: string): void {
    for (const token of tokens) assert.equal(text.includes(token), false, `${label} holds the URL token ${token}: ${text.slice(0, 300)}`);
  }

  async function perform(sources: SourceState[], a: Action, answers: string[]): Promise<void> {
    if (a.kind === 'reprocess') {
      if (lastRequestId !== null) answers.push(JSON.stringify((await t.api('POST', `/api/requests/${lastRequestId}/reprocess`)).json));
      return;
    }
    const s = sources[a.source]!;
    if (a.kind === 'rotateUrl') {
      // The source's own view: the one answer allowed to show the token.
      const res = await t.api('POST', `/api/sources/${s.id}/rotate-url`, { overlapHours: a.overlapHours });
      assert.equal(res.status, 200);
      s.previousToken = a.overlapHours === 0 ? null : s.token;
      s.token = tokenOf(res.json.webhookPath);
      tokens.add(s.token);
      return;
    }
    if (a.kind === 'rotateSecret') {
      const res = await t.api('PATCH', `/api/sources/${s.id}`, { rotateSecret: true, overlapHours: a.overlapHours });
      assert.equal(res.status, 200);
      s.previousSecret = a.overlapHours === 0 ? null : s.secret;
      s.secret = res.json.secret;
      return;
    }
    const token = a.url === 'previous' ? s.previousToken : s.token;
    if (token === null) return;
    const path = a.url === 'nearMiss' ? `/hooks/${flipLast(token)}` : a.url === 'publicId' ? `/hooks/${s.id}` : `/hooks/${token}`;
    const secret = a.credential === 'previous' ? s.previousSecret : a.credential === 'wrong' ? 'wrong-secret-0123456' : s.secret;
    if (secret === null) return;
    const body = leadBodyFor(s.provider, `sec_${run}_${a.source}_${a.lead}`, a.name);
    // Headers that carry the URL the webhook came to: a reverse proxy's, a provider's Referer.
    const carried: Record<string, string> = a.name.length % 2 === 0 ? { 'x-forwarded-uri': path, referer: `https://provider.example${path}?x=1` } : { 'x-original-url': path, forwarded: `for=1.2.3.4;host=leads.example;path="${path}"` };
    const res = await t.hook(path, body, { ...credentials(s.provider, secret, body), ...carried });
    answers.push(JSON.stringify(res.json));
    if (res.status === 200) lastRequestId = res.json.requestId;
    else assert.ok([401, 404].includes(res.status), `${path}: ${res.status} ${JSON.stringify(res.json)}`);
  }

  it('no webhook answer, admin list, lead, request, refusal, delivery, delivered event or log line holds one (property)', async () => {
    await check(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        run++;
        const sources: SourceState[] = [];
        for (const provider of PROVIDERS) {
          const s = await createSource(t, provider);
          sources.push({ id: s.id, provider, token: tokenOf(s.webhookPath), previousToken: null, secret: s.secret, previousSecret: null });
          tokens.add(tokenOf(s.webhookPath));
        }
        const answers: string[] = [];
        for (const a of actions) await perform(sources, a, answers);
        for (const text of answers) assertNoToken(text, 'a webhook or reprocess answer');
      }),
      15,
    );

    // One refusal whatever the runs drew (Anarock has no credential to get wrong), so the log below
    // holds a refusal line to check.
    const refused = await createSource(t, 'praetorian');
    tokens.add(tokenOf(refused.webhookPath));
    assert.equal((await t.hook(refused.webhookPath, '[]', { authorization: 'wrong-secret-0123456', 'x-forwarded-uri': refused.webhookPath })).status, 401);

    // Every event reached the receiver (or failed there): nothing still queued.
    await eventually(async () => {
      const pending = (await t.api('GET', '/api/deliveries?status=pending&limit=1')).json.items.length;
      const delivering = (await t.api('GET', '/api/deliveries?status=delivering&limit=1')).json.items.length;
      return pending + delivering === 0;
    }, 20_000, 'every delivery done');
    assert.ok(receiver.received.length > 0, 'events were delivered, so their bodies were checked');
    for (const r of receiver.received) assertNoToken(`${JSON.stringify(r.headers)}\n${r.body}`, 'a delivered event');

    // Every admin GET route, every object of each kind; the source's own view is the one exception.
    const ids: Record<string, string[]> = {
      leads: (await t.api('GET', '/api/leads?limit=500&isTest=all')).json.items.map((l: { id: string }) => l.id),
      requests: [
        ...(await t.api('GET', '/api/requests?limit=500')).json.items,
        ...((await t.api('GET', '/api/requests?limit=500&status=rejected')).json.items ?? []),
      ].map((r: { id: string }) => r.id),
      deliveries: (await t.api('GET', '/api/deliveries?limit=500')).json.items.map((d: { id: string }) => d.id),
      destinations: (await t.api('GET', '/api/destinations')).json.items.map((d: { id: string }) => d.id),
    };
    let crawled = 0;
    for (const [method, pattern] of adminRoutes(t)) {
      if (method !== 'GET' || pattern === '/api/sources/:id') continue;
      const kind = /^\/api\/([a-z-]+)\/:id/.exec(pattern)?.[1];
      const paths =
        kind === undefined
          ? [pattern, `${pattern}?limit=500`, `${pattern}?limit=500&status=rejected`, `${pattern}?limit=500&isTest=all`]
          : (ids[kind] ?? []).map((id) => pattern.replace(':id', encodeURIComponent(id)));
      for (const path of paths) {
        const res = await t.api('GET', path);
        assertNoToken(JSON.stringify(res.json), `GET ${path}`);
        crawled++;
      }
    }
    assert.ok(crawled > ids.leads!.length, `${crawled} admin answers checked`);

    const log = lines.join('');
    assert.match(log, /webhook credentials rejected/, 'refusals were logged, so the log is the one to check');
    assertNoToken(log, 'the log');
  });
});
