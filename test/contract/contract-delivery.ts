import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule } from '../../src/delivery/rule-job.js';
import type { ErasureActor } from '../../src/storage/port.js';
import { addDestination, addSource, allPages, anarockLead, anarockSnapshot, at, planWithDestinations, praetorianLead, send, unique, type MakeStore } from './inputs.js';
import { claim, complete, deliveriesOf, DISABLE_AFTER_MS, freshDestinations, ids, leadWithUpdates, plus } from './delivery-inputs.js';
import { hasCode, useStore } from './use-store.js';

/** Destinations, and the outbox: events and deliveries written with the lead change that caused them. */
export function outboxContract(makeStore: MakeStore): void {
  describe('destinations and the outbox', () => {
    const store = useStore(makeStore);

    it('creates, reads, updates and deletes destinations, within the most allowed', async () => {
      const d = await addDestination(store(), { filter: 'lead.stage == "won"', sourceIds: ['src_a'], includeTest: true }, at(1));
      assert.equal(d.filter, 'lead.stage == "won"');
      assert.deepEqual(d.sourceIds, ['src_a']);
      assert.equal(d.includeTest, true);
      assert.equal(d.disabledAt, null);
      assert.equal(d.filteredCount, 0);
      assert.equal(d.lastRuleError, null);
      assert.deepEqual(await store().delivery.getDestination(d.id), d);
      assert.ok((await store().delivery.listDestinations()).some((x) => x.id === d.id));
      const changed = await store().delivery.updateDestination(d.id, { name: 'renamed', events: ['lead.created'], previousSecret: d.secret, previousSecretExpiresAt: at(60), secret: 'whsec_bmV3', disabledAt: at(2), disabledReason: 'paused' }, at(2));
      assert.equal(changed?.name, 'renamed');
      assert.deepEqual(changed?.events, ['lead.created']);
      assert.equal(changed?.previousSecret, d.secret);
      assert.equal(changed?.disabledReason, 'paused');
      assert.equal(changed?.updatedAt, at(2));
      assert.equal(await store().delivery.deleteDestination(d.id, at(3)), true);
      assert.equal(await store().delivery.getDestination(d.id), null);
      assert.equal(await store().delivery.updateDestination(d.id, { name: 'x' }, at(4)), null);
      assert.equal(await store().delivery.deleteDestination(d.id, at(4)), false);
      const count = (await store().delivery.listDestinations()).length;
      await assert.rejects(store().delivery.createDestination({ ...d, id: 'dst_over_limit' }, count), hasCode('LH_E_DESTINATION_LIMIT'));
    });

    it('writes one event per type and one delivery per candidate destination in the ingest that changed the lead', async () => {
      const { source, destinations } = await freshDestinations(store(), [
        {},
        { events: ['lead.created', 'lead.updated'] },
        { sourceIds: ['src_other'] },
        { events: ['lead.stage_changed'] },
      ]);
      const [all, noStage, otherSource, stageOnly] = destinations as [typeof destinations[0], typeof destinations[0], typeof destinations[0], typeof destinations[0]];
      let committed = 0;
      store().delivery.onDeliveriesCommitted(() => committed++);
      const lead = anarockLead();
      const created = await send(store(), source, anarockSnapshot(lead, 0), at(10));
      const leadId = created.items[0]!.leadId!;
      assert.ok(committed > 0, 'workers are told once it is committed');
      const first = await deliveriesOf(store(), leadId);
      assert.deepEqual(first.map((d) => [d.destinationId, d.eventType, d.status]).sort(), [[all.id, 'lead.created', 'pending'], [noStage.id, 'lead.created', 'pending']].sort());
      assert.equal(first[0]?.eventId, first[1]?.eventId, 'destinations of the same type share one event');
      const delivery = await store().delivery.getDelivery(first[0]!.id);
      const event = delivery?.event as { id: string; type: string; data: { lead: { id: string; version: number } } };
      assert.equal(event.id, first[0]?.eventId);
      assert.equal(event.type, 'lead.created');
      assert.equal(event.data.lead.id, leadId);
      assert.equal(event.data.lead.version, 1);
      assert.equal(delivery?.attemptCount, 0);
      assert.deepEqual(delivery?.attempts, []);
      assert.equal(delivery?.createdAt, at(10));

      await send(store(), source, anarockSnapshot(lead, 1), at(11));
      const second = (await deliveriesOf(store(), leadId)).slice(2);
      assert.deepEqual(second.map((d) => [d.destinationId, d.eventType]).sort(), [[all.id, 'lead.stage_changed'], [noStage.id, 'lead.updated'], [stageOnly.id, 'lead.stage_changed']].sort());
      assert.equal(new Set(second.map((d) => d.eventId)).size, 2, 'one event per type');
      assert.ok(!second.some((d) => d.destinationId === otherSource.id));
      assert.equal(await store().delivery.getDelivery('dlv_unknown'), null);
    });

    it('writes nothing for a duplicate, a stale update or a destination that is disabled', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}]);
      const lead = anarockLead();
      const leadId = (await send(store(), source, anarockSnapshot(lead, 2), at(20))).items[0]!.leadId!;
      await send(store(), source, anarockSnapshot(lead, 2), at(21));
      await send(store(), source, anarockSnapshot(lead, 1), at(22));
      assert.equal((await deliveriesOf(store(), leadId)).length, 1);
      await store().delivery.updateDestination(destinations[0]!.id, { disabledAt: at(23), disabledReason: 'paused' }, at(23));
      await planWithDestinations(store());
      await send(store(), source, anarockSnapshot(lead, 3), at(24));
      assert.equal((await deliveriesOf(store(), leadId)).length, 1);
    });

    it('lists deliveries newest first, by destination, status and lead, each once across pages', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}, {}]);
      const leads: string[] = [];
      for (let k = 0; k < 4; k++) leads.push(await leadWithUpdates(store(), source, 30 + k));
      const [a] = destinations;
      const listed = await allPages((cursor) => store().delivery.listDeliveries({ destinationId: a!.id, limit: 3, ...(cursor === undefined ? {} : { cursor }) }));
      assert.deepEqual(listed.map((d) => d.leadId), [...leads].reverse());
      assert.ok(listed.every((d) => d.destinationId === a!.id && d.status === 'pending'));
      const ofLead = await store().delivery.listDeliveries({ leadId: leads[0]!, limit: 10 });
      assert.equal(ofLead.items.length, 2);
      assert.deepEqual((await store().delivery.listDeliveries({ destinationId: a!.id, status: 'succeeded', limit: 10 })).items, []);
      await assert.rejects(store().delivery.listDeliveries({ limit: 3, cursor: '%%%' }), hasCode('LH_E_INVALID_CURSOR'));
    });
  });
}

