/**
 * The extra CSRF defense of cookie-authenticated mutations (besides the X-CSRF-Token header): an
 * `Origin` header, when the browser sends one, must name this server, as reached (its `Host`) or as
 * published (`LEADHOOK_PUBLIC_URL`, when a reverse proxy rewrites `Host`).
 */

/** `scheme://host[:port]` of a URL, lower-cased with default ports dropped; null when it is not an http(s) URL. */
function originOf(url: string): { origin: string; host: string } | null {
  if (!URL.canParse(url)) return null;
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return { origin: u.origin.toLowerCase(), host: u.host.toLowerCase() };
}

/**
 * Whether an `Origin` header is acceptable: absent (not a cross-site browser request: browsers send
 * Origin on every cross-origin and every non-GET fetch), or naming the same host as `Host`, or the
 * origin of `publicUrl`. `Origin: null` (sandboxed or privacy-sensitive contexts) is refused.
 */
export function originAllowed(origin: string | string[] | undefined, host: string | undefined, publicUrl: string | null): boolean {
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  const given = originOf(origin.trim());
  if (given === null) return false;
  if (host !== undefined && host.trim() !== '' && given.host === host.trim().toLowerCase()) return true;
  const published = publicUrl === null ? null : originOf(publicUrl);
  return published !== null && published.origin === given.origin;
}
