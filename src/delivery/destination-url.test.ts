import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

describe('classifyAddress', () => {
  const cases: Array<[string, ReturnType<typeof classifyAddress>]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
    ['93.184.216.34', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['8.8.8.8', null],
    ['2606:2800:220:1:248:1893:25c8:1946', null],
    ['::ffff:93.184.216.34', null],
    ['64:ff9b::5db8:d822', null], // NAT64 of 93.184.216.34
  ];
  for (const [ip, expected] of cases) {
    it(`classifies ${ip} as ${expected ?? 'public'}`, () => {
      assert.equal(classifyAddress(ip), expected);
    });
  }
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
