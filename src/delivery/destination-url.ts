/**
 * Destination URL checks (SSRF guard): http(s) only, no credentials, and — unless private destinations
 * are allowed (`LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1`) — no host that resolves to a loopback, private,
 * link-local, unspecified, CGNAT, multicast or reserved address.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Why an address is not a public unicast one. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'cgnat' | 'multicast' | 'reserved';

/** Resolves a host name to its addresses (IPv4 and IPv6). Injected in tests. */
export type HostLookup = (host: string) => Promise<string[]>;

export type DestinationCheck = { ok: true; url: URL } | { ok: false; reason: string };

export interface DestinationCheckOptions {
  /** Let loopback/private/link-local… addresses through (development, on-premise receivers). */
  allowPrivate: boolean;
  lookup?: HostLookup;
}

// Sources: RFC 6890 special-purpose registries (IANA ipv4/ipv6-special-registry), RFC 6598 (CGNAT).
const RANGES: ReadonlyArray<[AddressClass, string, number, 'ipv4' | 'ipv6']> = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'], // "this network": 0.x.x.x reaches the local host on Linux
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'], // includes cloud metadata 169.254.169.254
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['reserved', '198.18.0.0', 15, 'ipv4'], // benchmarking
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // includes broadcast 255.255.255.255
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['reserved', '::', 96, 'ipv6'], // deprecated IPv4-compatible addresses
  ['reserved', '64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['reserved', '100::', 64, 'ipv6'], // discard-only
  ['private', 'fc00::', 7, 'ipv6'], // unique local
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['reserved', 'fec0::', 10, 'ipv6'], // deprecated site-local
  ['multicast', 'ff00::', 8, 'ipv6'],
];

const LISTS = new Map<AddressClass, BlockList>();
for (const [cls, network, prefix, family] of RANGES) {
  const list = LISTS.get(cls) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  LISTS.set(cls, list);
}

/** The 8 16-bit groups of an IPv6 address (zone id dropped), or null. */
function ipv6Groups(ip: string): number[] | null {
  let text = ip.split('%')[0]!.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined): number[] => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/** The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedIpv4(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (!g) return null;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return v4(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4(g6, g7);
  if (g0 === 0x2002) return v4(g1, g2);
  return null;
}

/**
 * Classify an IP address literal; null for a public unicast address (or a string that is not an IP).
 *
 * @example
 * classifyAddress('10.1.2.3')          // 'private'
 * classifyAddress('::ffff:127.0.0.1')  // 'loopback'
 * classifyAddress('93.184.216.34')     // null
 */
export function classifyAddress(ip: string): AddressClass | null {
  const family = isIP(ip.split('%')[0]!);
  if (family === 0) return null;
  if (family === 6) {
    const inner = embeddedIpv4(ip);
    if (inner !== null) return classifyAddress(inner);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [cls, list] of LISTS) if (list.check(ip, type)) return cls;
  return null;
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
