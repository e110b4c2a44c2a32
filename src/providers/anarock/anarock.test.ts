import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { STAGES, type LeadPatch } from '../../core/lead.js';
import type { InboundRequest, NormalizeContext } from '../adapter.js';
import { anarock } from './index.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const CTX: NormalizeContext = { defaultCountry: 'IN', receivedAt: new Date('2024-01-01T00:00:00Z') };

function request(body: string | Buffer): InboundRequest {
  return { headers: { 'content-type': 'application/json' }, body: Buffer.from(body), receivedAt: CTX.receivedAt };
}

/** The items of a body, read through the adapter's own parse(). */
function items(body: string | Buffer): unknown[] {
  const parsed = anarock.parse(request(body), undefined);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
  return parsed.items;
}

function fixture(name: string): Record<string, unknown> {
  const [item] = items(readFileSync(new URL(name, FIXTURES)));
  return item as Record<string, unknown>;
}

function patchOf(item: unknown): LeadPatch {
  const result = anarock.normalize(item, CTX);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.patch;
}

function keys(patch: LeadPatch): string[] {
  return patch.timeline.map((t) => t.dedupeKey);
}

function entry(patch: LeadPatch, key: string): LeadPatch['timeline'][number] {
  const found = patch.timeline.find((t) => t.dedupeKey === key);
  assert.ok(found, `no timeline entry ${key}`);
  return found;
}

describe('anarock adapter', () => {
  it('describes itself as a secret-URL provider at home in India with setup steps', () => {
    assert.equal(anarock.id, 'anarock');
    assert.equal(anarock.homeCountry, 'IN');
    assert.equal(anarock.authMethod, 'url_secret');
    assert.ok(anarock.setup.steps.length >= 2);
    assert.ok(anarock.setup.steps.some((s) => /private/i.test(s)));
  });

  it('accepts every request, because the secret URL is the only credential', () => {
    assert.deepEqual(anarock.authenticate(request('{}'), 'secret'), { ok: true });
  });

  it('reads one snapshot object as one item and an array as a batch', () => {
    assert.equal(items('{"lead_id": 1}').length, 1);
    assert.equal(items('[{"lead_id": 1}, {"lead_id": 2}]').length, 2);
  });

  it('refuses a body that is not JSON with a reason', () => {
    const parsed = anarock.parse(request('{"agent_name" "Tanvi"}'), undefined);
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : parsed.reason, /expected ':'/);
  });
});

describe('anarock status mapping', () => {
  it("maps the 2020 snapshot's Final negotiation to stage negotiation and keeps the raw status", () => {
    const { fields } = patchOf(fixture('v2020-snapshot.json'));
    assert.equal(fields.stage, 'negotiation');
    assert.equal(fields.providerStatus, 'Final negotiation');
  });

  it('maps every documented lead_status spelling to its stage (providers.md §4.5)', () => {
    const table: [string, string][] = [
      ['New', 'new'], ['Fresh', 'new'], ['Claimed', 'assigned'], ['Interest', 'qualified'], ['Interested', 'qualified'],
      ['Meeting Done', 'appointment_done'], ['Meeting done', 'appointment_done'], ['Visit Done', 'appointment_done'],
      ['Visit done', 'appointment_done'], ['Final Negotitaion', 'negotiation'], ['Final negotitaion', 'negotiation'],
      ['final_negotiation', 'negotiation'], ['Booking Done', 'won'], ['Booking done', 'won'], ['Fail', 'lost'],
      ['Failed', 'lost'], ['Junk', 'junk'], ['In Call Center', 'working'], ['Linked', 'duplicate'], ['  JUNK ', 'junk'],
    ];
    for (const [raw, stage] of table) {
      assert.equal(patchOf({ lead_id: 1, lead_status: raw }).fields.stage, stage, raw);
    }
  });

  it('maps In Transfer to unknown, since the stage it keeps is not in the snapshot', () => {
    const { fields } = patchOf({ lead_id: 1, lead_status: 'In Transfer' });
    assert.equal(fields.stage, 'unknown');
    assert.equal(fields.providerStatus, 'In Transfer');
  });

  it('maps an unknown or missing status to unknown and keeps the raw value', () => {
    const unknown = patchOf({ lead_id: 1, lead_status: 'Site Revisit' }).fields;
    assert.deepEqual([unknown.stage, unknown.providerStatus], ['unknown', 'Site Revisit']);
    const missing = patchOf({ lead_id: 1 }).fields;
    assert.deepEqual([missing.stage, missing.providerStatus], ['unknown', null]);
  });
});

