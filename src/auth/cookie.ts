/**
 * The `lh_session` cookie: read from a Cookie header without a library, and written with the
 * attributes a session cookie needs (HttpOnly, SameSite=Strict, Path=/, Secure over https).
 */

export const SESSION_COOKIE = 'lh_session';

/** Longest cookie value read: a session secret is 47 characters; anything longer is not one. */
const MAX_VALUE = 128;
const NAME_EQ = `${SESSION_COOKIE}=`;

/**
 * The value of the one `lh_session` cookie in a Cookie header (several headers are read in order),
 * or null. Null too when the header names `lh_session` more than once: a browser sends a second one
 * only when another site (a sibling subdomain's `Domain=` cookie) or path set it, and taking either
 * would let that site choose the session (fixation). One pass over the header, no allocation per
 * pair: the cost is bounded by the header's size (at most the server's header limit). Values are
 * not decoded; an overlong one is ignored.
 *
 * @example readSessionCookie('theme=dark; lh_session=lhs_abc') // 'lhs_abc'
 */
export function readSessionCookie(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  let found: string | null = null;
  let seen = 0;
  for (const text of typeof header === 'string' ? [header] : header) {
    let at = 0;
    while (at < text.length) {
      const end = text.indexOf(';', at);
      const stop = end === -1 ? text.length : end;
      let start = at;
      while (start < stop && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
      if (text.startsWith(NAME_EQ, start)) {
        if (++seen > 1) return null;
        const valueStart = start + NAME_EQ.length;
        // Quotes and surrounding white space aside, an overlong value is no session secret.
        if (stop - valueStart <= MAX_VALUE + 8) {
          let value = text.slice(valueStart, stop).trim();
          if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
          found = value.length === 0 || value.length > MAX_VALUE ? null : value;
        }
      }
      at = stop + 1;
    }
  }
  return found;
}

export interface CookieOptions {
  /** Add `Secure` (the public URL is https). */
  secure: boolean;
}

/** The Set-Cookie value that stores a session for `maxAgeSeconds`. */
export function sessionCookie(secret: string, maxAgeSeconds: number, options: CookieOptions): string {
  return `${SESSION_COOKIE}=${secret}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

/** The Set-Cookie value that removes the session cookie. */
export function clearedSessionCookie(options: CookieOptions): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`;
}

/** Whether cookies of a server reached at `publicUrl` must be `Secure`. */
export function isSecurePublicUrl(publicUrl: string | null): boolean {
  return publicUrl !== null && /^https:/i.test(publicUrl);
}
