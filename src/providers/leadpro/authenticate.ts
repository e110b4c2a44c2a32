import { createHmac, timingSafeEqual } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { readJsonBody } from '../../core/json/parse-json.js';
import { isRecord } from '../../core/normalize/text.js';
import type { AuthFailureReason, AuthResult, InboundRequest, SourceSecrets } from '../adapter.js';
import { headerValue, secretList, stripBearer } from '../shared/credentials.js';

/** Leeway for `exp`/`nbf` against the receipt time: sender and hub clocks drift. */
const CLOCK_TOLERANCE_SECONDS = 300;
/** base64url, plus the standard alphabet and padding the LeadPro doc's "base64" may mean (seed 002 L105). */
const SEGMENT = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Verify LeadPro's HS256 JWT in `Authorization` (raw or `Bearer `); its claims are the payload.
 * The HMAC key is the webhook signing secret's UTF-8 bytes: any accepted secret (the current one, or
 * the previous one during a rotation's overlap) may have signed it. Only HS256 is accepted, never `none`.
 *
 * jose's `jwtVerify` is asynchronous (WebCrypto) while `ProviderAdapter.authenticate` is synchronous,
 * so the signature is checked with node:crypto over the segments as received (providers.md §1.2
 * "receiver recipe"); jose decodes the protected header. Claims are read with the hub's JSON reader,
 * which keeps integers beyond 2^53 exact (providers.md R4).
 */
export function authenticate(req: InboundRequest, secrets: SourceSecrets): AuthResult {
  const header = headerValue(req, 'authorization');
  if (header === null) return fail('missing_credentials', 'The request has no Authorization header carrying the LeadPro JWT.');
  const segments = stripBearer(header).split('.');
  const [head, body, signature] = segments;
  const isCompact = segments.length === 3 && segments.every((segment) => SEGMENT.test(segment));
  if (!isCompact || head === undefined || body === undefined || signature === undefined) {
    return fail('malformed_token', 'The Authorization header is not a compact JWT (three base64url segments).');
  }

  let alg: unknown;
  let crit: unknown;
  try {
    ({ alg, crit } = decodeProtectedHeader(`${toBase64Url(head)}.${toBase64Url(body)}.${toBase64Url(signature)}`));
  } catch {
    return fail('malformed_token', 'The JWT header is not base64url-encoded JSON.');
  }
  if (alg !== 'HS256') {
    return fail('unsupported_algorithm', 'The JWT is not signed with HS256, the only algorithm LeadPro uses and leadhook accepts.');
  }
  // RFC 7515 §4.1.11: a recipient must reject critical extensions it does not understand (jose does too).
  if (crit !== undefined) return fail('malformed_token', 'The JWT header lists critical extensions leadhook does not support.');
  // An empty HMAC key is a key anyone can sign with.
  const keys = secretList(secrets).filter((secret) => secret !== '');
  if (keys.length === 0) return fail('bad_signature', 'The source has no signing secret, so no JWT can be verified.');

  const presented = canonicalSignature(signature);
  if (presented === null) {
    return fail('malformed_token', 'The JWT signature is not canonical base64url (unpadded, no unused bits set) or canonical padded base64.');
  }
  if (!signedWithAny(`${head}.${body}`, presented, keys)) {
    return fail('bad_signature', "The JWT signature does not match the source's signing secret.");
  }

  const claims = readJsonBody(Buffer.from(toBase64Url(body), 'base64url'));
  if (!claims.ok) return fail('malformed_token', `The JWT claims are not readable JSON: ${claims.message}.`);
  if (!isRecord(claims.value)) return fail('malformed_token', 'The JWT claims are not a JSON object.');
  const timeFailure = checkTimeClaims(claims.value, req.receivedAt);
  if (timeFailure !== null) return timeFailure;
  return { ok: true, payload: claims.value };
}

/** Whether `signature` is the HS256 MAC of `input` under any of `keys`: each compared in constant time, all of them always. */
function signedWithAny(input: string, signature: Buffer, keys: readonly string[]): boolean {
  let isMatch = false;
  for (const key of keys) {
    const expected = createHmac('sha256', Buffer.from(key, 'utf8')).update(input).digest();
    isMatch = (signature.length === expected.length && timingSafeEqual(signature, expected)) || isMatch;
  }
  return isMatch;
}

/** `exp`/`nbf`/`iat` the way jose's jwtVerify checks them, with the clock tolerance. */
function checkTimeClaims(claims: Record<string, unknown>, receivedAt: Date): AuthResult | null {
  const now = Math.floor(receivedAt.getTime() / 1000);
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      return fail('malformed_token', `The JWT "${name}" claim is not a number.`);
    }
  }
  if (typeof claims.exp === 'number' && now - CLOCK_TOLERANCE_SECONDS >= claims.exp) {
    return fail('bad_credentials', 'The JWT has expired (its "exp" claim is in the past).');
  }
  if (typeof claims.nbf === 'number' && now + CLOCK_TOLERANCE_SECONDS < claims.nbf) {
    return fail('bad_credentials', 'The JWT is not valid yet (its "nbf" claim is in the future).');
  }
  return null;
}

/**
 * The signature's bytes when the segment is one of their two canonical spellings, else null:
 * base64url without padding (RFC 7515 §2), or standard base64 with its padding (the LeadPro doc's
 * "base64", accepted since the first release). Decoders ignore the unused low bits of the last
 * character and mix alphabets freely: without this check one signature had many spellings.
 */
function canonicalSignature(segment: string): Buffer | null {
  const encoding = /^[A-Za-z0-9_-]*$/.test(segment) ? 'base64url' : /^[A-Za-z0-9+/]*={0,2}$/.test(segment) ? 'base64' : null;
  if (encoding === null) return null;
  const bytes = Buffer.from(segment, encoding);
  return bytes.toString(encoding) === segment ? bytes : null;
}

/** Standard base64 (`+`, `/`, `=` padding) to base64url; base64url passes through unchanged. */
function toBase64Url(segment: string): string {
  return segment.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fail(reason: AuthFailureReason, detail: string): AuthResult {
  return { ok: false, reason, detail };
}