describe('anarock person, attribution and extra', () => {
  it('reads a national phone with the +91 country code as E.164', () => {
    const { person } = patchOf(fixture('v2023-later-snapshot.json')).fields;
    assert.equal(person.phone, '+919999999988');
    assert.equal(person.phoneRaw, '9999999988');
  });

  it('reads a phone that already carries +91 and one with an alpha-2 country code', () => {
    assert.equal(patchOf(fixture('v2018-snapshot.json')).fields.person.phone, '+919819619866');
    assert.equal(patchOf({ lead_id: 1, phone: '9999999988', country_code: 'in' }).fields.person.phone, '+919999999988');
    assert.equal(patchOf({ lead_id: 1, phone: 9999999988, country_code: 'IN' }).fields.person.phone, '+919999999988');
  });

  it('keeps an invalid phone raw instead of dropping it', () => {
    const { person } = patchOf({ lead_id: 1, phone: '99999999999', country_code: '+91' }).fields;
    assert.equal(person.phone, null);
    assert.equal(person.phoneRaw, '99999999999');
  });

  it('trims the name and splits it into first and last only when it has two words', () => {
    const single = patchOf(fixture('v2020-snapshot.json')).fields.person;
    assert.deepEqual([single.fullName, single.firstName, single.lastName], ['History', 'History', null]);
    const three = patchOf({ lead_id: 1, name: ' Rahul  Kumar Sharma ' }).fields.person;
    assert.deepEqual([three.fullName, three.firstName, three.lastName], ['Rahul  Kumar Sharma', 'Rahul', 'Kumar Sharma']);
  });

  it('lower-cases a valid e-mail and keeps an invalid one only raw', () => {
    assert.equal(patchOf({ lead_id: 1, email: ' Some@ABC.com ' }).fields.person.email, 'some@abc.com');
    const bad = patchOf({ lead_id: 1, email: 'not an email' }).fields.person;
    assert.deepEqual([bad.email, bad.emailRaw], [null, 'not an email']);
  });

  it('maps attribution, assignee and creation time from the 2020 snapshot', () => {
    const { fields } = patchOf(fixture('v2020-snapshot.json'));
    assert.deepEqual(fields.attribution, { channel: 'agent_app', source: 'facebook', subSource: 'leadgen', placement: null, pageUrl: null });
    assert.deepEqual(fields.assignee, { name: 'Tanvi Tyagi', email: 'tanvi.tyagi@anarock.com' });
    assert.equal(fields.providerCreatedAt, '2019-05-17T08:06:47.000Z');
    assert.equal(fields.message, null);
  });

  it('has no assignee while the lead sits with the call center', () => {
    assert.equal(patchOf({ lead_id: 1, agent_name: null, agent_email: '' }).fields.assignee, null);
  });

  it('keeps cp_id from the duplicated extra_details key', () => {
    const { extra } = patchOf(fixture('v2020-snapshot.json')).fields;
    const details = extra['extra_details'] as Record<string, unknown>;
    assert.equal(details['cp_id'], 5649);
    assert.equal(details['gender'], 'male');
    assert.deepEqual(details['referral_data'], { name: 'Vb', phone: '99999999999' });
  });

  it('keeps every unmapped field in extra verbatim and nothing it mapped', () => {
    const item = fixture('v2020-snapshot.json');
    const { extra } = patchOf(item).fields;
    for (const key of ['status_changes', 'last_status', 'action', 'rating', 'cp_data', 'booking_details', 'booking_docs', 'project_id', 'claimed_at', 'latest_event_details', 'lead_status_reasons']) {
      assert.deepEqual(extra[key], item[key], key);
    }
    for (const key of ['lead_id', 'name', 'phone', 'notes', 'calls', 'event_details', 'dispositions', 'created_at']) {
      assert.equal(key in extra, false, key);
    }
    assert.equal(patchOf(fixture('v2018-snapshot.json')).fields.extra['is_duplicate'], true);
  });
});

