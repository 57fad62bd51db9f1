// Drives the real FlowTracker and store (compiled dist/) with scripted snapshots under a simulated
// clock, doing per tick what the engine's poll loop does (one transaction per tick) and, once a
// simulated minute, what its maintenance does (hourly roll-ups, retention, space reclaim).
'use strict';
const { dist } = require('./dist');
const { createWorkstation, geo, resolver } = require('./workstation');

function openTracker(dbPath) {
  const { openStore } = dist('electron/store/db');
  const { AppsTable } = dist('electron/store/queries/apps');
  const { FlowsTable } = dist('electron/store/queries/flows');
  const { ProcessesTable } = dist('electron/store/queries/processes');
  const { RemotesTable } = dist('electron/store/queries/remotes');
  const { TrafficTable } = dist('electron/store/queries/traffic');
  const { FlowTracker } = dist('electron/engine/flow-tracker');
  const { db } = openStore({ path: dbPath });
  const tables = { apps: new AppsTable(db), processes: new ProcessesTable(db), remotes: new RemotesTable(db), flows: new FlowsTable(db), traffic: new TrafficTable(db) };
  const tracker = new FlowTracker(tables, geo, resolver);
  tracker.restore();
  return { db, tracker };
}

/**
 * Simulates `hours` of the workstation from `start`, ticking every `tickMs`.
 * `retention` = { retentionDays, hourlyRetentionDays, dailyRetentionDays } as in settings (default:
 * the settings' defaults).
 */
function simulate(o) {
  const { rollUpHours, pruneBatch, reclaimSpace } = dist('electron/store/queries/retention');
  const { defaultSettings } = dist('electron/shared/settings');
  const { db, tracker } = o.opened ?? openTracker(o.dbPath);
  const ws = o.workstation ?? createWorkstation({ seed: o.seed ?? 7, start: o.start, live: o.live, newPerMinute: o.newPerMinute });
  const tickMs = o.tickMs ?? 5000;
  const end = o.start + o.hours * 3_600_000;
  const keep = {
    retentionDays: o.retention?.retentionDays ?? defaultSettings.retentionDays,
    hourlyRetentionDays: o.retention?.hourlyRetentionDays ?? defaultSettings.hourlyRetentionDays,
    dailyRetentionDays: o.retention?.dailyRetentionDays ?? defaultSettings.dailyRetentionDays,
  };
  let samples = 0;
  let ticks = 0;
  let lastMaintenance = -Infinity;
  const t0 = process.hrtime.bigint();
  for (let at = o.start + tickMs; at <= end; at += tickMs) {
    const snap = ws.snapshot(at);
    samples += snap.sockets.length + snap.closed.length;
    db.transaction(() => tracker.ingest(snap, true))();
    ticks++;
    if (at - lastMaintenance >= 60_000) {
      lastMaintenance = at;
      rollUpHours(db, at);
      const r = pruneBatch(db, at, keep);
      if (r.flows + r.minutes + r.hours + r.days + r.alerts > 0) reclaimSpace(db);
    }
    if (o.onProgress && ticks % 720 === 0) o.onProgress(at, ws);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { db, tracker, workstation: ws, samples, ticks, seconds, end };
}

/** Bytes per table and index (dbstat), largest first, after a checkpoint. */
function spaceByObject(db) {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return db
    .prepare('SELECT name, SUM(pgsize) AS bytes, SUM(ncell) AS cells FROM dbstat GROUP BY name ORDER BY bytes DESC')
    .all();
}

module.exports = { openTracker, simulate, spaceByObject };
