import type { Db } from '../db';
import type { Settings } from '../../shared/settings';
import { HOUR } from './traffic';

export const DAY = 86_400_000;
export const ROLLED_KEY = '_rolled_until';
const DAYS_ROLLED_KEY = '_days_rolled_until';
/** Every closed connection opened before it has been deleted by retention (see `detailFrom`). */
const FLOWS_PRUNED_KEY = '_flows_pruned_until';
/**
 * Minute buckets are kept this long (or `retentionDays` when shorter); older ranges are answered by
 * the hourly and daily roll-ups (tiers.ts picks by what is held). Minute resolution is what a chart
 * of the last hours needs; at ~24 MB a busy day it is the second-largest cost after the connections
 * themselves (bench/db-size.js), so it covers "today and yesterday" and no more.
 */
export const MINUTE_RETENTION_DAYS = 2;

export type RetentionSettings = Pick<Settings, 'retentionDays' | 'hourlyRetentionDays' | 'dailyRetentionDays'>;
/**
 * An hour is rolled up only this long after it ended: a destroyed socket's last bytes are written
 * to the minute it closed in, up to one poll later, and must not miss the roll-up.
 */
const LATE_WRITES_MS = 5 * 60_000;

/** Where the hourly roll-ups stand: every hour before it is in traffic_hour and app_hour. */
export function rolledUntil(db: Db): number {
  return readPointer(db, ROLLED_KEY);
}

/** Every UTC day before it is in traffic_day. */
export function daysRolledUntil(db: Db): number {
  return readPointer(db, DAYS_ROLLED_KEY);
}

/**
 * Rolls the `from` rows of [?2, ?3) into one `into` row per (app, destination, port, proto) at ?1,
 * replacing what that row held: rolling a period again (after a clock jump) recomputes it.
 */
function rollStatement(
  db: Db,
  into: 'traffic_hour' | 'traffic_day',
  intoCol: 'hour' | 'day',
  from: 'traffic_minute' | 'traffic_hour',
  fromCol: 'minute' | 'hour',
): { run(at: number, since: number, until: number): unknown } {
  return db.prepare(
    `INSERT INTO ${into} (${intoCol}, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
     SELECT ?, app_id, remote_id, rport, proto, SUM(bytes_out), SUM(bytes_in), SUM(flows)
       FROM ${from} WHERE ${fromCol} >= ? AND ${fromCol} < ?
      GROUP BY app_id, remote_id, rport, proto
     ON CONFLICT (${intoCol}, app_id, remote_id, rport, proto) DO UPDATE SET
       bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in, flows = excluded.flows`,
  );
}

/** Progress pointers live in `settings` under keys starting with `_`. */
function pointerWriter(db: Db): { run(key: string, value: string): unknown } {
  return db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
}

function readPointer(db: Db, key: string): number {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
  const n = row ? Number(row.value) : 0;
  return Number.isFinite(n) ? n : 0;
}

/**
 * Rolls every completed hour of minute buckets into traffic_hour (and the per-app app_hour), one hour
 * per transaction, so a long backlog never holds the writer for long; then every completed day of
 * hours into traffic_day. Idempotent: progress is kept in `settings`. Returns the hours rolled.
 */
