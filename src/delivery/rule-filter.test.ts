import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Lead } from '../core/lead.js';
import { compileFilter, type CompiledFilter, type FilterContext } from './rule-filter.js';
import { RULE_TEMPLATES, findRuleTemplate } from './rule-templates.js';

type Json = Record<string, unknown>;

/** Anarock's documented 2020 callback (seed 001), the base of every payload below. */
const SNAPSHOT = JSON.parse(
  readFileSync(new URL('../providers/anarock/fixtures/v2020-snapshot.json', import.meta.url), 'utf8'),
) as Json;

/** The snapshot with some top-level fields replaced (`undefined` removes the key). */
function anarock(changes: Json): Json {
  const payload = structuredClone(SNAPSHOT);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete payload[key];
    else payload[key] = value;
  }
  return payload;
}

const disposition = (type: string): Json[] => [{ id: 122, agent_name: 'cc agent', disposition_type: type, created_at: 1558090000 }];
const call = (seconds: number): Json[] => [{ id: 2381, action: 'outgoing', duration_in_sec: seconds, start_time: 1558090000 }];
const event = (type: string): Json => ({ event_id: 1225400, start_time: 1558091400, end_time: 1558092300, event_type: type });

const LEAD: Lead = {
  id: 'lead_01',
  sourceId: 'src_01',
  provider: 'anarock',
  providerLeadId: '1402361',
  stage: 'negotiation',
  providerStatus: 'Final negotiation',
  person: { fullName: 'History', firstName: null, lastName: null, email: null, emailRaw: null, phone: '+919999999988', phoneRaw: '+919999999988', otherPhones: [], phoneExtension: null },
  message: null,
  attribution: { channel: 'agent_app', source: 'facebook', subSource: 'leadgen', placement: null, pageUrl: null },
  firstAttribution: { channel: 'agent_app', source: 'facebook', subSource: 'leadgen', placement: null, pageUrl: null },
  assignee: { name: 'Tanvi Tyagi', email: 'tanvi.tyagi@anarock.com' },
  providerCreatedAt: '2019-05-17T08:06:47.000Z',
  firstSeenAt: '2024-01-01T00:00:00.000Z',
  lastEventAt: '2024-01-01T00:00:00.000Z',
  lastProviderUpdateAt: null,
  version: 3,
  isTest: false,
  extra: {},
};

function ctx(payload: unknown): FilterContext {
  return {
    event: { type: 'lead.updated', id: 'evt_01', timestamp: '2024-01-01T00:00:00.000Z', data: { lead: LEAD } },
    lead: LEAD,
    payload,
  };
}

function compiled(expression: string): CompiledFilter {
  const result = compileFilter(expression);
  assert.ok(result.ok, result.ok ? '' : `${result.message} at ${JSON.stringify(result.position)}`);
  return result.filter;
}

