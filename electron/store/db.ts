import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations';
import { rulesBackupPath } from './queries/rules';
import { markRestorePending, pendingRestore } from './recovery';

export type Db = Database.Database;

export interface OpenOptions {
  path: string;
  /** Electron passes an Electron-ABI build of better-sqlite3 here. */
  nativeBinding?: string;
  readonly?: boolean;
  busyTimeoutMs?: number;
  now?: () => number;
}

export interface OpenedStore {
  db: Db;
  /**
   * Where a corrupt file was moved to, when it was found corrupt at open — or at an earlier open whose
   * rules have not been restored from their backup yet.
   */
  recoveredFrom: string | null;
}

/**
 * Opens (creating when needed) the database with the pragmas the design asks for, checks its
 * integrity and migrates it. A corrupt file is moved aside with its -wal/-shm, never silently
 * replaced: the caller is told through `recoveredFrom` and restores rules from their backup.
 */
export function openStore(opts: OpenOptions): OpenedStore {
  const now = opts.now ?? Date.now;
  if (opts.path !== ':memory:' && !opts.readonly) mkdirSync(dirname(opts.path), { recursive: true, mode: 0o700 });
  let recoveredFrom: string | null = null;
  // A file that is not SQLite at all is moved aside before SQLite touches (and resets) its -wal.
  if (!opts.readonly && opts.path !== ':memory:' && !hasSqliteHeader(opts.path)) recoveredFrom = moveAside(opts.path, now());
  let db: Db | null = null;
  try {
    db = connect(opts);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new CorruptError(String(check));
  } catch (err) {
    db?.close();
    if (!isCorruption(err) || opts.readonly) throw err;
    recoveredFrom = moveAside(opts.path, now());
    db = connect(opts);
  }
  if (!opts.readonly) {
    migrate(db);
    if (recoveredFrom) durably(db, () => markRestorePending(db!, recoveredFrom!));
    else if (opts.path !== ':memory:') recoveredFrom = pendingRestore(db, rulesBackupPath(opts.path));
  }
  return { db, recoveredFrom };
}

class CorruptError extends Error {}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True for a missing or empty file (it will be created) and for a file starting with SQLite's magic. */
function hasSqliteHeader(path: string): boolean {
  if (!existsSync(path) || statSync(path).size === 0) return true;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return head.equals(SQLITE_HEADER);
}

function connect(opts: OpenOptions): Db {
  const fresh = opts.path === ':memory:' || !existsSync(opts.path) || statSync(opts.path).size === 0;
  const db = new Database(opts.path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
  });
  try {
    const busyMs = Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_MS));
    db.pragma(`busy_timeout = ${busyMs}`);
    patience.set(db, busyMs);
    timeouts.set(db, busyMs);
    if (!opts.readonly) {
      // auto_vacuum only takes effect before the first table exists.
      if (fresh) db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Reading the schema surfaces "file is not a database" here rather than at first query.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function isCorruption(err: unknown): boolean {
  if (err instanceof CorruptError) return true;
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT');
}

function moveAside(path: string, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[:.]/g, '-');
  const target = `${path}.corrupt-${stamp}`;
  renameSync(path, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

/**
 * Runs `fn` in a transaction whose commit is synced to disk (rules, settings: acknowledged = kept).
 * It waits the connection's full busy timeout for a lock, even when the engine made quick writes the
 * connection's habit (see `quickWrites`): a rule change is worth waiting for, a tick is not.
 */
export function durably<T>(db: Db, fn: () => T): T {
  const previous = db.pragma('synchronous', { simple: true }) as number;
  db.pragma('synchronous = FULL');
  try {
    return withBusyTimeout(db, patience.get(db) ?? DEFAULT_BUSY_MS, () => db.transaction(fn).immediate());
  } finally {
    db.pragma(`synchronous = ${Number.isInteger(previous) ? previous : 1}`);
  }
}

/**
 * Runs `fn` with a shorter busy timeout. better-sqlite3 is synchronous: while SQLite waits for a lock
 * another program holds, the whole process waits, API included. The engine's own periodic writes
 * (ticks, roll-ups) give up quickly and retry on the next tick instead.
 */
export function withBusyTimeout<T>(db: Db, ms: number, fn: () => T): T {
  const wanted = Math.max(0, Math.floor(ms));
  const previous = currentTimeout(db);
  if (previous === wanted) return fn();
  setTimeoutPragma(db, wanted);
  try {
    return fn();
  } finally {
    setTimeoutPragma(db, previous);
  }
}

/**
 * Makes `ms` the connection's resting busy timeout; only `durably` still waits the timeout it was
 * opened with. For the engine, whose connection writes once a second and serves an API that must not
 * hang on another program's lock: two pragma statements a tick were a measurable part of a busy tick.
 */
export function quickWrites(db: Db, ms: number): void {
  setTimeoutPragma(db, Math.max(0, Math.floor(ms)));
}

const DEFAULT_BUSY_MS = 5000;
/** The busy timeout each connection was opened with. */
const patience = new WeakMap<Db, number>();
/** The busy timeout each connection has now, as set through this module. */
const timeouts = new WeakMap<Db, number>();

function currentTimeout(db: Db): number {
  let t = timeouts.get(db);
  if (t === undefined) {
    t = pragmaStatement(db, 'busy_timeout').pluck().get() as number;
    timeouts.set(db, t);
  }
  return t;
}

function setTimeoutPragma(db: Db, ms: number): void {
  pragmaStatement(db, `busy_timeout = ${ms}`).run();
  timeouts.set(db, ms);
}

// `db.pragma()` prepares a statement on every call; once a tick, that was measurable in an idle
// engine's profile. The few distinct pragma texts used per tick are prepared once per connection.
const pragmaCache = new WeakMap<Db, Map<string, Database.Statement>>();

function pragmaStatement(db: Db, text: string): Database.Statement {
  let byText = pragmaCache.get(db);
  if (!byText) pragmaCache.set(db, (byText = new Map()));
  let st = byText.get(text);
  if (!st) {
    st = db.prepare(`PRAGMA ${text}`);
    if (byText.size < 16) byText.set(text, st);
  }
  return st;
}
