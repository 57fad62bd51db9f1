import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestVersion, migrate, migrations } from '../../electron/store/migrations';
import { openStore } from '../../electron/store/db';
import { acquireInstanceLock, LockedError } from '../../electron/store/instance-lock';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('0001 creates strict tables that keep real rows and reject wrong types', () => {
    const db = new Database(join(dir, 'a.db'));
    expect(migrate(db, 1)).toBe(1);
    const app = db.prepare("INSERT INTO apps (path, name, first_seen, last_seen) VALUES ('/usr/bin/curl', 'curl', 1, 2) RETURNING id").get() as { id: number };
    const remote = db.prepare("INSERT INTO remotes (addr, family, scope) VALUES ('198.18.0.2', 4, 'lan') RETURNING id").get() as { id: number };
    db.prepare(
      `INSERT INTO flows (app_id, proto, local, lport, remote_id, rport, opened_at, bytes_out, bytes_in)
       VALUES (?, 6, '198.18.0.1', 40000, ?, 443, 10, 1234, NULL)`,
    ).run(app.id, remote.id);
    const row = db.prepare('SELECT bytes_out, bytes_in FROM flows').get() as { bytes_out: number; bytes_in: number | null };
    expect(row).toEqual({ bytes_out: 1234, bytes_in: null });
    expect(() => db.prepare("INSERT INTO apps (path, name, first_seen, last_seen) VALUES ('/x', 'x', 'soon', 2)").run()).toThrow(/cannot store TEXT/);
    expect(() =>
      db.prepare("INSERT INTO rules (target, kind, action, created_at, port_lo, port_hi) VALUES ('1.2.3.4', 'ip', 'block', 1, 90, 80)").run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it('0003 drops traffic_hour_app from a version-2 database and keeps every row', () => {
    const path = join(dir, 'v2.db');
    const db = new Database(path);
    expect(migrate(db, 2)).toBe(2);
    const app = db.prepare("INSERT INTO apps (path, name, first_seen, last_seen) VALUES ('/usr/bin/sync', 'sync', 1, 2) RETURNING id").get() as { id: number };
    const remote = db.prepare("INSERT INTO remotes (addr, family, scope) VALUES ('198.18.0.9', 4, 'internet') RETURNING id").get() as { id: number };
    const hour = Date.UTC(2026, 9, 1);
    db.prepare(
      `INSERT INTO flows (app_id, proto, local, lport, remote_id, rport, opened_at, closed_at, bytes_out, bytes_in)
       VALUES (?, 6, '198.18.0.1', 40000, ?, 443, ?, ?, 700, 70)`,
    ).run(app.id, remote.id, hour, hour + 5000);
    for (let h = 0; h < 48; h++) {
      db.prepare('INSERT INTO traffic_minute VALUES (?, ?, ?, 443, 6, ?, 1, 1)').run(hour + h * 3_600_000 + 60_000, app.id, remote.id, 100 + h);
      db.prepare('INSERT INTO traffic_hour VALUES (?, ?, ?, 443, 6, ?, 1, 1)').run(hour + h * 3_600_000, app.id, remote.id, 100 + h);
      db.prepare('INSERT INTO app_hour VALUES (?, ?, 0, ?, 1, 1, ?)').run(hour + h * 3_600_000, app.id, 100 + h, 100 + h);
    }
    db.prepare('INSERT INTO traffic_day VALUES (?, ?, ?, 443, 6, 12345, 24, 24)').run(hour, app.id, remote.id);
    db.prepare("INSERT INTO settings (key, value) VALUES ('_rolled_until', ?), ('user.retentionDays', '30')").run(String(hour + 48 * 3_600_000));
    const indexes = () => (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'traffic_hour'").all() as { name: string }[]).map((r) => r.name);
    const snapshot = () =>
      ['flows', 'traffic_minute', 'traffic_hour', 'app_hour', 'traffic_day', 'settings'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all());
    expect(indexes()).toEqual(['traffic_hour_app']);
    const before = snapshot();

    expect(migrate(db)).toBe(3);
    expect(indexes()).toEqual([]);
    expect(snapshot()).toEqual(before);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    // And the store opens it as it is.
    const reopened = openStore({ path }).db;
    expect(reopened.pragma('user_version', { simple: true })).toBe(3);
    expect(reopened.prepare('SELECT count(*) AS n FROM traffic_hour').get()).toEqual({ n: 48 });
    reopened.close();
  });

  it('refuses a database from a newer Outflow', () => {
    const db = new Database(join(dir, 'b.db'));
    db.pragma(`user_version = ${latestVersion + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this Outflow/);
    db.close();
  });
});

describe('openStore', () => {
  it('sets WAL, incremental auto-vacuum and migrates a new file', () => {
    const { db, recoveredFrom } = openStore({ path: join(dir, 'n', 'outflow.db') });
    expect(recoveredFrom).toBeNull();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(latestVersion);
    db.close();
  });

  it('moves a corrupt file aside with its -wal and -shm, and says so', () => {
    const path = join(dir, 'bad.db');
    writeFileSync(path, Buffer.alloc(8192, 0x41));
    writeFileSync(`${path}-wal`, 'x');
    writeFileSync(`${path}-shm`, 'y');
    const { db, recoveredFrom } = openStore({ path, now: () => Date.UTC(2026, 10, 26) });
    expect(recoveredFrom).toMatch(/bad\.db\.corrupt-2026-11-26/);
    expect(existsSync(recoveredFrom!)).toBe(true);
    expect(existsSync(`${recoveredFrom}-wal`)).toBe(true);
    expect(existsSync(`${recoveredFrom}-shm`)).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM rules').get()).toEqual({ n: 0 });
    db.close();
    expect(readdirSync(dir).filter((f) => f.includes('corrupt'))).toHaveLength(3);
  });

  it('detects a truncated database', () => {
    const path = join(dir, 't.db');
    const { db } = openStore({ path });
    db.prepare("INSERT INTO settings (key, value) VALUES ('k', ?)").run('v'.repeat(100_000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const { size } = require('node:fs').statSync(path) as { size: number };
    require('node:fs').truncateSync(path, Math.floor(size / 2));
    const reopened = openStore({ path });
    expect(reopened.recoveredFrom).not.toBeNull();
    reopened.db.close();
  });
});

describe('instance lock', () => {
  it('lets one engine in and refuses a second with a clear message', () => {
    const path = join(dir, 'l.db');
    const lock = acquireInstanceLock(path);
    expect(() => acquireInstanceLock(path)).toThrow(LockedError);
    expect(() => acquireInstanceLock(path)).toThrow(/already using this database/);
    lock.release();
    acquireInstanceLock(path).release();
  });

  it('takes over a lock left by a dead process', () => {
    const path = join(dir, 'd.db');
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, start: '1' }));
    acquireInstanceLock(path).release();
  });
});
