import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../electron/shared/settings';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { FlowsTable } from '../../electron/store/queries/flows';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { appSummaries, historyPage, series, totalsSince } from '../../electron/store/queries/reports';
import {
  dayHorizon,
  daysRolledUntil,
  detailFrom,
  hourHorizon,
  minuteHorizon,
  pruneBatch,
  rewindRollups,
  rolledUntil,
  rollUpHours,
  type RetentionSettings,
} from '../../electron/store/queries/retention';
import { loadSettings, saveSettings } from '../../electron/store/queries/settings';
import { HOUR, MINUTE, TrafficTable } from '../../electron/store/queries/traffic';

// Retention on a real database: individual connections go after `retentionDays`, minute buckets
// after two days (once rolled up), hours by whole days after `hourlyRetentionDays`, days after
// `dailyRetentionDays` — and what goes stays counted in the coarser roll-ups.

const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 10, 20, 12, 34);
const floorTo = (t: number, size: number): number => Math.floor(t / size) * size;

let dir: string;
let db: Db;
let appId: number;
let remoteId: number;
let traffic: TrafficTable;
let flows: FlowsTable;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-retention-'));
  db = openStore({ path: join(dir, 'o.db') }).db;
  appId = new AppsTable(db).ensure('/usr/bin/agent', 'agent', true, NOW - 60 * DAY).app.id;
  remoteId = new RemotesTable(db).ensure('198.18.3.3', 4, { scope: 'internet', country: 'NL', asn: null, org: null }, null).id;
  traffic = new TrafficTable(db);
  flows = new FlowsTable(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One connection opened at `at` sending `bytes`, written as the flow tracker writes it. */
function connect(at: number, bytes: number, sockKey: string | null = null): void {
  flows.insert({
    appId,
    processId: null,
    uid: 1000,
    proto: 'tcp',
    local: '198.18.0.10',
    lport: 40000,
    remoteId,
    rport: 443,
    openedAt: at,
    closedAt: sockKey ? null : at + 1000,
    bytesOut: bytes,
    bytesIn: 10,
    sockKey,
    cumOut: null,
    cumIn: null,
  });
  traffic.add(at, { appId, remoteId, rport: 443, proto: 'tcp', bytesOut: bytes, bytesIn: 10, flows: 1 });
}

/** What the engine's maintenance does once a minute, run until there is nothing left to do. */
function maintain(now: number, keep: RetentionSettings): { days: number } {
  let days = 0;
  // Days roll up two per call, behind the hours.
  for (let before = -1; rollUpHours(db, now, 1000) > 0 || daysRolledUntil(db) !== before; ) before = daysRolledUntil(db);
  for (let i = 0; i < 10_000; i++) {
    const r = pruneBatch(db, now, keep);
    days += r.days;
    if (r.minutes + r.hours + r.days + r.flows + r.alerts === 0) return { days };
  }
  throw new Error('pruning did not finish');
}

const one = <T>(sql: string, ...args: number[]): T => db.prepare(sql).get(...args) as T;
const ctx = () => ({ now: NOW, costPerGb: 0.09, minuteHorizon: minuteHorizon(db) });

describe('retention', () => {
  it('deletes connections older than retentionDays; their bytes and counts stay in the hourly totals', () => {
    const start = floorTo(NOW - 10 * DAY, HOUR);
    const opened: number[] = [];
    let total = 0;
    for (let t = start; t < NOW; t += 20 * MINUTE) {
      connect(t, 1000 + (t % 7));
      total += 1000 + (t % 7);
      opened.push(t);
    }
    let count = opened.length;
    // A connection still open after a week outlives retention: it is live.
    connect(start + 30_000, 5, 'sk:long');
    total += 5;
    count++;
    expect(detailFrom(db)).toBeNull();
    expect(historyPage(db, { since: start, limit: 1, offset: 0 }, NOW)).not.toHaveProperty('detailFrom');

    maintain(NOW, { retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730 });
    // By whole hours, so the totals below (from hourly roll-ups: minutes are kept two days) are exact.
    const cutoff = floorTo(NOW - 3 * DAY, HOUR);
    expect(one<{ n: number }>('SELECT count(*) AS n FROM flows WHERE opened_at < ? AND sock_key IS NULL', cutoff).n).toBe(0);
    const kept = one<{ n: number }>('SELECT count(*) AS n FROM flows WHERE opened_at >= ?', cutoff).n;
    expect(kept).toBe(opened.filter((t) => t >= cutoff).length);
    expect(one<{ n: number }>("SELECT count(*) AS n FROM flows WHERE sock_key = 'sk:long'").n).toBe(1);

    // The pruned connections are still counted, bytes and number, by the hourly roll-up.
    const rolled = rolledUntil(db);
    const hours = one<{ o: number; f: number }>('SELECT SUM(bytes_out) AS o, SUM(flows) AS f FROM traffic_hour WHERE hour < ?', rolled);
    const minutes = one<{ o: number; f: number }>('SELECT SUM(bytes_out) AS o, SUM(flows) AS f FROM traffic_minute WHERE minute >= ?', rolled);
    expect(hours.o + minutes.o).toBe(total);
    expect(hours.f + minutes.f).toBe(count);
    expect(appSummaries(db, ctx(), { since: start })[0]).toMatchObject({ bytesOut: total, flows: count });

    // History says where individual connections start, and its totals cover the same period as its rows.
    expect(detailFrom(db)).toBe(cutoff);
    const page = historyPage(db, { since: start, limit: 100_000, offset: 0 }, NOW);
    expect(page.detailFrom).toBe(cutoff);
    expect(page.rows).toHaveLength(kept + 1);
    expect(page.totals.count).toBe(kept);
    // Raising the retention afterwards does not bring them back: the mark stays.
    maintain(NOW, { retentionDays: 30, hourlyRetentionDays: 90, dailyRetentionDays: 730 });
    expect(detailFrom(db)).toBe(cutoff);
  });

  it('marks only what has been deleted while a backlog is pruned batch by batch', () => {
    for (let t = NOW - 5 * DAY; t < NOW; t += MINUTE) connect(t, 1);
    while (rollUpHours(db, NOW, 1000) > 0);
    pruneBatch(db, NOW, { retentionDays: 1, hourlyRetentionDays: 90, dailyRetentionDays: 730 }, 500);
    const oldest = one<{ m: number }>('SELECT MIN(opened_at) AS m FROM flows').m;
    expect(oldest).toBe(NOW - 5 * DAY + 500 * MINUTE);
    expect(oldest).toBeLessThan(floorTo(NOW - DAY, HOUR));
    expect(detailFrom(db)).toBe(oldest);
  });

  it('prunes minute buckets after two days, and only once their hour is rolled up', () => {
    const start = floorTo(NOW - 5 * DAY, DAY);
    let total = 0;
    for (let t = start; t < NOW; t += 10 * MINUTE) {
      traffic.add(t, { appId, remoteId, rport: 443, proto: 'udp', bytesOut: 100, bytesIn: 0, flows: 0 });
      total += 100;
    }
    const keep: RetentionSettings = { retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730 };
    // Nothing rolled up: nothing may go.
    for (let i = 0; i < 100; i++) pruneBatch(db, NOW, keep);
    expect(minuteHorizon(db)).toBe(start);
    // One day rolled up: minutes go up to it, not beyond.
    rollUpHours(db, NOW, 24);
    for (let i = 0; i < 100; i++) pruneBatch(db, NOW, keep);
    expect(rolledUntil(db)).toBe(start + DAY);
    expect(minuteHorizon(db)).toBe(start + DAY);
    expect(appSummaries(db, ctx(), { since: start })[0]!.bytesOut).toBe(total);
    // Everything rolled up: two days of minutes are left, by whole hours.
    maintain(NOW, keep);
    expect(minuteHorizon(db)).toBe(floorTo(NOW - 2 * DAY, HOUR));
    expect(appSummaries(db, ctx(), { since: start })[0]!.bytesOut).toBe(total);
    // A shorter connection retention shortens the minutes too.
    maintain(NOW, { ...keep, retentionDays: 1 });
    expect(minuteHorizon(db)).toBe(floorTo(NOW - DAY, HOUR));
    expect(series(db, ctx(), { since: start, bucket: 'minute' }).points.reduce((s, p) => s + p.bytesOut, 0)).toBe(total);
  });

  it('prunes hours by whole days after hourlyRetentionDays and days after dailyRetentionDays, independently', () => {
    const start = floorTo(NOW - 40 * DAY, DAY) + 7 * HOUR;
    const sent: { at: number; bytes: number }[] = [];
    for (let t = start; t < NOW; t += 30 * MINUTE) {
      const bytes = 1000 + Math.floor(t / MINUTE) % 97;
      traffic.add(t, { appId, remoteId, rport: 443, proto: 'tcp', bytesOut: bytes, bytesIn: 1, flows: 1 });
      sent.push({ at: t, bytes });
    }
    const since = (from: number): number => sent.filter((s) => s.at >= from).reduce((a, s) => a + s.bytes, 0);

    const { days } = maintain(NOW, { retentionDays: 3, hourlyRetentionDays: 10, dailyRetentionDays: 20 });
    expect(days).toBeGreaterThan(0);
    const hoursFrom = floorTo(NOW - 10 * DAY, DAY);
    expect(hourHorizon(db)).toBe(hoursFrom);
    expect(one<{ h: number }>('SELECT MIN(hour) AS h FROM app_hour').h).toBe(hoursFrom);
    // A day goes once all of it is past the daily retention.
    const daysFrom = floorTo(NOW - 21 * DAY, DAY) + DAY;
    expect(dayHorizon(db)).toBe(daysFrom);
    expect(daysFrom + DAY).toBeGreaterThan(NOW - 20 * DAY);
    // Reports over everything still held: days, then hours, then minutes.
    expect(appSummaries(db, ctx(), { since: daysFrom })[0]!.bytesOut).toBe(since(daysFrom));
    expect(series(db, ctx(), { since: daysFrom, bucket: 'hour' }).points.reduce((s, p) => s + p.bytesOut, 0)).toBe(since(daysFrom));
    expect(totalsSince(db, daysFrom, NOW + MINUTE).out).toBe(since(daysFrom));

    // Daily retention shorter than the hourly one: days go first, reports read the hours held instead.
    maintain(NOW, { retentionDays: 3, hourlyRetentionDays: 10, dailyRetentionDays: 5 });
    expect(dayHorizon(db)).toBe(floorTo(NOW - 6 * DAY, DAY) + DAY);
    expect(hourHorizon(db)).toBe(hoursFrom);
    expect(appSummaries(db, ctx(), { since: hoursFrom })[0]!.bytesOut).toBe(since(hoursFrom));
    expect(totalsSince(db, hoursFrom, NOW + MINUTE).out).toBe(since(hoursFrom));
  });
});

describe('retention settings', () => {
  it('new defaults apply where the user saved nothing; saved values are kept', () => {
    expect(loadSettings(db)).toMatchObject({ retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730 });
    saveSettings(db, defaultSettings, { retentionDays: 30, hourlyRetentionDays: 365 });
    db.close();
    db = openStore({ path: join(dir, 'o.db') }).db;
    expect(loadSettings(db)).toMatchObject({ retentionDays: 30, hourlyRetentionDays: 365, dailyRetentionDays: 730 });
  });
});

describe('after the clock went back', () => {
  const KEEP = { retentionDays: 3, hourlyRetentionDays: 90, dailyRetentionDays: 730 };
  const hourSum = (from: number, to: number): number =>
    one<{ b: number | null }>('SELECT SUM(bytes_out) AS b FROM traffic_hour WHERE hour >= ? AND hour < ?', from, to).b ?? 0;
  const daySum = (day: number): number => one<{ b: number | null }>('SELECT SUM(bytes_out) AS b FROM traffic_day WHERE day = ?', day).b ?? 0;
  const minuteSum = (from: number, to: number): number =>
    one<{ b: number | null }>('SELECT SUM(bytes_out) AS b FROM traffic_minute WHERE minute >= ? AND minute < ?', from, to).b ?? 0;

  it('bytes written into hours already rolled up reach the hourly and daily totals', () => {
    const start = floorTo(NOW - 30 * HOUR, HOUR);
    for (let t = start; t < NOW; t += 10 * MINUTE) connect(t, 100);
    maintain(NOW, KEEP);
    const rolled = rolledUntil(db);
    expect(rolled).toBeGreaterThan(NOW - 2 * HOUR);
    // The clock is set back five hours; the engine rewinds, then writes there.
    const back = NOW - 5 * HOUR;
    rewindRollups(db, back);
    expect(rolledUntil(db)).toBe(floorTo(back, HOUR));
    for (let i = 0; i < 3; i++) connect(back + i * MINUTE, 7_000);
    maintain(NOW, KEEP);
    expect(rolledUntil(db)).toBe(rolled);
    // Every rolled hour equals its minutes, the late bytes included.
    expect(hourSum(start, rolled)).toBe(minuteSum(start, rolled));
    expect(hourSum(floorTo(back, HOUR), floorTo(back, HOUR) + HOUR)).toBe(6 * 100 + 21_000);
    const day = floorTo(back, DAY);
    if (day + DAY <= daysRolledUntil(db)) expect(daySum(day)).toBe(hourSum(day, day + DAY));
  });

  it('never rewinds before the oldest minute held, so no hour is rolled from part of its minutes', () => {
    const start = floorTo(NOW - 5 * DAY, HOUR);
    for (let t = start; t < NOW; t += 30 * MINUTE) connect(t, 100);
    maintain(NOW, KEEP);
    const horizon = minuteHorizon(db);
    expect(horizon).toBeGreaterThan(start);
    const before = hourSum(start, horizon);
    rewindRollups(db, NOW - 4 * DAY);
    expect(rolledUntil(db)).toBe(floorTo(horizon, HOUR));
    maintain(NOW, KEEP);
    // The hours before the horizon keep their totals (their minutes are gone).
    expect(hourSum(start, horizon)).toBe(before);
    expect(hourSum(floorTo(horizon, HOUR), rolledUntil(db))).toBe(minuteSum(floorTo(horizon, HOUR), rolledUntil(db)));
  });

  it('does nothing when nothing was rolled up past that time', () => {
    connect(NOW - 10 * MINUTE, 1);
    const before = rolledUntil(db);
    rewindRollups(db, NOW - 5 * MINUTE);
    expect(rolledUntil(db)).toBe(before);
  });
});
