import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

/** One version of a creation-only lead: every canonical field set, so the lead shows the version applied. */
interface Version {
  first: string;
  last: string;
  email: string;
  message: string;
  place: string;
}

const word = fc.stringMatching(/^[A-Z][a-z]{1,6}$/);
const version: fc.Arbitrary<Version> = fc.record({
  first: word,
  last: word,
  email: fc.stringMatching(/^[a-z]{1,6}@[a-z]{1,6}\.com$/),
  message: fc.stringMatching(/^[A-Za-z ]{0,12}[a-z]$/),
  place: fc.stringMatching(/^[a-z]{1,8}$/),
});

/** The provider's JSON for one version of lead `id`. */
const payloads = {
  praetorian: (id: string, v: Version) => ({ id, url: `https://example.com/${v.place}`, data: { first_name: v.first, last_name: v.last, email: v.email, interested_in: v.message } }),
  casayes: (id: string, v: Version) => ({ LeadReference: id, SenderName: `${v.first} ${v.last}`, SenderEmail: v.email, Message: v.message, Source: v.place }),
};
type Provider = keyof typeof payloads;

describe('a creation-only provider resending one id: new content updates, any earlier content is a duplicate', () => {
  let t: TestServer;
  const sources: Record<Provider, { path: string; headers: Record<string, string> }> = {} as never;
  let run = 0;

  before(async () => {
    t = await startTestServer();
    const praetorian = await createSource(t, 'praetorian');
    const casayes = await createSource(t, 'casayes', { secret: 'casayes-property-token' });
    sources.praetorian = { path: praetorian.webhookPath, headers: { authorization: praetorian.secret } };
    sources.casayes = { path: casayes.webhookPath, headers: { token: 'casayes-property-token' } };
  });
  after(() => t.close());

  it('ends at the last new version applied, answers every retry duplicate, and records each new version as a change', async () => {
    const scenario = fc
      .uniqueArray(version, { minLength: 1, maxLength: 5, selector: (v) => JSON.stringify(v) })
      .chain((versions) =>
        fc.record({
          provider: fc.constantFrom<Provider>('praetorian', 'casayes'),
          versions: fc.constant(versions),
          // Which version each delivery carries: the first sighting of a version is new, every later one a retry.
          deliveries: fc.array(fc.nat({ max: versions.length - 1 }), { minLength: 1, maxLength: 10 }),
          // Praetorian may batch: deliveries grouped into requests of this many leads.
          batch: fc.integer({ min: 1, max: 3 }),
        }),
      );
    await check(
      fc.asyncProperty(scenario, async ({ provider, versions, deliveries, batch }) => {
        const id = `resent-${provider}-${run++}`;
        const source = sources[provider];
        const size = provider === 'praetorian' ? batch : 1;
        const seen = new Set<number>();
        const expected = deliveries.map((v) => {
          const outcome = seen.size === 0 ? 'created' : seen.has(v) ? 'duplicate' : 'updated';
          seen.add(v);
          return outcome;
        });
        const outcomes: string[] = [];
        let leadId = '';
        for (let i = 0; i < deliveries.length; i += size) {
          const items = deliveries.slice(i, i + size).map((v) => payloads[provider](id, versions[v] as Version));
          const res = await t.hook(source.path, provider === 'praetorian' ? items : items[0], source.headers);
          assert.equal(res.status, 200, JSON.stringify(res.json));
          for (const lead of res.json.leads) outcomes.push(lead.outcome);
          leadId = res.json.leads[0].id;
        }
        assert.deepEqual(outcomes, expected, 'each new version applies, every repeat is a duplicate');

        const newVersions = [...new Set(deliveries)];
        const last = versions[newVersions.at(-1) as number] as Version;
        const lead = (await t.api('GET', `/api/leads/${leadId}`)).json;
        assert.equal(lead.version, newVersions.length);
        assert.deepEqual(
          [lead.person.firstName, lead.person.lastName, lead.person.email, lead.message],
          [last.first, last.last, last.email, last.message.trim()],
        );
        const place = provider === 'praetorian' ? lead.attribution.pageUrl : lead.attribution.source;
        assert.equal(place, provider === 'praetorian' ? `https://example.com/${last.place}` : last.place);
        const firstVersion = versions[deliveries[0] as number] as Version;
        assert.equal(lead.firstAttribution[provider === 'praetorian' ? 'pageUrl' : 'source'], provider === 'praetorian' ? `https://example.com/${firstVersion.place}` : firstVersion.place);
        const changes = lead.timeline.filter((e: any) => e.kind === 'field_changed');
        assert.equal(changes.length, newVersions.length - 1, 'every new version recorded once as a change');
      }),
      30,
    );
  });
});