export function rollUpHours(db: Db, now: number, maxHours = 24): number {
  const set = pointerWriter(db);
  const first = db.prepare('SELECT MIN(minute) AS m FROM traffic_minute WHERE minute >= ?');
  const roll = rollStatement(db, 'traffic_hour', 'hour', 'traffic_minute', 'minute');
  const rollApps = db.prepare(
    `INSERT INTO app_hour (hour, app_id, loopback, bytes_out, bytes_in, flows, billable_out)
     SELECT ?, t.app_id, r.scope = 'loopback', SUM(t.bytes_out), SUM(t.bytes_in), SUM(t.flows),
            SUM(CASE WHEN r.scope = 'internet' THEN t.bytes_out ELSE 0 END)
       FROM traffic_minute t JOIN remotes r ON r.id = t.remote_id
      WHERE t.minute >= ? AND t.minute < ?
      GROUP BY t.app_id, r.scope = 'loopback'
     ON CONFLICT (hour, app_id, loopback) DO UPDATE SET
       bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in, flows = excluded.flows, billable_out = excluded.billable_out`,
  );
  let from = rolledUntil(db);
  let rolled = 0;
  while (rolled < maxHours) {
    const next = first.get(from) as { m: number | null };
    if (next.m === null) break;
    const hour = Math.floor(next.m / HOUR) * HOUR;
    if (hour + HOUR + LATE_WRITES_MS > now) break;
    db.transaction(() => {
      roll.run(hour, hour, hour + HOUR);
      rollApps.run(hour, hour, hour + HOUR);
      set.run(ROLLED_KEY, String(hour + HOUR));
    })();
    from = hour + HOUR;
    rolled++;
  }
  rollUpDays(db, 2);
  return rolled;
}

/**
 * The clock went back to `at`: what is written from now on lands in hours (and days) already rolled
 * up, which the roll-ups would never look at again. Moves both pointers back so those hours are
 * rolled again from their minutes (a roll-up replaces an hour's totals with its minutes' sums).
 * Never before the hour of the oldest minute held (minutes go by whole hours, so every hour from
 * there on has all its minutes): earlier hours would be rolled from part of theirs. Call it before
 * writing at `at`.
 */
export function rewindRollups(db: Db, at: number): void {
  const set = pointerWriter(db);
  const horizon = minuteHorizon(db);
  if (horizon === Number.MAX_SAFE_INTEGER) return;
  const hour = Math.max(floorTo(at, HOUR), floorTo(horizon, HOUR));
  if (hour < rolledUntil(db)) set.run(ROLLED_KEY, String(hour));
  const day = floorTo(hour, DAY);
  if (day < daysRolledUntil(db)) set.run(DAYS_ROLLED_KEY, String(day));
}

/** Rolls completed days of traffic_hour into traffic_day (a day is complete once its hours are rolled). */
function rollUpDays(db: Db, maxDays: number): void {
  const set = pointerWriter(db);
  const first = db.prepare('SELECT MIN(hour) AS h FROM traffic_hour WHERE hour >= ?');
  const roll = rollStatement(db, 'traffic_day', 'day', 'traffic_hour', 'hour');
  const hoursDone = rolledUntil(db);
  let from = daysRolledUntil(db);
  for (let n = 0; n < maxDays; n++) {
    const next = first.get(from) as { h: number | null };
    if (next.h === null) break;
    const day = Math.floor(next.h / DAY) * DAY;
    if (day + DAY > hoursDone) break;
    db.transaction(() => {
      roll.run(day, day, day + DAY);
      set.run(DAYS_ROLLED_KEY, String(day + DAY));
    })();
    from = day + DAY;
  }
}

export interface PruneResult {
  minutes: number;
  hours: number;
  days: number;
  flows: number;
  alerts: number;
}

const floorTo = (t: number, size: number): number => Math.floor(t / size) * size;

