import { describe, expect, it } from 'vitest';
import { AddressGuard, addressRange, parseAllowEntry, type Resolver } from './address-guard.ts';
import { BlockedAddressError } from './errors.ts';

describe('which addresses are public', () => {
  it.each([
    // [address, public?, range]
    ['8.8.8.8', true, 'unicast'],
    ['93.184.216.34', true, 'unicast'],
    ['2606:4700:4700::1111', true, 'unicast'],
    ['127.0.0.1', false, 'loopback'],
    ['127.255.255.254', false, 'loopback'],
    ['10.0.0.1', false, 'private'],
    ['172.16.0.1', false, 'private'],
    ['172.31.255.255', false, 'private'],
    ['192.168.1.1', false, 'private'],
    ['169.254.169.254', false, 'linkLocal'],
    ['100.64.0.1', false, 'carrierGradeNat'],
    ['0.0.0.0', false, 'unspecified'],
    ['255.255.255.255', false, 'broadcast'],
    ['224.0.0.1', false, 'multicast'],
    ['192.0.2.1', false, 'reserved'],
    ['240.0.0.1', false, 'reserved'],
    ['::1', false, 'loopback'],
    ['::', false, 'unspecified'],
    ['fe80::1', false, 'linkLocal'],
    ['fc00::1', false, 'uniqueLocal'],
    ['fd12:3456::1', false, 'uniqueLocal'],
    ['ff02::1', false, 'multicast'],
    ['::ffff:127.0.0.1', false, 'loopback'],
    ['::ffff:10.0.0.1', false, 'private'],
    ['::ffff:8.8.8.8', true, 'unicast'],
    ['64:ff9b::a00:1', false, 'private (embedded in rfc6052)'],
    ['64:ff9b::808:808', true, 'unicast'],
    ['2002:a00:1::1', false, 'private (embedded in 6to4)'],
    ['2002:808:808::1', true, 'unicast'],
    ['2001:db8::1', false, 'reserved'],
    ['not-an-ip', false, 'invalid'],
  ])('%s: public %s (%s)', (address, isPublic, range) => {
    expect(addressRange(address)).toBe(range);
    expect(addressRange(address) === 'unicast').toBe(isPublic);
  });
});

describe('allow-list entries', () => {
  it.each([
    ['demo-api', { host: 'demo-api', port: undefined }],
    ['Demo-API:8080', { host: 'demo-api', port: 8080 }],
    ['127.0.0.1:4000', { host: '127.0.0.1', port: 4000 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['[::1]', { host: '::1', port: undefined }],
    ['0:0:0:0:0:0:0:1', { host: '::1', port: undefined }],
    ['example.com.', { host: 'example.com', port: undefined }],
  ])('%s', (entry, parsed) => {
    expect(parseAllowEntry(entry)).toEqual(parsed);
  });

  it('rejects an entry with an invalid port', () => {
    expect(() => parseAllowEntry('host:99999')).toThrow(RangeError);
  });
});

const noDns: Resolver = async (hostname) => {
  throw new Error(`unexpected DNS lookup of ${hostname}`);
};

function fakeDns(table: Record<string, string[]>): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (hostname) => {
      asked.push(hostname);
      return (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  };
}

describe('AddressGuard.checkUrl (before any connection, without DNS)', () => {
  const guard = new AddressGuard({ allowHosts: ['127.0.0.1:4000'], resolve: noDns });

  it.each([
    'http://10.0.0.1/',
    'http://127.0.0.1:4001/',
    'http://127.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]:4000/',
    'http://0x7f000001:4001/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0.0.0.0:4000/',
    'https://[fe80::1]/',
  ])('refuses %s', (url) => {
    expect(() => guard.checkUrl(new URL(url))).toThrow(BlockedAddressError);
  });

  it.each([
    'http://127.0.0.1:4000/records/1',
    'http://8.8.8.8/',
    'https://[2606:4700:4700::1111]/',
    'http://example.com/',
    'http://localhost/',
  ])('lets %s through (names are checked when connecting)', (url) => {
    expect(() => guard.checkUrl(new URL(url))).not.toThrow();
  });
});

describe('AddressGuard.resolve (when connecting)', () => {
  it('pins a public name to the address it checked', async () => {
    const dns = fakeDns({ 'example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    const guard = new AddressGuard({ resolve: dns.resolve });
    await expect(guard.resolve('example.com', 80)).resolves.toEqual({ address: '93.184.216.34', family: 4 });
  });

  it.each([
    ['localhost', ['127.0.0.1', '::1']],
    ['internal.example', ['10.1.2.3']],
    ['mixed.example', ['93.184.216.34', '10.0.0.1']],
    ['metadata.example', ['169.254.169.254']],
    ['v6-local.example', ['fd00::1']],
  ])('refuses %s, which resolves to %j', async (host, addresses) => {
    const dns = fakeDns({ [host]: addresses });
    const guard = new AddressGuard({ resolve: dns.resolve });
    await expect(guard.resolve(host, 80)).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it('lets an allowed name through without asking DNS, on the allowed port only', async () => {
    const dns = fakeDns({ 'demo-api': ['172.18.0.5'] });
    const guard = new AddressGuard({ allowHosts: ['demo-api:8080'], resolve: dns.resolve });
    await expect(guard.resolve('demo-api', 8080)).resolves.toBeUndefined();
    expect(dns.asked).toEqual([]);
    await expect(guard.resolve('demo-api', 9090)).rejects.toBeInstanceOf(BlockedAddressError);
  });

  it('allows every host with allowPrivate', async () => {
    const guard = new AddressGuard({ allowPrivate: true, resolve: noDns });
    await expect(guard.resolve('localhost', 80)).resolves.toBeUndefined();
    expect(() => guard.checkUrl(new URL('http://10.0.0.1/'))).not.toThrow();
  });

  it('checks IP literals without DNS', async () => {
    const guard = new AddressGuard({ resolve: noDns });
    await expect(guard.resolve('10.0.0.1', 80)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(guard.resolve('8.8.8.8', 80)).resolves.toEqual({ address: '8.8.8.8', family: 4 });
  });

  it('fails like DNS does when a name has no address', async () => {
    const guard = new AddressGuard({ resolve: fakeDns({}).resolve });
    await expect(guard.resolve('nowhere.example', 80)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
