// The ss parser on real output recorded on this machine (see test/fixtures/linux/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSsEndpoint, parseSsLine, parseSsOutput, SsStreamParser, type SsSocket } from '../../electron/collector/parse/ss';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', 'linux', name), 'utf8');
const byCookie = (list: SsSocket[], cookie: string): SsSocket => {
  const found = list.find((s) => s.cookie === cookie);
  if (!found) throw new Error(`no socket sk:${cookie} in fixture`);
  return found;
};

describe('ss -tuanieOH listing', () => {
  const { sockets, rejected } = parseSsOutput(fixture('ss-tuanieOH.txt'));

  it('reads every line', () => {
    expect(rejected).toBe(0);
    expect(sockets).toHaveLength(20);
  });

  it('TCP v4 ESTAB with tcp_info, owned by root (uid omitted)', () => {
    const s = byCookie(sockets, '298');
    expect(s).toMatchObject({
      proto: 'tcp',
      family: 4,
      state: 'ESTAB',
      local: { address: '198.18.30.1', port: 34180, family: 4, iface: null, wildcard: false },
      peer: { address: '198.18.30.2', port: 7001, family: 4 },
      uid: 0,
      inode: 91498,
      cgroup: '/',
      tcpInfo: true,
      bytesSent: 8197,
      bytesRetrans: 0,
      bytesReceived: 4096,
    });
  });

  it('uid of another user', () => {
    expect(byCookie(sockets, '297')).toMatchObject({ uid: 65534, bytesSent: 2053, bytesReceived: 1024 });
    expect(byCookie(sockets, '291')).toMatchObject({ proto: 'udp', uid: 65534, tcpInfo: false, bytesSent: null });
  });

  it('TCP v6 with full, untruncated addresses', () => {
    const s = byCookie(sockets, '29f');
    expect(s.family).toBe(6);
    expect(s.local).toMatchObject({ address: '2001:db8:1e::1', port: 60744, family: 6 });
    expect(s.peer).toMatchObject({ address: '2001:db8:1e::2', port: 7001, family: 6 });
    expect(s.bytesSent).toBe(8197);
  });

  it('IPv4-mapped IPv6 is reported as IPv4', () => {
    const client = byCookie(sockets, '29e');
    expect(client.family).toBe(4);
    expect(client.local).toMatchObject({ address: '127.0.0.1', port: 54810, family: 4 });
    expect(client.peer).toMatchObject({ address: '127.0.0.1', port: 34297, family: 4 });
    // bytes_received absent on a socket that received nothing: 0, not unknown.
    expect(client).toMatchObject({ bytesSent: 1000, bytesReceived: 0, tcpInfo: true });
    expect(byCookie(sockets, '2a0')).toMatchObject({ bytesSent: 0, bytesReceived: 1000 });
  });

  it('SYN-SENT carries tcp_info with nothing sent yet', () => {
    const s = byCookie(sockets, '296');
    expect(s).toMatchObject({ state: 'SYN-SENT', tcpInfo: true, bytesSent: 0, bytesReceived: 0, inode: 91504 });
    expect(s.peer).toMatchObject({ address: '198.18.30.3', port: 7001 });
  });

  it('TIME-WAIT mini sockets have no inode, owner or counters', () => {
    const tw = sockets.filter((s) => s.state === 'TIME-WAIT');
    expect(tw).toHaveLength(9);
    for (const s of tw) expect(s).toMatchObject({ inode: null, uid: null, tcpInfo: false, bytesSent: null, cgroup: null });
    expect(byCookie(sockets, '3ab7').local.address).toBe('2001:db8:1e::1');
  });

  it('dual-stack LISTEN on * and unconnected UDP have no peer', () => {
    const listen = byCookie(sockets, '29d');
    expect(listen.state).toBe('LISTEN');
    expect(listen.local).toMatchObject({ address: '::', wildcard: true, port: 34297, family: 6 });
    expect(listen.peer).toMatchObject({ wildcard: true, port: null });
    const udp = byCookie(sockets, '290');
    expect(udp).toMatchObject({ proto: 'udp', state: 'UNCONN' });
    expect(udp.local).toMatchObject({ address: '127.0.0.1', port: 49048 });
    expect(udp.peer).toMatchObject({ address: '0.0.0.0', wildcard: true, port: null, family: 4 });
  });

  it('UDP v6 connected', () => {
    const s = byCookie(sockets, '293');
    expect(s).toMatchObject({ proto: 'udp', family: 6, state: 'ESTAB', bytesSent: null, bytesReceived: null });
    expect(s.peer).toMatchObject({ address: '2001:db8:1e::2', port: 7003 });
  });
});

