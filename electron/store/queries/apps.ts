import type { Db } from '../db';

export interface AppRow {
  id: number;
  path: string;
  name: string;
  attributed: boolean;
  sha256: string | null;
  firstSeen: number;
  lastSeen: number;
}

/** Synthetic identity for traffic no process could be found for: one per uid, never dropped. */
export function unattributedPath(uid: number | null): string {
  return `unattributed:uid:${uid ?? 'unknown'}`;
}

export function unattributedName(uid: number | null): string {
  return uid === null ? 'Unattributed' : `Unattributed (uid ${uid})`;
}

export class AppsTable {
  private readonly byPath = new Map<string, AppRow>();
  private readonly byIdMap = new Map<number, AppRow>();
  private readonly insert;
  private readonly touch;
  private readonly setHash;
  private readonly all;

  constructor(db: Db) {
    this.insert = db.prepare(
      'INSERT INTO apps (path, name, attributed, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) RETURNING id',
    );
    this.touch = db.prepare('UPDATE apps SET last_seen = ? WHERE id = ? AND last_seen < ?');
    this.setHash = db.prepare('UPDATE apps SET sha256 = ? WHERE id = ?');
    this.all = db.prepare('SELECT id, path, name, attributed, sha256, first_seen, last_seen FROM apps');
    for (const r of this.all.all() as RawApp[]) this.remember(fromRaw(r));
  }

  get(path: string): AppRow | undefined {
    return this.byPath.get(path);
  }

  byId(id: number): AppRow | undefined {
    return this.byIdMap.get(id);
  }

  private remember(app: AppRow): void {
    this.byPath.set(app.path, app);
    this.byIdMap.set(app.id, app);
  }

  list(): AppRow[] {
    return [...this.byPath.values()];
  }

  /** Returns the app and whether it was created now. */
  ensure(path: string, name: string, attributed: boolean, now: number): { app: AppRow; created: boolean } {
    const known = this.byPath.get(path);
    if (known) {
      if (known.lastSeen < now) {
        this.touch.run(now, known.id, now);
        known.lastSeen = now;
      }
      return { app: known, created: false };
    }
    const { id } = this.insert.get(path, name, attributed ? 1 : 0, now, now) as { id: number };
    const app: AppRow = { id, path, name, attributed, sha256: null, firstSeen: now, lastSeen: now };
    this.remember(app);
    return { app, created: true };
  }

  recordHash(id: number, sha256: string): void {
    this.setHash.run(sha256, id);
    const app = this.byId(id);
    if (app) app.sha256 = sha256;
  }
}

interface RawApp {
  id: number;
  path: string;
  name: string;
  attributed: number;
  sha256: string | null;
  first_seen: number;
  last_seen: number;
}

function fromRaw(r: RawApp): AppRow {
  return {
    id: r.id,
    path: r.path,
    name: r.name,
    attributed: r.attributed === 1,
    sha256: r.sha256,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  };
}
