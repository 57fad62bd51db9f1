import type { Db } from '../db';
import { DAY, dayHorizon, hourHorizon, minuteHorizon, ROLLED_KEY } from './retention';
import { HOUR, MINUTE } from './traffic';

// Which traffic table answers which part of a time range, at the finest resolution held (cost and
// compliance reports group by local day and quarter hour, so they never take a day where hours are
// held). Minute buckets are exact but kept only a couple of days; hourly roll-ups go further back but
// exist only for completed, rolled-up hours; daily roll-ups answer where hours have been pruned.
// A range is split at one hour boundary H so that nothing is missed or counted twice: hours before H
// (all rolled up), minutes from H on (all still held); and before the oldest hour held (a UTC day
// boundary: hours are pruned by whole days), days.

export interface BucketSlice {
  table: 'traffic_minute' | 'traffic_hour' | 'traffic_day';
  col: 'minute' | 'hour' | 'day';
  size: number;
  since: number;
  until: number;
}

export function splitPoint(db: Db): number {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(ROLLED_KEY) as { value: string } | undefined;
  const rolled = row && Number.isFinite(Number(row.value)) ? Number(row.value) : 0;
  const horizon = minuteHorizon(db);
  // Minutes older than `rolled` may have been pruned, and only hours before `rolled` are rolled up.
  // When the oldest minute held is before `rolled`, split at its (next) hour to use minutes where we can.
  return horizon <= rolled ? Math.ceil(horizon / HOUR) * HOUR : rolled;
}

/** The slices covering [since, until); an hourly (daily) slice starts at the hour (day) containing `since`. */
export function bucketSlices(db: Db, since: number, until: number): BucketSlice[] {
  if (until <= since) return [];
  const h = splitPoint(db);
  // Hours are held from here; the days end at its day (in a young database it is not a day boundary,
  // and there is nothing older).
  const d = Math.min(hourHorizon(db), h);
  const dayEnd = Math.min(until, Math.floor(d / DAY) * DAY);
  const out: BucketSlice[] = [];
  const daySince = Math.max(Math.floor(since / DAY) * DAY, dayHorizon(db));
  if (dayEnd > daySince) out.push({ table: 'traffic_day', col: 'day', size: DAY, since: daySince, until: dayEnd });
  const hourSince = Math.max(Math.floor(since / HOUR) * HOUR, d);
  if (Math.min(until, h) > hourSince) out.push({ table: 'traffic_hour', col: 'hour', size: HOUR, since: hourSince, until: Math.min(until, h) });
  if (until > h) out.push({ table: 'traffic_minute', col: 'minute', size: MINUTE, since: Math.floor(Math.max(since, h) / MINUTE) * MINUTE, until });
  return out;
}

const COLUMNS = 'app_id, remote_id, rport, proto, bytes_out, bytes_in, flows';

/**
 * The slices as one row source `(app_id, remote_id, rport, proto, bytes_out, bytes_in, flows, at)`
 * for a single SQL query.
 */
export function bucketRows(db: Db, since: number, until: number): { sql: string; args: number[] } {
  const slices = bucketSlices(db, since, until);
  if (slices.length === 0) return { sql: `(SELECT ${COLUMNS}, minute AS at FROM traffic_minute WHERE 0)`, args: [] };
  return {
    sql: `(${slices.map((s) => `SELECT ${COLUMNS}, ${s.col} AS at FROM ${s.table} WHERE ${s.col} >= ? AND ${s.col} < ?`).join(' UNION ALL ')})`,
    args: slices.flatMap((s) => [s.since, s.until]),
  };
}
