import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MAX_OTHER_PHONES, normalizePhone } from '../../src/core/normalize/phone.js';
import { text } from '../../src/core/normalize/text.js';
import { createSource, startTestServer, type TestServer } from '../helpers/server.js';
import { check } from './support.js';

/** What people and hostile senders put in a phone field: digits of many scripts, separators, extension words, prefixes. */
const PIECES = [
  '0', '1', '5', '9', '98200', '12345', '+', '+91', '00', '011', '0091', ' ', '-', '(', ')', '.',
  '/', ',', ';', ' or ', '|', '\n', 'ext', ' ext ', 'extn.', 'x', '#', '*',
  '९', '٣', '７', '𝟗', '\u116d5', '\u00a0', '\u200b', '\u202e', '\ud800', '\udfff', 'é', '☎',
];
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);
/** Real numbers as people write them, so that lists of several valid numbers are common. */
const NUMBERS = ['9820012345', '98200 54321', '+91 98200 11111', '0091 98200 22222', '011 91 98200 33333', '+44 20 7946 0958', '07911 123456', '+1 415 555 2671', '00351 912 345 678'];
const DEVANAGARI = '०१२३४५६७८९';
const writtenNumber = fc
  .tuple(fc.constantFrom(...NUMBERS), fc.constantFrom('', ' ext 2', ' x 31', ' #4', ' extn. 5'), fc.boolean())
  .map(([n, ext, isDevanagari]) => (isDevanagari ? n.replace(/\d/g, (d) => DEVANAGARI[Number(d)] ?? d) : n) + ext);
const SEPARATORS = [' / ', ',', '; ', ' or ', '|', '\n', ' ', ''];
/** Several numbers and noise, joined by any separator (or none). */
const numberList = fc
  .array(fc.tuple(fc.oneof(writtenNumber, fc.string({ unit, maxLength: 8 })), fc.constantFrom(...SEPARATORS)), { maxLength: 12 })
  .map((parts) => parts.map(([piece, sep]) => piece + sep).join(''));
/** Up to ~600 units: well past the characters the parser reads. */
const phoneValue = fc.oneof(
  numberList,
  fc.string({ unit, maxLength: 120 }),
  fc.array(fc.string({ unit, maxLength: 6 }), { maxLength: 100 }).map((parts) => parts.join(' / ')),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, undefined, true, {}, []),
);
const hints = fc.record(
  {
    defaultCountry: fc.constantFrom('IN', 'GB', 'PT', 'US', 'BR', 'AU', 'XX', 'in'),
    countryCode: fc.oneof(fc.constantFrom('+91', '91', '+1', '44', '+999', 'IN', 'in', 'zz', '', '+'), fc.string({ maxLength: 6 }), fc.integer()),
  },
  { requiredKeys: ['defaultCountry'] },
);

function assertValidE164(phone: string, what: string): void {
  assert.match(phone, /^\+[1-9]\d{6,14}$/, what);
  assert.equal(parsePhoneNumberFromString(phone)?.isValid(), true, what);
}

describe('the phone parser under attack', () => {
  it('never throws; every number it returns is valid E.164, the others distinct, capped and never the phone (property)', async () => {
    await check(
      fc.asyncProperty(phoneValue, hints, async (value, h) => {
        const what = JSON.stringify({ value: typeof value === 'string' ? value.slice(0, 300) : String(value), h });
        const p = normalizePhone(value, h);
        assert.equal(p.raw, typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? text(value) : null, what);
        if (p.e164 === null) {
          assert.deepEqual([p.others, p.extension], [[], null], `no other numbers or extension without a phone: ${what}`);
          return;
        }
        assertValidE164(p.e164, what);
        for (const other of p.others) assertValidE164(other, what);
        assert.ok(p.others.length <= MAX_OTHER_PHONES, what);
        assert.equal(new Set(p.others).size, p.others.length, `others deduplicated: ${what}`);
        assert.ok(!p.others.includes(p.e164), `others never hold the phone: ${what}`);
        assert.ok(p.extension === null || /^\d{1,20}$/.test(p.extension), what);
      }),
      1500,
    );
  });

  describe('through a real webhook and the store', () => {
    let t: TestServer;
    let hookPath: string;
    let n = 0;
    before(async () => {
      t = await startTestServer();
      hookPath = (await createSource(t, 'anarock')).webhookPath;
    });
    after(() => t.close());

    it('stores any phone value with the lead: raw kept, phone and other phones valid E.164 (property)', async () => {
      await check(
        fc.asyncProperty(fc.oneof(numberList, fc.string({ unit, maxLength: 80 })), fc.constantFrom('+91', 'IN', '+44', undefined), async (phone, countryCode) => {
          n++;
          const res = await t.hook(hookPath, { lead_id: 5_000_000 + n, name: 'Prop Erty', phone, country_code: countryCode, lead_status: 'New' });
          const what = `${JSON.stringify(phone)} ${String(countryCode)}: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`;
          assert.equal(res.status, 200, what);
          const lead = (await t.api('GET', `/api/leads/${res.json.leads[0].id}`)).json;
          assert.equal(lead.person.phoneRaw, text(phone), what);
          if (lead.person.phone !== null) assertValidE164(lead.person.phone, what);
          for (const other of lead.person.otherPhones) assertValidE164(other, what);
          assert.ok(!lead.person.otherPhones.includes(lead.person.phone), what);
        }),
        60,
      );
    });
  });
});