describe('ss -tuineOH (the collector listing) is the connected subset', () => {
  const all = parseSsOutput(fixture('ss-tuanieOH.txt')).sockets;
  const connected = parseSsOutput(fixture('ss-tuineOH.txt'));

  it('has no LISTEN, TIME-WAIT or unconnected sockets, and the same values', () => {
    expect(connected.rejected).toBe(0);
    expect(connected.sockets).toHaveLength(9);
    for (const s of connected.sockets) {
      expect(['ESTAB', 'SYN-SENT']).toContain(s.state);
      expect(s.peer.wildcard).toBe(false);
      const twin = byCookie(all, s.cookie!);
      expect(s.local).toEqual(twin.local);
      expect(s.bytesSent).toBe(twin.bytesSent);
    }
  });
});

describe('ss -E destroyed-socket events', () => {
  const events = parseSsOutput(fixture('ss-E-tuinOeH.txt'), { uidOmittedMeansRoot: false });
  const live = parseSsOutput(fixture('ss-tuanieOH.txt')).sockets;

  it('reads every line; no uid, inode or cgroup is printed', () => {
    expect(events.rejected).toBe(0);
    expect(events.sockets).toHaveLength(11);
    for (const s of events.sockets) expect(s).toMatchObject({ uid: null, inode: null, cgroup: null });
  });

  it('destroyed TCP sockets keep their cookie and carry final counters', () => {
    for (const cookie of ['298', '297', '29f', '29e']) {
      const end = byCookie(events.sockets, cookie);
      const before = byCookie(live, cookie);
      expect(end.state).toBe('UNCONN');
      expect(end.tcpInfo).toBe(true);
      expect(end.local).toEqual(before.local);
      expect(end.bytesSent!).toBeGreaterThanOrEqual(before.bytesSent!);
      expect(end.bytesReceived!).toBeGreaterThanOrEqual(before.bytesReceived!);
    }
    // The peer's FIN is counted by bytes_received: 4096 payload bytes + 1.
    expect(byCookie(events.sockets, '298')).toMatchObject({ bytesSent: 8197, bytesReceived: 4097 });
    expect(byCookie(events.sockets, '29f').family).toBe(6);
  });

  it('UDP destroy lines (send-q printed as -1) parse too', () => {
    expect(byCookie(events.sockets, '293')).toMatchObject({ proto: 'udp', state: 'ESTAB', family: 6 });
    expect(byCookie(events.sockets, '293').peer.port).toBe(7003);
  });
});

describe('interface suffixes', () => {
  const { sockets, rejected } = parseSsOutput(fixture('ss-iface-suffix.txt'));

  it('splits %iface from v4, v6 and wildcard addresses', () => {
    expect(rejected).toBe(0);
    expect(byCookie(sockets, '2ab').local).toMatchObject({ address: '198.18.30.1', iface: 'orec853h', port: 53005 });
    expect(byCookie(sockets, '2ad').local).toMatchObject({ address: '2001:db8:1e::1', iface: 'orec853h', family: 6 });
    expect(byCookie(sockets, '2ac').local).toMatchObject({ address: '0.0.0.0', iface: 'orec853h', wildcard: true });
    expect(byCookie(sockets, '2ae').local).toMatchObject({ address: '::', iface: 'orec853h', wildcard: true, family: 6 });
  });
});

