import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

// After a corrupt database is moved aside, its rules must come back from `<db>.rules.json` before
// anything else changes them. The new database remembers that a restore is owed (a settings row)
// until the restore succeeds, so a start that failed to restore (unreadable backup) is not followed
// by a start that silently runs with an empty rule set: every start retries and reports it.

const PENDING_KEY = '_rules_restore_pending';

export function markRestorePending(db: Database, movedTo: string): void {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(PENDING_KEY, movedTo);
}

/**
 * Where the corrupt file went, when its rules are still to be restored from `backupPath`. A pending
 * restore whose backup is gone (the user removed it after being told it was unreadable) is dropped.
 */
export function pendingRestore(db: Database, backupPath: string): string | null {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(PENDING_KEY) as { value: string } | undefined;
  if (!row) return null;
  if (existsSync(backupPath)) return row.value;
  clearRestorePending(db);
  return null;
}

export function clearRestorePending(db: Database): void {
  db.prepare('DELETE FROM settings WHERE key = ?').run(PENDING_KEY);
}