/** For each template: payloads it must match, and near misses (one thing wrong) it must not. */
const CASES: Record<string, { match: Json[]; miss: Array<[string, Json]> }> = {
  'anarock-call-center-followup-over-60s': {
    match: [
      anarock({ action: 'disposition_created', lead_status: 'In Call Center', dispositions: disposition('followup'), calls: call(61) }),
      anarock({ action: 'disposition_created', lead_status: 'In Call Center', dispositions: disposition('follow_up'), calls: call(300) }),
    ],
    miss: [
      ['a call of exactly 60 s', anarock({ action: 'disposition_created', lead_status: 'In Call Center', dispositions: disposition('followup'), calls: call(60) })],
      ['no call at all', anarock({ action: 'disposition_created', lead_status: 'In Call Center', dispositions: disposition('followup'), calls: [] })],
      ['a junk disposition', anarock({ action: 'disposition_created', lead_status: 'In Call Center', dispositions: disposition('junk'), calls: call(61) })],
      ['a lead no longer in the call center', anarock({ action: 'disposition_created', lead_status: 'Fresh', dispositions: disposition('followup'), calls: call(61) })],
      ['a status update', anarock({ action: 'status_update', lead_status: 'In Call Center', dispositions: disposition('followup'), calls: call(61) })],
    ],
  },
  'anarock-call-center-transfer-to-sales': {
    match: [
      anarock({ action: 'disposition_created', lead_status: 'Fresh', dispositions: disposition('fresh') }),
      anarock({ action: 'disposition_created', lead_status: 'Claimed', dispositions: disposition('patch_out') }),
    ],
    miss: [
      ['a call-back disposition', anarock({ action: 'disposition_created', dispositions: disposition('call_back') })],
      ['a note', anarock({ action: 'note_creation', dispositions: disposition('fresh') })],
      ['no disposition', anarock({ action: 'disposition_created', dispositions: [] })],
    ],
  },
  'anarock-call-center-moved-to-failed': {
    match: [
      anarock({ action: 'status_update', lead_status: 'Failed', last_status: 'In Call Center', dispositions: disposition('failed') }),
      anarock({ action: 'status_and_agent_update', lead_status: 'Junk', last_status: 'In Call Center', dispositions: disposition('junk') }),
      anarock({ action: 'status_update', lead_status: 'Fail', last_status: 'In Call Center', dispositions: disposition('failed') }),
    ],
    miss: [
      ['a lead failed by the sales team', anarock({ action: 'status_update', lead_status: 'Failed', last_status: 'Visit done', dispositions: disposition('failed') })],
      ['a follow-up disposition', anarock({ action: 'status_update', lead_status: 'Failed', last_status: 'In Call Center', dispositions: disposition('followup') })],
      ['a move to Fresh', anarock({ action: 'status_update', lead_status: 'Fresh', last_status: 'In Call Center', dispositions: disposition('failed') })],
      ['a disposition event', anarock({ action: 'disposition_created', lead_status: 'Failed', last_status: 'In Call Center', dispositions: disposition('failed') })],
    ],
  },
  'anarock-sales-site-visit-done': {
    match: [
      anarock({ action: 'event_update', lead_status: 'Visit done', latest_event_details: event('sv') }),
      anarock({ action: 'event_update', lead_status: 'Visit Done', latest_event_details: event('sv') }),
    ],
    miss: [
      ['a face-to-face meeting', anarock({ action: 'event_update', lead_status: 'Visit done', latest_event_details: event('f2f') })],
      ['a visit not yet done', anarock({ action: 'event_update', lead_status: 'Interested', latest_event_details: event('sv') })],
      ['no event at all (null)', anarock({ action: 'event_update', lead_status: 'Visit done', latest_event_details: null })],
      ['a status update', anarock({ action: 'status_update', lead_status: 'Visit done', latest_event_details: event('sv') })],
    ],
  },
  'anarock-sales-booking-done': {
    match: [anarock({ action: 'status_update', lead_status: 'Booking done' }), anarock({ action: 'status_update', lead_status: 'Booking Done' })],
    miss: [
      ['final negotiation', anarock({ action: 'status_update', lead_status: 'Final negotiation' })],
      ['a lead update of a booked lead', anarock({ action: 'lead_update', lead_status: 'Booking done' })],
    ],
  },
  'anarock-sales-moved-to-failed': {
    match: [
      anarock({ action: 'status_update', lead_status: 'Failed', last_status: 'Final negotiation' }),
      anarock({ action: 'status_update', lead_status: 'Junk', last_status: 'Claimed' }),
      anarock({ action: 'status_update', lead_status: 'Fail', last_status: 'Visit done' }),
      anarock({ action: 'status_update', lead_status: 'Failed', last_status: undefined }),
    ],
    miss: [
      ['a lead failed by the call center', anarock({ action: 'status_update', lead_status: 'Failed', last_status: 'In Call Center' })],
      ['a booking', anarock({ action: 'status_update', lead_status: 'Booking done', last_status: 'Final negotiation' })],
      ['an agent change', anarock({ action: 'agent_update', lead_status: 'Failed', last_status: 'Visit done' })],
    ],
  },
};

