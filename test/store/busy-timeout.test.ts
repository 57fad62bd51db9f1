// How long a connection waits for another program's write lock: the engine's ticks give up quickly
// (its connection's habit after quickWrites), rule and settings changes still wait the timeout the
// store was opened with, and no tick sets a pragma once the habit is in place.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { durably, openStore, quickWrites, withBusyTimeout, type Db } from '../../electron/store/db';

let dir: string;
let db: Db;
let other: Database.Database | null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-busy-'));
  db = openStore({ path: join(dir, 'o.db'), busyTimeoutMs: 1200 }).db;
  other = null;
});
afterEach(() => {
  other?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Another connection (as another program would) takes the write lock and keeps it. */
function holdWriteLock(): void {
  other = new Database(join(dir, 'o.db'));
  other.exec('BEGIN IMMEDIATE');
}

/** Milliseconds until `fn` failed with SQLITE_BUSY. */
function busyAfter(fn: () => void): number {
  const t0 = performance.now();
  expect(fn).toThrow(/locked/);
  return performance.now() - t0;
}

const write = (): void => {
  db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
};

describe('busy timeouts', () => {
  it('waits the timeout the store was opened with, by default', () => {
    holdWriteLock();
    expect(busyAfter(write)).toBeGreaterThanOrEqual(1100);
  });

  it('after quickWrites, plain writes give up quickly but durable ones still wait, and the habit stays', () => {
    quickWrites(db, 100);
    holdWriteLock();
    const quick = busyAfter(write);
    expect(quick).toBeGreaterThanOrEqual(90);
    expect(quick).toBeLessThan(800);
    expect(busyAfter(() => durably(db, write))).toBeGreaterThanOrEqual(1100);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(100);
    other!.exec('ROLLBACK');
    durably(db, write);
    expect(db.prepare("SELECT value FROM settings WHERE key = 'k'").pluck().get()).toBe('v');
  });

  it('withBusyTimeout runs no pragma when the connection already has that timeout, and restores otherwise', () => {
    // Every statement run on the connection, by its SQL text.
    const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as { run: (...a: unknown[]) => unknown; get: (...a: unknown[]) => unknown };
    const ran: string[] = [];
    for (const m of ['run', 'get'] as const) {
      const original = proto[m];
      vi.spyOn(proto, m).mockImplementation(function (this: { source: string }, ...a: unknown[]) {
        ran.push(this.source);
        return original.apply(this, a);
      });
    }
    quickWrites(db, 250);
    ran.length = 0;
    withBusyTimeout(db, 250, write);
    expect(ran.filter((t) => t.startsWith('PRAGMA'))).toEqual([]);
    expect(withBusyTimeout(db, 40, () => db.pragma('busy_timeout', { simple: true }))).toBe(40);
    expect(ran.filter((t) => t.startsWith('PRAGMA busy_timeout ='))).toEqual(['PRAGMA busy_timeout = 40', 'PRAGMA busy_timeout = 250']);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(250);
    vi.restoreAllMocks();
  });
});