describe('anarock event identity and time', () => {
  it('gives the same idempotency key to the same snapshot re-serialised', () => {
    const bytes = readFileSync(new URL('v2018-snapshot.json', FIXTURES), 'utf8');
    const original = JSON.parse(bytes) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(original).reverse());
    const first = patchOf(items(bytes)[0]);
    const second = patchOf(items(JSON.stringify(reordered))[0]);
    assert.equal(first.providerLeadId, '925089');
    assert.match(first.idempotencyKey, /^925089:[0-9a-f]{32}$/);
    assert.equal(second.idempotencyKey, first.idempotencyKey);
  });

  it('treats float epoch seconds like the same integers for the idempotency key', () => {
    const float = patchOf(items('{"lead_id": 7, "created_at": 1558089973.0}')[0]);
    const integer = patchOf(items('{"created_at":1558089973,"lead_id":7}')[0]);
    assert.equal(float.idempotencyKey, integer.idempotencyKey);
  });

  it('gives a later snapshot of the same lead a different idempotency key', () => {
    const before = patchOf(fixture('v2020-snapshot.json'));
    const after = patchOf(fixture('v2023-later-snapshot.json'));
    assert.equal(before.providerLeadId, after.providerLeadId);
    assert.notEqual(before.idempotencyKey, after.idempotencyKey);
  });

  it('keeps a lead_id above 2^53 exact, as a string', () => {
    assert.equal(patchOf(items('{"lead_id": 90071992547409930}')[0]).providerLeadId, '90071992547409930');
  });

  it('takes the provider event type from action, verbatim', () => {
    assert.equal(patchOf(fixture('v2020-snapshot.json')).providerEventType, 'lead_update');
    assert.equal(patchOf(fixture('v2018-snapshot.json')).providerEventType, null);
  });

  it('takes occurredAt from the newest provider time in the snapshot', () => {
    // 2018: the call's inserted_at/updated_at (1540968046) beat the note (1540967316).
    assert.equal(patchOf(fixture('v2018-snapshot.json')).occurredAt, '2018-10-31T06:40:46.000Z');
    // 2020: event 1225394's event_updated_at (1558355391) is the newest time.
    assert.equal(patchOf(fixture('v2020-snapshot.json')).occurredAt, '2019-05-20T12:29:51.000Z');
    assert.equal(patchOf(fixture('v2023-later-snapshot.json')).occurredAt, '2019-05-21T12:01:40.000Z');
  });

  it('never takes occurredAt from appointment times or status_before_cc', () => {
    const patch = patchOf({
      lead_id: 1,
      created_at: 1558080407,
      latest_event_details: { event_id: 9, start_time: 1900000000, end_time: 1900000900, event_type: 'sv' },
      event_details: [{ event_id: 9, start_time: 1900000000, end_time: 1900000900, event_status: 'new' }],
      status_changes: { moved_to_new: 1558080500, status_before_cc: '1999999999' },
    });
    assert.equal(patch.occurredAt, '2019-05-17T08:08:20.000Z');
  });

  it('has no occurredAt when the snapshot carries no provider time', () => {
    assert.equal(patchOf({ lead_id: 1, lead_status: 'New' }).occurredAt, null);
  });
});

