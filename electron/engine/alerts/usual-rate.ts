import type { Db } from '../../store/db';
import { HOUR } from '../../store/queries/traffic';

const DAY = 86_400_000;

export interface UsualRateOptions {
  /** How far back to look. */
  historyDays: number;
  /** Fewer days with traffic at this hour than this → no baseline (null). */
  minDays: number;
}

/**
 * An app's usual bytes sent per hour at the local hour-of-day of `at`: the mean over the days in the
 * last `historyDays` on which it sent anything in that hour (from the per-app hourly roll-ups). Days
 * it was silent at that hour are left out, so the baseline is "a typical active hour", which keeps a
 * once-a-day job from making every other day's traffic look like a spike. Null until at least
 * `minDays` such days exist: a week of history is the least that says what "usual" is for one hour.
 */
export function usualHourlyBytes(db: Db, appId: number, at: number, o: UsualRateOptions): number | null {
  const currentHour = Math.floor(at / HOUR) * HOUR;
  // app_hour: one or two rows per app and hour (loopback split, summed here as the live per-app
  // deltas the spike detector compares with include loopback too), read by its primary key.
  const rows = db
    .prepare('SELECT hour, SUM(bytes_out) AS b FROM app_hour WHERE hour >= ? AND hour < ? AND app_id = ? GROUP BY hour')
    .all(currentHour - o.historyDays * DAY, currentHour, appId) as { hour: number; b: number }[];
  const hourOfDay = new Date(at).getHours();
  let days = 0;
  let sum = 0;
  for (const r of rows) {
    if (new Date(r.hour).getHours() !== hourOfDay || r.b <= 0) continue;
    days++;
    sum += r.b;
  }
  if (days < o.minDays) return null;
  return sum / days;
}