/** Claims, leases and per-lead order. */
export function claimsContract(makeStore: MakeStore): void {
  describe('claims and leases', () => {
    const store = useStore(makeStore);

    it('claims due deliveries oldest first, up to the limit, with what a worker needs to send them', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}]);
      const dest = destinations[0]!;
      const leads: string[] = [];
      for (let k = 0; k < 5; k++) leads.push(await leadWithUpdates(store(), source, 10 + k));
      const first = await claim(store(), at(20), { limit: 3 });
      assert.deepEqual(first.map((c) => c.delivery.leadId), leads.slice(0, 3));
      const c = first[0]!;
      assert.equal(c.delivery.status, 'delivering');
      assert.equal(c.url, dest.url);
      assert.deepEqual(c.secrets, [dest.secret]);
      assert.equal(c.rule, undefined);
      assert.equal((JSON.parse(c.body) as { id: string }).id, c.delivery.eventId);
      assert.deepEqual((await store().delivery.getDelivery(c.delivery.id))?.event, JSON.parse(c.body));
      assert.equal((await store().delivery.getDelivery(c.delivery.id))?.status, 'delivering');
      assert.deepEqual((await claim(store(), at(20))).map((x) => x.delivery.leadId), leads.slice(3));
      assert.deepEqual(await claim(store(), at(20)), [], 'a claimed delivery is not claimed twice');
    });

    it('signs with both secrets during a rotation overlap', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}]);
      const dest = destinations[0]!;
      await store().delivery.updateDestination(dest.id, { secret: 'whsec_bmV3', previousSecret: dest.secret, previousSecretExpiresAt: at(100) }, at(1));
      await leadWithUpdates(store(), source, 30);
      const [c] = await claim(store(), at(31));
      assert.deepEqual(c?.secrets, ['whsec_bmV3', dest.secret]);
    });

    it('keeps each destination within its in-flight cap, counting the sends already in flight', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}, {}]);
      const [a, b] = destinations as [typeof destinations[0], typeof destinations[0]];
      for (let k = 0; k < 4; k++) await leadWithUpdates(store(), source, 40 + k);
      const first = await claim(store(), at(50), { perDestination: 3, inFlight: { [a.id]: 2 } });
      assert.equal(first.filter((c) => c.delivery.destinationId === a.id).length, 1);
      assert.equal(first.filter((c) => c.delivery.destinationId === b.id).length, 3);
      const more = await claim(store(), at(50), { perDestination: 3, perDestinationOverrides: { [a.id]: 5 }, inFlight: { [a.id]: 3, [b.id]: 3 } });
      assert.deepEqual(more.map((c) => c.delivery.destinationId), [a.id, a.id]);
    });

    it('claims one delivery per lead and destination at a time, in order', async () => {
      const { source } = await freshDestinations(store(), [{}]);
      const leadId = await leadWithUpdates(store(), source, 60, 2);
      const other = await leadWithUpdates(store(), source, 61);
      const [created, firstUpdate, secondUpdate] = await deliveriesOf(store(), leadId);
      assert.deepEqual(ids(await claim(store(), at(70))), [created!.id, (await deliveriesOf(store(), other))[0]!.id], 'another lead is not held up');
      assert.deepEqual(await claim(store(), at(70)), [], 'the next one waits while the first is in flight');
      await complete(store(), created!.id, { kind: 'retry', after: at(72) }, at(70));
      assert.deepEqual(await claim(store(), at(71)), [], 'and while it waits for its retry');
      assert.deepEqual(ids(await claim(store(), at(72))), [created!.id], 'the retry comes first when due');
      await complete(store(), created!.id, { kind: 'delivered' }, at(72));
      assert.deepEqual(ids(await claim(store(), at(72))), [firstUpdate!.id], 'a success lets the next one go');
      await complete(store(), firstUpdate!.id, { kind: 'give_up' }, at(73));
      assert.deepEqual(ids(await claim(store(), at(73))), [secondUpdate!.id], 'so does a delivery that gave up');
    });

    it('lets the next delivery of a lead go once the earlier one is filtered', async () => {
      const { source } = await freshDestinations(store(), [{ filter: 'lead.stage == "won"' }]);
      const leadId = await leadWithUpdates(store(), source, 80, 1);
      const [created, updated] = await deliveriesOf(store(), leadId);
      const [c] = await claim(store(), at(82));
      assert.equal(c?.delivery.id, created!.id);
      await store().delivery.completeFiltered({ deliveryId: created!.id, reason: 'rule did not match', isRuleFailure: false, now: at(82) });
      assert.deepEqual(ids(await claim(store(), at(82))), [updated!.id]);
    });

    it('claims nothing for a deleted or disabled destination', async () => {
      const { source, destinations } = await freshDestinations(store(), [{}, {}]);
      const [gone, paused] = destinations as [typeof destinations[0], typeof destinations[0]];
      await leadWithUpdates(store(), source, 90);
      await store().delivery.deleteDestination(gone.id, at(91));
      await store().delivery.updateDestination(paused.id, { disabledAt: at(91), disabledReason: 'paused' }, at(91));
      assert.deepEqual(await claim(store(), at(92)), []);
      await store().delivery.updateDestination(paused.id, { disabledAt: null, disabledReason: null }, at(93));
      assert.deepEqual((await claim(store(), at(93))).map((c) => c.delivery.destinationId), [paused.id], 'until it is enabled again');
    });

    it('gives the rule and the provider item with the first claim of each cycle only', async () => {
      const { source, destinations } = await freshDestinations(store(), [{ filter: 'lead.stage == "new"' }]);
      const lead = anarockLead();
      const snapshot = anarockSnapshot(lead, 0);
      await send(store(), source, snapshot, at(100));
      const [c] = await claim(store(), at(100));
      assert.equal(c?.rule?.expression, destinations[0]!.filter);
      assert.deepEqual(JSON.parse(c!.rule!.payload!), snapshot);
      await complete(store(), c!.delivery.id, { kind: 'retry', after: at(101) }, at(100));
      const [again] = await claim(store(), at(101));
      assert.equal(again?.rule, undefined, 'the rule already passed in this cycle');
      await complete(store(), c!.delivery.id, { kind: 'give_up' }, at(101));
      await store().delivery.retryDelivery(c!.delivery.id, at(102));
      const [retried] = await claim(store(), at(102));
      assert.equal(retried?.rule?.expression, destinations[0]!.filter, 'a manual retry starts a new cycle');
    });

    it('puts a claim back once its lease has expired, and not before', async () => {
      const { source } = await freshDestinations(store(), [{}]);
      // Earlier tests' claims are someone else's: put them back first.
      await store().delivery.releaseClaims(at(109));
      const leadId = await leadWithUpdates(store(), source, 110);
      const [c] = await claim(store(), at(110), { leaseUntil: at(115) });
      assert.equal(await store().delivery.requeueExpiredClaims(at(114)), 0);
      assert.equal((await store().delivery.getDelivery(c!.delivery.id))?.status, 'delivering');
      assert.equal(await store().delivery.requeueExpiredClaims(at(116)), 1);
      assert.equal((await store().delivery.getDelivery(c!.delivery.id))?.status, 'pending');
      assert.deepEqual(ids(await claim(store(), at(116))), [(await deliveriesOf(store(), leadId))[0]!.id], 'and it is claimed again');
    });

    it('releases every claim, all but some, or only some', async () => {
      const { source } = await freshDestinations(store(), [{}]);
      await store().delivery.releaseClaims(at(119));
      for (let k = 0; k < 4; k++) await leadWithUpdates(store(), source, 120 + k);
      const claimed = ids(await claim(store(), at(125), { leaseUntil: at(200) }));
      assert.equal(claimed.length, 4);
      const status = async (id: string) => (await store().delivery.getDelivery(id))?.status;
      assert.equal(await store().delivery.releaseClaims(at(126), { only: [claimed[0]!] }), 1);
      assert.deepEqual(await Promise.all(claimed.map(status)), ['pending', 'delivering', 'delivering', 'delivering']);
      assert.equal(await store().delivery.releaseClaims(at(127), { except: [claimed[1]!] }), 2);
      assert.deepEqual(await Promise.all(claimed.map(status)), ['pending', 'delivering', 'pending', 'pending']);
      assert.equal(await store().delivery.releaseClaims(at(128)), 1);
      assert.deepEqual(await Promise.all(claimed.map(status)), ['pending', 'pending', 'pending', 'pending']);
      assert.equal((await claim(store(), at(128))).length, 4, 'released claims are due again');
    });
  });
}

