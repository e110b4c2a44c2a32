import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_OTHER_PHONES, MAX_PHONE_TEXT, normalizePhone } from './phone.js';

const IN = { defaultCountry: 'IN' };

describe('normalizePhone: phones as people write them', () => {
  it('reads a number dialled with the international prefix of the source country (00 in IN, GB, PT; 011 in US)', () => {
    assert.equal(normalizePhone('0091 98200 12345', IN).e164, '+919820012345');
    assert.equal(normalizePhone('0091 98200 12345', { defaultCountry: 'GB' }).e164, '+919820012345');
    assert.equal(normalizePhone('00351 912 345 678', { defaultCountry: 'PT' }).e164, '+351912345678');
    assert.equal(normalizePhone('011 91 98200 12345', { defaultCountry: 'US' }).e164, '+919820012345');
  });

  it('reads the international prefix when the payload names the country by its dialling code (Anarock country_code "+91")', () => {
    assert.equal(normalizePhone('0091 98200 12345', { defaultCountry: 'IN', countryCode: '+91' }).e164, '+919820012345');
    assert.equal(normalizePhone('011 44 20 7946 0958', { defaultCountry: 'GB', countryCode: '+1' }).e164, '+442079460958');
  });

  it('keeps national numbers national: a trunk 0 is not an international prefix', () => {
    assert.equal(normalizePhone('020 7946 0958', { defaultCountry: 'GB' }).e164, '+442079460958');
    assert.equal(normalizePhone('09820012345', IN).e164, '+919820012345');
  });

  it('takes the first valid number of several as the phone and keeps the others, whatever separates them', () => {
    for (const sep of [' / ', '/', ', ', ';', ' or ', ' OR ', ' | ', '\n']) {
      const p = normalizePhone(`9820012345${sep}9820054321`, IN);
      assert.equal(p.e164, '+919820012345', JSON.stringify(sep));
      assert.deepEqual(p.others, ['+919820054321'], JSON.stringify(sep));
    }
  });

  it('skips invalid pieces, drops repeats of a number however written, and keeps at most MAX_OTHER_PHONES others', () => {
    const p = normalizePhone('12 / 9820012345 / +91 98200 12345 / 9820054321 / 09820054321', IN);
    assert.equal(p.e164, '+919820012345');
    assert.deepEqual(p.others, ['+919820054321']);
    const many = Array.from({ length: MAX_OTHER_PHONES + 3 }, (_, i) => `98200${String(54321 + i)}`).join(', ');
    const capped = normalizePhone(`9820012345, ${many}`, IN);
    assert.equal(capped.others.length, MAX_OTHER_PHONES);
    assert.equal(capped.others[0], '+919820054321');
  });

  it('keeps the extension written after the number (ext, extn, x, #)', () => {
    for (const written of ['98200 12345 ext 2', '98200 12345 ext. 2', '98200 12345 extn 2', '98200 12345 x2', '98200 12345 x 2', '98200 12345 #2']) {
      const p = normalizePhone(written, IN);
      assert.equal(p.e164, '+919820012345', written);
      assert.equal(p.extension, '2', written);
    }
    const dialled = normalizePhone('0091 98200 12345 extn. 22 / 98200 54321 x 7', { defaultCountry: 'IN', countryCode: '+91' });
    assert.deepEqual([dialled.e164, dialled.extension, dialled.others], ['+919820012345', '22', ['+919820054321']]);
  });

  it('reads the digits of any script', () => {
    assert.equal(normalizePhone('९८२०० १२३४५', IN).e164, '+919820012345', 'Devanagari');
    assert.equal(normalizePhone('٩٨٢٠٠١٢٣٤٥', IN).e164, '+919820012345', 'Arabic-Indic');
    assert.equal(normalizePhone('９８２００ １２３４５', IN).e164, '+919820012345', 'full width');
  });

  it('keeps an invalid value raw with no number, and never throws on an unknown country or calling code', () => {
    assert.deepEqual(normalizePhone('+123123123123123', IN), { e164: null, raw: '+123123123123123', others: [], extension: null });
    assert.equal(normalizePhone('9999999988', { defaultCountry: 'GB', countryCode: '+999' }).e164, null);
    assert.equal(normalizePhone('9999999988', { defaultCountry: 'XX', countryCode: 'zz' }).e164, null);
    assert.deepEqual(normalizePhone(undefined, IN), { e164: null, raw: null, others: [], extension: null });
  });

  it('reads no further than MAX_PHONE_TEXT characters, and keeps the whole raw value', () => {
    const value = `${'x'.repeat(MAX_PHONE_TEXT)} / 9820012345`;
    const p = normalizePhone(value, IN);
    assert.equal(p.e164, null);
    assert.equal(p.raw, value);
  });
});
