#!/usr/bin/env node
// Database bytes per day for a synthetic busy workstation (bench/lib/workstation.js: 300 new
// connections a minute, ~2 000 live, ~30 apps, a few thousand destinations), recorded by the real
// FlowTracker and store under a simulated clock, with the engine's roll-ups and retention running
// once a simulated minute. Target: ≤ 20 MB/day.
//   node bench/db-size.js [--quick|--full]     quick: 6 simulated hours ×4; full: 24 hours
// Prints where the bytes go (dbstat), three figures and a baseline measured in the same run:
//   - growth per day: what one day adds to the file (everything, before any retention);
//   - steady-state size: each object × how long the default settings keep it (flows 30 days, minute
//     buckets 7, hourly and daily roll-ups 365);
//   - kept long-term per day: what a day still costs once its raw data has been pruned (roll-ups only);
//   - baseline: the same connections as bare rows (no index, no buckets) — the least a per-connection
//     history can take; the ratio is growth / baseline.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { simulate, spaceByObject } = require('./lib/sim');

const full = process.argv.includes('--full');
const HOURS = full ? 24 : 6;
const MB = 1e6;

const GROUPS = [
  ['connections (flows + indexes)', /^flows/, 30],
  ['minute buckets', /^traffic_minute/, 7],
  ['hourly roll-ups', /^(traffic_hour|app_hour)/, 365],
  ['daily roll-ups', /^traffic_day/, 365],
  ['destinations, apps, processes', /^(remotes|apps|processes|sqlite_autoindex_(remotes|apps|processes))/, null],
];

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outflow-bench-size-'));
  const dbPath = path.join(dir, 'o.db');
  const start = Date.UTC(2026, 9, 1);
  // The empty database (schema only) is not growth.
  const empty = (() => {
    const { openTracker } = require('./lib/sim');
    const { db } = openTracker(path.join(dir, 'empty.db'));
    const sp = spaceByObject(db);
    db.close();
    return sp;
  })();
  const emptyBy = new Map(empty.map((o) => [o.name, o.bytes]));
  const r = simulate({ dbPath, start, hours: HOURS, tickMs: 5000 });
  // Roll up everything that is complete, as the engine will within the hour.
  const { rollUpHours } = require('./lib/dist').dist('electron/store/queries/retention');
  rollUpHours(r.db, r.end + 2 * 3_600_000, 1000);
  const objects = spaceByObject(r.db);
  const flows = r.db.prepare('SELECT count(*) AS n FROM flows').get().n;
  const minutes = r.db.prepare('SELECT count(*) AS n FROM traffic_minute').get().n;
  const hours = r.db.prepare('SELECT count(*) AS n FROM traffic_hour').get().n;
  const scale = 24 / HOURS;
  const perDay = (o) => (Math.max(0, o.bytes - (emptyBy.get(o.name) ?? 0)) * scale) / MB;

  const groups = GROUPS.map(([label, re, keepDays]) => {
    const members = objects.filter((o) => re.test(o.name));
    return { label, mbPerDay: members.reduce((s, o) => s + perDay(o), 0), keepDays, members: members.map((o) => ({ name: o.name, mbPerDay: perDay(o) })) };
  });
  const growth = objects.reduce((s, o) => s + perDay(o), 0);
  const steady = groups.reduce((s, g) => s + g.mbPerDay * (g.keepDays ?? 1), 0);
  const longTerm = groups.filter((g) => g.keepDays === 365).reduce((s, g) => s + g.mbPerDay, 0);

  // Baseline: the same connections as bare rows in a table of their own.
  const bareFile = path.join(dir, 'bare.db');
  const bare = new Database(bareFile);
  bare.exec(`CREATE TABLE conn (app_id INTEGER, process_id INTEGER, proto INTEGER, lport INTEGER, remote_id INTEGER, rport INTEGER,
                                opened_at INTEGER, closed_at INTEGER, bytes_out INTEGER, bytes_in INTEGER) STRICT`);
  const ins = bare.prepare('INSERT INTO conn VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const rows = r.db.prepare('SELECT app_id, process_id, proto, lport, remote_id, rport, opened_at, closed_at, bytes_out, bytes_in FROM flows').raw().iterate();
  bare.transaction(() => {
    for (const row of rows) ins.run(...row);
  })();
  const bareBytes = bare.prepare("SELECT SUM(pgsize) AS b FROM dbstat WHERE name = 'conn'").get().b;
  bare.close();
  const baseline = (bareBytes * scale) / MB;
  r.db.close();
  fs.rmSync(dir, { recursive: true, force: true });

  console.log(`simulated ${HOURS} h (${r.ticks} ticks of 5 s, ${r.samples} samples in ${r.seconds.toFixed(1)} s); ${flows} connections, ${minutes} minute buckets, ${hours} hourly rows`);
  console.log('\nwhere the bytes go (MB per day)      MB/day   kept (days)');
  for (const g of groups) {
    console.log(`  ${g.label.padEnd(34)} ${g.mbPerDay.toFixed(2).padStart(6)}   ${g.keepDays ?? '—'}`);
    for (const m of g.members.filter((x) => x.mbPerDay >= 0.05)) console.log(`      ${m.name.padEnd(30)} ${m.mbPerDay.toFixed(2).padStart(6)}`);
  }
  console.log(`\ngrowth per day:            ${growth.toFixed(1)} MB/day   (target ≤ 20 MB/day)`);
  console.log(`baseline (bare rows):      ${baseline.toFixed(1)} MB/day   ratio ${(growth / baseline).toFixed(2)}`);
  console.log(`steady-state size (30-day flows, 7-day minutes, 365-day roll-ups): ${(steady / 1000).toFixed(2)} GB`);
  console.log(`kept long-term per day (roll-ups only): ${longTerm.toFixed(2)} MB/day`);
  console.log(
    JSON.stringify({
      bench: 'db-size',
      mode: full ? 'full' : 'quick',
      simulatedHours: HOURS,
      connectionsPerDay: Math.round(flows * scale),
      minuteBucketsPerDay: Math.round(minutes * scale),
      growthMBPerDay: growth,
      baselineMBPerDay: baseline,
      ratio: growth / baseline,
      steadyStateGB: steady / 1000,
      longTermMBPerDay: longTerm,
      targetMBPerDay: 20,
      groups: groups.map(({ label, mbPerDay, keepDays }) => ({ label, mbPerDay, keepDays })),
    }),
  );
}

main();
