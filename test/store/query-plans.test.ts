import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usualHourlyBytes } from '../../electron/engine/alerts/usual-rate';
import { complianceReport } from '../../electron/insight/compliance-report';
import { costSummary } from '../../electron/insight/cost';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { appSummaries, destinations, historyPage, series, totalsSince } from '../../electron/store/queries/reports';
import { daysRolledUntil, pruneBatch, rollUpHours } from '../../electron/store/queries/retention';
import { HOUR, MINUTE, TrafficTable } from '../../electron/store/queries/traffic';

// Without traffic_hour_app (migration 0003), every query on traffic_hour (and on app_hour, which
// took over the per-app hourly reads) must still find its rows by the primary key (hour first), never
// by reading the table whole: each statement the real report, alert and retention code runs on them
// is captured, with its arguments, and checked with EXPLAIN QUERY PLAN.

const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 20, 12, 34);
let dir: string;
let db: Db;
const run = new Map<string, unknown[]>();
const HOURLY = /\b(traffic_hour|app_hour)\b/;
const NOT_ALIAS = new Set(['where', 'group', 'order', 'join', 'on', 'limit', 'union', 'set', 'inner', 'left', 'using', 'select']);

/** The names a statement gives the hourly tables: their own, and any alias. */
function hourlyNames(sql: string): Set<string> {
  const names = new Set(['traffic_hour', 'app_hour']);
  for (const m of sql.matchAll(/\b(?:traffic_hour|app_hour)\s+(?:AS\s+)?([A-Za-z_]\w*)/gi)) if (!NOT_ALIAS.has(m[1]!.toLowerCase())) names.add(m[1]!);
  return names;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-plans-'));
  db = openStore({ path: join(dir, 'o.db') }).db;
  const apps = new AppsTable(db);
  const remotes = new RemotesTable(db);
  const traffic = new TrafficTable(db);
  const ids = ['a', 'b', 'c'].map((n) => apps.ensure(`/usr/bin/${n}`, n, true, NOW - 30 * DAY).app.id);
  const dests = ['198.18.1.1', '198.18.1.2', '127.0.0.1'].map((addr, i) =>
    remotes.ensure(addr, 4, { scope: i === 2 ? 'loopback' : 'internet', country: 'DE', asn: null, org: null }, null).id,
  );
  db.transaction(() => {
    for (let t = NOW - 20 * DAY; t < NOW; t += 7 * MINUTE) {
      const i = Math.floor(t / MINUTE);
      traffic.add(t, { appId: ids[i % 3]!, remoteId: dests[i % 3]!, rport: 443, proto: 'tcp', bytesOut: 100, bytesIn: 10, flows: 1 });
    }
  })();
  for (let before = -1; rollUpHours(db, NOW, 1000) > 0 || daysRolledUntil(db) !== before; ) before = daysRolledUntil(db);
  // Hours kept 10 days, so the reports below read days, hours and minutes.
  for (let i = 0; i < 100; i++) pruneBatch(db, NOW, { retentionDays: 3, hourlyRetentionDays: 10, dailyRetentionDays: 730 });

  // From here on, remember every statement on the hourly tables that runs, with its arguments.
  const prepare = db.prepare;
  db.prepare = ((sql: string) => {
    const stmt = prepare.call(db, sql);
    if (!HOURLY.test(sql)) return stmt;
    for (const m of ['all', 'get', 'run', 'iterate'] as const) {
      const call = (stmt[m] as (...a: unknown[]) => unknown).bind(stmt);
      Object.defineProperty(stmt, m, { value: (...args: unknown[]) => (run.set(sql, args), call(...args)) });
    }
    return stmt;
  }) as typeof db.prepare;

  const ctx = { now: NOW, costPerGb: 0.09, minuteHorizon: 0 };
  for (const since of [NOW - 25 * DAY + 17 * MINUTE, NOW - 5 * DAY + 17 * MINUTE, NOW - 2 * HOUR]) {
    appSummaries(db, ctx, { since });
    destinations(db, ctx, { appId: ids[0]!, since, limit: 10 });
    series(db, ctx, { since, bucket: 'hour' });
    series(db, ctx, { appId: ids[1]!, since, bucket: 'minute' });
    historyPage(db, { since, limit: 10, offset: 0 }, NOW);
    historyPage(db, { since, limit: 10, offset: 0, port: 443, appId: ids[0]! }, NOW);
    totalsSince(db, since, NOW);
    costSummary(db, { since, until: NOW, now: NOW, costPerGb: 0.09, currency: 'USD' });
    complianceReport(db, { since, until: NOW, outside: ['FR'] }, NOW);
  }
  usualHourlyBytes(db, ids[0]!, NOW, { historyDays: 28, minDays: 7 });
  // A day later: its hours, then the day, are rolled up, and another day of hours is pruned.
  traffic.add(NOW + DAY, { appId: ids[0]!, remoteId: dests[0]!, rport: 443, proto: 'tcp', bytesOut: 1, bytesIn: 1, flows: 1 });
  for (let i = 0; i < 3; i++) rollUpHours(db, NOW + 3 * DAY, 1000);
  pruneBatch(db, NOW + 3 * DAY, { retentionDays: 3, hourlyRetentionDays: 10, dailyRetentionDays: 730 });
  db.prepare = prepare;
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('query plans without traffic_hour_app', () => {
  it('the index is gone', () => {
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'traffic_hour'").all()).toEqual([]);
  });

  it('every statement on traffic_hour and app_hour searches them by the primary key', () => {
    const sqls = [...run.keys()];
    // Reports (per-destination and cost/compliance legs), roll-ups, retention and the usual rate.
    expect(sqls.filter((q) => /\btraffic_hour\b/.test(q)).length).toBeGreaterThanOrEqual(8);
    expect(sqls.some((q) => /^SELECT hour, SUM\(bytes_out\) AS b FROM app_hour\b/.test(q))).toBe(true);
    expect(sqls.some((q) => /^INSERT INTO traffic_day/.test(q.trim()))).toBe(true);
    expect(sqls.some((q) => /^DELETE FROM traffic_hour/.test(q.trim()))).toBe(true);
    for (const [sql, args] of run) {
      const names = hourlyNames(sql);
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((p) => p.detail);
      const reads = plan.filter((d) => names.has(/^(?:SCAN|SEARCH) (\w+)/.exec(d)?.[1] ?? ''));
      // Roll-ups write the hourly tables by key without reading them; everything else reads them.
      if (!/^INSERT INTO (traffic_hour|app_hour)\b/.test(sql.trim())) expect(reads.length, sql).toBeGreaterThan(0);
      for (const d of reads) expect(d, sql).toMatch(/^SEARCH \w+ USING PRIMARY KEY( \(hour[<>=])?/);
    }
  });
});
