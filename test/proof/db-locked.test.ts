import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultEngine } from '../../electron/engine/default-engine';
import { LockedError } from '../../electron/store/instance-lock';
import { assertBuilt, outflow } from '../helpers/outflow-cli';
import { startLoad, type Load } from './support/load';
import { startServe, waitFor, type ServeProcess } from './support/serve';

// Another program holds the database's write lock (an exclusive transaction on a second connection):
// the CLI gives up after the busy timeout with a clear message and changes nothing; a running engine
// keeps answering its API, says why it cannot write, refuses rule changes clearly, and resumes when
// the lock goes. And one database, one engine: a second one refuses with a clear message.

const ENV = { OUTFLOW_PRECISE: '0' };
let dir: string;
let load: Load;

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outflow-locked-'));
  load = await startLoad({ hold: 20, holdEveryMs: 100, rate: 20, ports: 2 });
});
afterAll(async () => {
  await load?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** BEGIN EXCLUSIVE plus a write on a connection of our own: every other writer now waits. */
function holdLock(path: string): { release(): void } {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.exec('BEGIN EXCLUSIVE');
  db.prepare("INSERT INTO settings (key, value) VALUES ('_test_lock', '1') ON CONFLICT (key) DO UPDATE SET value = value || '1'").run();
  return {
    release() {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

function rulesIn(path: string): { target: string }[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT target FROM rules ORDER BY id').all() as { target: string }[];
  } finally {
    db.close();
  }
}

describe('database locked by another process', () => {
  it('the CLI waits for the busy timeout, then says so clearly and writes nothing', async () => {
    const db = join(dir, 'cli.db');
    expect((await outflow(['block', '198.18.9.9', '--db', db, '--firewall', 'noop'])).code).toBe(3);
    const lock = holdLock(db);
    const t0 = Date.now();
    const r = await outflow(['block', '198.18.9.10', '--db', db, '--firewall', 'noop']);
    const waited = Date.now() - t0;
    lock.release();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/outflow block: .*locked by another program.*nothing was changed/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(waited).toBeGreaterThanOrEqual(4500);
    expect(waited).toBeLessThan(20_000);
    expect(rulesIn(db).map((x) => x.target)).toEqual(['198.18.9.9']);
    // Reading does not need the write lock (WAL), and once released the write goes through.
    expect((await outflow(['block', '198.18.9.10', '--db', db, '--firewall', 'noop'])).code).toBe(3);
    expect(rulesIn(db).map((x) => x.target)).toEqual(['198.18.9.9', '198.18.9.10']);
  });

  it('a running engine keeps answering, reports the write error, refuses rule changes clearly, and resumes', async () => {
    const db = join(dir, 'serve.db');
    const s: ServeProcess = await startServe({ args: ['--db', db, '--firewall', 'noop', '--quiet'], env: ENV });
    try {
      await s.call('settings.set', { pollMs: 250, idlePollMs: 250 });
      await waitFor('first ticks recorded', async () => (await s.call('status.get', {})).collector.lastTickAt);
      const lock = holdLock(db);
      let released = false;
      try {
        const st = await waitFor('the write error', async () => {
          const v = await s.call('status.get', {});
          return v.store.lastWriteError ? v : null;
        });
        expect(st.store.lastWriteError).toMatch(/locked/);
        // The API stays responsive while every tick fails: no request waits for the lock.
        for (let i = 0; i < 8; i++) {
          const t0 = Date.now();
          await s.call('apps.list', { includeLoopback: true });
          await s.call('history.query', { includeLoopback: true, limit: 10 });
          expect(Date.now() - t0).toBeLessThan(1500);
          await new Promise((r) => setTimeout(r, 250));
        }
        const add = await s.post('rules.add', { target: '198.18.9.11' }, 30_000);
        expect(add.status).toBe(503);
        expect(add.body).toMatchObject({ error: { code: 'unavailable', message: expect.stringMatching(/locked by another program/) } });
        expect(await s.call('rules.list', {})).toEqual([]);
        expect(s.alive()).toBe(true);
        const rowsBefore = new Database(db, { readonly: true });
        const before = (rowsBefore.prepare('SELECT COALESCE(SUM(bytes_out), 0) AS b FROM traffic_minute').get() as { b: number }).b;
        rowsBefore.close();
        lock.release();
        released = true;
        await waitFor('writes to resume', async () => (await s.call('status.get', {})).store.lastWriteError === null);
        await waitFor('new traffic recorded', () => {
          const v = new Database(db, { readonly: true });
          try {
            return (v.prepare('SELECT COALESCE(SUM(bytes_out), 0) AS b FROM traffic_minute').get() as { b: number }).b > before;
          } finally {
            v.close();
          }
        });
        expect((await s.call('rules.add', { target: '198.18.9.11' })).target).toBe('198.18.9.11');
      } finally {
        if (!released) lock.release();
      }
    } finally {
      await s.stop();
    }
  });

  it('a second engine on the same database refuses, naming the first', async () => {
    const db = join(dir, 'two.db');
    const first = await startServe({ args: ['--db', db, '--firewall', 'noop', '--quiet'], env: ENV });
    try {
      const second = await outflow(['serve', '--db', db, '--firewall', 'noop', '--quiet'], ENV);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`another Outflow engine (pid ${first.pid}) is already using this database`);
      expect(second.stderr).not.toMatch(/^\s+at /m);
      await expect(createDefaultEngine({ dbPath: db, notifier: { notify: () => {} }, version: 't', firewall: 'noop', mode: 'serve' })).rejects.toThrow(LockedError);
      expect(first.alive()).toBe(true);
      expect((await first.call('status.get', {})).store.path).toBe(db);
    } finally {
      await first.stop();
    }
  });
});
