import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ATTRIBUTION, type LeadPatch } from '../core/lead.js';
import { emptyQuarantine } from '../storage/item-tally.js';
import { applyRequestItems, type ItemExecutor } from './apply-items.js';
import type { IngestLookups, ItemPlan, StoredLead } from './item-plan.js';
import { planRequestRecord } from './request-record.js';

const target = { requestId: 'req_1', sourceId: 'src_1', provider: 'praetorian' as const, receivedAt: '2026-01-01T00:00:00.000Z' };

function patch(providerLeadId: string, key: string, fullName = 'Ann'): LeadPatch {
  return {
    providerLeadId,
    idempotencyKey: key,
    providerEventType: null,
    occurredAt: null,
    fields: {
      stage: 'new',
      providerStatus: null,
      person: { fullName, firstName: null, lastName: null, email: null, emailRaw: null, phone: null, phoneRaw: null, otherPhones: [], phoneExtension: null },
      message: null,
      attribution: { ...EMPTY_ATTRIBUTION },
      assignee: null,
      providerCreatedAt: null,
      isTest: false,
      extra: {},
    },
    timeline: [],
  };
}

/** A store read all at once before the request (as a batching store does): nothing of this request in it. */
function prefetched(seen: Record<string, string> = {}, leads: Record<string, StoredLead> = {}, erased: Record<string, string> = {}): IngestLookups {
  return { seenLeadId: (k) => seen[k], storedLead: (p) => leads[p], holdingErasure: (id) => erased[id] };
}

/** An executor that only collects the plans, like a store sending writes in bulk afterwards. */
function collector(): ItemExecutor & { plans: ItemPlan[] } {
  const plans: ItemPlan[] = [];
  return { plans, execute: (plan) => plans.push(plan), isStorageFault: () => false };
}

function job(...patches: LeadPatch[]) {
  return { items: patches.map((p, index) => ({ index, patch: p, raw: { n: index } })), quarantined: emptyQuarantine() };
}

describe('applyRequestItems', () => {
  it('sees the earlier items of its own request when the store read everything first', () => {
    const exec = collector();
    const out = applyRequestItems(target, job(patch('p1', 'k1'), patch('p1', 'k1'), patch('p1', 'k2', 'Ann Lee')), prefetched(), exec);
    assert.deepEqual(out.items.map((i) => i.outcome), ['created', 'duplicate', 'updated']);
    assert.deepEqual(out.counts, { total: 3, created: 1, updated: 1, duplicate: 1, stale: 0, quarantined: 0 });
    const [first, , third] = exec.plans;
    assert.equal(third?.leadWrite?.kind, 'update');
    assert.equal(third?.leadWrite?.row.id, first?.leadWrite?.row.id);
    assert.equal(third?.leadWrite?.row.version, 2);
    assert.equal(third?.change?.previousStage, 'new');
  });

  it('holds an item of an erased lead: quarantined with the reason, no ledger entry, the request linked to the lead', () => {
    const stored = { id: 'lead_9', lead: applyRequestItemsLead(), orderingTs: '2025-01-01T00:00:00.000Z' };
    const exec = collector();
    const out = applyRequestItems(target, job(patch('p9', 'k9')), prefetched({}, { p9: stored }, { lead_9: '2025-06-01T00:00:00.000Z' }), exec);
    assert.equal(out.counts.quarantined, 1);
    assert.match(out.items[0]?.reason ?? '', /^held: the personal data of lead lead_9 was erased on 2025-06-01/);
    assert.deepEqual([exec.plans[0]?.ledger, exec.plans[0]?.leadWrite], [null, null]);
    assert.deepEqual(exec.plans[0]?.held, { requestId: 'req_1', leadId: 'lead_9', heldAt: target.receivedAt });
    assert.deepEqual(exec.plans[0]?.leadRequest, { leadId: 'lead_9', requestId: 'req_1' });
  });

  it('quarantines an item whose writes fail for a reason other than storage, and applies the next ones', () => {
    let calls = 0;
    const exec: ItemExecutor = {
      execute: () => {
        if (calls++ === 0) throw new Error('mapping bug');
      },
      isStorageFault: () => false,
    };
    const out = applyRequestItems(target, job(patch('p1', 'k1'), patch('p1', 'k1')), prefetched(), exec);
    // The failed item left nothing behind: the retry of its key creates the lead.
    assert.deepEqual(out.items.map((i) => [i.outcome, i.reason]), [
      ['quarantined', 'internal error while applying: Error: mapping bug'],
      ['created', null],
    ]);
  });

  it('fails the whole request on a storage fault', () => {
    const exec: ItemExecutor = {
      execute: () => {
        throw new Error('disk I/O error');
      },
      isStorageFault: () => true,
    };
    assert.throws(() => applyRequestItems(target, job(patch('p1', 'k1')), prefetched(), exec), /disk I\/O error/);
  });

  it('stores a retry of an erased lead without its items, keeping the hash of the bytes received', () => {
    const exec = collector();
    const out = applyRequestItems(target, job(patch('p1', 'k1')), prefetched({ k1: 'lead_1' }), exec);
    const body = Buffer.from('{"lead_id":"p1","name":"Ann"}');
    const request = { id: 'req_1', sourceId: 'src_1', provider: 'praetorian' as const, receivedAt: target.receivedAt, contentType: 'application/json', headers: {}, body, authPayload: undefined };
    const plan = planRequestRecord({ request, kind: 'leads', reason: null, httpStatus: 200, ...job() }, out, (id) => (id === 'lead_1' ? '2025-06-01T00:00:00.000Z' : undefined));
    assert.equal(plan.status, 'duplicate');
    assert.notDeepEqual(plan.body, body);
    assert.doesNotMatch(plan.body.toString(), /Ann/);
    assert.equal(plan.bodySha256.length, 64);
  });
});

function applyRequestItemsLead() {
  const exec = collector();
  applyRequestItems({ ...target, requestId: 'req_0' }, job(patch('p9', 'k0')), prefetched(), exec);
  const lead = exec.plans[0]?.leadWrite?.row.lead;
  assert.ok(lead);
  return { ...lead, id: 'lead_9' };
}
