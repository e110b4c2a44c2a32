import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { reprocessRequest } from '../../src/ingest/reprocess-request.js';
import { ITEM_LIMITS, REPROCESS_LIMITS, type ErasureActor } from '../../src/storage/port.js';
import { addSource, allPages, anarockLead, anarockSnapshot, at, praetorianLead, send, unique, webhookJob, type MakeStore } from './inputs.js';
import { hasCode, useStore } from './use-store.js';

const ADMIN: ErasureActor = { actor: 'admin', remoteAddress: '127.0.0.1', requestedBy: 'contract suite' };

/** Sources: CRUD, URL-token lookup and the expiry of a rotated token. */
export function sourcesContract(makeStore: MakeStore): void {
  describe('sources', () => {
    const store = useStore(makeStore);

    it('creates a source and reads it back by id, in the list, and by its URL token', async () => {
      const created = await addSource(store(), 'anarock', at(0), 'IN');
      assert.equal(created.provider, 'anarock');
      assert.equal(created.defaultCountry, 'IN');
      assert.equal(created.createdAt, at(0));
      assert.equal(created.previousUrlToken, null);
      assert.equal(created.deletedAt, null);
      assert.deepEqual(await store().getSource(created.id), created);
      assert.ok((await store().listSources()).some((s) => s.id === created.id));
      assert.deepEqual(await store().findSourceByUrlToken(created.urlToken, at(1)), created);
    });

    it('finds nothing for an unknown id or URL token', async () => {
      assert.equal(await store().getSource('src_unknown'), null);
      assert.equal(await store().findSourceByUrlToken('wh_unknown', at(1)), null);
      assert.equal(await store().updateSource('src_unknown', { name: 'x' }, at(1)), null);
      assert.equal(await store().deleteSource('src_unknown', at(1)), false);
    });

    it('renames a source and rotates its secret, keeping the previous one until it expires', async () => {
      const s = await addSource(store(), 'casayes');
      const updated = await store().updateSource(s.id, { name: 'renamed', secret: 'new-secret', previousSecretExpiresAt: at(60) }, at(5));
      assert.equal(updated?.name, 'renamed');
      assert.equal(updated?.secret, 'new-secret');
      assert.equal(updated?.previousSecret, s.secret);
      assert.equal(updated?.previousSecretExpiresAt, at(60));
      assert.equal(updated?.updatedAt, at(5));
      assert.deepEqual(await store().getSource(s.id), updated);
    });

    it('accepts a rotated URL token until its expiry, and the new one from the rotation on', async () => {
      const s = await addSource(store(), 'anarock');
      // A lookup before the rotation must not let the old answer outlive it.
      assert.equal((await store().findSourceByUrlToken(s.urlToken, at(1)))?.id, s.id);
      const rotated = await store().updateSource(s.id, { urlToken: 'wh_rotated_token', previousUrlTokenExpiresAt: at(60) }, at(2));
      assert.equal(rotated?.previousUrlToken, s.urlToken);
      assert.equal((await store().findSourceByUrlToken('wh_rotated_token', at(3)))?.id, s.id);
      assert.equal((await store().findSourceByUrlToken(s.urlToken, at(59)))?.id, s.id, 'the previous token works before it expires');
      assert.equal(await store().findSourceByUrlToken(s.urlToken, at(60)), null, 'and not from its expiry on');
      assert.equal((await store().findSourceByUrlToken('wh_rotated_token', at(600)))?.id, s.id, 'the current token does not expire');
    });

    it('stops a rotated URL token at once when no expiry is given, dropping an older previous one', async () => {
      const s = await addSource(store(), 'anarock');
      await store().updateSource(s.id, { urlToken: 'wh_second', previousUrlTokenExpiresAt: at(60) }, at(1));
      const third = await store().updateSource(s.id, { urlToken: 'wh_third', previousUrlTokenExpiresAt: null }, at(2));
      assert.equal(third?.previousUrlTokenExpiresAt ?? null, null);
      assert.equal(await store().findSourceByUrlToken(s.urlToken, at(3)), null);
      assert.equal(await store().findSourceByUrlToken('wh_second', at(3)), null);
      assert.equal((await store().findSourceByUrlToken('wh_third', at(3)))?.id, s.id);
    });

    it('deletes a source: its URL token stops, it is left out of the list, and getSource still shows it deleted', async () => {
      const s = await addSource(store(), 'praetorian');
      await store().findSourceByUrlToken(s.urlToken, at(1));
      assert.equal(await store().deleteSource(s.id, at(2)), true);
      assert.equal(await store().findSourceByUrlToken(s.urlToken, at(3)), null);
      assert.ok(!(await store().listSources()).some((x) => x.id === s.id));
      assert.equal((await store().getSource(s.id))?.deletedAt, at(2));
      assert.equal(await store().updateSource(s.id, { name: 'too late' }, at(4)), null);
      assert.equal(await store().deleteSource(s.id, at(5)), false);
    });

    it('reports storage ok while writes commit', () => {
      assert.deepEqual(store().storageStatus(), { status: 'ok' });
    });
  });
}