/** When the next delivery is due, and the queue's counts: a group of its own, so that no other test's deliveries are pending. */
export function nextDueContract(makeStore: MakeStore): void {
  describe('next due delivery', () => {
    const store = useStore(makeStore);

    it('tells when the next pending delivery is due', async () => {
      const { source } = await freshDestinations(store(), [{}]);
      assert.equal(await store().delivery.nextDueAt(), null);
      await leadWithUpdates(store(), source, 130);
      await leadWithUpdates(store(), source, 131);
      assert.equal(await store().delivery.nextDueAt(), at(130));
      const claimed = await claim(store(), at(132));
      assert.equal(await store().delivery.nextDueAt(), null, 'claimed deliveries are not pending');
      await complete(store(), claimed[0]!.delivery.id, { kind: 'retry', after: at(140) }, at(133));
      await complete(store(), claimed[1]!.delivery.id, { kind: 'retry', after: at(138) }, at(133));
      assert.equal(await store().delivery.nextDueAt(), at(138));
    });

    it('counts the queue: pending, delivering, failed, and when the oldest pending delivery was created', async () => {
      // Left by the test above: two deliveries waiting for their retry.
      assert.deepEqual(await store().delivery.queueStats(), { pending: 2, delivering: 0, failed: 0, oldestPendingAt: at(130) });
      const claimed = await claim(store(), at(140));
      assert.deepEqual(await store().delivery.queueStats(), { pending: 0, delivering: 2, failed: 0, oldestPendingAt: null });
      await complete(store(), claimed[0]!.delivery.id, { kind: 'give_up' }, at(141));
      await complete(store(), claimed[1]!.delivery.id, { kind: 'delivered' }, at(141));
      assert.deepEqual(await store().delivery.queueStats(), { pending: 0, delivering: 0, failed: 1, oldestPendingAt: null });
    });
  });
}

