import type { Db } from '../../store/db';

// Small pieces of detector memory that must survive a restart (last firewall state, last rule hit
// counters), kept in the settings table under `_alerts.*` keys (user settings live under `user.*`).

const PREFIX = '_alerts.';

export class DetectorState {
  private readonly get;
  private readonly put;

  constructor(db: Db) {
    this.get = db.prepare('SELECT value FROM settings WHERE key = ?');
    this.put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  read(name: string): string | null {
    const row = this.get.get(PREFIX + name) as { value: string } | undefined;
    return row ? row.value : null;
  }

  /** Best effort: a read-only database (CLI queries) keeps the memory for this run only. */
  write(name: string, value: string): void {
    try {
      this.put.run(PREFIX + name, value);
    } catch {
      /* read-only or busy: detection still works for this run */
    }
  }
}
