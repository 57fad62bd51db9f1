// Precise mode against the real kernel: bpftrace attached to the tracepoints, clients on this host
// talking to a sink server in a test network namespace (198.18.40.0/24, 2001:db8:28::/64), every byte
// count compared with what the client itself says it moved.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreciseSource, probePrecise, type PreciseExit, type PreciseRow, type PreciseSource } from '../../electron/collector/precise';
import { namedNode } from '../helpers/named-exe';
import { createTestNet, type TestNet } from '../helpers/netns';
import { inCI, missing } from '../helpers/requires';

const skip = missing(['root', 'bpftrace', 'netns']);
const HELPERS = join(__dirname, '../helpers');
const FIX = join(__dirname, '../fixtures/precise');
const EGRESS = join(HELPERS, 'egress-client.js');
const SINK = join(HELPERS, 'sink-server.js');
const MULTI = join(FIX, 'multi-client.js');

/** The real python binary (behind any pyenv shim), or null with the reason printed. */
function python(): string | null {
  try {
    return execFileSync('python3', ['-c', 'import os, sys; print(os.path.realpath(sys.executable))'], { encoding: 'utf8' }).trim();
  } catch {
    if (inCI) throw new Error('required under CI but missing: python3 (sendfile() and fork clients)');
    console.warn('[skip] needs python3 for the sendfile() and fork clients');
    return null;
  }
}

interface Ran {
  pid: number;
  out: { sent: number; received: number; [k: string]: unknown };
}