/** Ingest: idempotency, staleness, timeline dedupe, request status and bounds, reprocessing. */
export function ingestContract(makeStore: MakeStore): void {
  describe('ingest', () => {
    const store = useStore(makeStore);

    it('creates a lead from a webhook and stores the request with its exact bytes', async () => {
      const source = await addSource(store(), 'anarock');
      const lead = anarockLead();
      const job = webhookJob(source, JSON.stringify(anarockSnapshot(lead, 0)), at(10));
      const result = await store().ingest(job);
      assert.equal(result.requestId, job.request.id);
      assert.equal(result.status, 'accepted');
      assert.equal(result.items.length, 1);
      const item = result.items[0]!;
      assert.equal(item.outcome, 'created');
      assert.equal(item.providerLeadId, String(lead.leadId));
      const stored = await store().getLead(item.leadId!);
      assert.equal(stored?.providerLeadId, String(lead.leadId));
      assert.equal(stored?.sourceId, source.id);
      assert.equal(stored?.version, 1);
      assert.equal(stored?.person.fullName, lead.name);
      assert.equal(stored?.person.phone, lead.phone);
      assert.equal(stored?.firstSeenAt, at(10));
      assert.ok(stored?.timeline.some((e) => e.kind === 'created' || e.kind === 'first_received'));
      const request = await store().getRequest(job.request.id);
      assert.ok(request !== null);
      assert.deepEqual(request.body, job.request.body);
      assert.equal(request.bodySha256, createHash('sha256').update(job.request.body).digest('hex'));
      assert.equal(request.bodySize, job.request.body.length);
      assert.equal(request.status, 'accepted');
      assert.equal(request.httpStatus, 200);
      assert.equal(request.receivedAt, at(10));
      assert.deepEqual(request.headers, job.request.headers);
      assert.deepEqual(request.leadIds, [item.leadId]);
      assert.deepEqual(request.itemCounts, { total: 1, created: 1, updated: 0, duplicate: 0, stale: 0, quarantined: 0 });
      assert.equal(await store().getLead('lead_unknown'), null);
      assert.equal(await store().getRequest('req_unknown'), null);
    });

    it('answers a retry of the same content as a duplicate of the same lead, changing nothing', async () => {
      const source = await addSource(store(), 'anarock');
      const body = JSON.stringify(anarockSnapshot(anarockLead(), 1));
      const first = await send(store(), source, body, at(20));
      const leadId = first.items[0]!.leadId!;
      const before = await store().getLead(leadId);
      // Same content, re-serialised differently: the same event for the provider.
      const again = await send(store(), source, JSON.stringify(JSON.parse(body), null, 2), at(21));
      assert.equal(again.status, 'duplicate');
      assert.deepEqual(again.items.map((i) => [i.outcome, i.leadId]), [['duplicate', leadId]]);
      assert.deepEqual(again.counts, { total: 1, created: 0, updated: 0, duplicate: 1, stale: 0, quarantined: 0 });
      assert.deepEqual(await store().getLead(leadId), before);
      assert.equal((await store().getRequest(again.requestId))?.status, 'duplicate', 'the retry is stored too');
    });

    it('keeps the same provider lead id of two sources apart', async () => {
      const a = await addSource(store(), 'anarock');
      const b = await addSource(store(), 'anarock');
      const body = anarockSnapshot(anarockLead(), 0);
      const ra = await send(store(), a, body, at(22));
      const rb = await send(store(), b, body, at(22));
      assert.equal(rb.items[0]?.outcome, 'created');
      assert.notEqual(ra.items[0]?.leadId, rb.items[0]?.leadId);
    });

    it('updates a lead with a newer snapshot: version, stage and a field_changed entry', async () => {
      const source = await addSource(store(), 'anarock');
      const lead = anarockLead();
      const created = await send(store(), source, anarockSnapshot(lead, 0), at(30));
      const leadId = created.items[0]!.leadId!;
      const updated = await send(store(), source, anarockSnapshot(lead, 1), at(31));
      assert.deepEqual(updated.items.map((i) => [i.outcome, i.leadId]), [['updated', leadId]]);
      const stored = await store().getLead(leadId);
      assert.equal(stored?.version, 2);
      assert.equal(stored?.stage, 'qualified');
      assert.equal(stored?.lastEventAt, at(31));
      assert.equal(stored?.firstSeenAt, at(30));
      assert.ok(stored?.timeline.some((e) => e.kind === 'field_changed' || e.kind === 'status_changed'));
    });

    it('answers an older update that arrives late as stale: the lead stays as the newer one left it', async () => {
      const source = await addSource(store(), 'anarock');
      const lead = anarockLead();
      await send(store(), source, anarockSnapshot(lead, 0), at(40));
      const newer = await send(store(), source, anarockSnapshot(lead, 3), at(41));
      const leadId = newer.items[0]!.leadId!;
      const before = await store().getLead(leadId);
      const late = await send(store(), source, anarockSnapshot(lead, 2), at(42));
      assert.deepEqual(late.items.map((i) => [i.outcome, i.leadId]), [['stale', leadId]]);
      assert.equal(late.status, 'accepted');
      assert.deepEqual(late.counts, { total: 1, created: 0, updated: 0, duplicate: 0, stale: 1, quarantined: 0 });
      const after = await store().getLead(leadId);
      const { timeline: _a, ...leadAfter } = after!;
      const { timeline: _b, ...leadBefore } = before!;
      assert.deepEqual(leadAfter, leadBefore, 'version, stage, fields and lastEventAt unchanged');
    });

    it('records each timeline entry once, however many snapshots repeat it', async () => {
      const source = await addSource(store(), 'anarock');
      const lead = anarockLead();
      await send(store(), source, anarockSnapshot(lead, 1), at(50));
      await send(store(), source, anarockSnapshot(lead, 2), at(51));
      const last = await send(store(), source, anarockSnapshot(lead, 3), at(52));
      // A stale resend of an older snapshot carries the same notes again.
      await send(store(), source, anarockSnapshot(lead, 2), at(53));
      const stored = await store().getLead(last.items[0]!.leadId!);
      const notes = stored!.timeline.filter((e) => e.kind === 'note').map((e) => e.dedupeKey);
      assert.equal(notes.length, 3);
      assert.equal(new Set(notes).size, 3);
      const keys = stored!.timeline.map((e) => `${e.kind}|${e.dedupeKey}`);
      assert.equal(new Set(keys).size, keys.length, 'no entry twice');
    });

    it('applies the good items of a batch and quarantines the rest, with a request reason naming the first', async () => {
      const source = await addSource(store(), 'praetorian');
      const body = [praetorianLead(), { data: { first_name: 'No id' } }, praetorianLead()];
      const result = await send(store(), source, body, at(60));
      assert.equal(result.status, 'accepted');
      assert.deepEqual(result.items.map((i) => [i.index, i.outcome]), [[0, 'created'], [1, 'quarantined'], [2, 'created']]);
      assert.equal(result.items[1]?.leadId, null);
      assert.ok((result.items[1]?.reason ?? '').length > 0);
      assert.deepEqual(result.counts, { total: 3, created: 2, updated: 0, duplicate: 0, stale: 0, quarantined: 1 });
      const request = await store().getRequest(result.requestId);
      assert.match(request?.reason ?? '', /item 1/);
      assert.equal(request?.quarantine.count, 1);
      assert.deepEqual(request?.quarantine.reasons.map((r) => [r.count, r.firstIndexes]), [[1, [1]]]);
    });

    it('stores a request whose items all fail as quarantined, a ping as accepted and an unreadable body as quarantined 400', async () => {
      const source = await addSource(store(), 'praetorian');
      const bad = await send(store(), source, [{ data: {} }, { data: {} }], at(61));
      assert.equal(bad.status, 'quarantined');
      assert.equal(bad.counts.quarantined, 2);
      const ping = await send(store(), source, [], at(62));
      assert.equal(ping.status, 'accepted');
      assert.deepEqual(ping.items, []);
      assert.match((await store().getRequest(ping.requestId))?.reason ?? '', /ping/);
      const broken = await send(store(), source, '{"not json', at(63));
      assert.equal(broken.status, 'quarantined');
      const stored = await store().getRequest(broken.requestId);
      assert.equal(stored?.httpStatus, 400);
      assert.equal(stored?.body.toString('utf8'), '{"not json');
    });

    it('bounds what a request records and lists, and counts every item', async () => {
      const source = await addSource(store(), 'praetorian');
      const good = Array.from({ length: ITEM_LIMITS.appliedKept + 5 }, () => praetorianLead());
      const bad = Array.from({ length: ITEM_LIMITS.quarantinedKept + 7 }, () => ({ data: {} }));
      const result = await send(store(), source, [...good, ...bad], at(64));
      assert.equal(result.counts.total, good.length + bad.length);
      assert.equal(result.counts.created, good.length);
      assert.equal(result.counts.quarantined, bad.length);
      const request = await store().getRequest(result.requestId);
      assert.ok(request !== null);
      assert.deepEqual(request.itemCounts, result.counts);
      const applied = request.items.filter((i) => i.outcome !== 'quarantined');
      const quarantined = request.items.filter((i) => i.outcome === 'quarantined');
      assert.equal(applied.length, ITEM_LIMITS.appliedKept);
      assert.equal(quarantined.length, ITEM_LIMITS.quarantinedKept);
      assert.deepEqual(applied.map((i) => i.index), Array.from({ length: ITEM_LIMITS.appliedKept }, (_, i) => i), 'the first ones, in item order');
      assert.equal(request.quarantine.count, bad.length);
      assert.equal(request.quarantine.kept, ITEM_LIMITS.quarantinedKept);
      const listed = await store().listRequests({ sourceId: source.id, limit: 5 });
      const inList = listed.items.find((r) => r.id === result.requestId);
      assert.equal(inList?.items.length, ITEM_LIMITS.listed);
      assert.equal(inList?.leadIds.length, ITEM_LIMITS.listed);
      assert.deepEqual(inList?.itemCounts, result.counts);
    });

    it('lists requests newest first, by source and status, without duplicates or gaps across pages', async () => {
      const source = await addSource(store(), 'praetorian');
      const ids: string[] = [];
      for (let k = 0; k < 7; k++) ids.push((await send(store(), source, [praetorianLead()], at(70 + k))).requestId);
      const dupe = await send(store(), source, [{ data: {} }], at(78));
      // A request stored between pages is newer: it never shows up in the pages still to come.
      const listed = await allPages(
        (cursor) => store().listRequests({ sourceId: source.id, limit: 3, ...(cursor === undefined ? {} : { cursor }) }),
        (seen) => (seen === 3 ? send(store(), source, [praetorianLead()], at(79)) : Promise.resolve()),
      );
      const seen = listed.map((r) => r.id);
      assert.deepEqual(seen, [dupe.requestId, ...ids.reverse()]);
      const quarantined = await store().listRequests({ sourceId: source.id, status: 'quarantined', limit: 50 });
      assert.deepEqual(quarantined.items.map((r) => r.id), [dupe.requestId]);
      await assert.rejects(store().listRequests({ limit: 3, cursor: 'not-a-cursor' }), hasCode('LH_E_INVALID_CURSOR'));
    });

    it('records reprocesses beside the request, the newest ones kept and all counted, its own outcome unchanged', async () => {
      const source = await addSource(store(), 'praetorian');
      const original = await send(store(), source, [praetorianLead(), { data: {} }], at(80));
      const before = await store().getRequest(original.requestId);
      const runs = REPROCESS_LIMITS.kept + 2;
      let last = null;
      for (let k = 1; k <= runs; k++) last = await reprocessRequest(store(), original.requestId, new Date(at(80 + k)));
      assert.deepEqual(last?.items.map((i) => i.outcome), ['duplicate', 'quarantined'], 'applied items are duplicates by their keys');
      const after = await store().getRequest(original.requestId);
      assert.ok(after !== null && before !== null);
      assert.equal(after.status, before.status);
      assert.equal(after.reason, before.reason);
      assert.deepEqual(after.items, before.items);
      assert.equal(after.reprocessCount, runs);
      assert.equal(after.reprocessedAt, at(80 + runs));
      assert.equal(after.reprocesses.length, REPROCESS_LIMITS.kept);
      assert.deepEqual(after.reprocesses.map((r) => r.at), Array.from({ length: REPROCESS_LIMITS.kept }, (_, i) => at(80 + runs - REPROCESS_LIMITS.kept + 1 + i)), 'the newest, oldest first');
      const r = after.reprocesses[0]!;
      assert.equal(r.status, 'duplicate', 'nothing new applied');
      assert.deepEqual(r.itemCounts, { total: 2, created: 0, updated: 0, duplicate: 1, stale: 0, quarantined: 1 });
      assert.equal(r.quarantine.count, 1);
    });
  });
}

