import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appSummaries } from '../../electron/store/queries/reports';
import type { AppSummary, LiveSnapshot } from '../../electron/shared/types';
import { namedNode } from '../helpers/named-exe';
import { assertBuilt, BIN } from '../helpers/outflow-cli';
import { inCI } from '../helpers/requires';
import { startLoad, type Load } from './support/load';
import { startServe } from './support/serve';

// kill -9 of `outflow serve` while it records heavy loopback traffic, over and over. After every kill
// the database must pass `PRAGMA quick_check`, and everything the engine acknowledged before the kill
// must still be there.
//
// "Acknowledged" = what a client was shown through the API. The engine builds each live snapshot
// after its tick's transaction has committed, and `apps.list` reads committed rows only, so every
// flow's byte counts in a live snapshot and every per-app total read before the kill are committed
// data; with WAL a committed transaction survives the death of the process (only power loss can
// take synchronous=NORMAL commits). So after the kill: each acknowledged flow row holds at least the
// bytes the snapshot showed, and each app's totals are at least what was read.
// Across all restarts nothing may be counted twice: the load generator's app never exceeds the
// bytes the generator wrote.

const LOOPS = Number(process.env.OUTFLOW_KILL_LOOPS ?? (inCI ? 200 : 20));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let dir: string;
let db: string;
let load: Load;
let exe: { path: string; dispose(): void };

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outflow-kill-'));
  db = join(dir, 'o.db');
  exe = namedNode('outflow-kill-load');
  // 200 connections sending 1 KiB every 50 ms, 300 new connections a second.
  load = await startLoad({ hold: 200, holdChunk: 1024, holdEveryMs: 50, rate: 300, size: 300, ports: 4 }, { exe: exe.path });
});
afterAll(async () => {
  await load?.stop();
  exe?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function check(path: string): Database.Database {
  const v = new Database(path);
  expect(v.pragma('quick_check', { simple: true })).toBe('ok');
  return v;
}

describe('kill -9 during heavy ingest', () => {
  it(`keeps the database sound and every acknowledged tick, ${LOOPS} times`, { timeout: LOOPS * 5000 + 60_000 }, async () => {
    const env = { OUTFLOW_PRECISE: '0' };
    const args = ['--db', db, '--firewall', 'noop', '--quiet'];
    // Tick every 250 ms so kills land inside transactions often.
    const first = await startServe({ args, env });
    await first.call('settings.set', { pollMs: 250, idlePollMs: 250 });
    await first.stop();

    let acknowledgedFlows = 0;
    let startupKills = 0;
    const iterationMs: number[] = [];
    for (let i = 0; i < LOOPS; i++) {
      const t0 = Date.now();
      if (i % 10 === 9) {
        // Killed while starting: migrations, recovery of the previous kill's WAL, the first tick.
        const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: 'ignore', env: { ...process.env, ...env } });
        await sleep(50 + Math.random() * 600);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        check(db).close();
        startupKills++;
        iterationMs.push(Date.now() - t0);
        continue;
      }
      const s = await startServe({ args, env });
      const live = await s.call('live.snapshot', {});
      const apps = await s.call('apps.list', { includeLoopback: true });
      await sleep(Math.random() * 400);
      await s.kill9();
      verify(live, apps);
      acknowledgedFlows += live.apps.reduce((n, a) => n + a.flows.length, 0);
      iterationMs.push(Date.now() - t0);
    }

    const v = check(db);
    v.pragma('integrity_check');
    const app = appSummaries(v, { now: Date.now(), costPerGb: 0, minuteHorizon: 0 }, { includeLoopback: true }).find((a) => a.path === exe.path);
    v.close();
    // The generator's final count (its periodic reports lag by up to a second).
    const written = (await load.stop()).bytes;
    expect(app, 'the load generator was recorded').toBeDefined();
    expect(app!.bytesOut).toBeGreaterThan(0);
    // Counted once: never more than was written (the kernel may still hold some of it).
    expect(app!.bytesOut).toBeLessThanOrEqual(written);
    const sorted = [...iterationMs].sort((a, b) => a - b);
    console.log(
      `[kill-loop] ${LOOPS} kills (${startupKills} during start-up), ${acknowledgedFlows} acknowledged flow readings checked; ` +
        `iteration median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted[sorted.length - 1]} ms; ` +
        `load app recorded ${app!.bytesOut} of ${written} bytes written`,
    );
    expect(existsSync(db)).toBe(true);
  });
});

function verify(live: LiveSnapshot, apps: AppSummary[]): void {
  const v = check(db);
  try {
    const row = v.prepare('SELECT bytes_out, bytes_in FROM flows WHERE id = ?');
    for (const a of live.apps) {
      for (const f of a.flows) {
        if (f.flowId === null) continue;
        const got = row.get(f.flowId) as { bytes_out: number | null; bytes_in: number | null } | undefined;
        expect(got, `flow ${f.flowId} acknowledged in live seq ${live.seq}`).toBeDefined();
        expect(got!.bytes_out ?? 0).toBeGreaterThanOrEqual(f.bytesOut ?? 0);
        expect(got!.bytes_in ?? 0).toBeGreaterThanOrEqual(f.bytesIn ?? 0);
      }
    }
    const now = appSummaries(v, { now: Date.now(), costPerGb: 0, minuteHorizon: 0 }, { includeLoopback: true });
    for (const a of apps) {
      const after = now.find((x) => x.id === a.id);
      expect(after, `app ${a.name} acknowledged by apps.list`).toBeDefined();
      expect(after!.bytesOut).toBeGreaterThanOrEqual(a.bytesOut);
      expect(after!.bytesIn).toBeGreaterThanOrEqual(a.bytesIn);
      expect(after!.flows).toBeGreaterThanOrEqual(a.flows);
    }
  } finally {
    v.close();
  }
}
