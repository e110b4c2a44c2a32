import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Lead } from '../../src/core/lead.js';
import type { LeadQuery, SourceRecord } from '../../src/storage/port.js';
import { addSource, allPages, anarockLead, anarockSnapshot, at, praetorianLead, send, unique, type MakeStore } from './inputs.js';
import { hasCode, useStore } from './use-store.js';

/** Lead search: every filter, literal `q` text, and stable keyset paging. */
export function searchContract(makeStore: MakeStore): void {
  describe('lead search', () => {
    const store = useStore(makeStore);
    let praetorian: SourceRecord;
    let anarock: SourceRecord;
    const ids: Record<string, string> = {};
    const tag = unique('t').toLowerCase();

    /** Ids of every lead matching `query`, all pages. */
    async function find(query: Omit<LeadQuery, 'limit' | 'cursor'>): Promise<string[]> {
      const leads = await allPages<Lead>((cursor) => store().listLeads({ ...query, limit: 2, ...(cursor === undefined ? {} : { cursor }) }));
      return leads.map((l) => l.id);
    }

    before(async () => {
      praetorian = await addSource(store(), 'praetorian');
      anarock = await addSource(store(), 'anarock');
      const created = async (key: string, source: SourceRecord, body: unknown, minute: number) => {
        const r = await send(store(), source, body, at(minute));
        assert.equal(r.items[0]?.outcome, 'created', key);
        ids[key] = r.items[0]!.leadId!;
      };
      await created('syntax', praetorian, [praetorianLead({ firstName: 'Quinn', lastName: `O'Hara "NEAR" (x) * OR ${tag}`, email: `quinn.${tag}@example.org`, phone: '(334) 555-0143' })], 10);
      await created('plain', praetorian, [praetorianLead({ firstName: 'Rosa', lastName: `Diaz ${tag}`, email: `rosa.${tag}@example.org` })], 20);
      await created('test', praetorian, [praetorianLead({ firstName: 'Tess', lastName: `Probe ${tag}`, production: false })], 30);
      const lead = anarockLead({ name: `Arun ${tag}` });
      await created('anarock', anarock, anarockSnapshot(lead, 0), 40);
      // Its last activity moves on; its first sighting does not.
      await send(store(), anarock, anarockSnapshot(lead, 1), at(50));
    });

    it('finds `q` as literal text, case-insensitively, whatever search syntax it holds', async () => {
      assert.deepEqual(await find({ q: `O'HARA "near" (X) * or ${tag}` }), [ids['syntax']]);
      assert.deepEqual(await find({ q: '"near" (x)' }), [ids['syntax']]);
      assert.deepEqual(await find({ q: `rosa diaz ${tag}` }), [ids['plain']]);
      assert.deepEqual(await find({ q: `${tag} or rosa` }), [], 'OR is text, not an operator');
      assert.deepEqual(await find({ q: `ros* ${tag}` }), [], '* is text, not a prefix');
      assert.deepEqual(await find({ q: 'NEAR(rosa diaz)' }), []);
      assert.deepEqual(await find({ q: '"' }), [ids['syntax']]);
      assert.deepEqual(await find({ q: `rosa\0${tag}` }), [], 'a NUL is a character like any other');
      assert.deepEqual(await find({ q: '\0' }), []);
      assert.deepEqual(await find({ q: tag, sourceId: praetorian.id, isTest: false }), [ids['plain'], ids['syntax']]);
    });

    it('finds short `q` text and provider lead ids', async () => {
      assert.ok((await find({ q: "'h" })).includes(ids['syntax']!));
      const lead = await store().getLead(ids['anarock']!);
      assert.deepEqual(await find({ q: lead!.providerLeadId, sourceId: anarock.id }), [ids['anarock']]);
    });

    it('filters by phone (any of several E.164 numbers) and by e-mail', async () => {
      assert.deepEqual(await find({ phones: ['+13345550143'] }), [ids['syntax']]);
      const arun = await store().getLead(ids['anarock']!);
      assert.deepEqual((await find({ phones: ['+13345550143', arun!.person.phone!, '+15555550100'] })).sort(), [ids['syntax'], ids['anarock']].sort());
      assert.deepEqual(await find({ phones: [] }), []);
      assert.deepEqual(await find({ email: `rosa.${tag}@example.org` }), [ids['plain']]);
      assert.deepEqual(await find({ email: `nobody.${tag}@example.org` }), []);
    });

    it('finds a lead by any of its numbers, once, with the other filters, and not once erased', async () => {
      const source = await addSource(store(), 'praetorian');
      const lead = async (fields: Parameters<typeof praetorianLead>[0], minute: number) => (await send(store(), source, [praetorianLead(fields)], at(minute))).items[0]!.leadId!;
      const both = await lead({ id: 'led_both', phone: '(334) 555-0171 / (334) 555-0172' }, 300);
      const second = await lead({ phone: '(334) 555-0172' }, 301);
      const test = await lead({ phone: '(334) 555-0173 / (334) 555-0171', production: false }, 302);
      const bySource = (phones: string[], more: Omit<LeadQuery, 'limit' | 'cursor' | 'phones' | 'sourceId'> = {}) => find({ phones, sourceId: source.id, ...more });
      assert.deepEqual(await bySource(['+13345550172']), [second, both], 'an other phone finds the lead, as a phone does');
      assert.deepEqual(await bySource(['+13345550171', '+13345550172']), [test, second, both], 'a lead matched by two numbers is listed once');
      assert.deepEqual(await bySource(['+13345550171', '+13345550173'], { isTest: false }), [both]);
      assert.deepEqual(await bySource(['+13345550171'], { isTest: true }), [test]);
      assert.deepEqual(await bySource(['+13345550171'], { lastActivityUntil: at(301) }), [both]);
      assert.deepEqual(await find({ phones: ['+13345550172'], sourceId: praetorian.id }), []);
      // An update with a new number brings its own other phones: the old ones no longer find the lead.
      await lead({ id: 'led_both', phone: '(334) 555-0174' }, 303);
      assert.deepEqual(await bySource(['+13345550172']), [second]);
      assert.deepEqual(await bySource(['+13345550174', '+13345550171']), [both, test]);
      await store().eraseLead(second, { actor: 'admin', remoteAddress: null, requestedBy: null }, at(304));
      assert.deepEqual(await bySource(['+13345550172']), [], 'an erased lead has no number left');
    });

    it('filters test leads in or out, and lists both when not asked', async () => {
      assert.deepEqual(await find({ sourceId: praetorian.id, isTest: true }), [ids['test']]);
      assert.deepEqual(await find({ sourceId: praetorian.id, isTest: false }), [ids['plain'], ids['syntax']]);
      assert.deepEqual(await find({ sourceId: praetorian.id }), [ids['test'], ids['plain'], ids['syntax']]);
    });

    it('filters by provider, source and stage', async () => {
      assert.deepEqual(await find({ provider: 'anarock', q: tag }), [ids['anarock']]);
      assert.deepEqual(await find({ sourceId: anarock.id }), [ids['anarock']]);
      assert.deepEqual(await find({ stage: 'qualified', q: tag }), [ids['anarock']]);
      assert.deepEqual(await find({ stage: 'new', sourceId: anarock.id }), []);
      assert.deepEqual(await find({ provider: 'casayes', q: tag }), []);
      assert.deepEqual(await find({ sourceId: 'src_unknown' }), []);
    });

    it('bounds first sighting and last activity, both ends inclusive', async () => {
      const q = { q: tag, isTest: false } as const;
      assert.deepEqual(await find({ ...q, firstSeenSince: at(20), firstSeenUntil: at(40) }), [ids['anarock'], ids['plain']]);
      assert.deepEqual(await find({ ...q, firstSeenUntil: at(39) }), [ids['plain'], ids['syntax']]);
      assert.deepEqual(await find({ ...q, lastActivitySince: at(50) }), [ids['anarock']]);
      assert.deepEqual(await find({ ...q, lastActivityUntil: at(49) }), [ids['plain'], ids['syntax']]);
      assert.deepEqual(await find({ ...q, lastActivitySince: at(41), lastActivityUntil: at(50) }), [ids['anarock']]);
      assert.deepEqual(await find({ ...q, firstSeenSince: at(41) }), [], 'the update moved its activity, not its first sighting');
    });

    it('lists leads most recently active first, each once across pages, while new leads arrive', async () => {
      const source = await addSource(store(), 'praetorian');
      const made: string[] = [];
      for (let k = 0; k < 7; k++) made.push((await send(store(), source, [praetorianLead()], at(100 + k))).items[0]!.leadId!);
      // Two leads active at the same moment: the order still holds (ties broken by id).
      const tie = await send(store(), source, [praetorianLead(), praetorianLead()], at(103));
      const expected = [...made.slice(4).reverse(), ...[made[3]!, ...tie.items.map((i) => i.leadId!)].sort().reverse(), ...made.slice(0, 3).reverse()];
      // Newer activity lands before the cursor: never seen twice, and nothing is skipped.
      const listed = await allPages(
        (cursor) => store().listLeads({ sourceId: source.id, limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
        (n) => send(store(), source, [praetorianLead()], at(200 + n)),
      );
      const seen = listed.map((l) => l.id);
      assert.deepEqual(seen, expected);
      await assert.rejects(store().listLeads({ limit: 3, cursor: 'bm90IGEgY3Vyc29y' }), hasCode('LH_E_INVALID_CURSOR'));
    });
  });
}
