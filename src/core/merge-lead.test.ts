import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_ATTRIBUTION, type Lead, type LeadPatch } from './lead.js';
import { diffLeads, mergeLead, TIMELINE_SUMMARY_LENGTH } from './merge-lead.js';

const ctx = { leadId: 'lead_1', sourceId: 'src_1', provider: 'praetorian' as const, receivedAt: '2026-01-01T00:00:00.000Z' };

function patch(key: string, fields: Partial<LeadPatch['fields']> = {}, providerCreatedAt: string | null = null): LeadPatch {
  return {
    providerLeadId: 'p1',
    idempotencyKey: key,
    providerEventType: null,
    occurredAt: null,
    fields: {
      stage: 'new',
      providerStatus: null,
      person: { fullName: 'Ann', firstName: 'Ann', lastName: null, email: null, emailRaw: null, phone: null, phoneRaw: null, otherPhones: [], phoneExtension: null },
      message: null,
      attribution: { ...EMPTY_ATTRIBUTION, source: 'rightmove' },
      assignee: null,
      providerCreatedAt,
      isTest: false,
      extra: {},
      ...fields,
    },
    timeline: [],
  };
}

function created(p: LeadPatch): Lead {
  return mergeLead(null, p, ctx).lead;
}

describe('mergeLead history', () => {
  it('opens with created only when the provider dated the creation, else with first_received and no time', () => {
    const dated = mergeLead(null, patch('k1', {}, '2018-01-01T00:00:00.000Z'), ctx).timeline[0];
    assert.deepEqual([dated?.kind, dated?.occurredAt], ['created', '2018-01-01T00:00:00.000Z']);
    const undated = mergeLead(null, patch('k1', { providerStatus: 'Final negotiation', stage: 'negotiation' }), ctx).timeline[0];
    assert.deepEqual([undated?.kind, undated?.occurredAt], ['first_received', null]);
    assert.equal(undated?.summary, 'First received from praetorian, with status Final negotiation (stage negotiation)');
  });

  it('keeps firstAttribution from creation while attribution follows the latest update', () => {
    const first = created(patch('k1'));
    const next = mergeLead({ lead: first, orderingTs: ctx.receivedAt }, patch('k2', { attribution: { ...EMPTY_ATTRIBUTION, source: 'homepage' } }), ctx);
    assert.equal(next.lead.attribution.source, 'homepage');
    assert.equal(next.lead.firstAttribution?.source, 'rightmove');
    const entry = next.timeline.find((e) => e.kind === 'field_changed');
    assert.deepEqual(entry?.data, { changes: { 'attribution.source': { from: 'rightmove', to: 'homepage' } } });
    assert.equal(entry?.dedupeKey, 'field_changed:k2');
  });

  it('adds no field_changed entry for an update that changes no canonical field', () => {
    const first = created(patch('k1'));
    const next = mergeLead({ lead: first, orderingTs: ctx.receivedAt }, patch('k2', { extra: { note: 'x' } }), ctx);
    assert.equal(next.outcome, 'updated');
    assert.deepEqual(next.timeline, []);
  });

  it('cuts a field_changed summary to its bound however long the values', () => {
    const first = created(patch('k1'));
    const fields = { message: 'm'.repeat(10_000), person: { ...first.person, fullName: 'n'.repeat(10_000) } };
    const entry = mergeLead({ lead: first, orderingTs: ctx.receivedAt }, patch('k2', fields), ctx).timeline.find((e) => e.kind === 'field_changed');
    assert.ok((entry?.summary.length ?? Infinity) <= TIMELINE_SUMMARY_LENGTH);
  });
});

describe('diffLeads', () => {
  it('compares list values by content and reads a field an old document lacks as null', () => {
    const before = created(patch('k1'));
    const withList: Lead = { ...before, person: { ...before.person, otherPhones: ['+441'] } };
    const sameList: Lead = { ...before, person: { ...before.person, otherPhones: ['+441'] } };
    assert.deepEqual(diffLeads(withList, sameList), {});
    assert.deepEqual(diffLeads(before, withList), { 'person.otherPhones': { from: [], to: ['+441'] } });
    const { phoneExtension: _, ...oldPerson } = before.person;
    const oldDocument = { ...before, person: oldPerson } as unknown as Lead;
    assert.deepEqual(diffLeads(oldDocument, before), {}, 'a field an old document lacks reads as null');
  });
});
