// The sock_diag addon against `ss`, the reference it replaces: the same sockets, the same fields, the
// same cookies (so `ss -E` events still match live rows), exact byte counters; and the decoder on
// crafted records for what real sockets here cannot show (old kernels, huge cookies, mini sockets).
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxCollector } from '../../electron/collector/linux';
import { parseSsOutput, type SsSocket } from '../../electron/collector/parse/ss';
import { addonPath, createSockDiag, loadSockDiag } from '../../electron/collector/sockdiag';
import { missing } from '../helpers/requires';
import { socketInodes } from '../helpers/socket-inodes';

const skip = process.platform === 'linux' ? missing(['sockdiag']) : 'Linux only';

/** Same fields as the ss parser gives, but cgroup (ss -e may print it; nothing uses it). */
const comparable = (s: SsSocket): Omit<SsSocket, 'cgroup'> => {
  const { cgroup: _cgroup, ...rest } = s;
  return rest;
};

describe.skipIf(skip)('sock_diag listings match ss on real sockets', () => {
  let server: Server;
  const clients: Socket[] = [];
  const udp: UdpSocket[] = [];
  const accepted: Socket[] = [];
  let received = 0;
  const SENT = [1000, 70_000, 3];

  beforeAll(async () => {
    server = createServer((s) => {
      accepted.push(s);
      s.on('data', (d) => {
        received += d.length;
        s.write(d.subarray(0, 10)); // a little back, so bytes_received is non-zero too
      });
    });
    await new Promise<void>((r) => server.listen(0, '::', r));
    const port = (server.address() as { port: number }).port;
    // IPv4, IPv6 and a dual-stack socket talking IPv4 (::ffff:127.0.0.1 on the server side).
    for (const [i, host] of ['127.0.0.1', '::1', '::ffff:127.0.0.1'].entries()) {
      const c = await new Promise<Socket>((resolve) => {
        const s = connect({ host, port }, () => resolve(s));
      });
      c.on('data', () => {});
      c.write(Buffer.alloc(SENT[i]!, 7));
      clients.push(c);
    }
    // Connected UDP, v4 and v6, and an unconnected bound one (listed only with every state).
    for (const [type, addr] of [['udp4', '127.0.0.1'], ['udp6', '::1']] as const) {
      const u = createSocket(type);
      await new Promise<void>((r) => u.bind(0, addr, r));
      await new Promise<void>((r) => u.connect(9, addr, () => r()));
      udp.push(u);
    }
    const lone = createSocket('udp4');
    await new Promise<void>((r) => lone.bind(0, '127.0.0.1', r));
    udp.push(lone);
    const total = SENT.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 200 && received < total; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toBe(total);
    await new Promise((r) => setTimeout(r, 100)); // echoes and ACKs settle
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    for (const u of udp) u.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  // Ours by socket inode, not by port: tests running alongside open sockets too, and a UDP socket or a
  // TIME-WAIT left by another test may hold the same port number as one of ours.
  const mine = (all: SsSocket[]): SsSocket[] => {
    const inodes = socketInodes();
    return all.filter((s) => s.inode !== null && inodes.has(s.inode)).sort((a, b) => (a.cookie! < b.cookie! ? -1 : 1));
  };

  for (const all of [false, true]) {
    it(`lists what ss ${all ? '-tuanieOH' : '-tuineOH'} lists, field for field`, () => {
      const { diag, reason } = loadSockDiag();
      expect(reason).toBeNull();
      const viaSs = mine(parseSsOutput(execFileSync('ss', [all ? '-tuanieOH' : '-tuineOH'], { encoding: 'utf8', maxBuffer: 1 << 28 })).sockets);
      const viaDiag = mine(diag!.list({ tcp: true, udp: true, all }));
      // 3 client + 3 server TCP sockets, 2 connected UDP; with every state also the listener and the lone UDP socket.
      expect(viaSs.length).toBe(all ? 10 : 8);
      expect(viaDiag.map(comparable)).toEqual(viaSs.map(comparable));
    });
  }

  it('gives exact TCP byte counters, families and owner', () => {
    const { diag } = loadSockDiag();
    const listed = diag!.list({ tcp: true, udp: false, all: false });
    for (const [i, c] of clients.entries()) {
      const s = listed.find((x) => x.local.port === c.localPort && x.peer.port === c.remotePort);
      expect(s, `client ${i}`).toBeDefined();
      expect(s!.state).toBe('ESTAB');
      expect((s!.bytesSent ?? 0) - (s!.bytesRetrans ?? 0)).toBe(SENT[i]);
      expect(s!.bytesReceived).toBeGreaterThan(0);
      expect(s!.family).toBe(i === 1 ? 6 : 4);
      expect(s!.uid).toBe(process.getuid!());
      expect(s!.inode).toBeGreaterThan(0);
    }
  });

  it('keeps a known socket object and refreshes only its counters', () => {
    const { diag } = loadSockDiag();
    const first = diag!.list({ tcp: true, udp: false, all: false });
    const byCookie = new Map(first.map((s) => [s.cookieId!, s]));
    const before = byCookie.get(first.find((s) => s.local.port === clients[0]!.localPort && s.peer.port === clients[0]!.remotePort)!.cookieId!)!;
    const sentBefore = before.bytesSent!;
    clients[0]!.write(Buffer.alloc(500, 1));
    return new Promise<void>((resolve) =>
      setTimeout(() => {
        const second = diag!.list({ tcp: true, udp: false, all: false }, (id) => byCookie.get(id));
        const again = second.find((s) => s.cookieId === before.cookieId)!;
        expect(again).toBe(before);
        expect(again.bytesSent).toBe(sentBefore + 500);
        resolve();
      }, 100),
    );
  });

  it('is what the collector lists with, with ss kept as the fallback', async () => {
    const viaDiag = createLinuxCollector({ events: false, quietSkip: false });
    const viaSs = createLinuxCollector({ events: false, quietSkip: false, sockdiag: false });
    await viaDiag.start();
    await viaSs.start();
    expect(viaDiag.stats().listing).toBe('sock_diag');
    expect(viaSs.stats().listing).toBe('ss');
    const a = (await viaDiag.snapshot()).sockets;
    const b = (await viaSs.snapshot()).sockets;
    const key = clients.map((c) => a.find((s) => s.lport === c.localPort && s.rport === c.remotePort)?.key);
    expect(key.every((k) => k?.startsWith('sk:'))).toBe(true);
    for (const k of key) {
      const x = a.find((s) => s.key === k)!;
      const y = b.find((s) => s.key === k)!;
      expect({ ...x, process: x.process?.exe }).toEqual({ ...y, process: y.process?.exe });
    }
    await viaDiag.stop();
    await viaSs.stop();
  });

  it('turns off with OUTFLOW_SOCKDIAG=0 and explains a missing or broken addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outflow-sockdiag-'));
    const saved = { off: process.env.OUTFLOW_SOCKDIAG, path: process.env.OUTFLOW_SOCKDIAG_ADDON };
    try {
      process.env.OUTFLOW_SOCKDIAG = '0';
      expect(loadSockDiag()).toEqual({ diag: null, reason: 'turned off (OUTFLOW_SOCKDIAG=0)' });
      delete process.env.OUTFLOW_SOCKDIAG;
      process.env.OUTFLOW_SOCKDIAG_ADDON = join(dir, 'missing.node');
      expect(loadSockDiag().reason).toMatch(/not built/);
      const garbage = join(dir, 'garbage.node');
      writeFileSync(garbage, 'not an ELF object');
      process.env.OUTFLOW_SOCKDIAG_ADDON = garbage;
      expect(loadSockDiag().reason).toMatch(/sock_diag addon failed/);
      const c = createLinuxCollector({ events: false });
      expect(c.stats().listing).toBe('ss');
      expect(c.stats().listingNote).toMatch(/sock_diag addon failed/);
    } finally {
      if (saved.off === undefined) delete process.env.OUTFLOW_SOCKDIAG;
      else process.env.OUTFLOW_SOCKDIAG = saved.off;
      if (saved.path === undefined) delete process.env.OUTFLOW_SOCKDIAG_ADDON;
      else process.env.OUTFLOW_SOCKDIAG_ADDON = saved.path;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects wrong arguments with a clear error', () => {
    const raw = createRequire(import.meta.url)(addonPath()) as { list: (...a: unknown[]) => Buffer };
    expect(() => raw.list(1, 2, 3)).toThrow(/three booleans/);
    expect(() => raw.list(true)).toThrow(/three booleans/);
  });
});

