import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneBatch, rollUpHours } from '../../electron/store/queries/retention';
import { namedNode } from '../helpers/named-exe';
import { startLoad, type Load } from './support/load';
import { buildEngine, TestClock, type TestEngine } from './support/engine';
import { waitFor } from './support/serve';

// The wall clock jumps (NTP step, a user changing the date, a dead RTC battery) while the engine runs.
// Retention must never delete fresh rows after a forward jump: the engine prunes by a wall time
// anchored to the monotonic clock at start. After a backward jump it keeps recording and answering.
// Temporary rules last as long as asked whatever the wall clock does (the rules service anchors
// deadlines to the monotonic clock and re-anchors the stored deadline when it sees a jump).

const DAY = 86_400_000;
const MIN = 60_000;

let dir: string;
let load: Load;
let exe: { path: string; dispose(): void };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-clock-'));
  exe = namedNode('outflow-clock-load');
  load = await startLoad({ hold: 10, holdEveryMs: 100, rate: 20, ports: 2 }, { exe: exe.path });
});
afterAll(async () => {
  await load?.stop();
  exe?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function counts(db: Database.Database): { flows: number; minutes: number; oldest: number } {
  const c = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  return {
    flows: c('SELECT count(*) AS n FROM flows'),
    minutes: c('SELECT count(*) AS n FROM traffic_minute'),
    oldest: c('SELECT MIN(opened_at) AS n FROM flows'),
  };
}

async function loadRecorded(t: TestEngine, clock: TestClock, since: number): Promise<void> {
  await waitFor('the load app recorded', async () => {
    const apps = await t.engine.call('apps.list', { includeLoopback: true, since, until: clock.now() + MIN });
    return apps.find((a) => a.path === exe.path && a.bytesOut > 0);
  });
}

describe('wall clock jumps while the engine runs', () => {
  it('a forward jump past every retention deletes nothing fresh; a backward jump keeps it recording', async () => {
    const clock = new TestClock();
    const dbPath = join(dir, 'retention.db');
    const t = buildEngine({ dbPath, clock });
    await t.engine.start();
    try {
      await t.engine.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      await loadRecorded(t, clock, 0);
      const reader = new Database(dbPath, { readonly: true });
      const before = counts(reader);
      expect(before.flows).toBeGreaterThan(0);

      // +400 days: past the retention of connections, minutes and hourly roll-ups (3, 2 and 90 days by default).
      clock.wallOffset += 400 * DAY;
      // A minute of monotonic time, so the next tick runs maintenance (roll-ups and retention).
      clock.monoOffset += 61_000;
      const jumpedAt = clock.now();
      await waitFor('ticks after the jump', async () => ((await t.engine.call('status.get', {})).collector.lastTickAt ?? 0) >= jumpedAt + 500);
      const after = counts(reader);
      expect(after.flows).toBeGreaterThanOrEqual(before.flows);
      expect(after.minutes).toBeGreaterThanOrEqual(before.minutes);
      expect(after.oldest).toBe(before.oldest);
      // …where pruning by the jumped wall clock would have removed them (the test is not vacuous):
      const copy = join(dir, 'copy.db');
      reader.prepare('VACUUM INTO ?').run(copy);
      const probe = new Database(copy);
      rollUpHours(probe, jumpedAt, 100_000);
      expect(pruneBatch(probe, jumpedAt, { retentionDays: 30, hourlyRetentionDays: 365, dailyRetentionDays: 730 }).flows).toBeGreaterThan(0);
      probe.close();
      // It keeps recording at the new wall time, and answers for it.
      await loadRecorded(t, clock, jumpedAt);

      // -800 days (400 days before the real date): still recording, nothing fresh pruned, answers.
      const backAt = clock.now() - 800 * DAY;
      clock.wallOffset -= 800 * DAY;
      clock.monoOffset += 61_000;
      await waitFor('ticks after the backward jump', async () => {
        const last = (await t.engine.call('status.get', {})).collector.lastTickAt ?? Infinity;
        return last < backAt + 10 * MIN && last >= backAt;
      });
      await loadRecorded(t, clock, backAt - MIN);
      const back = counts(reader);
      expect(back.flows).toBeGreaterThanOrEqual(after.flows);
      expect(back.oldest).toBeLessThan(before.oldest);
      expect((await t.engine.call('status.get', {})).collector.lastError).toBeNull();
      reader.close();
    } finally {
      await t.engine.stop();
    }
  });

  it('temporary rules last as long as asked across forward and backward jumps, and the stored deadline follows', async () => {
    const clock = new TestClock();
    const dbPath = join(dir, 'rules.db');
    const t = buildEngine({ dbPath, clock });
    await t.engine.start();
    const stored = (id: number): number | null => {
      const r = new Database(dbPath, { readonly: true });
      try {
        return (r.prepare('SELECT expires_at AS e FROM rules WHERE id = ?').get(id) as { e: number | null } | undefined)?.e ?? null;
      } finally {
        r.close();
      }
    };
    try {
      const a = await t.engine.call('rules.add', { target: '198.18.3.3', forMs: 10 * MIN });
      expect(a.expiresAt! - clock.now()).toBeGreaterThan(9.9 * MIN);

      // Forward one day: the rule has 10 minutes left, not "expired a day ago".
      clock.wallOffset += DAY;
      await t.rules.reconcileNow();
      let listed = await t.engine.call('rules.list', {});
      expect(listed.map((r) => r.id)).toEqual([a.id]);
      expect(Math.abs(listed[0]!.expiresAt! - (clock.now() + 10 * MIN))).toBeLessThan(5000);
      expect(Math.abs(stored(a.id)! - (clock.now() + 10 * MIN))).toBeLessThan(5000);
      expect(t.logs.some((l) => /wall clock jumped/.test(l))).toBe(true);

      // Nine minutes of real (monotonic) time: still there. Two more: lifted.
      clock.monoOffset += 9 * MIN;
      clock.wallOffset += 9 * MIN;
      await t.rules.reconcileNow();
      expect((await t.engine.call('rules.list', {})).map((r) => r.id)).toEqual([a.id]);
      clock.monoOffset += 2 * MIN;
      clock.wallOffset += 2 * MIN;
      await t.rules.reconcileNow();
      expect(await t.engine.call('rules.list', {})).toEqual([]);

      // Backward one day: a 10-minute rule is not stretched to a day and 10 minutes.
      const b = await t.engine.call('rules.add', { target: '198.18.3.4', forMs: 10 * MIN });
      clock.wallOffset -= DAY;
      await t.rules.reconcileNow();
      listed = await t.engine.call('rules.list', {});
      expect(listed.map((r) => r.id)).toEqual([b.id]);
      expect(Math.abs(listed[0]!.expiresAt! - (clock.now() + 10 * MIN))).toBeLessThan(5000);
      expect(Math.abs(stored(b.id)! - (clock.now() + 10 * MIN))).toBeLessThan(5000);
      clock.monoOffset += 10 * MIN + 5000;
      clock.wallOffset += 10 * MIN + 5000;
      await t.rules.reconcileNow();
      expect(await t.engine.call('rules.list', {})).toEqual([]);
    } finally {
      await t.engine.stop();
    }
  });
});
