import { describe, expect, it } from 'vitest';
import { canonicalAddress, isUnspecified } from '../../electron/collector/parse/darwin-win-address';
import { ssStateName, tupleKey } from '../../electron/collector/parse/darwin-win-socket';

describe('canonicalAddress', () => {
  it.each([
    ['198.18.0.1', '198.18.0.1', 4],
    ['[2001:DB8::1]', '2001:db8::1', 6],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6],
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['fe80::1%en0', 'fe80::1', 6],
    ['fe80::1%12', 'fe80::1', 6],
    ['fe80:4::aede:48ff:fe00:1122', 'fe80::aede:48ff:fe00:1122', 6],
    ['::ffff:198.18.0.7', '198.18.0.7', 4],
    ['::FFFF:c612:7', '198.18.0.7', 4],
    ['[::ffff:192.168.1.23]', '192.168.1.23', 4],
    ['64:ff9b::198.18.0.1', '64:ff9b::c612:1', 6],
  ])('%s → %s', (raw, address, family) => {
    expect(canonicalAddress(raw)).toEqual({ address, family });
  });

  it.each(['', '*', 'example.org', '256.1.1.1', '1.2.3', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', '::1.2.3.4.5', '[::1', 'g::1'])(
    'rejects %j',
    (raw) => {
      expect(canonicalAddress(raw)).toBeNull();
    },
  );

  it('knows wildcards', () => {
    expect(isUnspecified('0.0.0.0')).toBe(true);
    expect(isUnspecified('::')).toBe(true);
    expect(isUnspecified('::1')).toBe(false);
  });
});

describe('socket helpers', () => {
  it('keys by protocol, 5-tuple and pid', () => {
    expect(tupleKey('tcp', '10.0.0.2', 5000, '198.18.0.1', 443, 12)).toBe('tcp|10.0.0.2|5000|198.18.0.1|443|12');
    expect(tupleKey('udp', '::1', 5, '::1', 9, null)).toBe('udp|::1|5|::1|9|-');
  });

  it.each([
    ['ESTABLISHED', 'ESTAB'],
    ['Established', 'ESTAB'],
    ['SYN_SENT', 'SYN-SENT'],
    ['SynSent', 'SYN-SENT'],
    ['SYN_RECEIVED', 'SYN-RECV'],
    ['FIN_WAIT_1', 'FIN-WAIT-1'],
    ['FinWait2', 'FIN-WAIT-2'],
    ['CLOSE_WAIT', 'CLOSE-WAIT'],
    ['LastAck', 'LAST-ACK'],
    ['TIME_WAIT', 'TIME-WAIT'],
    ['TimeWait', 'TIME-WAIT'],
    ['LISTEN', 'LISTEN'],
    ['CLOSED', 'UNCONN'],
    ['Bound', 'UNCONN'],
    ['weird_state', 'WEIRD_STATE'],
  ])('state %s → %s', (raw, name) => {
    expect(ssStateName(raw)).toBe(name);
  });
});

describe('canonicalAddress agrees with the WHATWG URL parser on IPv6', () => {
  it('for random addresses in expanded, mixed-case form', async () => {
    const fc: typeof import('fast-check').default = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.boolean(), (groups, upper) => {
        // Mapped (::ffff:0:0/96) and link-local addresses are rewritten on purpose; keep them out.
        fc.pre(!(groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff));
        fc.pre((groups[0] & 0xffc0) !== 0xfe80);
        let text = groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
        if (upper) text = text.toUpperCase();
        const expected = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        expect(canonicalAddress(text)).toEqual({ address: expected, family: 6 });
        expect(canonicalAddress(expected)).toEqual({ address: expected, family: 6 });
      }),
      { numRuns: 2000 },
    );
  });
});