// ---- the decoder, on crafted records (no addon needed) ----

const REC = 168;
interface Rec {
  proto?: number;
  af?: number;
  state?: number;
  flags?: number;
  uid?: number;
  inode?: number;
  cookie?: bigint;
  lport?: number;
  rport?: number;
  sent?: number;
  retrans?: number;
  received?: number;
  local?: string;
  remote?: string;
  ifname?: string;
}

function record(r: Rec): Buffer {
  const b = Buffer.alloc(REC);
  b[0] = r.proto ?? 6;
  b[1] = r.af ?? 2;
  b[2] = r.state ?? 1;
  b[3] = r.flags ?? 3;
  b.writeUInt32LE(r.uid ?? 1000, 4);
  b.writeUInt32LE(r.inode ?? 4242, 8);
  const cookie = r.cookie ?? 0x1234n;
  b.writeUInt32LE(Number(cookie & 0xffffffffn), 12);
  b.writeUInt32LE(Number(cookie >> 32n), 16);
  b.writeUInt16LE(r.lport ?? 40000, 20);
  b.writeUInt16LE(r.rport ?? 443, 22);
  b.writeDoubleLE(r.sent ?? 100, 32);
  b.writeDoubleLE(r.retrans ?? 0, 40);
  b.writeDoubleLE(r.received ?? 50, 48);
  b.write(r.local ?? '198.18.0.1', 56, 'latin1');
  b.write(r.remote ?? '198.18.0.2', 104, 'latin1');
  if (r.ifname) b.write(r.ifname, 152, 'latin1');
  return b;
}

