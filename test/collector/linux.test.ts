// The Linux collector against real sockets: a test host in a network namespace runs the sink
// server, uniquely named clients talk to it with known byte counts, and the collector must report
// them live, with the right process, and when closed, with final counters within 1 % of the truth.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinuxCollector, type LinuxCollector } from '../../electron/collector/linux';
import type { ClosedSocket, CollectorCapabilities, SocketSample } from '../../electron/engine/ports';
import { namedNode } from '../helpers/named-exe';
import { createTestNet, type TestNet } from '../helpers/netns';
import { missing } from '../helpers/requires';

const skip = missing(['root', 'netns']);
const HELPERS = join(__dirname, '..', 'helpers');
const MiB = 1024 * 1024;

interface Seen {
  live: SocketSample[][];
  closed: ClosedSocket[];
}

describe.skipIf(skip)('Linux collector on real sockets', () => {
  let net: TestNet;
  let collector: LinuxCollector;
  let caps: CollectorCapabilities;
  const seen: Seen = { live: [], closed: [] };
  const exes: Array<{ path: string; dispose(): void }> = [];
  const clients: ChildProcess[] = [];

  const tick = async (): Promise<SocketSample[]> => {
    const s = await collector.snapshot();
    seen.live.push(s.sockets);
    seen.closed.push(...s.closed);
    return s.sockets;
  };
  const until = async <T>(what: string, probe: () => T | undefined | null, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await tick();
      const v = probe();
      if (v !== undefined && v !== null) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  };
  const named = (name: string): string => {
    const exe = namedNode(name);
    exes.push(exe);
    return exe.path;
  };
  const run = (exe: string, args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; result: Promise<{ sent: number; received: number; ms: number }> } => {
    const t0 = performance.now();
    const child = spawn(exe, [join(HELPERS, 'egress-client.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    clients.push(child);
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const result = new Promise<{ sent: number; received: number; ms: number }>((resolve, reject) =>
      child.once('exit', (code) => {
        if (code !== 0) return reject(new Error(`client exited ${code}: ${out}`));
        resolve({ ...JSON.parse(out.trim()), ms: performance.now() - t0 });
      }),
    );
    return { child, result };
  };

  beforeAll(async () => {
    net = createTestNet('lnx', 11);
    const server = net.spawnIn(process.execPath, [join(HELPERS, 'sink-server.js'), net.peerV4, net.peerV6]);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      server.once('exit', () => reject(new Error('sink-server exited')));
    });
    collector = createLinuxCollector();
    caps = await collector.start();
    // Warm the owner cache: the first tick resolves every socket already on the machine (other
    // suites may hold thousands), which must not eat into a test client's lifetime.
    await collector.snapshot();
  });

  afterAll(async () => {
    await collector?.stop();
    for (const c of clients) if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
    net?.destroy();
    for (const e of exes) e.dispose();
  });

  it('starts in polling mode and proves it sees closed sockets', () => {
    expect(caps.mode).toBe('polling');
    expect(caps.platform).toBe('linux');
    expect(caps.seesClosedSockets).toBe(true);
    expect(caps.udpBytes).toBe(false);
    expect(caps.notes.join(' ')).toMatch(/UDP byte counts are unknown/);
  });

  it('TCP v4: live with the exact exe, closed with final bytes within 1 %', async () => {
    const exe = named('of up (lnx) "8M",x');
    const { child, result } = run(exe, ['tcp', net.peerV4, '7001', String(8 * MiB), String(MiB), '3000']);
    const live = await until('the live socket', () =>
      seen.live.at(-1)!.find((s) => s.process?.pid === child.pid && s.remote === net.peerV4 && s.rport === 7001),
    );
    expect(live).toMatchObject({ proto: 'tcp', family: 4, state: 'ESTAB', remote: net.peerV4, rport: 7001, local: net.hostV4 });
    expect(live.process!.exe).toBe(exe);
    expect(live.process!.ppid).toBe(process.pid);
    expect(live.uid).toBe(0);
    expect(live.inode).toBeGreaterThan(0);
    expect(live.key).toMatch(/^sk:[0-9a-f]+$/);

    const truth = await result;
    const end = await until('the closed socket', () => seen.closed.find((c) => c.key === live.key));
    expect(end.process?.exe).toBe(exe);
    expect(Math.abs(end.bytesOut! - truth.sent) / truth.sent).toBeLessThan(0.01);
    expect(Math.abs(end.bytesIn! - truth.received) / truth.received).toBeLessThan(0.01);
    expect(truth).toMatchObject({ sent: 8 * MiB, received: MiB });
    expect(end.closedAt).toBeGreaterThan(Date.now() - 10_000);
    expect(end.uid).toBe(0);
    // A destroyed socket is never also reported live afterwards.
    await tick();
    expect(seen.live.at(-1)!.some((s) => s.key === live.key)).toBe(false);
  });

  it('a connection that opens, sends 1 MiB and exits between two polls is counted from ss -E', async () => {
    const exe = named('of-blink');
    await tick();
    const before = seen.closed.length;
    const { result } = run(exe, ['tcp', net.peerV4, '7002', String(MiB), '0', '0']);
    const truth = await result;
    await tick();
    const ours = seen.closed.slice(before).filter((c) => c.remote === net.peerV4 && c.rport === 7002);
    expect(ours).toHaveLength(1);
    const [end] = ours as [ClosedSocket];
    // Never seen live, so no process, but the bytes are kept.
    expect(end.process).toBeNull();
    expect(Math.abs(end.bytesOut! - truth.sent) / truth.sent).toBeLessThan(0.01);
    expect(end.bytesIn).toBeLessThanOrEqual(1);
    expect(end).toMatchObject({ proto: 'tcp', family: 4, local: net.hostV4 });
    console.info(`[measure] short-lived client lived ${truth.ms.toFixed(0)} ms (spawn to exit, node start-up included)`);
  });

  it('TCP v6 with the full address', async () => {
    const exe = named('of-v6');
    const { child, result } = run(exe, ['tcp', net.peerV6, '7001', String(MiB), String(64 * 1024), '1200']);
    const live = await until('the v6 socket', () => seen.live.at(-1)!.find((s) => s.process?.pid === child.pid));
    expect(live).toMatchObject({ proto: 'tcp', family: 6, remote: net.peerV6, local: net.hostV6, rport: 7001 });
    expect(live.remote).toBe('2001:db8:b::2');
    expect(live.process!.exe).toBe(exe);
    const truth = await result;
    const end = await until('the closed v6 socket', () => seen.closed.find((c) => c.key === live.key));
    expect(Math.abs(end.bytesOut! - truth.sent) / truth.sent).toBeLessThan(0.01);
  });

  it.each([
    ['v4', () => net.peerV4, 4],
    ['v6', () => net.peerV6, 6],
  ] as const)('connected UDP %s is listed with its process and unknown bytes', async (_label, peer, family) => {
    const exe = named(`of-udp-${family}`);
    const { child, result } = run(exe, ['udp', peer(), '7003', '10', '200', 'connected'], { UDP_HOLD_MS: '1500' });
    const live = await until('the UDP socket', () => seen.live.at(-1)!.find((s) => s.process?.pid === child.pid));
    expect(live).toMatchObject({ proto: 'udp', family, remote: peer(), rport: 7003, state: 'ESTAB', bytesOut: null, bytesIn: null });
    expect(live.process!.exe).toBe(exe);
    await result;
    const end = await until('the closed UDP socket', () => seen.closed.find((c) => c.key === live.key));
    expect(end).toMatchObject({ proto: 'udp', remote: peer(), bytesOut: null, bytesIn: null });
    expect(end.process?.exe).toBe(exe);
  });

  it('unconnected UDP has no destination and is left out', async () => {
    const exe = named('of-udp-unconn');
    const { child, result } = run(exe, ['udp', net.peerV4, '7003', '3', '100', 'unconnected'], { UDP_HOLD_MS: '800' });
    await new Promise((r) => setTimeout(r, 300));
    await tick();
    expect(seen.live.at(-1)!.some((s) => s.process?.pid === child.pid)).toBe(false);
    await result;
  });

  it('listening and loopback: listeners are left out, loopback flows are kept', async () => {
    const exe = named('of-loop');
    // A loopback server and client in one process: two ESTAB sockets, one LISTEN.
    const child = spawn(
      exe,
      ['-e', `const n=require('net');const s=n.createServer(c=>c.on('data',()=>{})).listen(0,'127.0.0.1',()=>{const c=n.connect(s.address().port,'127.0.0.1',()=>{c.write('x');process.stdout.write(s.address().port+'\\n')})});setTimeout(()=>process.exit(0),3000)`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    clients.push(child);
    const port = Number(await new Promise<string>((r) => child.stdout!.once('data', (c) => r(String(c)))));
    const mine = await until('the loopback pair', () => {
      const list = seen.live.at(-1)!.filter((s) => s.process?.pid === child.pid);
      return list.length === 2 ? list : null;
    });
    expect(mine.every((s) => s.state === 'ESTAB' && s.remote === '127.0.0.1')).toBe(true);
    expect(mine.map((s) => s.rport).includes(port)).toBe(true);
    process.kill(child.pid!, 'SIGKILL');
  });

  it('restarts a dead ss -E child, says so, and sees closed sockets again', async () => {
    const ssPid = eventsChildren()[0];
    expect(ssPid).toBeDefined();
    process.kill(ssPid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(collector.notes().join(' ')).toMatch(/not being seen right now/);
    const deadline = Date.now() + 5000;
    while (!collector.stats().events?.running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(collector.stats().events).toMatchObject({ running: true, restarts: 1 });
    expect(collector.notes().join(' ')).toMatch(/restarted 1 time/);
    // Give the new child a moment to subscribe, then check it delivers.
    await new Promise((r) => setTimeout(r, 300));
    const exe = named('of-after-restart');
    const { result } = run(exe, ['tcp', net.peerV4, '7002', String(256 * 1024), '0', '0']);
    const truth = await result;
    const end = await until('a closed socket after the restart', () =>
      seen.closed.find((c) => c.remote === net.peerV4 && c.rport === 7002 && c.bytesOut === truth.sent),
    );
    expect(end.bytesOut).toBe(256 * 1024);
  });

  it('a tick is cheap in steady state: no /proc walk when no socket is new', async () => {
    await tick();
    const walks = collector.stats().inodeWalks;
    await tick();
    await tick();
    // Other suites on this machine may open sockets meanwhile; allow for that, but not one walk per tick for nothing.
    expect(collector.stats().inodeWalks - walks).toBeLessThanOrEqual(2);
    expect(collector.stats().rejectedLines).toBe(0);
  });

  it('refuses overlapping snapshots', async () => {
    const a = collector.snapshot();
    await expect(collector.snapshot()).rejects.toThrow(/still running/);
    await a;
  });

  it('machine totals are monotonic sums over non-loopback interfaces', async () => {
    const a = (await collector.snapshot()).machine!;
    const exe = named('of-totals');
    await run(exe, ['tcp', net.peerV4, '7002', String(2 * MiB), '0', '0']).result;
    const b = (await collector.snapshot()).machine!;
    expect(b.txBytes - a.txBytes).toBeGreaterThanOrEqual(2 * MiB);
    expect(b.rxBytes).toBeGreaterThanOrEqual(a.rxBytes);
  });

  it('stop() ends the ss -E child and leaves nothing running', async () => {
    const before = eventsChildren();
    expect(before).toHaveLength(1);
    await collector.stop();
    expect(existsSync(`/proc/${before[0]}`)).toBe(false);
    expect(eventsChildren()).toEqual([]);
  });
});

/** Our `ss -E` children (the collector's events child). */
function eventsChildren(): number[] {
  return childPidsOf(process.pid).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes('-E');
    } catch {
      return false;
    }
  });
}

/** Direct children of `pid`, from every thread's children list. */
function childPidsOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch {
      /* thread gone */
    }
  }
  return out.filter((p) => existsSync(`/proc/${p}/comm`));
}
