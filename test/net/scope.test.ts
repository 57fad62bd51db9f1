import { describe, expect, it } from 'vitest';
import { addressFamily, addressScope, canonicalAddress } from '../../electron/net/scope';
import { formatIPv6, parseAddress, parseIPv4, parseIPv6 } from '../../electron/net/ip';
import type { AddressScope } from '../../electron/shared/types';

const scopes: Array<[string, AddressScope]> = [
  // loopback
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  // RFC 1918, CGNAT, ULA
  ['10.0.0.1', 'lan'],
  ['10.255.255.255', 'lan'],
  ['172.16.0.1', 'lan'],
  ['172.31.255.255', 'lan'],
  ['172.15.255.255', 'internet'],
  ['172.32.0.0', 'internet'],
  ['192.168.1.1', 'lan'],
  ['192.169.0.1', 'internet'],
  ['100.64.0.1', 'lan'],
  ['100.127.255.255', 'lan'],
  ['100.63.255.255', 'internet'],
  ['100.128.0.0', 'internet'],
  ['fc00::1', 'lan'],
  ['fd12:3456:789a::1', 'lan'],
  ['fbff::1', 'internet'],
  ['fec0::1', 'lan'],
  ['::ffff:192.168.0.10', 'lan'],
  // benchmarking and documentation ranges (test namespaces live here)
  ['198.18.0.1', 'lan'],
  ['198.19.255.255', 'lan'],
  ['198.17.255.255', 'internet'],
  ['198.20.0.0', 'internet'],
  ['2001:db8::1', 'lan'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'lan'],
  ['2001:db9::1', 'internet'],
  ['2001:0DB8:0000::0001', 'lan'],
  ['192.0.2.55', 'lan'],
  ['198.51.100.7', 'lan'],
  ['203.0.113.9', 'lan'],
  ['240.0.0.1', 'lan'],
  // link-local
  ['169.254.0.1', 'linklocal'],
  ['169.254.169.254', 'linklocal'],
  ['169.253.255.255', 'internet'],
  ['169.255.0.0', 'internet'],
  ['fe80::1', 'linklocal'],
  ['fe80::1%eth0', 'linklocal'],
  ['febf:ffff::1', 'linklocal'],
  ['fec0::', 'lan'],
  // multicast and broadcast
  ['224.0.0.251', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['223.255.255.255', 'internet'],
  ['255.255.255.255', 'multicast'],
  ['ff02::fb', 'multicast'],
  ['ff0e::1', 'multicast'],
  // unspecified
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  // internet
  ['1.1.1.1', 'internet'],
  ['8.8.8.8', 'internet'],
  ['126.255.255.255', 'internet'],
  ['128.0.0.0', 'internet'],
  ['2606:4700:4700::1111', 'internet'],
  ['2a00:1450:4001:82b::200e', 'internet'],
  ['::ffff:1.1.1.1', 'internet'],
  // NAT64: the embedded IPv4 address decides
  ['64:ff9b::1.1.1.1', 'internet'],
  ['64:ff9b::10.0.0.1', 'lan'],
];

describe('addressScope', () => {
  it.each(scopes)('%s → %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
  });

  it('reports what it cannot parse as internet, never hiding it', () => {
    expect(addressScope('not-an-ip')).toBe('internet');
    expect(addressScope('')).toBe('internet');
    expect(addressScope('127.0.0.1 ')).toBe('internet');
  });
});