const fake = (...recs: Rec[]) => createSockDiag({ recordSize: REC, list: () => Buffer.concat(recs.map(record)) });

describe.skipIf(endianness() !== 'LE' && 'the crafted records are little-endian')('sock_diag decoder', () => {
  it('decodes a TCP record as the ss parser would', () => {
    const [s] = fake({}).list({ tcp: true, udp: false, all: false });
    expect(s).toEqual({
      proto: 'tcp',
      family: 4,
      state: 'ESTAB',
      local: { address: '198.18.0.1', family: 4, wildcard: false, iface: null, port: 40000 },
      peer: { address: '198.18.0.2', family: 4, wildcard: false, iface: null, port: 443 },
      uid: 1000,
      inode: 4242,
      cookie: '1234',
      cookieId: 0x1234,
      cgroup: null,
      tcpInfo: true,
      bytesSent: 100,
      bytesRetrans: 0,
      bytesReceived: 50,
    });
  });

  it('maps IPv4-mapped IPv6 to IPv4, wildcards and a bound interface like ss', () => {
    const [mapped, wild, bound] = fake(
      { af: 10, local: '::ffff:198.18.0.1', remote: '::ffff:198.18.0.9' },
      { proto: 17, af: 10, state: 7, flags: 0, local: '::', remote: '::', lport: 5353, rport: 0 },
      { af: 10, local: 'fe80::1', remote: 'fe80::2', ifname: 'eth0' },
    ).list({ tcp: true, udp: true, all: true });
    expect(mapped!.family).toBe(4);
    expect(mapped!.local.address).toBe('198.18.0.1');
    expect(mapped!.peer.address).toBe('198.18.0.9');
    expect(wild!.state).toBe('UNCONN');
    expect(wild!.peer).toEqual({ address: '::', family: 6, wildcard: true, iface: null, port: null });
    expect(wild!.tcpInfo).toBe(false);
    expect(wild!.bytesSent).toBeNull();
    expect(bound!.local.iface).toBe('eth0');
    expect(bound!.peer.iface).toBeNull();
  });

  it('has no owner for TIME-WAIT and SYN-RECV mini sockets, and no inode when the kernel gives 0', () => {
    const socks = fake({ state: 6, inode: 0 }, { state: 12 }, { state: 3 }).list({ tcp: true, udp: false, all: true });
    expect(socks.map((s) => [s.state, s.uid])).toEqual([
      ['TIME-WAIT', null],
      ['SYN-RECV', null],
      ['SYN-RECV', null],
    ]);
    expect(socks[0]!.inode).toBeNull();
  });

  it('keeps a cookie beyond 2^52 as text only, as the ss parser does', () => {
    const [s] = fake({ cookie: 0xfedcba9876543210n }).list({ tcp: true, udp: false, all: false });
    expect(s!.cookie).toBe('fedcba9876543210');
    expect(s!.cookieId).toBeNull();
  });

  it('skips records of unknown protocol or family instead of guessing', () => {
    const socks = fake({ proto: 99 }, { af: 1 }, {}).list({ tcp: true, udp: true, all: true });
    expect(socks).toHaveLength(1);
  });
});