describe('anarock timeline', () => {
  it('emits one timeline entry per note, call, event and disposition with stable keys', () => {
    const patch = patchOf(fixture('v2020-snapshot.json'));
    assert.deepEqual(keys(patch), [
      'note:757670', 'note:757668', 'note:757666', 'note:757663', 'note:757662',
      'note:757661', 'note:757667',
      'call:2380',
      'appointment:1225388:cancelled', 'appointment:1225394:cancelled',
      'disposition:121',
      'booking:1402361',
    ]);
    assert.deepEqual(keys(patchOf(fixture('v2020-snapshot.json'))), keys(patch));
  });

  it('emits no created or status_changed entries', () => {
    const kinds = new Set(patchOf(fixture('v2023-later-snapshot.json')).timeline.map((t) => t.kind));
    assert.equal(kinds.has('created'), false);
    assert.equal(kinds.has('status_changed'), false);
  });

  it('keeps the keys of entries that a later snapshot resends, and adds only the new ones', () => {
    const before = keys(patchOf(fixture('v2020-snapshot.json')));
    const after = keys(patchOf(fixture('v2023-later-snapshot.json')));
    for (const key of before) assert.ok(after.includes(key), key);
    assert.deepEqual(after.filter((k) => !before.includes(k)).sort(), ['appointment:1225410:done', 'call:2391', 'note:757690']);
  });

  it('describes a note with its text, type, agent and creation time', () => {
    const note = entry(patchOf(fixture('v2020-snapshot.json')), 'note:757661');
    assert.equal(note.kind, 'note');
    assert.equal(note.occurredAt, '2019-05-17T08:10:30.000Z');
    assert.deepEqual(note.data, {
      noteId: '757661',
      type: 'text',
      text: '97004 meeting at today evening at 5:30 p.m. we would like also like to bring his wife along is also interested 2BHK',
      agent: { id: '2150', name: 'Tanvi Tyagi' },
    });
  });

  it('cuts a long note summary to 200 characters and keys a note without id by its content', () => {
    const long = 'x'.repeat(500);
    const patch = patchOf({ lead_id: 1, notes: [{ data: long, created_at: 1 }] });
    const [note] = patch.timeline;
    assert.equal(note?.summary.length, 200);
    assert.equal((note?.data as { text: string }).text, long);
    assert.match(note?.dedupeKey ?? '', /^note:[0-9a-f]{32}$/);
    assert.equal(keys(patchOf({ lead_id: 2, notes: [{ created_at: 1, data: long }] }))[0], note?.dedupeKey);
  });

  it('reads call outcome from the legs and duration_in_sec, never from the timestamps', () => {
    const v2018 = entry(patchOf(fixture('v2018-snapshot.json')), 'call:886672');
    assert.equal(v2018.occurredAt, '2018-10-31T06:39:17.000Z');
    assert.equal(v2018.data['durationSec'], 26);
    assert.equal(v2018.data['outcome'], 'connected');
    const v2020 = entry(patchOf(fixture('v2020-snapshot.json')), 'call:2380');
    assert.equal(v2020.summary, 'Incoming call, 0 s, failed');
    assert.deepEqual(v2020.data, {
      callId: '2380', direction: 'incoming', from: '+917045184793', to: '+919999999988',
      durationSec: 0, outcome: 'failed', recordingUrl: null, agent: { id: '2150', name: 'Tanvi Tyagi' },
    });
    const outcomes = [
      { second_leg_status: 'no-answer', duration_in_sec: '0' },
      { second_leg_status: 'busy' },
      { first_leg_status: 'completed', duration_in_sec: '42' },
      { second_leg_status: 'completed', duration_in_sec: 0 },
    ].map((call, i) => patchOf({ lead_id: 1, calls: [{ id: i, ...call }] }).timeline[0]?.data['outcome']);
    assert.deepEqual(outcomes, ['no_answer', 'no_answer', 'connected', 'unknown']);
  });

  it('maps events to appointments with kind, status and planned times', () => {
    const cancelled = entry(patchOf(fixture('v2020-snapshot.json')), 'appointment:1225394:cancelled');
    assert.equal(cancelled.occurredAt, '2019-05-20T12:29:51.000Z');
    assert.deepEqual(cancelled.data, {
      eventId: '1225394', kind: 'site_visit', status: 'cancelled', rawType: 'sv', rawStatus: 'cancelled',
      startsAt: '2019-05-17T10:46:24.000Z', endsAt: '2019-05-17T11:16:24.000Z',
    });
    const done = entry(patchOf(fixture('v2023-later-snapshot.json')), 'appointment:1225410:done');
    assert.equal(done.data['status'], 'done');
  });

  it('uses latest_event_details only when event_details does not list the same event', () => {
    const v2018 = entry(patchOf(fixture('v2018-snapshot.json')), 'appointment:552654:scheduled');
    assert.equal(v2018.occurredAt, null);
    assert.equal(v2018.data['kind'], 'follow_up');
    assert.equal(v2018.data['status'], 'scheduled');
    assert.ok(!keys(patchOf(fixture('v2020-snapshot.json'))).some((k) => k.startsWith('appointment:1225388:scheduled')));
  });

  it('gives a new appointment key when an event status changes, and the same one when it repeats', () => {
    const event = { event_id: 5, event_type: 'f2f', start_time: 1558091400 };
    const scheduled = keys(patchOf({ lead_id: 1, latest_event_details: event }));
    const asNew = keys(patchOf({ lead_id: 1, event_details: [{ ...event, event_status: 'new' }] }));
    const done = keys(patchOf({ lead_id: 1, event_details: [{ ...event, event_status: 'done' }] }));
    assert.deepEqual(scheduled, ['appointment:5:scheduled']);
    assert.deepEqual(asNew, scheduled);
    assert.deepEqual(done, ['appointment:5:done']);
  });

  it('normalises disposition types and keeps unknown ones raw', () => {
    const types = ['followup', 'follow-up', 'follow_up', 'call_back', 'not_contacted', 'fresh', 'patch_out', 'failed', 'junk', 'Wrong Number'];
    const patch = patchOf({ lead_id: 1, dispositions: types.map((t, i) => ({ id: i, disposition_type: t, reason: 'r', agent_name: 'A' })) });
    assert.deepEqual(
      patch.timeline.map((t) => t.data['type']),
      ['follow_up', 'follow_up', 'follow_up', 'call_back', 'not_contacted', 'transfer_to_sales', 'transfer_to_sales', 'failed', 'junk', 'Wrong Number'],
    );
    assert.deepEqual(patch.timeline[0]?.data, { dispositionId: '0', type: 'follow_up', rawType: 'followup', reason: 'r', agentName: 'A' });
  });

  it('records the booking once per lead with its details', () => {
    const booking = entry(patchOf(fixture('v2023-later-snapshot.json')), 'booking:1402361');
    assert.equal(booking.kind, 'booking');
    assert.equal(booking.occurredAt, '2019-05-21T12:01:40.000Z');
    assert.equal(booking.data['apartment_type'], '1 RK');
  });

  it('cuts a booking summary that quotes a huge unit number to 200 characters, keeping the value in data', () => {
    const unit = 'U'.repeat(5000);
    const booking = entry(patchOf({ lead_id: 1, booking_details: { unit_no: unit } }), 'booking:1');
    assert.equal(booking.summary.length, 200);
    assert.equal(booking.data['unit_no'], unit);
  });

  it('emits a reenquiry entry for inquiry_created keyed by the snapshot', () => {
    const patch = patchOf({ lead_id: 1, action: 'inquiry_created', source: 'google', created_at: 1558080407 });
    const [reenquiry] = patch.timeline;
    assert.equal(reenquiry?.kind, 'reenquiry');
    assert.equal(reenquiry?.dedupeKey, `reenquiry:${patch.idempotencyKey.split(':')[1]}`);
    assert.equal(reenquiry?.data['source'], 'google');
    assert.equal(patchOf({ lead_id: 1, action: 'lead_update' }).timeline.length, 0);
  });

  it('stores a note that appears both on the lead and in an event once', () => {
    const note = { note_id: 3, data: 'hi', created_at: 1 };
    const patch = patchOf({ lead_id: 1, notes: [note], event_details: [{ event_id: 4, event_status: 'done', notes: [note] }] });
    assert.deepEqual(keys(patch), ['note:3', 'appointment:4:done']);
  });
});