const canon: Array<[string, string]> = [
  ['1.2.3.4', '1.2.3.4'],
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['::ffff:1.2.3.4', '1.2.3.4'],
  ['::FFFF:1.2.3.4', '1.2.3.4'],
  ['0:0:0:0:0:ffff:0102:0304', '1.2.3.4'],
  ['::', '::'],
  ['::1', '::1'],
  ['1::', '1::'],
  ['2001:DB8::1', '2001:db8::1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longer run wins
  ['fe80::1%eth0', 'fe80::1%eth0'],
  ['FE80::ABCD%wlp2s0', 'fe80::abcd%wlp2s0'],
  ['::1.2.3.4', '::102:304'], // IPv4-compatible (deprecated) stays IPv6
  ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
];

describe('canonicalAddress', () => {
  it.each(canon)('%s → %s', (input, expected) => {
    expect(canonicalAddress(input)).toBe(expected);
  });

  it('round-trips: canonical form is a fixed point', () => {
    for (const [, c] of canon) expect(canonicalAddress(c)).toBe(c);
  });
});

const hostile = [
  '',
  ' ',
  '1.2.3',
  '1.2.3.4.5',
  '1.2.3.256',
  '256.0.0.1',
  '01.2.3.4', // leading zero: octal to inet_aton
  '010.0.0.1',
  '1.2.3.04',
  '127.1', // inet_aton shorthand
  '0x7f.0.0.1',
  '0x7f000001',
  '2130706433',
  '1.2.3.4 ',
  ' 1.2.3.4',
  '1.2.3.4\n',
  '1.2.3.4\u0000',
  '1.2.3.-4',
  '1.2.3.+4',
  '1..3.4',
  '.1.2.3',
  '1.2.3.4.',
  '１.２.３.４', // fullwidth digits
  '١.٢.٣.٤', // Arabic-Indic digits
  '[::1]',
  '::1]',
  '[::1]:80',
  '1.2.3.4:80',
  ':::',
  '::1::',
  '1::2::3',
  ':1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7:',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4:5:6:7',
  '1:2:3:4:5:6:7::8', // :: must stand for at least one group
  '12345::1',
  'g::1',
  '::ffff:1.2.3',
  '::ffff:1.2.3.4.5',
  '::ffff:256.1.1.1',
  '1.2.3.4::',
  '::1.2.3.4:5',
  'fe80::1%',
  'fe80::1%eth0 ; rm -rf /',
  'fe80::1%eth0%eth1',
  'fe80::1%' + 'a'.repeat(40),
  '1.2.3.4%eth0',
  'localhost',
  'example.com',
  '1'.repeat(100),
  ':'.repeat(100),
  'a'.repeat(100_000),
  '::ffff:1.2.3.4'.repeat(10),
];

describe('hostile input', () => {
  it.each(hostile.map((h) => [JSON.stringify(h).slice(0, 60), h]))('rejects %s', (_label, input) => {
    expect(canonicalAddress(input)).toBeNull();
    expect(addressFamily(input)).toBeNull();
    expect(parseAddress(input)).toBeNull();
  });

  it('survives non-string input at runtime', () => {
    for (const v of [null, undefined, 42, {}, [], Symbol.iterator]) {
      expect(canonicalAddress(v as unknown as string)).toBeNull();
      expect(addressScope(v as unknown as string)).toBe('internet');
    }
  });
});

describe('parsers', () => {
  it('addressFamily', () => {
    expect(addressFamily('1.2.3.4')).toBe(4);
    expect(addressFamily('::ffff:1.2.3.4')).toBe(4);
    expect(addressFamily('2001:db8::1')).toBe(6);
  });

  it('IPv4 extremes', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('128.0.0.1')).toBe(0x80000001);
  });

  it('IPv6 groups', () => {
    expect(parseIPv6('2001:db8::ffff:1.2.3.4')?.groups).toEqual([0x2001, 0xdb8, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(formatIPv6([0, 0, 0, 0, 0, 0, 0, 0])).toBe('::');
    expect(formatIPv6([0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff])).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('agrees with Node on random addresses', async () => {
    const net = await import('node:net');
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const groups = Array.from({ length: 8 }, () => (rnd(3) === 0 ? 0 : rnd(65536)));
      const full = groups.map((g) => g.toString(16)).join(':');
      const c = canonicalAddress(full);
      expect(c).not.toBeNull();
      expect(net.isIPv6(c as string) || net.isIPv4(c as string)).toBe(true);
      // Node's URL parser also prints RFC 5952 text; compare where the address stays IPv6.
      if (!(c as string).includes('.')) expect(new URL(`http://[${full}]/`).hostname).toBe(`[${c}]`);
    }
  });

  it('is fast enough to call per flow', () => {
    const samples = ['192.168.1.20', '2606:4700:4700::1111', '::ffff:10.0.0.1', '8.8.8.8', 'fe80::1%eth0'];
    const n = 200_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) addressScope(samples[i % samples.length] as string);
    const perCallUs = ((performance.now() - t0) * 1000) / n;
    console.log(`[measure] addressScope: ${perCallUs.toFixed(3)} µs/call`);
    expect(perCallUs).toBeLessThan(5);
  });
});
