import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { addressBytes, anyAddress, EMBEDDING_FORMS, inSpecialBlock, samplesOf, SPECIAL_BLOCKS, WRAPPED_FORMS } from '../../test/helpers/special-addresses.js';
import { checkDestinationUrl, classifyAddress, type HostLookup } from './destination-url.js';

/** A fake resolver: no real DNS in tests. */
function fakeDns(table: Record<string, string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string): Promise<string[]> => {
    calls.push(host);
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return Object.assign(lookup, { calls });
}

const NO_DNS: HostLookup = async (host) => {
  throw new Error(`unexpected DNS lookup of ${host}`);
};

async function refused(url: string, lookup: HostLookup = NO_DNS): Promise<string> {
  const result = await checkDestinationUrl(url, { allowPrivate: false, lookup });
  assert.equal(result.ok, false, `${url} should be refused`);
  return result.ok ? '' : result.reason;
}

/**
 * The guard's rule, read straight from ipaddr.js: plain unicast after unwrapping mapped and NAT64
 * forms, IPv6 in 2000::/3. The address is given to ipaddr.js as bytes: its parser reads `::a.b.c.d`
 * as IPv4-mapped, which a socket does not.
 */
function ipaddrSaysGlobalUnicast(ip: string): boolean {
  let address = ipaddr.fromByteArray(addressBytes(ip));
  if (address instanceof ipaddr.IPv6 && (address.isIPv4MappedAddress() || address.match(ipaddr.parseCIDR('64:ff9b::/96')))) {
    address = new ipaddr.IPv4(address.toByteArray().slice(12));
  }
  return address.range() === 'unicast' && (address instanceof ipaddr.IPv4 || address.match(ipaddr.parseCIDR('2000::/3')));
}

