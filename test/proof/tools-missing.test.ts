import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../electron/engine/ports';
import type { EngineStatus, HistoryPage } from '../../electron/shared/types';
import { namedNode } from '../helpers/named-exe';
import { createBareNs } from '../helpers/netns';
import { assertBuilt, BIN } from '../helpers/outflow-cli';
import { missing } from '../helpers/requires';
import { buildEngine, TestClock } from './support/engine';
import { startLoad, type Load } from './support/load';
import { startServe, waitFor, type ServeProcess } from './support/serve';

// The tools the engine runs disappear or fail while it runs: `ss` (removed from the engine's PATH),
// `nft` (the same, inside a test namespace), the collector's reads (a collector whose snapshot starts
// failing, as when /proc cannot be read). The status says what is missing, the engine keeps serving
// what it recorded, and it recovers by itself when the tool comes back.

const ENV = { OUTFLOW_PRECISE: '0' };
// The tests of `ss` going away exercise the listing by ss (the fallback without the addon); with the
// addon, only the closed-socket events need ss (its own test below).
const SS_ENV = { ...ENV, OUTFLOW_SOCKDIAG: '0' };
function which(name: string): string {
  const found = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new Error(`${name} is not installed`);
  return found;
}

let dir: string;
let load: Load;
let exe: { path: string; dispose(): void };
let ss: string;
let stdbuf: string;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outflow-tools-'));
  exe = namedNode('outflow-tools-load');
  load = await startLoad({ hold: 10, holdEveryMs: 100, rate: 20, ports: 2 }, { exe: exe.path });
  ss = which('ss');
  stdbuf = which('stdbuf');
});
afterAll(async () => {
  await load?.stop();
  exe?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** A PATH of our own, holding only the tools named. */
function toolDir(name: string, tools: Record<string, string>): { path: string; remove(tool: string): void; add(tool: string, target: string): void } {
  const bin = join(dir, name);
  mkdirSync(bin);
  for (const [tool, target] of Object.entries(tools)) symlinkSync(target, join(bin, tool));
  return { path: bin, remove: (tool) => unlinkSync(join(bin, tool)), add: (tool, target) => symlinkSync(target, join(bin, tool)) };
}

async function loadAppBytes(s: ServeProcess): Promise<number> {
  const apps = await s.call('apps.list', { includeLoopback: true });
  return apps.find((a) => a.path === exe.path)?.bytesOut ?? 0;
}

describe('ss, listing with ss (no addon)', () => {
  it('removed while running: status names it, history is still served, and collection resumes when it is back', async () => {
    const bin = toolDir('bin-ss', { ss, stdbuf });
    const s = await startServe({ args: ['--db', join(dir, 'ss.db'), '--firewall', 'noop', '--quiet'], env: { ...SS_ENV, PATH: bin.path } });
    try {
      await s.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      await waitFor('traffic recorded', async () => (await loadAppBytes(s)) > 0);
      bin.remove('ss');
      const st = await waitFor('the collector error', async () => {
        const v = await s.call('status.get', {});
        return v.collector.lastError ? v : null;
      });
      expect(st.collector.lastError).toMatch(/\bss\b.*ENOENT/);
      // History is still there and answers.
      const recorded = await loadAppBytes(s);
      expect(recorded).toBeGreaterThan(0);
      expect((await s.call('history.query', { includeLoopback: true, limit: 5 })).rows.length).toBeGreaterThan(0);
      expect(s.alive()).toBe(true);
      bin.add('ss', ss);
      await waitFor('the collector to recover', async () => (await s.call('status.get', {})).collector.lastError === null);
      await waitFor('new bytes recorded', async () => (await loadAppBytes(s)) > recorded);
      // Logged once per failure and once on recovery, not once per tick.
      expect(s.stderr().match(/tick failed/g)?.length ?? 0).toBe(1);
    } finally {
      await s.stop();
    }
  });

  it('missing at start: status says so, earlier history is served, and collection starts when it appears', async () => {
    const db = join(dir, 'ss-start.db');
    // Some history first, with ss present.
    const first = await startServe({ args: ['--db', db, '--firewall', 'noop', '--quiet'], env: ENV });
    await waitFor('traffic recorded', async () => (await loadAppBytes(first)) > 0);
    await first.stop();
    const bin = toolDir('bin-none', { stdbuf });
    const s = await startServe({ args: ['--db', db, '--firewall', 'noop', '--quiet'], env: { ...SS_ENV, PATH: bin.path } });
    try {
      const st = await s.call('status.get', {});
      expect(st.collector.mode).toBe('unsupported');
      expect(st.collector.notes.join(' ')).toMatch(/ss \(iproute2\) is not usable.*Install iproute2/);
      const recorded = await loadAppBytes(s);
      expect(recorded).toBeGreaterThan(0);
      await s.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      bin.add('ss', ss);
      await waitFor('the collector to work', async () => (await s.call('status.get', {})).collector.lastError === null);
      await waitFor('new bytes recorded', async () => (await loadAppBytes(s)) > recorded);
    } finally {
      await s.stop();
    }
  });

  it('missing at start, then back: the status says polling again (the engine probes the collector again)', async () => {
    const db = join(dir, 'ss-mode.db');
    const bin = toolDir('bin-mode', { stdbuf });
    const s = await startServe({ args: ['--db', db, '--firewall', 'noop', '--quiet'], env: { ...SS_ENV, PATH: bin.path } });
    try {
      bin.add('ss', ss);
      await waitFor('mode polling', async () => (await s.call('status.get', {})).collector.mode === 'polling');
    } finally {
      await s.stop();
    }
  });
});

describe.skipIf(missing(['sockdiag']))('ss, listing through sock_diag', () => {
  it('missing at start: sockets are still listed and recorded, and the status says closed connections go unseen', async () => {
    const bin = toolDir('bin-diag', { stdbuf });
    const s = await startServe({ args: ['--db', join(dir, 'ss-diag.db'), '--firewall', 'noop', '--quiet'], env: { ...ENV, PATH: bin.path } });
    try {
      const st = await s.call('status.get', {});
      expect(st.collector.mode).toBe('polling');
      expect(st.collector.seesClosedSockets).toBe(false);
      expect(st.collector.notes.join(' ')).toMatch(/ss \(iproute2\) is not usable.*connections that close between two polls are not counted.*Install iproute2/);
      await s.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      await waitFor('traffic recorded without ss', async () => (await loadAppBytes(s)) > 0);
      expect(st.collector.lastError).toBeNull();
    } finally {
      await s.stop();
    }
  });

  it('removed while running: listing goes on; the closed-socket events say they stopped, and come back with ss', async () => {
    const bin = toolDir('bin-diag-run', { ss, stdbuf });
    const s = await startServe({ args: ['--db', join(dir, 'ss-diag-run.db'), '--firewall', 'noop', '--quiet'], env: { ...ENV, PATH: bin.path } });
    try {
      await s.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      await waitFor('traffic recorded', async () => (await loadAppBytes(s)) > 0);
      bin.remove('ss');
      // The events child is restarted when it exits; make it exit (as a crash would) while ss is gone.
      const events = execFileSync('pgrep', ['-P', String(s.pid), '-x', 'ss'], { encoding: 'utf8' }).trim().split('\n').map(Number);
      for (const pid of events) process.kill(pid, 'SIGKILL');
      await waitFor('the note on closed connections', async () => /Closed connections are not being seen right now/.test((await s.call('status.get', {})).collector.notes.join(' ')));
      const recorded = await loadAppBytes(s);
      await waitFor('bytes still recorded', async () => (await loadAppBytes(s)) > recorded);
      expect((await s.call('status.get', {})).collector.lastError).toBeNull();
      bin.add('ss', ss);
      await waitFor('the events child back', async () => !/Closed connections are not being seen right now/.test((await s.call('status.get', {})).collector.notes.join(' ')), 30_000);
    } finally {
      await s.stop();
    }
  });
});

describe('a collector whose readings start failing (e.g. /proc unreadable)', () => {
  it('keeps serving history, says why, and recovers', async () => {
    const clock = new TestClock();
    let failing = false;
    const t = buildEngine({
      dbPath: join(dir, 'proc.db'),
      clock,
      wrap: (c: Collector): Collector => ({
        start: () => c.start(),
        stop: () => c.stop(),
        snapshot: () => (failing ? Promise.reject(new Error("cannot read /proc/net/tcp: EACCES: permission denied, open '/proc/net/tcp'")) : c.snapshot()),
      }),
    });
    await t.engine.start();
    try {
      await t.engine.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      const bytes = async (): Promise<number> =>
        (await t.engine.call('apps.list', { includeLoopback: true })).find((a) => a.path === exe.path)?.bytesOut ?? 0;
      await waitFor('traffic recorded', async () => (await bytes()) > 0);
      failing = true;
      await waitFor('the error in the status', async () => /\/proc\/net\/tcp: EACCES/.test((await t.engine.call('status.get', {})).collector.lastError ?? ''));
      const recorded = await bytes();
      expect(recorded).toBeGreaterThan(0);
      expect((await t.engine.call('history.query', { includeLoopback: true, limit: 5 })).rows.length).toBeGreaterThan(0);
      failing = false;
      await waitFor('recovery', async () => (await t.engine.call('status.get', {})).collector.lastError === null);
      await waitFor('new bytes recorded', async () => (await bytes()) > recorded);
      expect(t.logs.filter((l) => l.includes('tick failed'))).toHaveLength(1);
    } finally {
      await t.engine.stop();
    }
  });
});

const why = missing(['root', 'netns', 'nft']);

describe.skipIf(why)('nft', () => {
  let ns: { ns: string; destroy(): void };
  beforeAll(() => {
    ns = createBareNs('nft');
  });
  afterAll(() => ns?.destroy());

  it('removed while running: status goes not-enforcing with the reason, the kernel keeps the rules, and it repairs when nft is back', { timeout: 90_000 }, async () => {
    const nft = which('nft');
    const ip = which('ip');
    const bin = toolDir('bin-nft', { ss, stdbuf, nft });
    const db = join(dir, 'nft.db');
    const wrapper = [ip, 'netns', 'exec', ns.ns];
    const cli = (args: string[]): { code: number; stdout: string; stderr: string } => {
      try {
        return { code: 0, stdout: execFileSync(ip, ['netns', 'exec', ns.ns, process.execPath, BIN, ...args, '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '' };
      } catch (err) {
        const e = err as { status: number; stdout: string; stderr: string };
        return { code: e.status, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const status = (): EngineStatus => JSON.parse(cli(['status', '--json']).stdout) as EngineStatus;
    const kernel = (): string => execFileSync(ip, ['netns', 'exec', ns.ns, nft, 'list', 'table', 'inet', 'outflow'], { encoding: 'utf8' });
    const s = await startServe({ args: ['--db', db, '--firewall', 'auto', '--quiet'], env: { ...ENV, PATH: bin.path }, wrapper });
    try {
      expect(cli(['block', '198.18.5.5']).code).toBe(0);
      expect(status().firewall.state).toBe('enforcing');
      bin.remove('nft');
      // The periodic reconcile (every 10 s) notices.
      const st = await waitFor('not enforcing', () => (status().firewall.state === 'not-enforcing' ? status() : null), 25_000, 500);
      expect(st.firewall.reason).toMatch(/nft.*not found/);
      expect(kernel()).toContain('198.18.5.5');
      // A rule added meanwhile is kept, and the CLI says it is not enforced (exit 3).
      const added = cli(['block', '198.18.5.6']);
      expect(added.code).toBe(3);
      expect(added.stdout).toMatch(/not-enforcing.*nft/);
      expect(kernel()).not.toContain('198.18.5.6');
      bin.add('nft', nft);
      await waitFor('enforcing again', () => status().firewall.state === 'enforcing', 25_000, 500);
      expect(kernel()).toContain('198.18.5.6');
      expect(s.alive()).toBe(true);
      // History and the API were there throughout.
      expect((JSON.parse(cli(['history', '--json', '--all', '--limit', '1']).stdout) as HistoryPage).rows).toBeDefined();
    } finally {
      await s.stop();
    }
  });
});