describe('SsStreamParser', () => {
  const text = fixture('ss-tuanieOH.txt') + fixture('ss-iface-suffix.txt');
  const whole = parseSsOutput(text).sockets;

  it('gives the same sockets however the output is cut into chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const got: SsSocket[] = [];
        const parser = new SsStreamParser((s) => got.push(s));
        const bytes = Buffer.from(text);
        let at = 0;
        for (let i = 0; at < bytes.length; i++) {
          const n = sizes[i % sizes.length]!;
          parser.push(bytes.subarray(at, at + n));
          at += n;
        }
        parser.end();
        expect(got).toEqual(whole);
        expect(parser.rejected).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('a last line without newline is parsed at end()', () => {
    const got: SsSocket[] = [];
    const parser = new SsStreamParser((s) => got.push(s));
    parser.push(fixture('ss-tuineOH.txt').trimEnd());
    expect(got).toHaveLength(8);
    parser.end();
    expect(got).toHaveLength(9);
  });

  it('updates a known socket in place: same object and addresses, fresh state and counters', () => {
    const first = parseSsOutput(fixture('ss-tuanieOH.txt')).sockets;
    const byId = new Map(first.filter((s) => s.cookieId !== null).map((s) => [s.cookieId!, s]));
    const localBefore = byId.get(0x298)!.local;
    expect(byId.get(0x298)).toMatchObject({ state: 'ESTAB', bytesReceived: 4096, uid: 0 });
    let asked = 0;
    const events = parseSsOutput(fixture('ss-E-tuinOeH.txt'), {
      uidOmittedMeansRoot: false,
      known: (id) => {
        asked++;
        return byId.get(id);
      },
    }).sockets;
    expect(asked).toBe(events.length);
    const end = events.find((s) => s.cookie === '298')!;
    expect(end).toBe(byId.get(0x298));
    expect(end.local).toBe(localBefore);
    expect(end).toMatchObject({ state: 'UNCONN', bytesSent: 8197, bytesReceived: 4097, cookieId: 0x298, uid: null, inode: null });
  });
});

describe('parseSsEndpoint', () => {
  it('accepts the forms ss prints', () => {
    expect(parseSsEndpoint('127.0.0.1%lo:53')).toEqual({ address: '127.0.0.1', family: 4, wildcard: false, iface: 'lo', port: 53 });
    expect(parseSsEndpoint('[fe80::1]%eth0:546')).toMatchObject({ address: 'fe80::1', iface: 'eth0', port: 546 });
    expect(parseSsEndpoint('*:*')).toMatchObject({ address: '::', wildcard: true, port: null });
    expect(parseSsEndpoint('[::ffff:198.18.3.4]:443')).toMatchObject({ address: '198.18.3.4', family: 4 });
    expect(parseSsEndpoint('[2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff]:65535')).toMatchObject({
      address: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff',
      port: 65535,
    });
  });

  it('rejects what is not an address', () => {
    for (const bad of [
      '',
      ':80',
      '1.2.3.4',
      '1.2.3.4:65536',
      '1.2.3.4:http',
      '999.1.1.1:80',
      'example.org:80',
      '[2001:db8::1:443',
      '2001:db8::1:443',
      '[not-v6]:1',
      '1.2.3.4%bad/if:1',
      '1.2.3.4%:1',
      '1.2.3.4%waytoolonginterfacename:1',
    ]) {
      expect(parseSsEndpoint(bad), bad).toBeNull();
    }
  });
});

describe('parseSsLine on malformed input', () => {
  it('rejects headers, other netids and truncated lines', () => {
    expect(parseSsLine('Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port')).toBeNull();
    expect(parseSsLine('u_str ESTAB 0 0 * 123 * 456')).toBeNull();
    expect(parseSsLine('tcp ESTAB 0 0 198.18.1.1:1')).toBeNull();
    expect(parseSsLine('tcp estab 0 0 198.18.1.1:1 198.18.1.2:2')).toBeNull();
  });

  it('accepts a state name a newer ss may print, rejects garbage states', () => {
    expect(parseSsLine('tcp NEW-STATE 0 0 198.18.1.1:1 198.18.1.2:2 ino:5 sk:1f cwnd:10')?.state).toBe('NEW-STATE');
    expect(parseSsLine('tcp new 0 0 198.18.1.1:1 198.18.1.2:2')).toBeNull();
    expect(parseSsLine('tcp E$TAB 0 0 198.18.1.1:1 198.18.1.2:2')).toBeNull();
  });

  it('finds bytes_received outside the usual block', () => {
    const s = parseSsLine('tcp ESTAB 0 0 198.18.1.1:1 198.18.1.2:2 ino:5 sk:1f cwnd:10 bytes_sent:7 segs_out:3 bytes_received:11 x');
    expect(s).toMatchObject({ bytesSent: 7, bytesReceived: 11, cookieId: 0x1f });
  });

  it('ignores look-alike keys inside tcp_info', () => {
    const s = parseSsLine('tcp ESTAB 0 0 198.18.1.1:1 198.18.1.2:2 ino:5 sk:1f rcv_ssthresh:64088 cwnd:10 bytes_sent:7 notbytes_received:9');
    expect(s).toMatchObject({ cookie: '1f', inode: 5, bytesSent: 7, bytesReceived: 0 });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (line) => {
        parseSsLine(line);
        parseSsLine(`tcp ESTAB 0 0 ${line}`);
      }),
      { numRuns: 2000 },
    );
  });
});
