/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, "Signature scheme"): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded secret, sent as
 * `webhook-signature: v1,<base64>`. Uses node:crypto on the hot path (STYLE G13); interop is tested
 * against the `standardwebhooks` package.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HubError } from '../core/errors.js';

const PREFIX = 'whsec_';
/** Standard Webhooks: secrets should be 24–64 random bytes. */
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;
/** Receivers should reject timestamps further than this from their clock (Standard Webhooks). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** The three headers that carry a Standard Webhooks signature. */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * A new signing secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * newSigningSecret() // 'whsec_3q2+7w…='
 */
export function newSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/**
 * Decode a `whsec_…` secret into its key bytes. Rejects a missing prefix, non-canonical base64 and keys
 * outside 24–64 bytes, so a bad secret is refused when it is set, not when it is first used.
 */
export function parseSigningSecret(secret: string): { ok: true; key: Buffer } | { ok: false; reason: string } {
  if (!secret.startsWith(PREFIX)) return { ok: false, reason: `a signing secret starts with ${PREFIX}` };
  const encoded = secret.slice(PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from skips junk characters silently; a round trip proves the text was canonical base64.
  if (encoded === '' || key.toString('base64') !== encoded) {
    return { ok: false, reason: `the part after ${PREFIX} must be standard base64` };
  }
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    return { ok: false, reason: `a signing secret decodes to ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes, not ${key.length}` };
  }
  return { ok: true, key };
}

function keyOf(secret: string): Buffer {
  const parsed = parseSigningSecret(secret);
  // A stored secret was validated when it was set; an invalid one here is a bug, not an outcome.
  if (!parsed.ok) throw new HubError('LH_E_VALIDATION', [`invalid signing secret: ${parsed.reason}`]);
  return parsed.key;
}

function toSeconds(timestamp: Date | number): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : Math.floor(timestamp);
  if (!Number.isFinite(seconds)) throw new HubError('LH_E_VALIDATION', ['invalid webhook timestamp']);
  return seconds;
}

function hmac(key: Buffer, id: string, seconds: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${seconds}.${body}`).digest('base64');
}

/** Inputs of {@link signPayload}. */
export interface SignInput {
  /** The event's message id; the same for every retry of one event. */
  id: string;
  /** Send time: a Date or epoch seconds. */
  timestamp: Date | number;
  /** The exact body bytes that will be sent, as text. */
  body: string;
  /** Active secrets; during a rotation overlap both the old and the new one. */
  secrets: readonly string[];
}

/**
 * Sign a body. With several secrets the header holds one `v1,` signature per secret, space-separated,
 * so receivers holding either secret accept it.
 *
 * @example
 * signPayload({ id: 'msg_1', timestamp: new Date(), body: '{"a":1}', secrets: [secret] })
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,…' }
 */
export function signPayload(input: SignInput): SignatureHeaders {
  if (input.secrets.length === 0) throw new HubError('LH_E_VALIDATION', ['cannot sign without a secret']);
  const seconds = toSeconds(input.timestamp);
  const signatures = input.secrets.map((s) => `v1,${hmac(keyOf(s), input.id, seconds, input.body)}`);
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': signatures.join(' '),
  };
}

/** Why a signature was refused. */
export type VerifyResult = { ok: true } | { ok: false; reason: 'missing_header' | 'stale_timestamp' | 'bad_signature' };

/** Inputs of {@link verifySignature}. Header names are matched case-insensitively. */
export interface VerifyInput {
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  secrets: readonly string[];
  now: Date;
  toleranceSeconds?: number;
}

/**
 * Check a Standard Webhooks signature the way a receiver does: any `v1` signature made with any of the
 * secrets, and a timestamp within the tolerance of `now`. Constant-time comparison.
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const h: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(input.headers)) h[k.toLowerCase()] = v;
  const id = h['webhook-id'];
  const ts = h['webhook-timestamp'];
  const sig = h['webhook-signature'];
  if (!id || !ts || !sig || !/^\d+$/.test(ts)) return { ok: false, reason: 'missing_header' };
  const seconds = Number(ts);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(Math.floor(input.now.getTime() / 1000) - seconds) > tolerance) return { ok: false, reason: 'stale_timestamp' };
  const passed = sig
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3)));
  for (const secret of input.secrets) {
    const expected = Buffer.from(hmac(keyOf(secret), id, seconds, input.body));
    if (passed.some((p) => p.length === expected.length && timingSafeEqual(p, expected))) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}

/** The secrets that sign now: the current one, and the previous one until its overlap window ends. */
export function signingSecrets(d: { secret: string; previousSecret: string | null; previousSecretExpiresAt: string | null }, now: string): string[] {
  const out = [d.secret];
  if (d.previousSecret !== null && d.previousSecretExpiresAt !== null && d.previousSecretExpiresAt > now) out.push(d.previousSecret);
  return out;
}
