#!/usr/bin/env node
// History latency over 30 days of the synthetic busy workstation (bench/lib/workstation.js): per-app
// totals, top destinations of an app and the first page of history.query, through the real report
// functions (electron/store/queries/reports.ts) on a database on disk. Target: ≤ 100 ms each.
//   node bench/history.js [--quick|--full]
// The database: SPAN simulated hours recorded by the real FlowTracker and rolled up, then repeated
// back in time to cover 30 days (connections for the last 7 days in quick mode, all 30 in full; minute
// buckets as long as retention keeps them), then the daily roll-ups computed by the store.
// Baseline, measured in the same run: SUM over a 1 000 000-row SQLite table (a machine-speed unit);
// each figure is also printed as a ratio to it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { dist } = require('./lib/dist');
const { simulate } = require('./lib/sim');

const full = process.argv.includes('--full');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN_HOURS = full ? 24 : 6;
const FLOW_DAYS = full ? 30 : 7;
const MINUTE_DAYS = full ? 7 : 2;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeIt(fn, runs = 7) {
  fn();
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(ms), result };
}

function build(dbPath, end) {
  const { rollUpHours } = dist('electron/store/queries/retention');
  const span = SPAN_HOURS * HOUR;
  const start = end - span;
  const t0 = Date.now();
  const r = simulate({ dbPath, start, hours: SPAN_HOURS, tickMs: 5000 });
  const db = r.db;
  rollUpHours(db, end + 2 * HOUR, 1000);
  const flowCols = 'app_id, process_id, uid, proto, local, lport, remote_id, rport, opened_at, closed_at, bytes_out, bytes_in';
  const copyFlows = db.prepare(
    `INSERT INTO flows (${flowCols}) SELECT app_id, process_id, uid, proto, local, lport, remote_id, rport, opened_at - ?, closed_at - ?, bytes_out, bytes_in
       FROM flows WHERE opened_at >= ? AND opened_at < ? AND sock_key IS NULL`,
  );
  const copyMinutes = db.prepare(
    'INSERT OR IGNORE INTO traffic_minute SELECT minute - ?, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows FROM traffic_minute WHERE minute >= ? AND minute < ?',
  );
  const copyHours = db.prepare(
    'INSERT OR IGNORE INTO traffic_hour SELECT hour - ?, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows FROM traffic_hour WHERE hour >= ? AND hour < ?',
  );
  const copyAppHours = db.prepare(
    'INSERT OR IGNORE INTO app_hour SELECT hour - ?, app_id, loopback, bytes_out, bytes_in, flows, billable_out FROM app_hour WHERE hour >= ? AND hour < ?',
  );
  for (let off = span; off < 30 * DAY; off += span) {
    db.transaction(() => {
      if (off < FLOW_DAYS * DAY) copyFlows.run(off, off, start, end);
      if (off < MINUTE_DAYS * DAY) copyMinutes.run(off, start, end);
      copyHours.run(off, start, end);
      copyAppHours.run(off, start, end);
    })();
  }
  // Let the store compute the daily roll-ups of the whole backlog (the copies went in behind the
  // roll-up's progress pointer, so start it again from the beginning).
  db.exec("DELETE FROM traffic_day; DELETE FROM settings WHERE key = '_days_rolled_until'");
  for (let i = 0; i < 40; i++) rollUpHours(db, end + 2 * HOUR, 1000);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  const count = (t) => db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n;
  const info = {
    buildSeconds: (Date.now() - t0) / 1000,
    connections: count('flows'),
    minuteBuckets: count('traffic_minute'),
    hourlyRows: count('traffic_hour'),
    dailyRows: count('traffic_day'),
    sizeMB: fs.statSync(dbPath).size / 1e6,
  };
  db.close();
  return info;
}

function baselineMs() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE b (x INTEGER)');
  const ins = db.prepare('INSERT INTO b VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < 1_000_000; i++) ins.run(i & 1023);
  })();
  const sum = db.prepare('SELECT SUM(x) AS s FROM b');
  const { ms } = timeIt(() => sum.get(), 5);
  db.close();
  return ms;
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-bench-history-'));
  const dbPath = path.join(dir, 'o.db');
  const end = Date.UTC(2026, 10, 26, 12);
  const info = build(dbPath, end);
  const { openStore } = dist('electron/store/db');
  const rep = dist('electron/store/queries/reports');
  const { db } = openStore({ path: dbPath });
  const ctx = { now: end, costPerGb: 0.09, minuteHorizon: 0 };
  // Unaligned edges, as a user's "last 30 days" is.
  const since = end - 30 * DAY + 17 * 60_000;
  const apps = rep.appSummaries(db, ctx, { since });
  const top = apps[0];
  const mid = apps[Math.floor(apps.length / 2)];
  const base = baselineMs();
  const cases = [
    ['per-app totals, 30 days (apps.list)', () => rep.appSummaries(db, ctx, { since }).length],
    [`top destinations of the busiest app (${top.name}), 30 days`, () => rep.destinations(db, ctx, { appId: top.id, since, limit: 50 }).length],
    [`top destinations of a mid-size app (${mid.name}), 30 days`, () => rep.destinations(db, ctx, { appId: mid.id, since, limit: 50 }).length],
    ['history.query first page (1000 rows + totals), 30 days', () => rep.historyPage(db, { limit: 1000, offset: 0, since }, end).rows.length],
    ['history.query first page, all time', () => rep.historyPage(db, { limit: 1000, offset: 0 }, end).rows.length],
    ['history.query first page, port 443, 30 days', () => rep.historyPage(db, { limit: 1000, offset: 0, since, port: 443 }, end).rows.length],
    [`history.query first page, text "${top.name}", 30 days`, () => rep.historyPage(db, { limit: 1000, offset: 0, since, q: top.name }, end).rows.length],
    ['hourly series, all apps, 30 days', () => rep.series(db, ctx, { since, bucket: 'hour' }).points.length],
  ];
  const results = cases.map(([name, fn]) => {
    const { ms, result } = timeIt(fn);
    return { name, ms, rows: result, ratio: ms / base, target: 100 };
  });
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    `database: ${info.connections} connections (${FLOW_DAYS} days), ${info.minuteBuckets} minute buckets (${MINUTE_DAYS} days), ${info.hourlyRows} hourly and ${info.dailyRows} daily rows (30 days), ${info.sizeMB.toFixed(0)} MB, built in ${info.buildSeconds.toFixed(0)} s`,
  );
  console.log(`baseline: SUM over 1 000 000 rows = ${base.toFixed(1)} ms\n`);
  console.log('query                                                        median ms  × baseline  target');
  for (const r of results) console.log(`${r.name.padEnd(60)} ${r.ms.toFixed(1).padStart(9)}  ${r.ratio.toFixed(2).padStart(10)}  ≤ ${r.target} ms${r.ms > r.target ? '  OVER' : ''}`);
  console.log(JSON.stringify({ bench: 'history', mode: full ? 'full' : 'quick', database: info, baselineMs: base, results }));
}

main();