function runClient(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${stderr}${stdout}`));
      try {
        resolve({ pid: child.pid!, out: JSON.parse(stdout.trim().split('\n').pop()!) });
      } catch (e) {
        reject(e);
      }
    });
  });
}

function within2pct(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.02);
}

describe.skipIf(skip)('precise mode on this kernel', () => {
  let net: TestNet;
  let server: ChildProcess;
  let src: PreciseSource;
  let poll: NodeJS.Timeout;
  const rows: PreciseRow[] = [];
  const exits: PreciseExit[] = [];
  const disposers: Array<() => void> = [];

  const totals = (f: (r: PreciseRow) => boolean): { out: number; in: number; rows: PreciseRow[] } => {
    const sel = rows.filter(f);
    return { out: sel.reduce((a, r) => a + r.bytesOut, 0), in: sel.reduce((a, r) => a + r.bytesIn, 0), rows: sel };
  };

  /** Until every byte moved so far has been through both prints of its generation. */
  async function settle(): Promise<void> {
    const target = src.counters().ticks + 3;
    const deadline = Date.now() + 15_000;
    while (src.counters().ticks < target) {
      if (Date.now() > deadline) throw new Error('precise source stopped ticking');
      await new Promise((r) => setTimeout(r, 50));
    }
    rows.push(...src.drainRows());
  }

  function exe(name: string): string {
    const e = namedNode(name);
    disposers.push(e.dispose);
    return e.path;
  }

  beforeAll(async () => {
    net = createTestNet('prc', 40);
    server = net.spawnIn(process.execPath, [SINK, net.peerV4, net.peerV6]);
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
      server.once('exit', (code) => reject(new Error(`sink server exited ${code}`)));
    });
    src = createPreciseSource({ intervalMs: 250 });
    src.onExit((e) => exits.push(e));
    await src.start();
    poll = setInterval(() => rows.push(...src.drainRows()), 100);
  }, 90_000);

  afterAll(async () => {
    clearInterval(poll);
    await src?.stop();
    net?.destroy();
    for (const d of disposers) d();
  });

  it('reports itself available here (tracefs, BTF, root, a trial attach)', async () => {
    const p = await probePrecise();
    expect(p.reasons).toEqual([]);
    expect(p.available).toBe(true);
    expect(p.notes.join(' ')).toContain('trial attach succeeded');
  }, 90_000);

  it('attributes 20 short-lived processes to their own executables, bytes within 2 %', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => exe(`precise-short-${i}`));
    const ran = await Promise.all(paths.map((p) => runClient(p, [EGRESS, 'tcp', net.peerV4, '7002', String(512 * 1024), '0'])));
    await settle();
    for (let i = 0; i < 20; i++) {
      expect(ran[i]!.out.sent).toBe(512 * 1024);
      const t = totals((r) => r.process?.exe === paths[i]);
      within2pct(t.out, 512 * 1024);
      expect(t.rows.every((r) => r.pid === ran[i]!.pid && r.remote === net.peerV4 && r.rport === 7002 && r.proto === 'tcp')).toBe(true);
      // Named from /proc while it ran, or else from the exec the kernel reported.
      expect(['proc', 'exec']).toContain(t.rows[0]!.identity);
    }
  }, 60_000);

  it('counts UDP up and down, connected and unconnected, IPv4 and IPv6, with the peer', async () => {
    const cases = [
      { host: net.peerV4, mode: 'connected' },
      { host: net.peerV4, mode: 'unconnected' },
      { host: net.peerV6, mode: 'connected' },
      { host: net.peerV6, mode: 'unconnected' },
    ];
    const paths = cases.map((_, i) => exe(`precise-udp-${i}`));
    const ran = await Promise.all(cases.map((c, i) => runClient(paths[i]!, [EGRESS, 'udp', c.host, '7003', '40', '1200', c.mode], { ...process.env, UDP_HOLD_MS: '400' })));
    await settle();
    cases.forEach((c, i) => {
      const t = totals((r) => r.process?.exe === paths[i]);
      expect(ran[i]!.out.sent).toBe(40 * 1200);
      expect(ran[i]!.out.received).toBeGreaterThan(0);
      within2pct(t.out, ran[i]!.out.sent);
      within2pct(t.in, ran[i]!.out.received);
      for (const r of t.rows) expect({ proto: r.proto, family: r.family, remote: r.remote, rport: r.rport }).toEqual({ proto: 'udp', family: c.host.includes(':') ? 6 : 4, remote: c.host, rport: 7003 });
    });
  }, 60_000);

  it('takes each datagram’s peer from sendmmsg()/recvmmsg() batches on unconnected sockets', async () => {
    const bin = buildMmsgClient();
    if (!bin) return;
    disposers.push(() => rmSync(dirname(bin), { recursive: true, force: true }));
    for (const host of [net.peerV4, net.peerV6]) {
      const ran = await runClient(bin, [host, '7003', '32', '900']);
      await settle();
      expect(ran.out.sent).toBe(32 * 900);
      const mine = totals((r) => r.pid === ran.pid);
      within2pct(mine.out, 32 * 900);
      within2pct(mine.in, ran.out.received);
      expect(ran.out.received).toBeGreaterThan(0);
      for (const r of mine.rows) expect({ remote: r.remote, rport: r.rport, lport: r.lport }).toEqual({ remote: host, rport: 7003, lport: ran.out.lport });
    }
  }, 60_000);

  it('counts IPv6 TCP both ways', async () => {
    const path = exe('precise-tcp6');
    const ran = await runClient(path, [EGRESS, 'tcp', net.peerV6, '7001', '300000', '200000']);
    await settle();
    const t = totals((r) => r.process?.exe === path);
    expect(ran.out).toMatchObject({ sent: 300000, received: 200000 });
    within2pct(t.out, 300000);
    within2pct(t.in, 200000);
    expect(t.rows.every((r) => r.family === 6 && r.remote === net.peerV6 && r.rport === 7001)).toBe(true);
  }, 60_000);

  it('counts a sendfile() upload', async () => {
    const py = python();
    if (!py) return;
    const ran = await runClient(py, [join(FIX, 'sendfile-client.py'), net.peerV4, '7002', '3000000']);
    await settle();
    expect(ran.out.sent).toBe(3_000_000);
    const t = totals((r) => r.pid === ran.pid);
    within2pct(t.out, 3_000_000);
    expect(t.rows[0]!.process?.exe).toBe(realpathSync(py));
  }, 60_000);

  it('names a forked child that never exec’d after its parent’s executable', async () => {
    const py = python();
    if (!py) return;
    const ran = await runClient(py, [join(FIX, 'fork-client.py'), net.peerV4, '7002', '200000']);
    await settle();
    const child = totals((r) => r.pid === Number(ran.out.child));
    within2pct(child.out, 200000);
    expect(child.rows[0]!.identity).toBe('inode');
    expect(child.rows[0]!.process?.exe).toBe(realpathSync(py));
  }, 60_000);

  it('counts 60 small connections made one after another by one process', async () => {
    const path = exe('precise-sixty');
    const ran = await runClient(path, [MULTI, net.peerV4, '7001', '60', '20000', '10000', '1']);
    await settle();
    expect(ran.out).toMatchObject({ sent: 60 * 20000, received: 60 * 10000, connections: 60 });
    const t = totals((r) => r.process?.exe === path);
    within2pct(t.out, 60 * 20000);
    within2pct(t.in, 60 * 10000);
    expect(new Set(t.rows.map((r) => r.lport))).toEqual(new Set(ran.out.localPorts as number[]));
  }, 60_000);

  it('counts 30 parallel connections', async () => {
    const path = exe('precise-thirty');
    const ran = await runClient(path, [MULTI, net.peerV6, '7001', '30', '100000', '50000', '30']);
    await settle();
    expect(ran.out).toMatchObject({ sent: 30 * 100000, received: 30 * 50000, connections: 30 });
    const t = totals((r) => r.process?.exe === path);
    within2pct(t.out, 30 * 100000);
    within2pct(t.in, 30 * 50000);
    expect(new Set(t.rows.map((r) => r.lport))).toEqual(new Set(ran.out.localPorts as number[]));
  }, 60_000);

  it('gives a live process the start time /proc reports', async () => {
    const path = exe('precise-live');
    const child = spawn(path, [EGRESS, 'tcp', net.peerV4, '7001', '100000', '0', '2500'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1200));
    await settle();
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const startTime = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const mine = rows.filter((r) => r.pid === child.pid);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.identity).toBe('proc');
    expect(mine[0]!.process).toMatchObject({ pid: child.pid, startTime, exe: path });
    expect(mine[0]!.process?.cmdline?.slice(1, 3)).toEqual([EGRESS, 'tcp']);
    await new Promise((r) => child.once('close', r));
  }, 60_000);

  it('lost nothing during all of the above', () => {
    expect(src.counters()).toMatchObject({ lostEvents: 0, droppedBytes: 0, mapOverflows: 0, droppedRows: 0, parseErrors: 0, anomalies: 0 });
    expect(src.dropped).toBe(0);
  });

  it('stop() flushes the last bytes, ends only its own child and leaves no probe attached', async () => {
    const path = exe('precise-last');
    const pid = src.pid!;
    const ran = await runClient(path, [EGRESS, 'tcp', net.peerV4, '7002', '250000', '0']);
    await src.stop();
    rows.push(...src.drainRows());
    within2pct(totals((r) => r.process?.exe === path).out, ran.out.sent);
    expect(src.alive).toBe(false);
    expect(src.pid).toBeNull();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(exits).toHaveLength(1);
    expect(exits[0]).toMatchObject({ expected: true, code: 0 });
    await expectNoProgramsOf(pid);
  }, 60_000);

  it('detects a crash of bpftrace at once', async () => {
    const other = createPreciseSource({ intervalMs: 500 });
    const seen: PreciseExit[] = [];
    other.onExit((e) => seen.push(e));
    await other.start();
    const pid = other.pid!;
    expect(other.alive).toBe(true);
    process.kill(pid, 'SIGKILL');
    const t0 = Date.now();
    while (other.alive && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    // The engine reads `alive` once per tick: it must turn false well within one.
    expect(other.alive).toBe(false);
    expect(Date.now() - t0).toBeLessThan(500);
    // The exit itself is reported once the kernel has detached the probes and bpftrace is reaped.
    while (seen.length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([expect.objectContaining({ expected: false, signal: 'SIGKILL' })]);
    await other.stop();
    await expectNoProgramsOf(pid);
  }, 90_000);
});

/** The C client for sendmmsg/recvmmsg (Node and Python have no such calls), or null with the reason. */
function buildMmsgClient(): string | null {
  const out = join(mkdtempSync(join(tmpdir(), 'outflow-mmsg-')), 'mmsg-client');
  try {
    execFileSync('gcc', ['-O2', '-o', out, join(FIX, 'mmsg-client.c')], { stdio: 'pipe' });
    return out;
  } catch (e) {
    const why = `sendmmsg/recvmmsg client needs gcc: ${(e as Error).message.split('\n')[0]}`;
    if (inCI) throw new Error(`required under CI but missing: ${why}`);
    console.warn(`[skip] ${why}`);
    return null;
  }
}

/** No BPF program is held by `pid` any more (bpftool when installed; else the process is gone). */
async function expectNoProgramsOf(pid: number): Promise<void> {
  expect(existsSync(`/proc/${pid}`)).toBe(false);
  let bpftool = false;
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    bpftool = true;
  } catch {
    console.warn('[note] bpftool not installed: checked that the bpftrace process (and so its program fds) is gone');
  }
  if (!bpftool) return;
  const progs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as Array<{ pids?: Array<{ pid: number }> }>;
  expect(progs.filter((p) => p.pids?.some((x) => x.pid === pid))).toEqual([]);
}
