import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ATTRIBUTION, type Lead } from '../core/lead.js';
import type { AttemptCompletion, DestinationRecord } from '../storage/delivery-port.js';
import { claimSlots, pickClaims } from './claim-plan.js';
import { planCompletion, planFiltered, SuccessMarks } from './completion-plan.js';
import { planErasureFanOut, planFanOut } from './fan-out.js';
import { DestinationPlanner } from './planner.js';

const lead = { id: 'lead_1', stage: 'new', attribution: { ...EMPTY_ATTRIBUTION } } as unknown as Lead;
const change = { outcome: 'created' as const, lead, changes: {}, previousStage: null, payload: { raw: 1 }, sourceId: 'src_1' };
let n = 0;
const newId = (prefix: string) => `${prefix}_${++n}`;

describe('planFanOut', () => {
  it('writes one event per type and one delivery per destination; only an event a rule reads keeps the provider item', () => {
    const { events, deliveries } = planFanOut(
      change,
      [
        { destinationId: 'd1', type: 'lead.created', hasRule: false },
        { destinationId: 'd2', type: 'lead.created', hasRule: true },
        { destinationId: 'd3', type: 'lead.updated', hasRule: false },
      ],
      '2026-01-01T00:00:00.000Z',
      newId,
    );
    assert.deepEqual(events.map((e) => [e.type, e.payload]), [['lead.created', '{"raw":1}'], ['lead.updated', null]]);
    assert.deepEqual(deliveries.map((d) => [d.destinationId, d.eventId]), [['d1', events[0]?.id], ['d2', events[0]?.id], ['d3', events[1]?.id]]);
    assert.equal(JSON.parse(events[0]?.body ?? '').id, events[0]?.id);
  });
});

describe('lead.erased: planErasure and planErasureFanOut', () => {
  const destination = (id: string, fields: Partial<DestinationRecord> = {}) =>
    ({ id, events: ['lead.created', 'lead.erased'], filter: null, sourceIds: null, includeTest: false, disabledAt: null, deletedAt: null, ...fields }) as DestinationRecord;

  it('tells the enabled destinations subscribed to lead.erased that take the lead: its source, and test leads only with includeTest', () => {
    const planner = new DestinationPlanner();
    planner.load([
      destination('all'),
      destination('not-subscribed', { events: ['lead.created', 'lead.updated', 'lead.stage_changed'] }),
      destination('this-source', { sourceIds: ['src_1'] }),
      destination('other-source', { sourceIds: ['src_2'] }),
      destination('with-test', { includeTest: true, filter: 'true' }),
      destination('disabled', { disabledAt: '2026-01-01T00:00:00.000Z' }),
      destination('deleted', { deletedAt: '2026-01-01T00:00:00.000Z' }),
    ]);
    assert.deepEqual(planner.planErasure({ sourceId: 'src_1', isTest: false }).map((p) => p.destinationId), ['all', 'this-source', 'with-test']);
    assert.deepEqual(planner.planErasure({ sourceId: 'src_1', isTest: true }).map((p) => p.destinationId), ['with-test']);
    assert.deepEqual(planner.plan({ ...change, lead: { ...lead, isTest: false } }).map((p) => p.destinationId), ['all', 'not-subscribed', 'this-source', 'with-test'], 'the same scope as the lead\'s changes');
  });

  it('writes one event and one delivery per destination, keeping the lead as erased for rules; nothing when none is told', () => {
    const erasedLead = { ...lead, sourceId: 'src_1', provider: 'anarock', providerLeadId: '77' } as Lead;
    const notice = { lead: erasedLead, erasedAt: '2026-01-02T00:00:00.000Z', requestedBy: 'ticket 1' };
    const { events, deliveries } = planErasureFanOut(notice, [{ destinationId: 'd1' }, { destinationId: 'd2' }], '2026-01-02T00:00:00.000Z', newId);
    assert.equal(events.length, 1);
    const [event] = events;
    assert.deepEqual({ ...event, body: JSON.parse(event!.body), payload: JSON.parse(event!.payload!) }, {
      id: event!.id,
      type: 'lead.erased',
      leadId: 'lead_1',
      sourceId: 'src_1',
      createdAt: '2026-01-02T00:00:00.000Z',
      body: { type: 'lead.erased', id: event!.id, timestamp: '2026-01-02T00:00:00.000Z', data: { leadId: 'lead_1', sourceId: 'src_1', provider: 'anarock', providerLeadId: '77', erasedAt: '2026-01-02T00:00:00.000Z', requestedBy: 'ticket 1' } },
      payload: JSON.parse(JSON.stringify(erasedLead)),
    });
    assert.deepEqual(deliveries.map((d) => [d.destinationId, d.eventId, d.leadId, d.createdAt]), [['d1', event!.id, 'lead_1', '2026-01-02T00:00:00.000Z'], ['d2', event!.id, 'lead_1', '2026-01-02T00:00:00.000Z']]);
    assert.deepEqual(planErasureFanOut(notice, [], '2026-01-02T00:00:00.000Z', newId), { events: [], deliveries: [] });
  });
});

