#!/usr/bin/env node
// Database bytes per day for a synthetic busy workstation (bench/lib/workstation.js: 300 new
// connections a minute, ~2 000 live, ~30 apps, a few thousand destinations), recorded by the real
// FlowTracker and store under a simulated clock, with the engine's roll-ups and retention running
// once a simulated minute. Target: ≤ 20 MB per day after roll-ups (amortised over 30 days, below).
//   node bench/db-size.js [--quick|--full]     quick: 6 simulated hours ×4; full: 24 hours
// Prints where the bytes go (dbstat), the figures below and a baseline measured in the same run:
//   - growth per day: what the first day adds to the file (everything, before any retention);
//   - per day after roll-ups, amortised over 30 days: what 30 days at the default retention hold
//     (each object's bytes per day × min(days kept, 30)), divided by 30 — the target's figure;
//   - size after 365 days, and the steady state: each object × how long the defaults keep it
//     (individual connections, minute buckets, hourly and daily roll-ups: read from the settings);
//   - kept long-term per day: what a day still costs once its connections and minutes are gone;
//   - baseline: the same connections as bare rows (no index, no buckets) — the least a per-connection
//     history can take; the ratio is growth / baseline.
// The daily roll-ups hold a row per app × destination × port × protocol seen in the day, which grows
// slower than the day: in full mode the simulated day is measured as it is; in quick mode the rows
// of a day are extrapolated from how the distinct combinations grew from 3 to 6 hours (each
// doubling of time multiplies them by the same factor; on this workload that over-estimates a
// measured 24-hour day by ~15 %).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Database = require('better-sqlite3');
const { dist } = require('./lib/dist');
const { simulate, spaceByObject } = require('./lib/sim');

const full = process.argv.includes('--full');
const HOURS = full ? 24 : 6;
const HOUR = 3_600_000;
const MB = 1e6;
const AMORTISE_DAYS = 30;

function keptDays() {
  const { defaultSettings } = dist('electron/shared/settings');
  const { MINUTE_RETENTION_DAYS } = dist('electron/store/queries/retention');
  return {
    flows: defaultSettings.retentionDays,
    minutes: Math.min(defaultSettings.retentionDays, MINUTE_RETENTION_DAYS),
    hours: defaultSettings.hourlyRetentionDays,
    days: defaultSettings.dailyRetentionDays,
  };
}

/**
 * The simulated window rolled up as one day (as the store's daily roll-up does), so its bytes can be
 * measured, and the factor from the window's distinct combinations to a whole day's (1 in full mode).
 */
function rollWindowAsDay(db, start, end) {
  const distinct = (until) =>
    db.prepare('SELECT count(*) AS n FROM (SELECT DISTINCT app_id, remote_id, rport, proto FROM traffic_hour WHERE hour >= ? AND hour < ?)').get(start, until).n;
  const whole = distinct(end);
  const half = distinct(start + (end - start) / 2);
  const factor = Math.pow(whole / half, Math.log2((24 * HOUR) / (end - start)));
  db.exec('DELETE FROM traffic_day');
  db.prepare(
    `INSERT INTO traffic_day (day, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
     SELECT ?, app_id, remote_id, rport, proto, SUM(bytes_out), SUM(bytes_in), SUM(flows)
       FROM traffic_hour WHERE hour >= ? AND hour < ? GROUP BY app_id, remote_id, rport, proto`,
  ).run(start, start, end);
  return { factor, rows: whole };
}

