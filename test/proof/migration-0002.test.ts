import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../electron/store/migrations';
import { appSummaries, destinations } from '../../electron/store/queries/reports';

// Migration 0002 (daily and per-app roll-ups, minute index dropped) on a version-1 database holding
// real rows: three days of minute buckets rolled up by the version-1 roll-up, then migrated.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 9, 1, 3);

let dir: string;
let db: Database.Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-m2-'));
  db = new Database(join(dir, 'o.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function seedVersion1(): { rolledUntil: number } {
  expect(migrate(db, 1)).toBe(1);
  const app = (path: string): number =>
    (db.prepare('INSERT INTO apps (path, name, first_seen, last_seen) VALUES (?, ?, ?, ?) RETURNING id').get(path, path.split('/').pop(), START, START) as { id: number }).id;
  const remote = (addr: string, scope: string): number =>
    (db.prepare('INSERT INTO remotes (addr, family, scope) VALUES (?, 4, ?) RETURNING id').get(addr, scope) as { id: number }).id;
  const browser = app('/usr/bin/browser');
  const agent = app('/usr/bin/agent');
  const internet = remote('198.18.7.7', 'internet');
  const lan = remote('198.19.0.2', 'lan');
  const loop = remote('127.0.0.1', 'loopback');
  const ins = db.prepare('INSERT INTO traffic_minute (minute, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows) VALUES (?, ?, ?, ?, 6, ?, ?, ?)');
  for (let t = START; t < START + 3 * DAY; t += 7 * 60_000) {
    const i = (t - START) / 60_000;
    ins.run(t, browser, internet, 443, 1000 + (i % 13), 50, i % 5 === 0 ? 1 : 0);
    if (i % 3 === 0) ins.run(t, agent, lan, 8080, 300, 30, 1);
    if (i % 4 === 0) ins.run(t, browser, loop, 9000, 77, 7, 0);
  }
  // The version-1 roll-up, as shipped: every completed hour into traffic_hour, progress in settings.
  const rolledUntil = START + 3 * DAY - 2 * HOUR;
  db.prepare(
    `INSERT INTO traffic_hour (hour, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
     SELECT (minute / 3600000) * 3600000, app_id, remote_id, rport, proto, SUM(bytes_out), SUM(bytes_in), SUM(flows)
       FROM traffic_minute WHERE minute < ? GROUP BY minute / 3600000, app_id, remote_id, rport, proto`,
  ).run(rolledUntil);
  db.prepare("INSERT INTO settings (key, value) VALUES ('_rolled_until', ?)").run(String(rolledUntil));
  return { rolledUntil };
}

describe('migration 0002 (roll-ups)', () => {
  it('fills app_hour and traffic_day from the hourly rows held, and drops the minute index', () => {
    const { rolledUntil } = seedVersion1();
    const hourTotals = db.prepare('SELECT SUM(bytes_out) AS o, SUM(bytes_in) AS i, SUM(flows) AS f FROM traffic_hour').get();
    expect(migrate(db, 2)).toBe(2);
    const indexes = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index'").all() as { name: string }[]).map((r) => r.name);
    expect(indexes).not.toContain('traffic_minute_app');
    expect(indexes).toContain('traffic_day_app');

    // app_hour: the same bytes as traffic_hour, split by loopback, with the internet bytes as billable.
    expect(db.prepare('SELECT SUM(bytes_out) AS o, SUM(bytes_in) AS i, SUM(flows) AS f FROM app_hour').get()).toEqual(hourTotals);
    const loopback = db.prepare('SELECT SUM(bytes_out) AS o FROM app_hour WHERE loopback = 1').get() as { o: number };
    const loopHours = db.prepare("SELECT SUM(t.bytes_out) AS o FROM traffic_hour t JOIN remotes r ON r.id = t.remote_id WHERE r.scope = 'loopback'").get() as { o: number };
    expect(loopback.o).toBe(loopHours.o);
    const billable = db.prepare('SELECT SUM(billable_out) AS b FROM app_hour').get() as { b: number };
    const internetHours = db.prepare("SELECT SUM(t.bytes_out) AS o FROM traffic_hour t JOIN remotes r ON r.id = t.remote_id WHERE r.scope = 'internet'").get() as { o: number };
    expect(billable.b).toBe(internetHours.o);

    // traffic_day: whole UTC days before the roll-up point, equal to their hours.
    const daysUntil = Math.floor(rolledUntil / DAY) * DAY;
    expect(Number((db.prepare("SELECT value FROM settings WHERE key = '_days_rolled_until'").get() as { value: string }).value)).toBe(daysUntil);
    const dayRows = db.prepare('SELECT day, SUM(bytes_out) AS o FROM traffic_day GROUP BY day ORDER BY day').all() as { day: number; o: number }[];
    expect(dayRows.length).toBeGreaterThanOrEqual(2);
    for (const d of dayRows) {
      expect(d.day % DAY).toBe(0);
      expect(d.day + DAY).toBeLessThanOrEqual(daysUntil);
      expect(d.o).toBe((db.prepare('SELECT SUM(bytes_out) AS o FROM traffic_hour WHERE hour >= ? AND hour < ?').get(d.day, d.day + DAY) as { o: number }).o);
    }
  });

  it('answers reports over the migrated rows exactly as the raw minute buckets do', () => {
    seedVersion1();
    migrate(db);
    const raw = db
      .prepare(
        `SELECT t.app_id AS id, SUM(t.bytes_out) AS o, SUM(t.bytes_in) AS i FROM traffic_minute t JOIN remotes r ON r.id = t.remote_id
          WHERE r.scope <> 'loopback' GROUP BY t.app_id ORDER BY o DESC`,
      )
      .all() as { id: number; o: number; i: number }[];
    const ctx = { now: START + 3 * DAY, costPerGb: 0.09, minuteHorizon: 0 };
    const got = appSummaries(db, ctx, {});
    expect(got.map((a) => ({ id: a.id, o: a.bytesOut, i: a.bytesIn }))).toEqual(raw);
    const dest = destinations(db, ctx, { appId: raw[0]!.id, limit: 10 });
    const rawDest = db
      .prepare('SELECT r.addr, SUM(t.bytes_out) AS o FROM traffic_minute t JOIN remotes r ON r.id = t.remote_id WHERE t.app_id = ? GROUP BY r.addr ORDER BY o DESC')
      .all(raw[0]!.id) as { addr: string; o: number }[];
    expect(dest.map((d) => ({ addr: d.remote, o: d.bytesOut }))).toEqual(rawDest);
  });
});
