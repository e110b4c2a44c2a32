import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, type CompileResult } from './rule-filter.js';
import { evaluateRule } from './rule-job.js';
import { RULE_TEMPLATES } from './rule-templates.js';

function refusal(expression: string): Extract<CompileResult, { ok: false }> {
  const result = compileFilter(expression);
  assert.ok(!result.ok, `${expression} is accepted`);
  return result;
}

function accepted(expression: string): void {
  const result = compileFilter(expression);
  assert.ok(result.ok, result.ok ? '' : `${expression}: ${result.message}`);
}

const LEAD = {
  id: 'led_1',
  sourceId: 'src_1',
  provider: 'anarock',
  providerLeadId: '1402361',
  stage: 'won',
  providerStatus: 'Booking done',
  person: { fullName: 'Asha Rao', firstName: 'Asha', lastName: 'Rao', email: null, emailRaw: null, phone: '+919820012345', phoneRaw: '98200 12345 / 98200 54321', otherPhones: ['+919820054321'], phoneExtension: null },
  message: null,
  attribution: { channel: 'agent_app', source: 'homepage', subSource: null, placement: null, pageUrl: null },
  firstAttribution: null,
  assignee: null,
  providerCreatedAt: null,
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastEventAt: '2026-01-01T00:00:00.000Z',
  lastProviderUpdateAt: null,
  version: 3,
  isTest: false,
  extra: { project_name: 'santacruz' },
};
const UPDATED = JSON.stringify({ type: 'lead.updated', id: 'evt_1', timestamp: '2026-01-01T00:00:00.000Z', data: { lead: LEAD, changes: { stage: { from: 'negotiation', to: 'won' } } } });

const verdict = (expression: string, eventBody = UPDATED) => evaluateRule({ expression, eventBody, payload: null });

describe('declared fields of event and lead', () => {
  it('refuses lead.stagee with its position and the nearest field', () => {
    const r = refusal('lead.stagee == "won"');
    assert.equal(r.kind, 'invalid');
    assert.equal(r.message, 'lead has no field `stagee`; did you mean `stage`?');
    assert.deepEqual(r.position, { line: 1, column: 6, offset: 5 });
  });

  it('checks every way of naming a field: select, optional select, index, inside has(), on any line', () => {
    assert.equal(refusal('has(lead.person.emial)').message, 'lead.person has no field `emial`; did you mean `email`?');
    assert.equal(refusal('lead.?person.?Email.orValue("") == ""').message, 'lead.person has no field `Email`; did you mean `email`?');
    assert.deepEqual(refusal('lead["stagee"] == "won"').position, { line: 1, column: 6, offset: 5 });
    assert.equal(refusal('lead.person[?"phonee"].hasValue()').message, 'lead.person has no field `phonee`; did you mean `phone`?');
    const r = refusal('event.type == "lead.updated"\n  && event.data.previousStag == "new"');
    assert.equal(r.message, 'event.data has no field `previousStag`; did you mean `previousStage`?');
    assert.deepEqual(r.position, { line: 2, column: 17, offset: 45 });
  });

  it('checks fields under objects that may be null, and through cel.bind', () => {
    assert.equal(refusal('lead.assignee.nmae == "x"').message, 'lead.assignee has no field `nmae`; did you mean `name`?');
    assert.equal(refusal('lead.firstAttribution.sorce == "rightmove"').message, 'lead.firstAttribution has no field `sorce`; did you mean `source`?');
    assert.equal(refusal('cel.bind(p, lead.person, p.phonee == "")').message, 'lead.person has no field `phonee`; did you mean `phone`?');
  });

  it('lists the fields when no name is near', () => {
    assert.match(refusal('event.foo == 1').message, /^event has no field `foo`; its fields are type, id, timestamp, data$/);
  });

  it('lets maps and the provider payload take any key, and comprehension variables shadow event and lead', () => {
    for (const e of ['lead.extra.anything == 1', 'event.data.changes.whatever.to == "won"', 'payload.lead.stagee == 1', '[{"stagee": 1}].exists(lead, lead.stagee == 1)', 'lead.person.otherPhones.exists(p, p.startsWith("+91"))']) accepted(e);
  });

  it('keeps the Anarock rule templates valid', () => {
    for (const t of RULE_TEMPLATES) accepted(t.expression);
  });

  it('refuses a value of the wrong type for a declared field', () => {
    assert.match(refusal('lead.stage == 1').message, /no such overload/);
    assert.match(refusal('lead.isTest == "false"').message, /no such overload/);
  });

  it('reads the stored event with the declared types: int version, null fields, an absent previousStage', () => {
    for (const e of ['lead.version == 3', 'event.data.lead.version > 2', 'lead.person.email == null', 'lead.assignee == null', 'has(lead.firstAttribution) && lead.firstAttribution == null', '!has(event.data.previousStage)', '!lead.isTest', '"+919820054321" in lead.person.otherPhones', 'lead.extra.project_name == "santacruz"', 'event.data.changes.stage.from == "negotiation"']) {
      assert.deepEqual(verdict(e), { matched: true }, e);
    }
    assert.equal(verdict('event.data.previousStage == "negotiation"').matched, false, 'reading an absent field is no match');
    const stageChanged = JSON.stringify({ ...JSON.parse(UPDATED), type: 'lead.stage_changed', data: { ...JSON.parse(UPDATED).data, previousStage: 'negotiation' } });
    assert.deepEqual(verdict('event.data.previousStage == "negotiation"', stageChanged), { matched: true });
  });
});