/** What an attempt's outcome does to its delivery and destination; manual retries, replays and filtered deliveries. */
export function completionContract(makeStore: MakeStore): void {
  describe('attempts, retries and replays', () => {
    const store = useStore(makeStore);

    async function claimedOne(minute: number, spec = {}) {
      const { source, destinations } = await freshDestinations(store(), [spec]);
      const leadId = await leadWithUpdates(store(), source, minute);
      const [c] = await claim(store(), at(minute));
      assert.ok(c !== undefined);
      return { source, destination: destinations[0]!, leadId, id: c.delivery.id };
    }

    it('records a delivered attempt: succeeded, numbered, and the destination succeeding', async () => {
      const { destination, id } = await claimedOne(10);
      await complete(store(), id, { kind: 'delivered' }, at(11));
      const d = await store().delivery.getDelivery(id);
      assert.equal(d?.status, 'succeeded');
      assert.equal(d?.deliveredAt, at(11));
      assert.equal(d?.attemptCount, 1);
      assert.equal(d?.lastStatusCode, 200);
      assert.equal(d?.nextAttemptAt, null);
      assert.deepEqual(d?.attempts.map(({ id: _id, ...a }) => a), [{ attemptNumber: 1, startedAt: at(11), statusCode: 200, latencyMs: 12, error: null, responseSnippet: 'answer 200' }]);
      const dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.lastSuccessAt, at(11));
      assert.equal(dest?.failingSince, null);
    });

    it('schedules a retry: pending until it is due, attempts numbered, the destination failing since the first failure', async () => {
      const { destination, id } = await claimedOne(20);
      await complete(store(), id, { kind: 'retry', after: at(25) }, at(21));
      let d = await store().delivery.getDelivery(id);
      assert.equal(d?.status, 'pending');
      assert.equal(d?.nextAttemptAt, at(25));
      assert.equal(d?.lastStatusCode, 503);
      assert.equal(d?.lastError, 'HTTP 503');
      assert.equal(d?.attemptCount, 1);
      assert.equal((await store().delivery.getDestination(destination.id))?.failingSince, at(21));
      assert.deepEqual(await claim(store(), at(24)), [], 'not before it is due');
      assert.deepEqual(ids(await claim(store(), at(25))), [id]);
      await complete(store(), id, { kind: 'retry', after: at(30) }, at(26), null);
      assert.equal((await store().delivery.getDestination(destination.id))?.failingSince, at(21), 'failing since the first failure');
      assert.deepEqual(ids(await claim(store(), at(30))), [id]);
      await complete(store(), id, { kind: 'delivered' }, at(31));
      d = await store().delivery.getDelivery(id);
      assert.equal(d?.status, 'succeeded');
      assert.equal(d?.attemptCount, 3);
      assert.deepEqual(d?.attempts.map((a) => [a.attemptNumber, a.statusCode]), [[1, 503], [2, null], [3, 200]]);
      const dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.failingSince, null, 'a success ends the failing spell');
      assert.equal(dest?.lastSuccessAt, at(31));
    });

    it('gives up on a delivery, disabling its destination only when it has been failing for too long', async () => {
      const { source, destination, id } = await claimedOne(40);
      await complete(store(), id, { kind: 'give_up' }, at(41));
      assert.equal((await store().delivery.getDelivery(id))?.status, 'failed');
      assert.equal((await store().delivery.getDestination(destination.id))?.disabledAt, null, 'failing for a minute is not too long');
      await leadWithUpdates(store(), source, 42);
      const late = plus(at(41), DISABLE_AFTER_MS / 60_000 + 1);
      const [next] = await claim(store(), late);
      await complete(store(), next!.delivery.id, { kind: 'give_up' }, late);
      const dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.disabledAt, late);
      assert.ok((dest?.disabledReason ?? '').length > 0);
    });

    it('disables the destination when the attempt says so', async () => {
      const { destination, id } = await claimedOne(50);
      await complete(store(), id, { kind: 'disable', reason: 'HTTP 410: the receiver is gone' }, at(51), 410);
      assert.equal((await store().delivery.getDelivery(id))?.status, 'failed');
      const dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.disabledAt, at(51));
      assert.equal(dest?.disabledReason, 'HTTP 410: the receiver is gone');
    });

    it('ignores a completion for a delivery that is not claimed', async () => {
      const { id } = await claimedOne(60);
      await complete(store(), id, { kind: 'delivered' }, at(61));
      await complete(store(), id, { kind: 'retry', after: at(70) }, at(62));
      const d = await store().delivery.getDelivery(id);
      assert.equal(d?.status, 'succeeded');
      assert.equal(d?.attempts.length, 1);
    });

    it('ends a delivery filtered without an attempt, counting it on the destination and keeping rule failures', async () => {
      const { source, destination, id } = await claimedOne(80, { filter: 'lead.stage == "won"' });
      await store().delivery.completeFiltered({ deliveryId: id, reason: 'the rule did not match', isRuleFailure: false, now: at(81) });
      const d = await store().delivery.getDelivery(id);
      assert.equal(d?.status, 'filtered');
      assert.equal(d?.lastError, 'the rule did not match');
      assert.deepEqual(d?.attempts, []);
      let dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.filteredCount, 1);
      assert.equal(dest?.lastRuleError, null);
      await leadWithUpdates(store(), source, 82);
      const [c] = await claim(store(), at(82));
      await store().delivery.completeFiltered({ deliveryId: c!.delivery.id, reason: 'the rule ran over its budget', isRuleFailure: true, now: at(83) });
      dest = await store().delivery.getDestination(destination.id);
      assert.equal(dest?.filteredCount, 2);
      assert.deepEqual(dest?.lastRuleError, { message: 'the rule ran over its budget', at: at(83), deliveryId: c!.delivery.id });
      assert.equal((await (await store().delivery.listDeliveries({ destinationId: destination.id, status: 'filtered', limit: 10 })).items.length), 2);
    });

    it('retries a delivery by hand: a new cycle now, the earlier attempts kept', async () => {
      const { id } = await claimedOne(90);
      await complete(store(), id, { kind: 'give_up' }, at(91));
      const retried = await store().delivery.retryDelivery(id, at(92));
      assert.equal(retried?.status, 'pending');
      assert.equal(retried?.attemptCount, 0);
      assert.equal(retried?.nextAttemptAt, at(92));
      assert.equal((await store().delivery.getDelivery(id))?.attempts.length, 1);
      assert.deepEqual(ids(await claim(store(), at(92))), [id]);
      const inFlight = await store().delivery.retryDelivery(id, at(93));
      assert.equal(inFlight?.status, 'delivering', 'a delivery in flight is left alone');
      await complete(store(), id, { kind: 'delivered' }, at(93));
      assert.deepEqual((await store().delivery.getDelivery(id))?.attempts.map((a) => a.attemptNumber), [1, 2]);
      assert.equal(await store().delivery.retryDelivery('dlv_unknown', at(94)), null);
    });

    it("replays a destination's deliveries since a time, of one status or all, leaving those in flight", async () => {
      const { source, destinations } = await freshDestinations(store(), [{}]);
      const dest = destinations[0]!;
      for (let k = 0; k < 4; k++) await leadWithUpdates(store(), source, 100 + k);
      const [old, ok, bad, busy] = await claim(store(), at(110));
      await complete(store(), old!.delivery.id, { kind: 'delivered' }, at(111));
      await complete(store(), ok!.delivery.id, { kind: 'delivered' }, at(111));
      await complete(store(), bad!.delivery.id, { kind: 'give_up' }, at(111));
      assert.equal(await store().delivery.replayDeliveries(dest.id, at(101), 'failed', at(112)), 1);
      assert.equal((await store().delivery.getDelivery(bad!.delivery.id))?.status, 'pending');
      assert.equal((await store().delivery.getDelivery(old!.delivery.id))?.status, 'succeeded');
      assert.equal(await store().delivery.replayDeliveries(dest.id, at(101), undefined, at(113)), 2, 'the pending one and the succeeded one since then, not the one in flight');
      const replayed = await store().delivery.getDelivery(ok!.delivery.id);
      assert.equal(replayed?.status, 'pending');
      assert.equal(replayed?.attemptCount, 0);
      assert.equal(replayed?.nextAttemptAt, at(113));
      assert.equal((await store().delivery.getDelivery(old!.delivery.id))?.status, 'succeeded', 'older than `since`');
      assert.equal((await store().delivery.getDelivery(busy!.delivery.id))?.status, 'delivering');
      assert.equal(await store().delivery.replayDeliveries('dst_unknown', at(0), undefined, at(114)), 0);
    });
  });
}


