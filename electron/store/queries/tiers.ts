import type { Db } from '../db';
import { daysRolledUntil, DAY, dayHorizon, hourHorizon, minuteHorizon, rolledUntil } from './retention';
import { HOUR, MINUTE } from './traffic';

// Which bucket table answers which part of a time range, coarsest first: whole UTC days that are
// rolled up come from traffic_day, whole rolled-up hours from traffic_hour (or app_hour), and only
// the partial hours at the two edges and the hour not yet rolled up from traffic_minute. A 30-day
// range so reads ~30 days + ~48 hours + ~120 minutes of buckets instead of 43 200 minutes.
// Each tier is kept for its own retention (minutes 2 days, hours 90, days 730 by default), so the
// plan follows what is held, not fixed ages: where minutes have been pruned, a partial hour is
// answered by the hour that contains it; where hours have been pruned too, by the day that contains
// it — the finest data left. Slices never overlap, so no byte is counted twice.

export type Tier = 'day' | 'hour' | 'minute';

export interface Slice {
  tier: Tier;
  from: number;
  to: number;
}

export interface TierState {
  /** Every hour before this is rolled up (traffic_hour, app_hour). */
  hoursUntil: number;
  /** Every UTC day before this is rolled up (traffic_day). */
  daysUntil: number;
  /** The oldest minute bucket held. */
  minutesFrom: number;
  /** The oldest hour held: a UTC day boundary once hours have been pruned (retention.ts). */
  hoursFrom: number;
  /** The oldest day held. */
  daysFrom: number;
}

export function tierState(db: Db): TierState {
  return {
    hoursUntil: rolledUntil(db),
    daysUntil: daysRolledUntil(db),
    minutesFrom: minuteHorizon(db),
    hoursFrom: hourHorizon(db),
    daysFrom: dayHorizon(db),
  };
}

const floorTo = (t: number, size: number): number => Math.floor(t / size) * size;
const ceilTo = (t: number, size: number): number => Math.ceil(t / size) * size;

/**
 * Slices covering [since, until). `coarsest` 'hour' keeps hourly precision wherever hours are held
 * (per-app sources and charts); `preferMinutes` keeps minute precision wherever minutes are held
 * (minute-resolution charts). Where nothing finer is held, both fall back to the coarser tiers.
 */
export function planSlices(s: TierState, since: number, until: number, coarsest: Tier = 'day', preferMinutes = false): Slice[] {
  if (!(until > since)) return [];
  const out: Slice[] = [];
  const push = (tier: Tier, from: number, to: number): void => {
    if (to > from) out.push({ tier, from, to });
  };
  // [a, b) has no minutes left: the hours that contain it and, before the oldest hour held, the days
  // that contain it, up to the oldest hour's day (a day boundary but in a young database, where
  // nothing is older). Where no day is held either, nothing is: those parts stay with the (empty)
  // hours, so the slices still tile the range.
  const covering = (a: number, b: number): void => {
    const lo = floorTo(a, HOUR);
    const hi = ceilTo(b, HOUR);
    const held = Math.max(lo, Math.min(hi, s.hoursFrom));
    const d0 = Math.max(floorTo(lo, DAY), s.daysFrom);
    const d1 = Math.min(ceilTo(held, DAY), floorTo(s.hoursFrom, DAY), s.daysUntil);
    if (held > lo && d1 > d0) {
      push('hour', lo, d0);
      push('day', d0, d1);
      push('hour', d1, held);
    } else push('hour', lo, held);
    push('hour', held, hi);
  };
  const minutes = (a: number, b: number): void => {
    const held = floorTo(s.minutesFrom, HOUR);
    if (a >= held) return push('minute', floorTo(a, MINUTE), b);
    // Pruned minutes: the covering hours, or days (always rolled up before minutes are pruned).
    covering(a, Math.min(b, held));
    if (b > held) push('minute', held, b);
  };
  const hours = (a: number, b: number): void => {
    if (preferMinutes) return minutes(a, b);
    const h0 = Math.max(ceilTo(a, HOUR), s.hoursFrom);
    const h1 = Math.min(floorTo(b, HOUR), s.hoursUntil);
    if (h1 <= h0) return minutes(a, b);
    minutes(a, h0);
    push('hour', h0, h1);
    minutes(h1, b);
  };
  const d0 = Math.max(ceilTo(since, DAY), s.daysFrom);
  const d1 = Math.min(floorTo(until, DAY), s.daysUntil);
  if (coarsest === 'day' && !preferMinutes && d1 > d0) {
    hours(since, d0);
    push('day', d0, d1);
    hours(d1, until);
  } else hours(since, until);
  return mergeAdjacent(out);
}

/** Neighbouring slices of one tier become one range (fewer UNION legs). */
function mergeAdjacent(slices: Slice[]): Slice[] {
  const sorted = [...slices].sort((a, b) => a.from - b.from);
  const out: Slice[] = [];
  for (const sl of sorted) {
    const last = out[out.length - 1];
    if (last && last.tier === sl.tier && last.to === sl.from) last.to = sl.to;
    else out.push({ ...sl });
  }
  return out;
}

const TABLE: Record<Tier, { table: string; col: string }> = {
  day: { table: 'traffic_day', col: 'day' },
  hour: { table: 'traffic_hour', col: 'hour' },
  minute: { table: 'traffic_minute', col: 'minute' },
};

/**
 * The slices as one row source `t(app_id, remote_id, rport, proto, bytes_out, bytes_in, flows, at)`.
 * `where` (over those columns, e.g. `app_id = ?`) is repeated in every leg so each uses its index.
 */
export function trafficSource(slices: Slice[], where = '', whereArgs: (string | number)[] = []): { sql: string; args: (string | number)[] } {
  const cols = 'app_id, remote_id, rport, proto, bytes_out, bytes_in, flows';
  const legs: string[] = [];
  const args: (string | number)[] = [];
  for (const sl of slices) {
    const { table, col } = TABLE[sl.tier];
    legs.push(`SELECT ${cols}, ${col} AS at FROM ${table} WHERE ${col} >= ? AND ${col} < ?${where ? ` AND ${where}` : ''}`);
    args.push(sl.from, sl.to, ...whereArgs);
  }
  if (legs.length === 0) legs.push(`SELECT ${cols}, minute AS at FROM traffic_minute WHERE 0`);
  return { sql: `(${legs.join('\n UNION ALL ')})`, args };
}