function main() {
  const KEEP = keptDays();
  const GROUPS = [
    ['connections (flows + indexes)', /^flows/, KEEP.flows],
    ['minute buckets', /^traffic_minute/, KEEP.minutes],
    ['hourly roll-ups', /^(traffic_hour|app_hour)/, KEEP.hours],
    ['daily roll-ups', /^traffic_day/, KEEP.days],
    ['destinations, apps, processes', /^(remotes|apps|processes|sqlite_autoindex_(remotes|apps|processes))/, null],
  ];
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
  const { rollUpHours } = dist('electron/store/queries/retention');
  rollUpHours(r.db, r.end + 2 * HOUR, 1000);
  const flows = r.db.prepare('SELECT count(*) AS n FROM flows').get().n;
  const minutes = r.db.prepare('SELECT count(*) AS n FROM traffic_minute').get().n;
  const hours = r.db.prepare('SELECT count(*) AS n FROM traffic_hour').get().n;
  const day = rollWindowAsDay(r.db, start, r.end);
  const objects = spaceByObject(r.db);
  const scale = 24 / HOURS;
  const grown = (o) => Math.max(0, o.bytes - (emptyBy.get(o.name) ?? 0));
  const perDay = (o) => (grown(o) * (/^traffic_day/.test(o.name) ? day.factor : scale)) / MB;

  const groups = GROUPS.map(([label, re, keepDays]) => {
    const members = objects.filter((o) => re.test(o.name));
    return { label, mbPerDay: members.reduce((s, o) => s + perDay(o), 0), keepDays, members: members.map((o) => ({ name: o.name, mbPerDay: perDay(o) })) };
  });
  const growth = groups.reduce((s, g) => s + g.mbPerDay, 0);
  // Bytes held after `days` days at the default retention. Destinations, apps and processes are
  // counted once: the workstation's pool of them is fixed, so the first day's are all there are.
  const heldAfter = (days) => groups.reduce((s, g) => s + g.mbPerDay * (g.keepDays === null ? 1 : Math.min(g.keepDays, days)), 0);
  const amortised = heldAfter(AMORTISE_DAYS) / AMORTISE_DAYS;
  const size365 = heldAfter(365);
  const steady = heldAfter(Infinity);
  const rollups = groups.filter((g) => g.label.endsWith('roll-ups'));
  const longTerm = rollups.reduce((s, g) => s + g.mbPerDay, 0);
  const daily = groups.find((g) => g.label === 'daily roll-ups').mbPerDay;

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

  const kept = `${KEEP.flows}-day connections, ${KEEP.minutes}-day minutes, ${KEEP.hours}-day hourly and ${KEEP.days}-day daily roll-ups`;
  console.log(`simulated ${HOURS} h (${r.ticks} ticks of 5 s, ${r.samples} samples in ${r.seconds.toFixed(1)} s); ${flows} connections, ${minutes} minute buckets, ${hours} hourly rows`);
  console.log(
    full
      ? `daily roll-ups: the simulated day, ${day.rows} rows`
      : `daily roll-ups: ${day.rows} rows in ${HOURS} h, ×${day.factor.toFixed(2)} for a day (extrapolated from their growth over 3 → 6 h)`,
  );
  console.log('\nwhere the bytes go (MB per day)      MB/day   kept (days)');
  for (const g of groups) {
    console.log(`  ${g.label.padEnd(34)} ${g.mbPerDay.toFixed(2).padStart(6)}   ${g.keepDays ?? '—'}`);
    for (const m of g.members.filter((x) => x.mbPerDay >= 0.05)) console.log(`      ${m.name.padEnd(30)} ${m.mbPerDay.toFixed(2).padStart(6)}`);
  }
  console.log(`\nper day after roll-ups, amortised over ${AMORTISE_DAYS} days: ${amortised.toFixed(1)} MB/day   (target ≤ 20 MB/day${amortised <= 20 ? ', met' : ', MISSED'})`);
  console.log(`growth per day (first day, before any retention): ${growth.toFixed(1)} MB/day`);
  console.log(`baseline (bare rows):      ${baseline.toFixed(1)} MB/day   ratio ${(growth / baseline).toFixed(2)}`);
  console.log(`size after 365 days: ${(size365 / 1000).toFixed(2)} GB; steady-state size (${kept}): ${(steady / 1000).toFixed(2)} GB`);
  console.log(`kept long-term per day (roll-ups only): ${longTerm.toFixed(2)} MB/day up to ${KEEP.hours} days, then ${daily.toFixed(2)} MB/day (daily roll-ups)`);
  console.log(
    JSON.stringify({
      bench: 'db-size',
      mode: full ? 'full' : 'quick',
      simulatedHours: HOURS,
      connectionsPerDay: Math.round(flows * scale),
      minuteBucketsPerDay: Math.round(minutes * scale),
      amortisedDays: AMORTISE_DAYS,
      amortisedMBPerDay: amortised,
      growthMBPerDay: growth,
      baselineMBPerDay: baseline,
      ratio: growth / baseline,
      size365GB: size365 / 1000,
      steadyStateGB: steady / 1000,
      longTermMBPerDay: longTerm,
      dailyRollupMBPerDay: daily,
      dailyRollupFactor: day.factor,
      targetMBPerDay: 20,
      groups: groups.map(({ label, mbPerDay, keepDays }) => ({ label, mbPerDay, keepDays })),
    }),
  );
}

main();