describe('claimSlots and pickClaims', () => {
  const claim = { limit: 5, perDestination: 2, perDestinationOverrides: { b: 4 }, inFlight: { a: 1, c: 2 } };

  it('rotates the destination served first and gives each its free slots only', () => {
    assert.deepEqual(claimSlots(['a', 'b', 'c'], 0, claim), [{ destinationId: 'a', slots: 1 }, { destinationId: 'b', slots: 4 }]);
    assert.deepEqual(claimSlots(['a', 'b', 'c'], 4, claim).map((s) => s.destinationId), ['b', 'a']);
    assert.deepEqual(claimSlots([], 7, claim), []);
  });

  it('stops asking once the limit is taken and returns the claims oldest first', () => {
    const asked: [string, number][] = [];
    const rows = { a: [{ seq: 9 }], b: [{ seq: 3 }, { seq: 4 }, { seq: 5 }, { seq: 6 }], c: [{ seq: 1 }] } as Record<string, { seq: number }[]>;
    const picked = pickClaims([{ destinationId: 'a', slots: 1 }, { destinationId: 'b', slots: 4 }, { destinationId: 'c', slots: 1 }], 4, (d, max) => {
      asked.push([d, max]);
      return (rows[d] ?? []).slice(0, max);
    });
    assert.deepEqual(asked, [['a', 1], ['b', 3]]);
    assert.deepEqual(picked.map((r) => r.seq), [3, 4, 5, 9]);
  });
});

describe('planCompletion', () => {
  const now = '2026-01-10T00:00:00.000Z';
  const attempt = { startedAt: now, statusCode: 500, latencyMs: 5, error: null, responseSnippet: null };
  const completion = (decision: AttemptCompletion['decision'], at = now): AttemptCompletion => ({ deliveryId: 'dlv_1', attempt, decision, now: at, disableAfterMs: 3 * 86_400_000 });
  const delivering = { status: 'delivering' as const, destinationId: 'dst_1' };

  it('records nothing for a delivery no longer delivering (its lease was taken over)', () => {
    assert.equal(planCompletion({ ...delivering, status: 'pending' }, 0, null, completion({ kind: 'delivered' }), new SuccessMarks()), null);
    assert.equal(planCompletion(undefined, 0, null, completion({ kind: 'delivered' }), new SuccessMarks()), null);
  });

  it('marks a destination successful at most once a second, and at once after a failure', () => {
    const marks = new SuccessMarks();
    const success = (at: string) => planCompletion(delivering, 0, null, completion({ kind: 'delivered' }, at), marks)?.destination.markSuccess;
    assert.equal(success('2026-01-10T00:00:00.000Z'), true);
    assert.equal(success('2026-01-10T00:00:00.500Z'), false);
    const retry = planCompletion(delivering, 1, null, completion({ kind: 'retry', after: '2026-01-10T00:01:00.000Z' }, '2026-01-10T00:00:00.600Z'), marks);
    assert.deepEqual([retry?.delivery.status, retry?.delivery.nextAttemptAt, retry?.attempt.attemptNumber, retry?.destination.markFailing], ['pending', '2026-01-10T00:01:00.000Z', 2, true]);
    assert.equal(success('2026-01-10T00:00:00.700Z'), true);
  });

  it('disables a destination whose delivery is given up once it has failed for the configured time', () => {
    const giveUp = (failingSince: string | null) => planCompletion(delivering, 7, failingSince, completion({ kind: 'give_up' }), new SuccessMarks())?.destination.disableReason;
    assert.equal(giveUp(null), null);
    assert.equal(giveUp('2026-01-08T00:00:00.000Z'), null);
    assert.equal(giveUp('2026-01-06T12:00:00.000Z'), 'no successful delivery for 3.5 days; last error: HTTP 500');
    const disabled = planCompletion(delivering, 0, null, completion({ kind: 'disable', reason: 'gone' }), new SuccessMarks());
    assert.deepEqual([disabled?.delivery.status, disabled?.destination.disableReason], ['failed', 'gone']);
  });

  it('filters only a delivery still delivering, keeping a rule failure on its destination', () => {
    const f = { deliveryId: 'dlv_1', reason: 'rule error', isRuleFailure: true, now };
    assert.equal(planFiltered({ ...delivering, status: 'succeeded' }, f), null);
    assert.deepEqual(planFiltered(delivering, f)?.ruleFailure, { reason: 'rule error', at: now, deliveryId: 'dlv_1' });
    assert.equal(planFiltered(delivering, { ...f, isRuleFailure: false })?.ruleFailure, null);
  });
});
