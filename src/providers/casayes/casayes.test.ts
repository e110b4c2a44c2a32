import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { InboundRequest, NormalizeContext } from '../adapter.js';
import { authenticate } from './authenticate.js';
import { casayes } from './index.js';
import { normalize } from './normalize.js';
import { parse } from './parse.js';

// The token from the seed's example request (seed 003 L44).
const TOKEN = '0b4ba9b1-8e04-44cc-84ec-eb0579c0bb20';
const ctx: NormalizeContext = { defaultCountry: casayes.homeCountry, receivedAt: new Date() };
const seedBody = readFileSync(new URL('./fixtures/seed-lead.json', import.meta.url));

function request(body: Buffer | string, headers: InboundRequest['headers'] = {}): InboundRequest {
  return { headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body), receivedAt: new Date() };
}

function seedLead(): Record<string, unknown> {
  return JSON.parse(seedBody.toString('utf8')) as Record<string, unknown>;
}

function normalizeOk(item: unknown) {
  const result = normalize(item, ctx);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.patch;
}

describe('casayes authenticate', () => {
  it('accepts the token header equal to the secret', () => {
    assert.deepEqual(authenticate(request(seedBody, { token: TOKEN }), TOKEN), { ok: true });
  });

  it('refuses a request without a token header as missing_credentials', () => {
    const result = authenticate(request(seedBody, { authorization: TOKEN }), TOKEN);
    assert.equal(!result.ok && result.reason, 'missing_credentials');
  });

  it('refuses a wrong token as bad_credentials without echoing either value', () => {
    const presented = 'a0b4ba9b1-8e04-44cc-84ec-eb0579c0bb2';
    const result = authenticate(request(seedBody, { token: presented }), TOKEN);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.reason, 'bad_credentials');
    assert.ok(!result.detail.includes(TOKEN) && !result.detail.includes(presented));
  });

  it('refuses a Bearer-prefixed token, since CasaYes sends the bare value', () => {
    assert.equal(authenticate(request(seedBody, { token: `Bearer ${TOKEN}` }), TOKEN).ok, false);
  });
});

describe('casayes parse', () => {
  it('reads the seed body as one item', () => {
    const result = parse(request(seedBody));
    assert.ok(result.ok);
    assert.equal(result.items.length, 1);
    assert.equal(result.isPing, false);
  });

  it('rejects an empty body with a reason', () => {
    assert.equal(parse(request('')).ok, false);
  });
});

describe('casayes normalize', () => {
  it('maps the seed lead to canonical fields', () => {
    const patch = normalizeOk(seedLead());
    const reference = 'CY-Listing-A3bT7Y2xL6w-b24e6f80-17c9-4a8f-92b3-7e123d4bcf90';
    assert.equal(patch.providerLeadId, reference);
    assert.ok(patch.idempotencyKey.startsWith(`${reference}:`), 'id + content hash');
    assert.equal(patch.providerEventType, null);
    assert.equal(patch.occurredAt, null, 'no update time: ordered by receipt');
    assert.equal(patch.fields.providerCreatedAt, '2024-08-09T15:05:44.613Z');
    assert.equal(patch.fields.stage, 'new');
    assert.equal(patch.fields.providerStatus, null);
    assert.deepEqual(patch.fields.person, {
      fullName: 'John Smith',
      firstName: 'John',
      lastName: 'Smith',
      email: null,
      emailRaw: '[email protected]',
      phone: '+351919111222',
      phoneRaw: '919111222',
      otherPhones: [],
      phoneExtension: null,
    });
    assert.match(patch.fields.message ?? '', /^Hi, I’m interested/);
    assert.equal(patch.fields.attribution.source, 'CasaYes');
    assert.equal(patch.fields.assignee, null);
    assert.deepEqual(patch.timeline, []);
    assert.deepEqual(patch.fields.extra, {
      EntityPublicId: 'A3bT7Y2xL6w',
      EntityReference: '857632194-6',
      EntityType: 'Listing',
      EstimatedDateToMove: '2024-12-09T15:05:44.6131515Z',
      HasPets: false,
      MonthlyIncome: 2000,
      NumberResidents: 2,
      PresentationLetter: '',
    });
  });

  it('reads a real sender e-mail in lower case', () => {
    const patch = normalizeOk({ ...seedLead(), SenderEmail: 'John.Smith@Gmail.com' });
    assert.equal(patch.fields.person.email, 'john.smith@gmail.com');
  });

  it('matches keys in any letter case (camelCase serializer)', () => {
    const camel = Object.fromEntries(Object.entries(seedLead()).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v]));
    const patch = normalizeOk(camel);
    assert.equal(patch.providerLeadId, 'CY-Listing-A3bT7Y2xL6w-b24e6f80-17c9-4a8f-92b3-7e123d4bcf90');
    assert.equal(patch.fields.person.phone, '+351919111222');
    assert.equal(patch.fields.extra.entityType, 'Listing');
    assert.equal(patch.fields.extra.leadReference, undefined);
  });

  it('keeps unknown keys in extra as sent', () => {
    const patch = normalizeOk({ ...seedLead(), BrandNewField: { a: 1 } });
    assert.deepEqual(patch.fields.extra.BrandNewField, { a: 1 });
  });

  it('refuses a lead without LeadReference with a reason', () => {
    const { LeadReference: _dropped, ...rest } = seedLead();
    const result = normalize(rest, ctx);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.reason : '', /LeadReference is missing/);
  });

  it('says so when a listing event reaches the lead endpoint', () => {
    const result = normalize({ ListingPublicId: 'A3bT7Y2xL6w', EventType: 'LISTING_CREATED', Success: true }, ctx);
    assert.match(!result.ok ? result.reason : '', /listing event/);
  });

  it('takes a single-word sender name as the first name', () => {
    const patch = normalizeOk({ LeadReference: 'CY-1', SenderName: 'Joana' });
    assert.equal(patch.fields.person.firstName, 'Joana');
    assert.equal(patch.fields.person.lastName, null);
  });

  it('keeps the remaining words of a long name as the last name', () => {
    const patch = normalizeOk({ LeadReference: 'CY-1', SenderName: 'Maria da Silva Santos' });
    assert.equal(patch.fields.person.firstName, 'Maria');
    assert.equal(patch.fields.person.lastName, 'da Silva Santos');
  });

  it('never throws on hostile values', () => {
    const refused: unknown[] = [null, 42, 'x', [], {}, { LeadReference: {} }, { LeadReference: true }, { LeadReference: '' }];
    for (const value of refused) {
      const result = normalize(value, ctx);
      assert.equal(result.ok, false, JSON.stringify(value));
      assert.ok(!result.ok && result.reason.length > 0);
    }
    const tolerated: unknown[] = [
      { LeadReference: 'CY-1', SenderName: 42, SenderEmail: [], SenderPhone: {}, CreatedDate: 'soon', Message: null },
      { leadreference: 7, sendername: '   ', createddate: 1723215944 },
    ];
    for (const value of tolerated) assert.equal(normalize(value, ctx).ok, true, JSON.stringify(value));
  });
});
