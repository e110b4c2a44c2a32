import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { redactLead } from '../../src/core/erasure.js';
import type { Lead } from '../../src/core/lead.js';
import { buildErasedEvent } from '../../src/core/lead-events.js';
import { planErasureFanOut } from '../../src/delivery/fan-out.js';
import { check } from './support.js';

/**
 * `lead.erased` tells a destination to erase its copy of a lead: its body must name the lead and never
 * carry the person. Over random leads whose every personal value (person fields, message, `extra`,
 * attribution page URLs) is marked, built from the lead as held before the erasure (the builder must
 * not depend on being given a redacted one), the body sent holds exactly the ids, the source, the
 * provider, the erasure time and `requestedBy` when the erasure had a `by`, and no marked value.
 */

const MARK = '\u{1F512}pii:';
/** A personal value: marked, so any copy of it in the body is found. */
const personal = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => `${MARK}${s}`);
/** An id: no mark can appear in it. */
const id = fc.stringMatching(/^[a-z0-9_]{1,16}$/);
const time = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());

const attribution = fc.record({
  channel: fc.option(personal, { nil: null }),
  source: fc.option(personal, { nil: null }),
  subSource: fc.option(personal, { nil: null }),
  placement: fc.option(personal, { nil: null }),
  pageUrl: fc.option(fc.oneof(personal, personal.map((p) => `https://example.com/form?email=${encodeURIComponent(p)}`)), { nil: null }),
});

const lead: fc.Arbitrary<Lead> = fc
  .record({
    id: id.map((s) => `lead_${s}`),
    sourceId: id.map((s) => `src_${s}`),
    provider: fc.constantFrom('anarock' as const, 'leadpro' as const, 'casayes' as const, 'praetorian' as const),
    providerLeadId: id,
    stage: fc.constantFrom('new', 'negotiation', 'won'),
    providerStatus: fc.option(personal, { nil: null }),
    person: fc.record({
      fullName: fc.option(personal, { nil: null }),
      firstName: fc.option(personal, { nil: null }),
      lastName: fc.option(personal, { nil: null }),
      email: fc.option(personal, { nil: null }),
      emailRaw: fc.option(personal, { nil: null }),
      phone: fc.option(personal, { nil: null }),
      phoneRaw: fc.option(personal, { nil: null }),
      otherPhones: fc.array(personal, { maxLength: 3 }),
      phoneExtension: fc.option(personal, { nil: null }),
    }),
    message: fc.option(personal, { nil: null }),
    attribution,
    firstAttribution: fc.option(attribution, { nil: null }),
    assignee: fc.option(fc.record({ name: fc.option(personal, { nil: null }), email: fc.option(personal, { nil: null }) }), { nil: null }),
    providerCreatedAt: fc.option(time, { nil: null }),
    firstSeenAt: time,
    lastEventAt: time,
    lastProviderUpdateAt: fc.option(time, { nil: null }),
    version: fc.nat({ max: 1000 }),
    isTest: fc.boolean(),
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.oneof(personal, fc.array(personal, { maxLength: 2 }))),
  })
  .map((l) => l as unknown as Lead);

describe('the lead.erased body (property)', () => {
  it('holds the lead’s ids, the erasure time and who asked, and none of the person’s values, whatever the lead holds', async () => {
    await check(
      fc.asyncProperty(lead, time, fc.option(fc.string({ maxLength: 200 }).filter((s) => !s.includes(MARK)), { nil: null }), id, async (l, erasedAt, requestedBy, eventId) => {
        const event = buildErasedEvent(`evt_${eventId}`, erasedAt, { lead: l, erasedAt, requestedBy });
        const expected: Record<string, unknown> = { leadId: l.id, sourceId: l.sourceId, provider: l.provider, providerLeadId: l.providerLeadId, erasedAt };
        if (requestedBy !== null) expected['requestedBy'] = requestedBy;
        assert.deepEqual(event, { type: 'lead.erased', id: `evt_${eventId}`, timestamp: erasedAt, data: expected });
        assert.deepEqual(Object.keys(event.data), Object.keys(expected), 'the fields in their documented order');
        assert.ok(!JSON.stringify(event).includes(MARK), JSON.stringify(event));

        // As fan-out stores it: the body sent is the builder's, from the lead as erased.
        const erased = redactLead(l).lead;
        const { events } = planErasureFanOut({ lead: erased, erasedAt, requestedBy }, [{ destinationId: 'dst_1' }], erasedAt);
        const body = JSON.parse(events[0]!.body) as typeof event;
        assert.deepEqual(body.data, expected);
        assert.ok(!events[0]!.body.includes(MARK), events[0]!.body);
        assert.deepEqual(Object.values(erased.person).filter((v) => v !== null && !(Array.isArray(v) && v.length === 0)), [], 'what rules read as `lead` holds no person');
      }),
      200,
    );
  });
});
