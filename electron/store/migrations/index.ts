import type { Database } from 'better-sqlite3';
import type { Migration } from './migration';
import { initial } from './0001-initial';
import { rollups } from './0002-rollups';
import { dropHourAppIndex } from './0003-drop-hour-app-index';

export const migrations: readonly Migration[] = [initial, rollups, dropHourAppIndex];

export const latestVersion = migrations[migrations.length - 1]!.version;

/** Applies every migration above the file's user_version, each in its own transaction. */
export function migrate(db: Database, upTo: number = latestVersion): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latestVersion) {
    throw new Error(
      `database schema version ${current} is newer than this Outflow understands (${latestVersion}); update Outflow`,
    );
  }
  for (const m of migrations) {
    if (m.version <= current || m.version > upTo) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