describe('rule templates', () => {
  it('ships the six Anarock consumer rules with unique kebab-case ids', () => {
    assert.equal(RULE_TEMPLATES.length, 6);
    assert.deepEqual(RULE_TEMPLATES.map((t) => t.id).sort(), Object.keys(CASES).sort());
    for (const t of RULE_TEMPLATES) {
      assert.match(t.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(t.title && t.description);
    }
  });

  it('finds a template by id', () => {
    assert.equal(findRuleTemplate('anarock-sales-booking-done')?.title, 'Sales team: booking done');
    assert.equal(findRuleTemplate('nope'), undefined);
  });

  it('does not match the unchanged documented snapshot (a lead_update in final negotiation)', () => {
    for (const t of RULE_TEMPLATES) assert.equal(compiled(t.expression).matches(ctx(SNAPSHOT)), false, t.id);
  });

  for (const template of RULE_TEMPLATES) {
    describe(template.id, () => {
      const cases = CASES[template.id]!;

      it('compiles', () => {
        assert.ok(compileFilter(template.expression).ok);
      });

      it('matches the payloads it was written for', () => {
        const filter = compiled(template.expression);
        for (const payload of cases.match) assert.deepEqual(filter.evaluate(ctx(payload)), { matched: true });
      });

      for (const [what, payload] of cases.miss) {
        it(`does not match ${what}`, () => {
          assert.equal(compiled(template.expression).matches(ctx(payload)), false);
        });
      }
    });
  }
});

describe('compileFilter', () => {
  it('refuses an incomplete expression with the position of the error', () => {
    const result = compileFilter('payload.action ==');
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.match(result.message, /Unexpected token/);
    assert.deepEqual(result.position, { line: 1, column: 18, offset: 17 });
  });

  it('counts lines and columns in a multi-line expression', () => {
    const result = compileFilter('payload.action == "x"\n  && payload.lead_status ==');
    assert.ok(!result.ok);
    assert.deepEqual(result.position, { line: 2, column: 28, offset: 49 });
  });

  it('refuses an unknown function at compile time', () => {
    const result = compileFilter('payload.action == "x" && isHot(payload)');
    assert.ok(!result.ok);
    assert.match(result.message, /isHot/);
    assert.deepEqual(result.position, { line: 1, column: 26, offset: 25 });
  });

  it('refuses an unknown variable and names the three that exist', () => {
    const result = compileFilter('action == "status_update"');
    assert.ok(!result.ok);
    assert.match(result.message, /Unknown variable: action.*event, lead and payload/);
    assert.deepEqual(result.position, { line: 1, column: 1, offset: 0 });
  });

  it('explains === and backticks copied from the JavaScript rules', () => {
    const strict = compileFilter('payload.action === "status_update"');
    assert.ok(!strict.ok);
    assert.match(strict.message, /CEL uses == and !=/);
    const backtick = compileFilter('payload.action == `status_update`');
    assert.ok(!backtick.ok);
    assert.match(backtick.message, /backticks/);
  });

  it('refuses an expression whose result can never be a bool', () => {
    const result = compileFilter('size(payload.calls) + 1');
    assert.ok(!result.ok);
    assert.match(result.message, /must give a bool; this one gives int/);
  });

  it('refuses an empty expression', () => {
    assert.equal(compileFilter('   ').ok, false);
  });

  it('refuses a type error between literals', () => {
    assert.equal(compileFilter('payload.action == "x" && 1 + "a" == 2').ok, false);
  });

  it('refuses an overlong expression', () => {
    assert.equal(compileFilter(`payload.action == "${'x'.repeat(5000)}"`).ok, false);
  });
});

describe('CompiledFilter.evaluate', () => {
  it('gives no match and reports the error when a field is missing, without throwing', () => {
    const filter = compiled('payload.dispositions[0].disposition_type == "fresh"');
    const result = filter.evaluate(ctx(anarock({ dispositions: undefined })));
    assert.equal(result.matched, false);
    assert.match(result.error ?? '', /No such key: dispositions/);
    assert.equal(filter.matches(ctx(anarock({ dispositions: [] }))), false);
  });

  it('lets the other side of && decide when one side fails', () => {
    const filter = compiled('payload.missing.deep == 1 && payload.action == "zzz"');
    assert.deepEqual(filter.evaluate(ctx(SNAPSHOT)), { matched: false });
  });

  it('treats absence as a value with has() or optional chaining', () => {
    const payload = anarock({ last_status: undefined });
    assert.equal(compiled('!has(payload.last_status) || payload.last_status != "In Call Center"').matches(ctx(payload)), true);
    assert.equal(compiled('payload.?last_status.orValue("") != "In Call Center"').matches(ctx(payload)), true);
    assert.equal(compiled('payload.?dispositions[?0].disposition_type.orValue("") == "fresh"').matches(ctx(anarock({ dispositions: [] }))), false);
  });

  it('gives no match when the result is not a bool', () => {
    const result = compiled('payload.action').evaluate(ctx(SNAPSHOT));
    assert.deepEqual(result, { matched: false, error: 'the filter gave string, not a bool' });
  });

  it('gives no match on a payload that is not an object, or none at all', () => {
    const filter = compiled('payload.action == "status_update"');
    for (const payload of [null, undefined, [], 'text', 42]) assert.equal(filter.matches(ctx(payload)), false);
  });

  it('sees the event and the canonical lead', () => {
    const filter = compiled('event.type == "lead.updated" && lead.stage == "negotiation" && lead.person.phone.startsWith("+91")');
    assert.equal(filter.matches(ctx(SNAPSHOT)), true);
    assert.equal(compiled('event.type == "lead.created"').matches(ctx(SNAPSHOT)), false);
  });

  it('compares JSON numbers and big ids sent as strings', () => {
    assert.equal(compiled('payload.lead_id == 1402361').matches(ctx(SNAPSHOT)), true);
    assert.equal(compiled('payload.lead_id in [9007199254740993, "9007199254740993"]').matches(ctx(anarock({ lead_id: '9007199254740993' }))), true);
  });

  it('is reusable across many evaluations', () => {
    const filter = compiled('payload.action == "status_update" && payload.lead_status in ["Failed", "Junk"]');
    const hit = ctx(anarock({ action: 'status_update', lead_status: 'Junk' }));
    const miss = ctx(SNAPSHOT);
    for (let i = 0; i < 1000; i++) {
      assert.equal(filter.matches(hit), true);
      assert.equal(filter.matches(miss), false);
    }
  });
});
