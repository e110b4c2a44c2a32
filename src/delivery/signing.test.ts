import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { HubError } from '../core/errors.js';
import { newSigningSecret, parseSigningSecret, signPayload, verifySignature } from './signing.js';

// The worked example of the Standard Webhooks / Svix documentation.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const BODY = JSON.stringify({ type: 'lead.updated', data: { id: 'lead_1', name: 'Aarav Shah — ₹ 1 Cr' } });

describe('newSigningSecret', () => {
  it('makes a whsec_ secret of 32 random bytes that the reference library accepts', () => {
    const secret = newSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const parsed = parseSigningSecret(secret);
    assert.ok(parsed.ok && parsed.key.length === 32);
    assert.doesNotThrow(() => new Webhook(secret));
  });

  it('never repeats', () => {
    assert.notEqual(newSigningSecret(), newSigningSecret());
  });
});

describe('parseSigningSecret', () => {
  it('refuses a secret without the whsec_ prefix, with junk base64, or of the wrong size', () => {
    assert.equal(parseSigningSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').ok, false);
    assert.equal(parseSigningSecret('whsec_not base64!!').ok, false);
    assert.equal(parseSigningSecret('whsec_').ok, false);
    assert.equal(parseSigningSecret(`whsec_${Buffer.alloc(16).toString('base64')}`).ok, false);
    assert.equal(parseSigningSecret(`whsec_${Buffer.alloc(65).toString('base64')}`).ok, false);
  });
});

describe('signPayload', () => {
  it('reproduces the documented Standard Webhooks test vector', () => {
    const headers = signPayload({ id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body, secrets: [VECTOR.secret] });
    assert.deepEqual(headers, {
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
    });
  });

  it('takes a Date and sends whole epoch seconds', () => {
    const headers = signPayload({ id: VECTOR.id, timestamp: new Date(VECTOR.timestamp * 1000 + 999), body: VECTOR.body, secrets: [VECTOR.secret] });
    assert.equal(headers['webhook-timestamp'], '1614265330');
    assert.equal(headers['webhook-signature'], VECTOR.signature);
  });

  it('is accepted by the standardwebhooks package', () => {
    const secret = newSigningSecret();
    const headers = signPayload({ id: 'msg_1', timestamp: new Date(), body: BODY, secrets: [secret] });
    assert.deepEqual(new Webhook(secret).verify(BODY, { ...headers }), JSON.parse(BODY));
  });

  it('is accepted with either secret during a rotation overlap', () => {
    const [oldSecret, newSecret] = [newSigningSecret(), newSigningSecret()];
    const headers = signPayload({ id: 'msg_2', timestamp: new Date(), body: BODY, secrets: [oldSecret, newSecret] });
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    assert.doesNotThrow(() => new Webhook(oldSecret).verify(BODY, { ...headers }));
    assert.doesNotThrow(() => new Webhook(newSecret).verify(BODY, { ...headers }));
    assert.throws(() => new Webhook(newSigningSecret()).verify(BODY, { ...headers }), /No matching signature/);
  });

  it('is rejected by the standardwebhooks package when the body was tampered with', () => {
    const secret = newSigningSecret();
    const headers = signPayload({ id: 'msg_3', timestamp: new Date(), body: BODY, secrets: [secret] });
    assert.throws(() => new Webhook(secret).verify(BODY.replace('lead_1', 'lead_2'), { ...headers }), /No matching signature/);
  });

  it('is rejected when the webhook-id of a retry is changed', () => {
    const secret = newSigningSecret();
    const headers = signPayload({ id: 'msg_4', timestamp: new Date(), body: BODY, secrets: [secret] });
    assert.throws(() => new Webhook(secret).verify(BODY, { ...headers, 'webhook-id': 'msg_5' }), /No matching signature/);
  });

  it('refuses to sign with no secret or a malformed one', () => {
    assert.throws(() => signPayload({ id: 'm', timestamp: 0, body: '', secrets: [] }), HubError);
    assert.throws(() => signPayload({ id: 'm', timestamp: 0, body: '', secrets: ['whsec_short'] }), HubError);
  });
});

describe('verifySignature', () => {
  const now = new Date(VECTOR.timestamp * 1000);
  const headers = {
    'Webhook-Id': VECTOR.id,
    'Webhook-Timestamp': String(VECTOR.timestamp),
    'Webhook-Signature': `v1a,junk ${VECTOR.signature}`,
  };

  it('accepts the test vector among other signature versions, with any header casing', () => {
    assert.deepEqual(verifySignature({ headers, body: VECTOR.body, secrets: [VECTOR.secret], now }), { ok: true });
  });

  it('accepts when any of several secrets matches', () => {
    assert.deepEqual(verifySignature({ headers, body: VECTOR.body, secrets: [newSigningSecret(), VECTOR.secret], now }), { ok: true });
  });

  it('refuses a tampered body, a stale timestamp and missing headers', () => {
    assert.deepEqual(verifySignature({ headers, body: `${VECTOR.body} `, secrets: [VECTOR.secret], now }), { ok: false, reason: 'bad_signature' });
    const later = new Date(now.getTime() + 301_000);
    assert.deepEqual(verifySignature({ headers, body: VECTOR.body, secrets: [VECTOR.secret], now: later }), { ok: false, reason: 'stale_timestamp' });
    assert.deepEqual(verifySignature({ headers: {}, body: VECTOR.body, secrets: [VECTOR.secret], now }), { ok: false, reason: 'missing_header' });
  });
});
