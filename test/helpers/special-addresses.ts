/**
 * The IANA special-purpose address registries (iana.org/assignments/iana-ipv4-special-registry and
 * iana-ipv6-special-registry, as of 2025) and the other blocks that are not global unicast, written
 * out independently of ipaddr.js so the SSRF guard's tests do not take the library's word for it.
 */
import { BlockList, isIPv4 } from 'node:net';
import fc from 'fast-check';

export interface SpecialBlock {
  cidr: string;
  what: string;
}

export const SPECIAL_BLOCKS: readonly SpecialBlock[] = [
  { cidr: '0.0.0.0/8', what: '"this network"' },
  { cidr: '10.0.0.0/8', what: 'private' },
  { cidr: '100.64.0.0/10', what: 'CGNAT shared address space' },
  { cidr: '127.0.0.0/8', what: 'loopback' },
  { cidr: '169.254.0.0/16', what: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', what: 'private' },
  { cidr: '192.0.0.0/24', what: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', what: 'documentation TEST-NET-1' },
  { cidr: '192.31.196.0/24', what: 'AS112-v4' },
  { cidr: '192.52.193.0/24', what: 'AMT' },
  { cidr: '192.88.99.0/24', what: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', what: 'private' },
  { cidr: '192.175.48.0/24', what: 'AS112 direct delegation' },
  { cidr: '198.18.0.0/15', what: 'benchmarking' },
  { cidr: '198.51.100.0/24', what: 'documentation TEST-NET-2' },
  { cidr: '203.0.113.0/24', what: 'documentation TEST-NET-3' },
  { cidr: '224.0.0.0/4', what: 'multicast' },
  { cidr: '240.0.0.0/4', what: 'reserved' },
  { cidr: '255.255.255.255/32', what: 'limited broadcast' },
  { cidr: '::/128', what: 'unspecified' },
  { cidr: '::1/128', what: 'loopback' },
  { cidr: '::/96', what: 'IPv4-compatible (deprecated)' },
  { cidr: '::ffff:0:0:0/96', what: 'IPv4-translated' },
  { cidr: '64:ff9b:1::/48', what: 'local-use NAT64' },
  { cidr: '100::/64', what: 'discard-only' },
  { cidr: '2001::/23', what: 'IETF protocol assignments' },
  { cidr: '2001::/32', what: 'Teredo' },
  { cidr: '2001:2::/48', what: 'benchmarking' },
  { cidr: '2001:3::/32', what: 'AMT' },
  { cidr: '2001:4:112::/48', what: 'AS112-v6' },
  { cidr: '2001:10::/28', what: 'ORCHID (deprecated)' },
  { cidr: '2001:20::/28', what: 'ORCHIDv2' },
  { cidr: '2001:30::/28', what: 'drone remote ID' },
  { cidr: '2001:db8::/32', what: 'documentation' },
  { cidr: '2002::/16', what: '6to4' },
  { cidr: '2620:4f:8000::/48', what: 'AS112 direct delegation v6' },
  { cidr: '3fff::/20', what: 'documentation (RFC 9637)' },
  { cidr: '5f00::/16', what: 'SRv6 SIDs' },
  { cidr: 'fc00::/7', what: 'unique local' },
  { cidr: 'fe80::/10', what: 'link-local' },
  { cidr: 'fec0::/10', what: 'site-local (deprecated)' },
  { cidr: 'ff00::/8', what: 'multicast' },
  // Not in the special registry, but not global unicast either: IANA assigns unicast from 2000::/3 only.
  { cidr: '100::/8', what: 'IETF reserved' },
  { cidr: '200::/7', what: 'IETF reserved' },
  { cidr: '400::/6', what: 'IETF reserved' },
  { cidr: '800::/5', what: 'IETF reserved' },
  { cidr: '1000::/4', what: 'IETF reserved' },
  { cidr: '4000::/3', what: 'unassigned' },
  { cidr: 'e000::/4', what: 'unassigned' },
];

/** IPv4 addresses that reach an IPv4 host through an IPv6 spelling, and must be judged by it. */
export const WRAPPED_FORMS: ReadonlyArray<(v4: string) => string> = [(v4) => `::ffff:${v4}`, (v4) => `64:ff9b::${v4}`];

/** Every spelling that carries an IPv4 address inside an IPv6 one; only WRAPPED_FORMS may ever be allowed. */
export const EMBEDDING_FORMS: ReadonlyArray<(v4: string) => string> = [
  ...WRAPPED_FORMS,
  (v4) => `::${v4}`, // IPv4-compatible
  (v4) => `::ffff:0:${v4}`, // IPv4-translated
  (v4) => `64:ff9b:1::${v4}`, // local-use NAT64
  (v4) => `2002:${v4Groups(v4)}::1`, // 6to4
  (v4) => `2001:0:${v4Groups(v4)}::1`, // Teredo (server address)
];

function v4Groups(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

const blocks = new BlockList();
for (const { cidr } of SPECIAL_BLOCKS) {
  const [network, prefix] = cidr.split('/') as [string, string];
  blocks.addSubnet(network, Number(prefix), isIPv4(network) ? 'ipv4' : 'ipv6');
}

/** True when the address lies in one of SPECIAL_BLOCKS (IPv4-mapped IPv6 is judged by its IPv4 address by BlockList). */
export function inSpecialBlock(ip: string): boolean {
  return blocks.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}

/** The first, a middle and the last address of a block. */
export function samplesOf(cidr: string): string[] {
  const [network, prefixText] = cidr.split('/') as [string, string];
  const prefix = Number(prefixText);
  const bits = isIPv4(network) ? 32 : 128;
  const base = toBigInt(network);
  const size = 1n << BigInt(bits - prefix);
  return [...new Set([base, base + size / 2n, base + size - 1n])].map((n) => fromBigInt(n, bits));
}

/** The 4 or 16 bytes of an address literal (zone id dropped; a dotted-quad tail read as the last 32 bits). */
export function addressBytes(ip: string): number[] {
  const bits = isIPv4(ip) ? 32 : 128;
  const n = toBigInt(ip.split('%')[0]!);
  return Array.from({ length: bits / 8 }, (_, i) => Number((n >> BigInt(bits - 8 - 8 * i)) & 0xffn));
}

function toBigInt(ip: string): bigint {
  if (isIPv4(ip)) return ip.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (dotted) ip = `${ip.slice(0, dotted.index)}${v4Groups(dotted.slice(1).join('.'))}`;
  const [head = '', tail] = ip.split('::');
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const left = part(head);
  const right = part(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function fromBigInt(n: bigint, bits: number): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  return [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((n >> s) & 0xffffn).toString(16)).join(':');
}

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));
/** An address somewhere inside one of SPECIAL_BLOCKS. */
const inBlock = fc.tuple(fc.constantFrom(...SPECIAL_BLOCKS), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })).map(([{ cidr }, noise]) => {
  const [network, prefixText] = cidr.split('/') as [string, string];
  const bits = isIPv4(network) ? 32 : 128;
  const hostBits = BigInt(bits - Number(prefixText));
  return fromBigInt(toBigInt(network) + (noise & ((1n << hostBits) - 1n)), bits);
});

/** Any IP address, weighted toward the special blocks and the IPv6 spellings of IPv4 addresses. */
export const anyAddress: fc.Arbitrary<string> = fc.oneof(
  ipv4,
  ipv6,
  // 2000::/3, where global IPv6 unicast lives, so some random IPv6 addresses are allowed.
  fc.tuple(fc.integer({ min: 0x2000, max: 0x3fff }), ipv6).map(([first, a]) => `${first.toString(16)}${a.slice(a.indexOf(':'))}`),
  inBlock,
  fc.tuple(fc.constantFrom(...EMBEDDING_FORMS), fc.oneof(ipv4, inBlock.filter(isIPv4))).map(([form, v4]) => form(v4)),
);
