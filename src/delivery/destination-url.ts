/**
 * Destination URL checks (SSRF guard): http(s) only, no credentials, and — unless private destinations
 * are allowed (`LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1`) — no host with an address that is not global
 * unicast: loopback, private, link-local, unspecified, CGNAT, multicast, broadcast, documentation,
 * benchmarking, reserved, and every other IANA special-purpose range, in any spelling.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Why an address is not a global unicast one: the range name ipaddr.js gives it (`loopback`,
 * `private`, `linkLocal`, `carrierGradeNat`, `reserved`, `6to4`, `teredo`, `rfc6145`…), or one of
 * the guard's own: `outsideGlobalUnicast` (IPv6 outside 2000::/3), `notAnAddress` (not an IP literal).
 */
export type AddressClass =
  | Exclude<ReturnType<ipaddr.IPv4['range']> | ReturnType<ipaddr.IPv6['range']>, 'unicast'>
  | 'outsideGlobalUnicast'
  | 'notAnAddress';

/** Resolves a host name to its addresses (IPv4 and IPv6). Injected in tests. */
export type HostLookup = (host: string) => Promise<string[]>;

export type DestinationCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface DestinationCheckOptions {
  /** Let every address through, loopback/private/link-local… included (development, on-premise receivers). */
  allowPrivate: boolean;
  lookup?: HostLookup;
}

/** IANA's global unicast block for IPv6 (RFC 4291 §2.4); ipaddr.js calls everything it has no name for `unicast`. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
/** RFC 6052's well-known NAT64 prefix: an IPv6-only host reaches the IPv4 address in its last 32 bits. */
const WELL_KNOWN_NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Classify an IP address literal; null only for a global unicast address.
 *
 * ipaddr.js (2.5.0) names every IANA special-purpose range of both registries; the guard allows only
 * what it calls `unicast`, with two corrections: an IPv6 address must also lie in 2000::/3 (ipaddr.js
 * calls IPv4-compatible `::7f00:1` and unassigned space such as `4000::1` unicast), and the two forms
 * that carry an IPv4 address to the same host — IPv4-mapped `::ffff:a.b.c.d` and well-known NAT64
 * `64:ff9b::a.b.c.d` — are judged by that IPv4 address. Other forms with an IPv4 address inside (6to4,
 * Teredo, IPv4-translated `::ffff:0:a.b.c.d`, local-use NAT64) are refused whatever they carry.
 * Only canonical literals count as addresses (`127.1` is `notAnAddress`, refused like the rest).
 *
 * @example
 * classifyAddress('10.1.2.3')          // 'private'
 * classifyAddress('::ffff:127.0.0.1')  // 'loopback'
 * classifyAddress('192.0.2.7')         // 'reserved' (documentation)
 * classifyAddress('93.184.216.34')     // null
 */
export function classifyAddress(ip: string): AddressClass | null {
  const family = isIP(ip);
  if (family === 0) return 'notAnAddress';
  if (family === 4) return nonUnicast(ipaddr.IPv4.parse(ip).range());
  const v6 = ipaddr.IPv6.parse(canonicalIpv6(ip));
  if (v6.isIPv4MappedAddress() || v6.match(WELL_KNOWN_NAT64)) return nonUnicast(embeddedIpv4(v6).range());
  const range = nonUnicast(v6.range());
  if (range !== null) return range;
  return v6.match(GLOBAL_UNICAST_V6) ? null : 'outsideGlobalUnicast';
}

function nonUnicast(range: ReturnType<ipaddr.IPv4['range']> | ReturnType<ipaddr.IPv6['range']>): AddressClass | null {
  return range === 'unicast' ? null : range;
}

/**
 * An IPv6 literal in the WHATWG URL serialization (hex groups only, zone id dropped: it names an
 * interface, not an address). ipaddr.js reads the deprecated `::a.b.c.d` as IPv4-mapped while the
 * socket reads it as IPv4-compatible `::a.b.c.d`; it is given only forms both read the same way.
 */
function canonicalIpv6(ip: string): string {
  const bare = ip.split('%')[0]!;
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** The IPv4 address in an IPv6 address's last 32 bits. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12));
}

const systemLookup: HostLookup = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Check a destination URL before storing it (and, ideally, before each attempt). Literal IPs are
 * checked as they are; names are resolved and refused if ANY address is non-public, since a client may
 * connect to any of them. A name that does not resolve is refused.
 *
 * This is a point-in-time check — a DNS answer can change before the connection is made — so sends
 * also go through publicOnlyDispatcher(), which classifies the addresses the socket really uses.
 *
 * @example
 * await checkDestinationUrl('https://crm.example.com/hooks', { allowPrivate: false })
 * // { ok: true, url } or { ok: false, reason: 'crm.example.com resolves to 10.0.0.5, which is not a public address (private); …' }
 */
export async function checkDestinationUrl(url: string, opts: DestinationCheckOptions): Promise<DestinationCheck> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'not a valid absolute URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: `scheme ${parsed.protocol.slice(0, -1)} is not allowed; use http or https` };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed; the request is signed instead' };
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return { ok: false, reason: 'the URL has no host' };

  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else if (/(^|\.)localhost\.?$/i.test(host)) {
    // RFC 6761 §6.3: localhost names are loopback whatever DNS says.
    addresses = ['127.0.0.1'];
  } else {
    try {
      addresses = await (opts.lookup ?? systemLookup)(host);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { ok: false, reason: `cannot resolve ${host}${typeof code === 'string' ? ` (${code})` : ''}` };
    }
    if (addresses.length === 0) return { ok: false, reason: `cannot resolve ${host}` };
  }
  if (opts.allowPrivate) return { ok: true, url: parsed };

  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (cls !== null) {
      const via = address === host ? `${host} is` : `${host} resolves to ${address}, which is`;
      return {
        ok: false,
        reason: `${via} not a public address (${cls}); set LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1 to allow private destinations`,
      };
    }
  }
  return { ok: true, url: parsed };
}
