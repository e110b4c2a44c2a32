import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Lead } from '../../src/core/lead.js';
import { redactLead } from '../../src/core/erasure.js';
import { buildEvent, EVENT_TYPES, eventTypeFor, type LeadChange } from '../../src/core/lead-events.js';
import { planErasureFanOut } from '../../src/delivery/fan-out.js';
import { evaluateRule } from '../../src/delivery/rule-job.js';
import { LEAD_TYPE, type FieldDecl, type ObjectDecl } from '../../src/delivery/rule-schema.js';
import { check } from './support.js';

/**
 * Issue 10: a filter saw an event built apart from the body sent. The rule thread now parses the
 * stored body (the bytes of buildEvent that are sent). Over random lead changes, every value of the
 * delivered JSON is what the filter reads at the same path (`==` holds on each leaf, `size()` on each
 * list and map), and `has(event.data.previousStage)` holds exactly when the body has it.
 */

/** A JSON scalar as a provider may send it in `extra` or a change. */
const scalar = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.integer({ min: -1e6, max: 1e6 }), fc.boolean(), fc.constant(null));
const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 });

/** A random value of each declared field: new fields are covered as they are declared. */
function valueOf(field: FieldDecl): fc.Arbitrary<unknown> {
  switch (field) {
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 16 });
    case 'string?':
      return fc.option(fc.string({ unit: 'grapheme', maxLength: 16 }), { nil: null });
    case 'int':
      return fc.nat({ max: 1e6 });
    case 'bool':
      return fc.boolean();
    case 'list<string>':
      return fc.array(fc.string({ unit: 'grapheme', maxLength: 16 }), { maxLength: 3 });
    case 'map':
      return fc.dictionary(key, scalar, { maxKeys: 3 });
    default:
      return 'nullable' in field ? fc.option(objectOf(field.nullable), { nil: null }) : objectOf(field);
  }
}

function objectOf(type: ObjectDecl): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(Object.fromEntries(Object.entries(type.fields).map(([k, f]) => [k, valueOf(f)])));
}

const change: fc.Arbitrary<LeadChange> = fc.record({
  outcome: fc.constantFrom('created' as const, 'updated' as const),
  lead: objectOf(LEAD_TYPE) as fc.Arbitrary<unknown> as fc.Arbitrary<Lead>,
  changes: fc.dictionary(key, fc.record({ from: scalar, to: scalar }), { maxKeys: 3 }),
  previousStage: fc.option(fc.constantFrom('new' as const, 'negotiation' as const, 'won' as const), { nil: null }),
  payload: fc.constant(null),
});

/** A CEL literal for a JSON scalar. */
function literal(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** CEL's reserved words: not usable as a `.name`. */
const RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/** `path.k`, or `path["k"]` when k is not a plain name. */
function select(path: string, k: string): string {
  return /^[a-zA-Z_]\w*$/.test(k) && !RESERVED.has(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

/**
 * A check for each leaf of the body (`path == value`), and `size()` of each list and of each object
 * read as a map (under `extra` or `changes`; the declared objects have fields, not a size).
 */
function leafChecks(value: unknown, path: string, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    out.push(`${path}.size() == ${value.length}`);
    value.forEach((v, i) => leafChecks(v, `${path}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    if (/\.(extra|changes)\b/.test(path)) out.push(`${path}.size() == ${Object.keys(value).length}`);
    for (const [k, v] of Object.entries(value)) leafChecks(v, select(path, k), out);
  } else out.push(`${path} == ${literal(value)}`);
  return out;
}

const verdict = (expression: string, eventBody: string) => evaluateRule({ expression, eventBody, payload: null });

describe('the filter reads the delivered body (property)', () => {
  it('matches every value of the delivered JSON at its path, and has(previousStage) exactly when it is there', async () => {
    await check(
      fc.asyncProperty(change, fc.subarray([...EVENT_TYPES], { minLength: 1 }), async (c, subscribed) => {
        const type = eventTypeFor(c, subscribed);
        fc.pre(type !== null);
        const body = JSON.stringify(buildEvent(type!, 'evt_1', '2026-01-01T00:00:00.000Z', c));
        const sent = JSON.parse(body);
        const checks = [
          ...leafChecks(sent.type, 'event.type'),
          ...leafChecks(sent.id, 'event.id'),
          ...leafChecks(sent.data.changes, 'event.data.changes'),
          ...leafChecks(sent.data.lead, 'lead'),
          ...leafChecks(sent.data.lead.version, 'event.data.lead.version'),
        ];
        for (const expression of checks) assert.deepEqual(verdict(expression, body), { matched: true }, `${expression} on ${body}`);
        assert.deepEqual(verdict('has(event.data.previousStage)', body), { matched: 'previousStage' in sent.data });
        if ('previousStage' in sent.data) assert.deepEqual(verdict(`event.data.previousStage == ${literal(sent.data.previousStage)}`, body), { matched: true });
      }),
      60,
    );
  });
});

describe('a filter on lead.erased (property)', () => {
  it('reads every value of the body sent at its path, and `lead` as the lead as erased (personal fields null), `payload` null', async () => {
    await check(
      fc.asyncProperty(change, fc.option(fc.string({ unit: 'grapheme', maxLength: 16 }), { nil: null }), async (c, requestedBy) => {
        const erased = redactLead(c.lead).lead;
        const now = '2026-01-01T00:00:00.000Z';
        const { events } = planErasureFanOut({ lead: erased, erasedAt: now, requestedBy }, [{ destinationId: 'dst_1' }], now);
        const { body, payload } = events[0]!;
        const sent = JSON.parse(body);
        const seen = JSON.parse(payload!);
        const checks = [
          'event.type == "lead.erased"',
          ...leafChecks(sent.id, 'event.id'),
          ...leafChecks(sent.timestamp, 'event.timestamp'),
          ...leafChecks(sent.data, 'event.data'),
          ...leafChecks(seen, 'lead'),
          'lead.person.fullName == null && lead.person.email == null && lead.person.phone == null && lead.message == null',
          `lead.id == event.data.leadId && lead.providerLeadId == event.data.providerLeadId`,
          'payload == null',
          '!has(event.data.lead) && !has(event.data.changes)',
        ];
        for (const expression of checks) assert.deepEqual(evaluateRule({ expression, eventBody: body, payload }), { matched: true }, `${expression} on ${body} with ${payload}`);
        assert.deepEqual(evaluateRule({ expression: 'has(event.data.requestedBy)', eventBody: body, payload }), { matched: requestedBy !== null });
        assert.deepEqual(evaluateRule({ expression: 'event.type == "lead.updated"', eventBody: body, payload }), { matched: false });
      }),
      60,
    );
  });
});