describe('classifyAddress', () => {
  const cases: Array<[string, ReturnType<typeof classifyAddress>]> = [
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'reserved'],
    ['192.88.99.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['::7f00:1', 'outsideGlobalUnicast'],
    ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
    ['2002:5db8:d822::1', '6to4'], // 6to4 of a public address: refused all the same
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    ['127.1', 'notAnAddress'],
    ['crm.example.com', 'notAnAddress'],
    ['93.184.216.34', null],
    ['192.0.3.1', null],
    ['198.20.0.1', null],
    ['2606:2800:220:1:248:1893:25c8:1946', null],
    ['::ffff:93.184.216.34', null],
    ['64:ff9b::5db8:d822', null], // NAT64 of 93.184.216.34
  ];
  for (const [ip, expected] of cases) {
    it(`classifies ${ip} as ${expected ?? 'global unicast'}`, () => {
      assert.equal(classifyAddress(ip), expected);
    });
  }

  for (const { cidr, what } of SPECIAL_BLOCKS) {
    it(`refuses the first, a middle and the last address of ${cidr} (${what})`, () => {
      for (const ip of samplesOf(cidr)) assert.notEqual(classifyAddress(ip), null, ip);
    });
  }

  it('refuses every IPv6 spelling of a non-public IPv4 address, and allows only mapped and NAT64 spellings of a public one', () => {
    for (const form of EMBEDDING_FORMS) {
      for (const inner of ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.0.2.1', '0.0.0.0', '100.64.0.1']) {
        assert.notEqual(classifyAddress(form(inner)), null, form(inner));
      }
      assert.equal(classifyAddress(form('93.184.216.34')) === null, WRAPPED_FORMS.includes(form), form('93.184.216.34'));
    }
  });

  it('allows an address exactly when ipaddr.js calls it plain unicast, and never one in an IANA special-purpose block (property)', () => {
    fc.assert(
      fc.property(anyAddress, (ip) => {
        const allowed = classifyAddress(ip) === null;
        assert.equal(allowed, ipaddrSaysGlobalUnicast(ip), ip);
        if (allowed) assert.equal(inSpecialBlock(ip), false, `${ip} is in a special-purpose block`);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('checkDestinationUrl', () => {
  it('allows a public literal IP without any DNS lookup', async () => {
    const result = await checkDestinationUrl('https://93.184.216.34/hooks?x=1', { allowPrivate: false, lookup: NO_DNS });
    assert.ok(result.ok);
    assert.equal(result.url.href, 'https://93.184.216.34/hooks?x=1');
  });

  it('allows a name whose every address is public', async () => {
    const dns = fakeDns({ 'crm.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const result = await checkDestinationUrl('https://crm.example.com/in', { allowPrivate: false, lookup: dns });
    assert.ok(result.ok);
    assert.deepEqual(dns.calls, ['crm.example.com']);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const dns = fakeDns({ 'mixed.example.com': ['93.184.216.34', '10.0.0.5'] });
    const reason = await refused('https://mixed.example.com/', dns);
    assert.match(reason, /mixed\.example\.com resolves to 10\.0\.0\.5.*private.*LEADHOOK_ALLOW_PRIVATE_DESTINATIONS=1/);
  });

  for (const url of [
    'http://127.0.0.1:8080/',
    'http://[::1]/',
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://192.168.0.10/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://0.0.0.0/',
    'http://[::]/',
    'http://100.64.1.1/',
    'http://224.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/', // 127.0.0.1 as one decimal number
    'http://0x7f.1/', // 127.0.0.1 in hex shorthand
  ]) {
    it(`refuses the literal address in ${url}`, async () => {
      assert.match(await refused(url), /not a public address/);
    });
  }

  /** `http://host/` with an IPv6 literal bracketed. */
  const urlOf = (ip: string) => `http://${ip.includes(':') ? `[${ip}]` : ip}/hook`;

  for (const { cidr, what } of SPECIAL_BLOCKS) {
    it(`refuses ${cidr} (${what}) as a literal and as what a name resolves to`, async () => {
      for (const ip of samplesOf(cidr)) {
        assert.match(await refused(urlOf(ip)), /not a public address/, ip);
        assert.match(await refused('https://crm.example.com/', fakeDns({ 'crm.example.com': [ip] })), /crm\.example\.com resolves to .* not a public address/, ip);
      }
    });
  }

  it('refuses every spelling of a loopback address the URL parser accepts, without asking DNS', async () => {
    for (const url of [
      'http://2130706433/', // one decimal number
      'http://0177.0.0.1/', // octal
      'http://0x7f.1/', // hex, short form
      'http://0x7f000001/',
      'http://017700000001/',
      'http://127.1/', // short form
      'http://127.0.1/',
      'http://127.0.0.1./', // trailing dot
      'http://%31%32%37.0.0.1/', // percent-encoded
      'http://１２７.０.０.１/', // full-width digits
      'http://0/', // 0.0.0.0
      'http://[::ffff:127.0.0.1]/',
      'http://[::FFFF:7F00:1]/',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/',
      'http://[::ffff:0:7f00:1]/', // IPv4-translated
      'http://[::127.0.0.1]/', // IPv4-compatible
      'http://[64:ff9b::127.0.0.1]/', // NAT64
      'http://[2002:7f00:1::1]/', // 6to4
    ]) {
      assert.match(await refused(url), /not a public address/, url);
    }
  });

  it('reads other spellings of a public address as that address', async () => {
    for (const url of ['http://1572395042/', 'http://0x5d.0xb8.0xd8.0x22/', 'http://93.184.216.34./', 'http://[::ffff:93.184.216.34]/']) {
      const result = await checkDestinationUrl(url, { allowPrivate: false, lookup: NO_DNS });
      assert.ok(result.ok, url);
      assert.match(result.url.hostname, /^(93\.184\.216\.34|\[::ffff:5db8:d822\])$/);
    }
  });

  it('refuses an IPv6 literal with a zone id as not a URL', async () => {
    for (const url of ['http://[fe80::1%25eth0]/', 'http://[fe80::1%eth0]/', 'http://[2606:4700::1%251]/']) {
      assert.match(await refused(url), /not a valid absolute URL/, url);
    }
  });

  it('refuses a name with a trailing dot that resolves to a private address', async () => {
    const dns = fakeDns({ 'crm.example.com.': ['192.168.1.10'] });
    assert.match(await refused('https://crm.example.com./', dns), /resolves to 192\.168\.1\.10.*private/);
    assert.deepEqual(dns.calls, ['crm.example.com.']);
  });

  it('refuses localhost and its subdomains without asking DNS', async () => {
    for (const url of ['http://localhost:3000/', 'http://LOCALHOST./', 'http://api.localhost/']) {
      assert.match(await refused(url), /loopback/);
    }
  });

  it('lets loopback and private addresses through when private destinations are allowed', async () => {
    for (const url of ['http://127.0.0.1:9/', 'http://localhost/', 'http://[::ffff:127.0.0.1]/', 'http://10.1.1.1/']) {
      const result = await checkDestinationUrl(url, { allowPrivate: true, lookup: NO_DNS });
      assert.ok(result.ok, url);
    }
  });

  it('refuses schemes other than http and https', async () => {
    assert.match(await refused('ftp://93.184.216.34/file'), /scheme ftp is not allowed/);
    assert.match(await refused('file:///etc/passwd'), /scheme file is not allowed/);
  });

  it('refuses credentials in the URL', async () => {
    assert.match(await refused('https://user:secret@93.184.216.34/'), /credentials/);
  });

  it('refuses something that is not an absolute URL', async () => {
    assert.match(await refused('/relative/path'), /not a valid absolute URL/);
    assert.match(await refused('https://'), /not a valid absolute URL/);
  });

  it('refuses a host that does not resolve, naming the DNS error', async () => {
    assert.match(await refused('https://nowhere.invalid/', fakeDns({})), /cannot resolve nowhere\.invalid \(ENOTFOUND\)/);
    assert.match(await refused('https://empty.example/', fakeDns({ 'empty.example': [] })), /cannot resolve empty\.example/);
  });

  it('refuses an unresolvable host even when private destinations are allowed', async () => {
    const result = await checkDestinationUrl('https://nowhere.invalid/', { allowPrivate: true, lookup: fakeDns({}) });
    assert.equal(result.ok, false);
  });
});
