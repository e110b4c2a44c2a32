import { createHash, randomBytes } from 'node:crypto';

/**
 * Named API tokens and browser session secrets: their format, and the one-way hashes the database
 * keeps instead of them. A token or session secret is 256 random bits; only its SHA-256 is stored,
 * and a presented one is found by its hash (an indexed equality lookup), so neither a database
 * reader nor the time a lookup takes tells anything about a valid one.
 */

/** Prefix of a named API token: `lht_` + 43 base64url characters. */
export const API_TOKEN_PREFIX = 'lht_';
/** Prefix of a session secret (the `lh_session` cookie's value): `lhs_` + 43 base64url characters. */
export const SESSION_PREFIX = 'lhs_';

const SECRET_BODY = /^[A-Za-z0-9_-]{43}$/;

/** A new named API token, shown once to whoever created it. */
export function newApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A new session secret, the value of the `lh_session` cookie (never readable by the page's scripts). */
export function newSessionSecret(): string {
  return `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Whether `text` has the shape of a named API token (a cheap check before any lookup). */
export function isApiTokenShape(text: string): boolean {
  return text.length === API_TOKEN_PREFIX.length + 43 && text.startsWith(API_TOKEN_PREFIX) && SECRET_BODY.test(text.slice(API_TOKEN_PREFIX.length));
}

/** Whether `text` has the shape of a session secret. */
export function isSessionSecretShape(text: string): boolean {
  return text.length === SESSION_PREFIX.length + 43 && text.startsWith(SESSION_PREFIX) && SECRET_BODY.test(text.slice(SESSION_PREFIX.length));
}

/** What the database keeps of a token or session secret: its SHA-256, hex. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * The CSRF token of a session: derived from its secret (domain-separated SHA-256), so nothing more
 * is stored. Knowing it tells nothing about the secret; only the holder of the cookie (which page
 * scripts cannot read) gets it, from `POST` or `GET /api/session`.
 */
export function csrfTokenFor(sessionSecret: string): string {
  return createHash('sha256').update(`leadhook-csrf\0${sessionSecret}`, 'utf8').digest('base64url');
}
