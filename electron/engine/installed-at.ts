import type { Db } from '../store/db';

const KEY = '_installed_at';

/** When Outflow first ran on this database (the alerts' learning period counts from it). */
export function installedAt(db: Db, now: number, writable: boolean): number {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(KEY) as { value: string } | undefined;
  if (row && Number.isFinite(Number(row.value))) return Number(row.value);
  if (writable) db.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)').run(KEY, String(now));
  return now;
}
