import type { Db } from '../db';
import { HOUR } from './traffic';

const DAY = 86_400_000;
const ROLLED_KEY = '_rolled_until';

/**
 * Rolls every completed hour of minute buckets into traffic_hour, one hour per transaction, so a
 * long backlog never holds the writer for long. Idempotent: progress is kept in `settings`.
 */
export function rollUpHours(db: Db, now: number, maxHours = 24): number {
  const get = db.prepare('SELECT value FROM settings WHERE key = ?');
  const set = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const first = db.prepare('SELECT MIN(minute) AS m FROM traffic_minute WHERE minute >= ?');
  const roll = db.prepare(
    `INSERT INTO traffic_hour (hour, app_id, remote_id, rport, proto, bytes_out, bytes_in, flows)
     SELECT ?, app_id, remote_id, rport, proto, SUM(bytes_out), SUM(bytes_in), SUM(flows)
       FROM traffic_minute WHERE minute >= ? AND minute < ?
      GROUP BY app_id, remote_id, rport, proto
     ON CONFLICT (hour, app_id, remote_id, rport, proto) DO UPDATE SET
       bytes_out = excluded.bytes_out, bytes_in = excluded.bytes_in, flows = excluded.flows`,
  );
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const stored = get.get(ROLLED_KEY) as { value: string } | undefined;
  let from = stored ? Number(stored.value) : 0;
  let rolled = 0;
  while (rolled < maxHours) {
    const next = first.get(from) as { m: number | null };
    if (next.m === null) break;
    const hour = Math.floor(next.m / HOUR) * HOUR;
    if (hour >= currentHour) break;
    db.transaction(() => {
      roll.run(hour, hour, hour + HOUR);
      set.run(ROLLED_KEY, String(hour + HOUR));
    })();
    from = hour + HOUR;
    rolled++;
  }
  return rolled;
}

export interface PruneResult {
  minutes: number;
  hours: number;
  flows: number;
  alerts: number;
}

/** Deletes data past retention in small batches; call repeatedly (it returns what it removed). */
export function pruneBatch(db: Db, now: number, retentionDays: number, hourlyRetentionDays: number, batch = 2000): PruneResult {
  const rawCutoff = now - retentionDays * DAY;
  const hourCutoff = now - hourlyRetentionDays * DAY;
  const rolled = Number((db.prepare('SELECT value FROM settings WHERE key = ?').get(ROLLED_KEY) as { value: string } | undefined)?.value ?? 0);
  // Minutes are only dropped once their hour has been rolled up, and by whole hours, so reports can
  // take hours before the first minute held and minutes after it without overlap.
  const minuteCutoff = Math.floor(Math.min(rawCutoff, rolled) / HOUR) * HOUR;
  return db.transaction(() => ({
    minutes: db
      .prepare(
        `DELETE FROM traffic_minute WHERE minute IN
           (SELECT DISTINCT minute FROM traffic_minute WHERE minute < ? ORDER BY minute LIMIT ?)`,
      )
      .run(minuteCutoff, Math.max(1, Math.floor(batch / 100))).changes,
    hours: db
      .prepare(
        `DELETE FROM traffic_hour WHERE hour IN (SELECT DISTINCT hour FROM traffic_hour WHERE hour < ? ORDER BY hour LIMIT ?)`,
      )
      .run(hourCutoff, Math.max(1, Math.floor(batch / 100))).changes,
    flows: db
      .prepare(
        'DELETE FROM flows WHERE id IN (SELECT id FROM flows WHERE opened_at < ? AND sock_key IS NULL ORDER BY opened_at LIMIT ?)',
      )
      .run(rawCutoff, batch).changes,
    alerts: db
      .prepare('DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE at < ? ORDER BY at LIMIT ?)')
      .run(hourCutoff, batch).changes,
  }))();
}

/** The oldest minute still held (reports use hours before it). */
export function minuteHorizon(db: Db): number {
  const r = db.prepare('SELECT MIN(minute) AS m FROM traffic_minute').get() as { m: number | null };
  return r.m ?? Number.MAX_SAFE_INTEGER;
}

export function reclaimSpace(db: Db, pages = 500): void {
  db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
}
