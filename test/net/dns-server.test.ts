// The test DNS server itself (other suites rely on it): wire answers checked with Node's own resolver,
// on loopback and as a program inside a test network namespace.
import { promises as dns } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { createResolver } from '../../electron/net/resolver';
import { reverseName, spawnDnsServer, startDnsServer } from '../helpers/dns-server';
import { createTestNet, type TestNet } from '../helpers/netns';
import { missing } from '../helpers/requires';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function client(server: string, timeout = 1000): dns.Resolver {
  const r = new dns.Resolver({ timeout, tries: 1 });
  r.setServers([server]);
  return r;
}

describe('startDnsServer', () => {
  it('answers A, AAAA and PTR; NODATA for a known name, NXDOMAIN for an unknown one', async () => {
    const s = await startDnsServer({
      address: '::1',
      ttl: 42,
      records: {
        A: { 'a.example': ['198.18.1.10', '198.18.1.11'] },
        AAAA: { 'a.example': ['2001:db8:1::10'] },
        PTR: { '198.18.1.10': 'a.example', '2001:db8:1::10': 'a.example', '11.1.18.198.in-addr.arpa': 'b.example' },
      },
    });
    cleanups.push(() => s.close());
    const r = client(`[::1]:${s.port}`);
    expect(await r.resolve4('A.Example', { ttl: true })).toEqual([
      { address: '198.18.1.10', ttl: 42 },
      { address: '198.18.1.11', ttl: 42 },
    ]);
    expect(await r.resolve6('a.example', { ttl: true })).toEqual([{ address: '2001:db8:1::10', ttl: 42 }]);
    expect(await r.resolvePtr(reverseName('198.18.1.10'))).toEqual(['a.example']);
    expect(await r.resolvePtr(reverseName('2001:db8:1::10'))).toEqual(['a.example']);
    expect(await r.resolvePtr('11.1.18.198.in-addr.arpa')).toEqual(['b.example']);
    await expect(r.resolveMx('a.example')).rejects.toMatchObject({ code: 'ENODATA' });
    await expect(r.resolve4('b.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(s.queries).toBe(7);
    expect(s.log.map((q) => q.type)).toEqual(['A', 'AAAA', 'PTR', 'PTR', 'PTR', 'MX', 'A']);
  });

  it('holds answers for delayMs and counts concurrent queries', async () => {
    const s = await startDnsServer({ address: '127.0.0.1', delayMs: 200, records: { A: { 'slow.example': ['198.18.1.1'] } } });
    cleanups.push(() => s.close());
    const r = client(`127.0.0.1:${s.port}`);
    const t0 = performance.now();
    await Promise.all([r.resolve4('slow.example'), client(`127.0.0.1:${s.port}`).resolve4('slow.example')]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(s.maxInFlight).toBe(2);
    expect(s.inFlight).toBe(0);
  });

  it('ignores garbage datagrams and keeps serving', async () => {
    const s = await startDnsServer({ address: '127.0.0.1', records: { A: { 'x.example': ['198.18.1.1'] } } });
    cleanups.push(() => s.close());
    const dgram = await import('node:dgram');
    const sock = dgram.createSocket('udp4');
    for (const junk of [Buffer.alloc(0), Buffer.alloc(5), Buffer.from('ffffffffffffffffffffffffff', 'hex'), Buffer.alloc(600, 0x3f)]) {
      await new Promise<void>((done) => sock.send(junk, s.port, '127.0.0.1', () => done()));
    }
    sock.close();
    expect(await client(`127.0.0.1:${s.port}`).resolve4('x.example')).toEqual(['198.18.1.1']);
  });
});

describe('spawnDnsServer inside a test namespace', () => {
  const why = missing(['root', 'netns']);
  it.skipIf(why !== null)(`serves hostname records to the root namespace ${why ? `(skipped: ${why})` : ''}`, async () => {
    let net: TestNet | null = createTestNet('dns', 53);
    cleanups.push(() => net?.destroy());
    const records = {
      A: { 'blocked.example': ['198.18.53.2'] },
      AAAA: { 'blocked.example': [net.peerV6] },
      PTR: { [net.peerV4]: 'blocked.example' },
    };
    const srv = await spawnDnsServer((cmd, args) => (net as TestNet).spawnIn(cmd, args), { address: net.peerV4, port: 53, ttl: 30, records, log: true });
    cleanups.push(() => srv.close());
    const r = createResolver({ servers: [`${net.peerV4}:53`], timeoutMs: 1000, resolvePrivate: true });
    cleanups.push(() => r.close());
    const got = await r.resolve('blocked.example');
    expect(got.sort((a, b) => a.family - b.family)).toEqual([
      { address: '198.18.53.2', family: 4, ttl: 30 },
      { address: net.peerV6, family: 6, ttl: 30 },
    ]);
    const host = new Promise<string | null>((resolve) => r.onResolved((_a, h) => resolve(h)));
    r.peek(net.peerV4);
    expect(await host).toBe('blocked.example');
    await new Promise((done) => setTimeout(done, 50));
    expect(srv.log.map((q) => q.type).sort()).toEqual(['A', 'AAAA', 'PTR']);
    await srv.close();
    expect(srv.child.exitCode ?? srv.child.signalCode).not.toBeNull();
    net.destroy();
    net = null;
  });
});