describe('anarock bad input', () => {
  it('rejects an item without lead_id with a reason', () => {
    for (const item of [{}, { lead_id: null }, { lead_id: '' }, { lead_id: '  ' }]) {
      assert.deepEqual(anarock.normalize(item, CTX), { ok: false, reason: 'lead_id is missing' });
    }
    const weird = anarock.normalize({ lead_id: { id: 1 } }, CTX);
    assert.equal(weird.ok, false);
    assert.match(weird.ok ? '' : weird.reason, /lead_id is not a usable id/);
  });

  it('rejects an item that is not an object with a reason', () => {
    for (const item of [null, 42, 'lead', [], [{ lead_id: 1 }]]) {
      const result = anarock.normalize(item, CTX);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.reason, /not a JSON object/);
    }
  });

  it('never throws on wrong types', () => {
    const hostile: unknown[] = [
      { lead_id: '12', notes: 'none', calls: {}, event_details: 7, dispositions: [null, 1, 'x'], booking_details: [] },
      { lead_id: 12, name: 5, email: 7, phone: { n: 1 }, country_code: [], lead_status: ['New'], action: {} },
      { lead_id: 12, status_changes: ['x'], created_at: 'yesterday', claimed_at: -5, latest_event_details: 'sv' },
      { lead_id: 12, calls: [{ id: {}, duration_in_sec: 'long', start_time: {}, action: 9, second_leg_status: null }] },
      { lead_id: 12, event_details: [{ event_id: null, notes: { note_id: 1 }, event_status: 3, event_type: [] }] },
      { lead_id: 12, notes: [{ note_id: [1], data: { text: 'x' }, created_at: 'NaN', agent_details: 'Tanvi' }] },
      { lead_id: 12, booking_details: { unit_no: null }, action: 'INQUIRY CREATED', agent_name: '  ' },
      { lead_id: 1e300, name: '\u00a0\u00a0' },
      { lead_id: 12, created_at: 1e308, status_changes: { moved_to_new: Number.MAX_VALUE } },
    ];
    for (const item of hostile) {
      assert.doesNotThrow(() => anarock.normalize(item, CTX), JSON.stringify(item));
    }
    const coerced = patchOf(hostile[0]);
    assert.equal(coerced.providerLeadId, '12');
    assert.deepEqual(coerced.timeline, []);
    assert.equal(patchOf(hostile[2]).occurredAt, null);
    assert.equal(patchOf(hostile[6]).timeline.some((t) => t.kind === 'reenquiry'), true);
  });

  it('never throws on random snapshot-shaped JSON, and always gives well-formed patches', () => {
    const anyValue = fc.jsonValue({ maxDepth: 2 });
    const entryKeys = [
      'id', 'note_id', 'event_id', 'data', 'note_type', 'created_at', 'updated_at', 'inserted_at', 'start_time', 'end_time',
      'agent_id', 'agent_details', 'action', 'duration_in_sec', 'first_leg_status', 'second_leg_status', 'recording_url',
      'from', 'to', 'event_type', 'event_status', 'event_created_at', 'event_updated_at', 'notes', 'disposition_type', 'reason', 'agent_name',
    ] as const;
    const entryArb = fc.dictionary(fc.constantFrom(...entryKeys), fc.oneof(anyValue, fc.array(fc.dictionary(fc.constantFrom(...entryKeys), anyValue), { maxLength: 2 })));
    const topKeys = [
      'name', 'email', 'phone', 'country_code', 'lead_status', 'channel_name', 'source', 'sub_source', 'placement', 'agent_name',
      'agent_email', 'created_at', 'claimed_at', 'notes', 'calls', 'event_details', 'dispositions', 'latest_event_details',
      'status_changes', 'booking_details', 'action', 'extra_details',
    ] as const;
    const fieldArb = fc.oneof(anyValue, entryArb, fc.array(fc.oneof(entryArb, anyValue), { maxLength: 3 }));
    const snapshotArb = fc.tuple(fc.oneof(fc.integer({ min: 1 }), fc.string(), anyValue), fc.dictionary(fc.constantFrom(...topKeys), fieldArb));
    fc.assert(
      fc.property(snapshotArb, ([leadId, rest]) => {
        const result = anarock.normalize({ ...rest, lead_id: leadId }, CTX);
        if (!result.ok) return assert.match(result.reason, /lead_id/);
        const { patch } = result;
        assert.ok((STAGES as readonly string[]).includes(patch.fields.stage));
        const dedupeKeys = keys(patch);
        assert.equal(new Set(dedupeKeys).size, dedupeKeys.length);
        for (const t of patch.timeline) assert.ok(t.occurredAt === null || !Number.isNaN(Date.parse(t.occurredAt)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('anarock status lookups', () => {
  it('maps a status named like an Object.prototype member to unknown', async () => {
    const { anarock } = await import('./index.js');
    for (const status of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const r = anarock.normalize({ lead_id: 5, lead_status: status, dispositions: [{ id: 1, disposition_type: status }] }, { defaultCountry: 'IN', receivedAt: new Date() });
      assert.ok(r.ok);
      assert.equal(r.patch.fields.stage, 'unknown', status);
      assert.equal(r.patch.fields.providerStatus, status);
    }
  });
});