/** Deletes data past retention in small batches; call repeatedly (it returns what it removed). */
export function pruneBatch(db: Db, now: number, keep: RetentionSettings, batch = 2000): PruneResult {
  // Connections go by whole hours too, so the history's totals (from the hourly roll-ups once the
  // minutes are gone) start exactly where its rows do.
  const rawCutoff = floorTo(now - keep.retentionDays * DAY, HOUR);
  // Minutes are only dropped once their hour has been rolled up, and by whole hours, so reports can
  // take hours before the first minute held and minutes after it without overlap.
  const minuteCutoff = floorTo(Math.min(now - Math.min(keep.retentionDays, MINUTE_RETENTION_DAYS) * DAY, rolledUntil(db)), HOUR);
  // Hours likewise go by whole UTC days, only once their day is rolled up, and never before the
  // minutes that would have to answer for them: reports take days before the first hour held.
  const hourCutoff = floorTo(Math.min(now - keep.hourlyRetentionDays * DAY, daysRolledUntil(db), minuteCutoff), DAY);
  // A day goes once all of it is past the daily retention.
  const lastDayGone = now - keep.dailyRetentionDays * DAY - DAY;
  const groups = Math.max(1, Math.floor(batch / 100));
  return db.transaction(() => {
    // One day of hours per call (~100 000 rows on a busy workstation), so the oldest hour held is
    // always a day boundary, even between calls.
    const hoursUntil = Math.min(hourCutoff, floorTo(hourHorizon(db), DAY) + DAY);
    const hours = db.prepare('DELETE FROM traffic_hour WHERE hour < ?').run(hoursUntil).changes;
    // The per-app hours go with the hours they summarise.
    db.prepare('DELETE FROM app_hour WHERE hour < ?').run(hoursUntil);
    const days = db
      .prepare('DELETE FROM traffic_day WHERE day IN (SELECT DISTINCT day FROM traffic_day WHERE day <= ? ORDER BY day LIMIT ?)')
      .run(lastDayGone, groups).changes;
    const flows = db
      .prepare('DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE opened_at < ? AND sock_key IS NULL ORDER BY opened_at LIMIT ?)')
      .run(rawCutoff, batch).changes;
    if (flows > 0) markFlowsPruned(db, rawCutoff);
    return {
      minutes: db
        .prepare(
          `DELETE FROM traffic_minute WHERE minute IN
             (SELECT DISTINCT minute FROM traffic_minute WHERE minute < ? ORDER BY minute LIMIT ?)`,
        )
        .run(minuteCutoff, groups).changes,
      hours,
      days,
      flows,
      alerts: db
        .prepare('DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE at < ? ORDER BY at LIMIT ?)')
        .run(now - keep.hourlyRetentionDays * DAY, batch).changes,
    };
  })();
}

/**
 * Closed connections are deleted oldest first, a batch at a time: after a batch, every one opened
 * before the oldest still held (or before the cut-off, once all older ones are gone) is gone.
 */
function markFlowsPruned(db: Db, cutoff: number): void {
  const oldest = (db.prepare('SELECT MIN(opened_at) AS m FROM flows WHERE sock_key IS NULL').get() as { m: number | null }).m;
  const until = Math.max(readPointer(db, FLOWS_PRUNED_KEY), Math.min(cutoff, oldest ?? cutoff));
  pointerWriter(db).run(FLOWS_PRUNED_KEY, String(until));
}

/**
 * Where individual connections start: connections opened before it have been deleted by retention
 * and survive only in the roll-ups. Null while retention has deleted none (the history is whole).
 */
export function detailFrom(db: Db): number | null {
  const at = readPointer(db, FLOWS_PRUNED_KEY);
  return at > 0 ? at : null;
}

/** The oldest hour still held in traffic_hour and app_hour (reports use days before it). */
export function hourHorizon(db: Db): number {
  const r = db.prepare('SELECT MIN(hour) AS h FROM traffic_hour').get() as { h: number | null };
  return r.h ?? Number.MAX_SAFE_INTEGER;
}

/** The oldest day still held in traffic_day. */
export function dayHorizon(db: Db): number {
  const r = db.prepare('SELECT MIN(day) AS d FROM traffic_day').get() as { d: number | null };
  return r.d ?? Number.MAX_SAFE_INTEGER;
}

/** The oldest minute still held (reports use hours before it). */
export function minuteHorizon(db: Db): number {
  const r = db.prepare('SELECT MIN(minute) AS m FROM traffic_minute').get() as { m: number | null };
  return r.m ?? Number.MAX_SAFE_INTEGER;
}

export function reclaimSpace(db: Db, pages = 500): void {
  db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
}