/** `lead.erased`: written by the erasure, in its transaction, to the destinations that take the lead's events. */
export function erasureOutboxContract(makeStore: MakeStore): void {
  describe('lead.erased in the outbox', () => {
    const store = useStore(makeStore);
    const BY: ErasureActor = { actor: 'admin', remoteAddress: '127.0.0.1', requestedBy: 'ticket 4711' };
    const RULE = 'event.type == "lead.erased" && lead.person.fullName == null && lead.providerLeadId == event.data.providerLeadId && payload == null';

    it("writes one lead.erased delivery per subscribed destination that takes the lead, after the lead's earlier ones, with no personal data", async () => {
      const { source, destinations } = await freshDestinations(store(), [
        {},
        { events: ['lead.created', 'lead.updated', 'lead.stage_changed'] },
        { sourceIds: ['src_other'] },
        { events: ['lead.erased'] },
        { filter: RULE },
      ]);
      const [all, notSubscribed, otherSource, erasedOnly, ruled] = destinations as [(typeof destinations)[0], (typeof destinations)[0], (typeof destinations)[0], (typeof destinations)[0], (typeof destinations)[0]];
      const lead = anarockLead({ name: `Mira ${unique('Private')}`, email: `${unique('mira')}@example.in` });
      const leadId = (await send(store(), source, anarockSnapshot(lead, 0), at(10))).items[0]!.leadId!;
      await send(store(), source, anarockSnapshot(lead, 1), at(11));
      const earlier = await deliveriesOf(store(), leadId, all.id);
      assert.deepEqual(earlier.map((d) => d.eventType), ['lead.created', 'lead.stage_changed']);
      let committed = 0;
      store().delivery.onDeliveriesCommitted(() => committed++);

      const erasure = await store().eraseLead(leadId, BY, at(20));
      assert.equal(erasure?.erased.destinationsNotified, 3, 'all, erasedOnly and ruled');
      assert.ok(committed > 0, 'workers are told once it is committed');
      const erased = (await deliveriesOf(store(), leadId)).filter((d) => d.eventType === 'lead.erased');
      assert.deepEqual(erased.map((d) => d.destinationId).sort(), [all.id, erasedOnly.id, ruled.id].sort());
      assert.ok(erased.every((d) => d.status === 'pending' && d.createdAt === at(20) && d.eventId === erased[0]!.eventId), 'one event, pending deliveries');
      assert.deepEqual((await deliveriesOf(store(), leadId, all.id)).map((d) => d.eventType), ['lead.created', 'lead.stage_changed', 'lead.erased']);
      assert.ok(!(await deliveriesOf(store(), leadId, notSubscribed.id)).some((d) => d.eventType === 'lead.erased'));
      assert.deepEqual(await deliveriesOf(store(), leadId, otherSource.id), []);

      const event = (await store().delivery.getDelivery(erased[0]!.id))?.event;
      const stored = await store().getLead(leadId);
      assert.deepEqual(event, {
        type: 'lead.erased',
        id: erased[0]!.eventId,
        timestamp: at(20),
        data: { leadId, sourceId: source.id, provider: 'anarock', providerLeadId: String(lead.leadId), erasedAt: at(20), requestedBy: 'ticket 4711' },
      });
      assert.equal(stored?.providerLeadId, String(lead.leadId));
      const text = JSON.stringify(event);
      for (const value of [lead.name, lead.email!, lead.phone.slice(3)]) assert.ok(!text.includes(value), `the event holds no ${value}`);

      // Per-lead order: to `all`, the erasure goes only after the created and stage_changed deliveries are done.
      const sentToAll: string[] = [];
      for (let minute = 21; minute < 30; minute++) {
        const claimed = (await claim(store(), at(minute))).filter((c) => c.delivery.leadId === leadId);
        for (const c of claimed) {
          if (c.delivery.destinationId === all.id) sentToAll.push(c.delivery.eventType);
          if (c.rule !== undefined) {
            const verdict = evaluateRule({ expression: c.rule.expression, eventBody: c.body, payload: c.rule.payload });
            assert.deepEqual(verdict, { matched: c.delivery.eventType === 'lead.erased' }, `${c.delivery.eventType}: ${JSON.stringify(verdict)}`);
          }
          await complete(store(), c.delivery.id, { kind: 'delivered' }, at(minute));
        }
        if (claimed.length === 0) break;
      }
      assert.deepEqual(sentToAll, ['lead.created', 'lead.stage_changed', 'lead.erased']);
    });

    it('keeps the earlier deliveries, which now send the redacted lead, and tells again on a second erasure', async () => {
      const { source, destinations } = await freshDestinations(store(), [{ filter: RULE }]);
      const dest = destinations[0]!;
      const lead = anarockLead({ name: `Ravi ${unique('Private')}` });
      const leadId = (await send(store(), source, anarockSnapshot(lead, 0), at(40))).items[0]!.leadId!;
      await store().eraseLead(leadId, { ...BY, requestedBy: null }, at(41));
      const second = await store().eraseLead(leadId, BY, at(42));
      assert.equal(second?.erased.destinationsNotified, 1);
      assert.equal(second?.erased.events, 0, 'nothing left to redact: the earlier lead.erased keeps what its rule reads');
      const all = await deliveriesOf(store(), leadId, dest.id);
      assert.deepEqual(all.map((d) => [d.eventType, d.status]), [['lead.created', 'pending'], ['lead.erased', 'pending'], ['lead.erased', 'pending']]);
      const created = await store().delivery.getDelivery(all[0]!.id);
      assert.equal((created?.event as { data: { lead: { person: { fullName: unknown } } } }).data.lead.person.fullName, null, 'the pending lead.created sends the redacted lead');
      const first = (await store().delivery.getDelivery(all[1]!.id))?.event as { data: Record<string, unknown> };
      assert.ok(!('requestedBy' in first.data), 'no requestedBy when the erasure was not given one');
      for (let minute = 43; minute < 46; minute++) {
        const [c] = (await claim(store(), at(minute))).filter((x) => x.delivery.leadId === leadId);
        assert.ok(c !== undefined && c.rule !== undefined);
        assert.deepEqual(evaluateRule({ expression: c.rule.expression, eventBody: c.body, payload: c.rule.payload }), { matched: c.delivery.eventType === 'lead.erased' });
        await complete(store(), c.delivery.id, { kind: 'delivered' }, at(minute));
      }
    });

    it('tells only the destinations that take test leads of a test lead, and none when none is subscribed', async () => {
      const { destinations } = await freshDestinations(store(), [{}, { includeTest: true }]);
      const [realOnly, withTest] = destinations as [(typeof destinations)[0], (typeof destinations)[0]];
      const praetorian = await addSource(store(), 'praetorian');
      const testLead = (await send(store(), praetorian, [praetorianLead({ production: false })], at(50))).items[0]!.leadId!;
      assert.equal((await store().getLead(testLead))?.isTest, true);
      assert.equal((await store().eraseLead(testLead, BY, at(51)))?.erased.destinationsNotified, 1);
      assert.deepEqual((await deliveriesOf(store(), testLead)).map((d) => [d.destinationId, d.eventType]), [[withTest.id, 'lead.created'], [withTest.id, 'lead.erased']]);
      assert.deepEqual(await deliveriesOf(store(), testLead, realOnly.id), []);

      await freshDestinations(store(), [{ events: ['lead.created'] }]);
      const leadId = (await send(store(), praetorian, [praetorianLead()], at(52))).items[0]!.leadId!;
      assert.equal((await store().eraseLead(leadId, BY, at(53)))?.erased.destinationsNotified, 0);
      assert.deepEqual((await deliveriesOf(store(), leadId)).map((d) => d.eventType), ['lead.created']);
    });
  });
}
