import type { Db } from '../../store/db';
import { AppsTable, type AppRow } from '../../store/queries/apps';
import type { BinaryHasher } from './binary-hasher';
import type { TickDetector } from './service';

// "Same app path, different executable." Each tick asks the hasher (binary-hasher.ts, async, off the
// tick path) to look at the executables of apps that opened connections; finished hashes are stored
// in apps.sha256 at the next tick, and an alert is raised when a stored hash differs. The first hash
// of an app is only stored. A binary replaced while Outflow was stopped is caught at its first
// connection after the restart.

export function createChangedBinaryDetector(db: Db, hasher: BinaryHasher): TickDetector {
  const apps = new AppsTable(db);
  const byPath = db.prepare('SELECT id, name, sha256 FROM apps WHERE path = ? AND attributed = 1');
  // The engine's own rows for these paths, so its in-memory copy sees the new hash too.
  const live = new Map<string, AppRow>();

  return (outcome, at) => {
    for (const app of [...outcome.newApps, ...outcome.newFlows.map((f) => f.app)]) {
      if (!app.attributed) continue;
      live.set(app.path, app);
      hasher.request(app.path);
    }
    const drafts: ReturnType<TickDetector> = [];
    for (const r of hasher.take()) {
      const row = byPath.get(r.path) as { id: number; name: string; sha256: string | null } | undefined;
      if (!row || row.sha256 === r.sha256) continue;
      apps.recordHash(row.id, r.sha256);
      const mine = live.get(r.path);
      if (mine) mine.sha256 = r.sha256;
      if (row.sha256 === null) continue;
      drafts.push({
        at,
        kind: 'changed-binary',
        appId: row.id,
        title: `${row.name}: executable changed`,
        detail: `${r.path} now has SHA-256 ${r.sha256} (was ${row.sha256}); modified ${new Date(r.mtimeMs).toISOString()}`,
        dedupeKey: `changed-binary:${row.id}`,
      });
    }
    if (live.size > 20_000) live.clear();
    return drafts;
  };
}