/** Erasure of a lead's personal data, and the webhooks held for it afterwards. */
export function erasureContract(makeStore: MakeStore): void {
  describe('erasure and held requests', () => {
    const store = useStore(makeStore);

    /** A lead with a name, phone and e-mail, from one request, and then an update. */
    async function personalLead() {
      const source = await addSource(store(), 'anarock');
      const lead = anarockLead({ name: `Meera ${unique('Secret')}`, email: `${unique('meera')}@example.in` });
      const first = await send(store(), source, anarockSnapshot(lead, 0), at(100));
      const second = await send(store(), source, anarockSnapshot(lead, 1), at(101));
      return { source, lead, leadId: first.items[0]!.leadId!, requests: [first.requestId, second.requestId] };
    }

    it('erases the personal data everywhere the ports show it, and keeps the audit stub', async () => {
      const { lead, leadId, requests } = await personalLead();
      const erasure = await store().eraseLead(leadId, ADMIN, at(110));
      assert.equal(erasure?.leadId, leadId);
      assert.equal(erasure?.erasedAt, at(110));
      assert.equal(erasure?.actor, 'admin');
      assert.equal(erasure?.requestedBy, 'contract suite');
      assert.equal(erasure?.holdLiftedAt, null);
      assert.ok(erasure?.erased.leadFields.includes('person.fullName'));
      assert.equal(erasure?.erased.requests, 2);
      assert.deepEqual(await store().getLeadErasure(leadId), erasure);
      const stored = await store().getLead(leadId);
      assert.equal(stored?.person.fullName, null);
      assert.equal(stored?.person.phone, null);
      assert.equal(stored?.person.email, null);
      assert.equal(stored?.version, 2, 'the lead itself stays');
      const personal = [lead.name, lead.email!, lead.phone.slice(3)];
      for (const value of personal) {
        assert.ok(!JSON.stringify(stored).includes(value), `the lead and timeline no longer hold ${value}`);
        for (const id of requests) assert.ok(!(await store().getRequest(id))!.body.toString('utf8').includes(value), `request ${id} no longer holds ${value}`);
      }
      assert.deepEqual((await store().listLeads({ q: lead.name.toLowerCase(), limit: 5 })).items, []);
      assert.deepEqual((await store().listLeads({ email: lead.email!, limit: 5 })).items, []);
      assert.deepEqual((await store().listLeads({ phones: [lead.phone], limit: 5 })).items, []);
      assert.equal(await store().eraseLead('lead_unknown', ADMIN, at(111)), null);
      assert.equal(await store().getLeadErasure('lead_unknown'), null);
    });

    it('answers a retry of content applied before the erasure as a duplicate, stored without the personal data', async () => {
      const { source, lead, leadId } = await personalLead();
      await store().eraseLead(leadId, ADMIN, at(110));
      const retry = await send(store(), source, anarockSnapshot(lead, 1), at(111));
      assert.deepEqual(retry.items.map((i) => [i.outcome, i.leadId]), [['duplicate', leadId]]);
      assert.ok(!(await store().getRequest(retry.requestId))!.body.toString('utf8').includes(lead.name));
    });

    it('holds a new webhook for an erased lead until an admin applies it', async () => {
      const { source, lead, leadId, requests } = await personalLead();
      await store().eraseLead(leadId, ADMIN, at(110));
      const held = await send(store(), source, anarockSnapshot(lead, 2), at(112));
      assert.equal(held.items[0]?.outcome, 'quarantined');
      assert.equal(held.items[0]?.leadId, leadId);
      assert.match(held.items[0]?.reason ?? '', /^held/);
      assert.equal((await store().getLead(leadId))?.version, 2, 'not applied');
      const pending = await store().listHeldRequests({ pendingOnly: true, limit: 50 });
      const entry = pending.items.find((h) => h.requestId === held.requestId);
      assert.deepEqual(entry, { requestId: held.requestId, leadId, sourceId: source.id, receivedAt: at(112), heldAt: at(112), resolution: null, resolvedAt: null, resolvedBy: null });

      const released = await store().releaseHeldRequest(held.requestId, ADMIN, at(113));
      assert.deepEqual(released.map((h) => [h.requestId, h.resolution, h.resolvedAt]), [[held.requestId, 'applied', at(113)]]);
      assert.equal((await store().getLeadErasure(leadId))?.holdLiftedAt, at(113));
      const applied = await reprocessRequest(store(), held.requestId, new Date(at(114)));
      assert.deepEqual(applied.items.map((i) => [i.outcome, i.leadId]), [['updated', leadId]]);
      assert.equal((await store().getLead(leadId))?.person.fullName, lead.name, 'the webhook applied, as the admin decided');
      assert.ok(!(await store().listHeldRequests({ pendingOnly: true, limit: 50 })).items.some((h) => h.requestId === held.requestId));
      assert.equal((await store().listHeldRequests({ pendingOnly: false, limit: 50 })).items.find((h) => h.requestId === held.requestId)?.resolution, 'applied');
      await assert.rejects(store().releaseHeldRequest(held.requestId, ADMIN, at(115)), hasCode('LH_E_NOT_HELD'));
      await assert.rejects(store().discardHeldRequest(requests[0]!, ADMIN, at(115)), hasCode('LH_E_NOT_HELD'), 'a request that was never held');
    });

    it('discards a held webhook: its body loses the lead, and the hold stays for the next one', async () => {
      const { source, lead, leadId } = await personalLead();
      await store().eraseLead(leadId, ADMIN, at(110));
      const held = await send(store(), source, anarockSnapshot(lead, 2), at(112));
      const discarded = await store().discardHeldRequest(held.requestId, ADMIN, at(113));
      assert.deepEqual(discarded.map((h) => [h.requestId, h.resolution]), [[held.requestId, 'discarded']]);
      assert.ok(!(await store().getRequest(held.requestId))!.body.toString('utf8').includes(lead.name));
      const next = await send(store(), source, anarockSnapshot(lead, 3), at(114));
      assert.equal(next.items[0]?.outcome, 'quarantined', 'still held');
    });

    it('pages held requests newest first', async () => {
      const { source, lead, leadId } = await personalLead();
      await store().eraseLead(leadId, ADMIN, at(110));
      const ids: string[] = [];
      for (let k = 2; k < 6; k++) ids.push((await send(store(), source, anarockSnapshot(lead, k), at(110 + k))).requestId);
      const all = [];
      let cursor: string | undefined;
      do {
        const page = await store().listHeldRequests({ pendingOnly: true, limit: 3, ...(cursor === undefined ? {} : { cursor }) });
        all.push(...page.items.filter((h) => h.leadId === leadId).map((h) => h.requestId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      assert.deepEqual(all, ids.reverse());
    });
  });
}
