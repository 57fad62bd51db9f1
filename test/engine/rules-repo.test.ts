// The SQLite rule repository (electron/store/queries/rules.ts) on a real on-disk database.
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../electron/store/migrations';
import { createRulesRepo, readRulesBackup, restoreRulesFromBackup, rulesBackupPath, type NewRule } from '../../electron/store/queries/rules';

const rule = (over: Partial<NewRule> = {}): NewRule => ({
  target: '198.18.0.1',
  kind: 'ip',
  proto: null,
  portLo: null,
  portHi: null,
  appPath: null,
  action: 'block',
  createdAt: 1_700_000_000_000,
  expiresAt: null,
  untilRestart: false,
  note: '',
  ...over,
});

describe('rules repository', () => {
  let dir: string;
  let dbPath: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outflow-repo-'));
    dbPath = join(dir, 'outflow.db');
    db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips every column and keeps notes verbatim', () => {
    const repo = createRulesRepo(db);
    const note = '$(touch /tmp/x) `id`; "quoted" \'single\' ✓';
    const r = repo.insert(rule({ kind: 'host', target: 'example.org', proto: 'tcp', portLo: 8000, portHi: 8080, appPath: '/usr/bin/curl', expiresAt: 1_700_000_060_000, untilRestart: true, note }));
    expect(r).toEqual({
      id: 1,
      target: 'example.org',
      kind: 'host',
      proto: 'tcp',
      portLo: 8000,
      portHi: 8080,
      appPath: '/usr/bin/curl',
      action: 'block',
      createdAt: 1_700_000_000_000,
      expiresAt: 1_700_000_060_000,
      untilRestart: true,
      enabled: true,
      note,
      hits: null,
    });
    expect(repo.setEnabled(1, false)?.enabled).toBe(false);
    expect(repo.setEnabled(99, false)).toBeNull();
    repo.setHits(new Map([[1, 42]]));
    expect(repo.get(1)?.hits).toBe(42);
    expect(repo.remove(1)).toBe(true);
    expect(repo.remove(1)).toBe(false);
  });

  it('writes durably: synchronous=FULL only around rule writes, the connection level restored after', () => {
    const repo = createRulesRepo(db);
    const events: string[] = [];
    // The order of pragma calls and the row write, seen from the connection: a UDF called by a temp
    // trigger marks the moment the INSERT runs inside the repo's transaction.
    const pragma = db.pragma.bind(db);
    vi.spyOn(db, 'pragma').mockImplementation(((source: string, options?: Database.PragmaOptions) => {
      if (source.startsWith('synchronous')) events.push(source);
      return pragma(source, options);
    }) as typeof db.pragma);
    db.function('mark_insert', () => {
      events.push('insert');
      return 0;
    });
    db.exec('CREATE TEMP TRIGGER observe AFTER INSERT ON rules BEGIN SELECT mark_insert(); END');
    repo.insert(rule());
    expect(events).toEqual(['synchronous', 'synchronous = FULL', 'insert', 'synchronous = 1']);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL again after
  });

  it('rewrites <db>.rules.json atomically after every change, readable by readRulesBackup', () => {
    const repo = createRulesRepo(db);
    expect(repo.backupPath).toBe(`${dbPath}.rules.json`);
    repo.insert(rule());
    repo.insert(rule({ target: '2001:db8::/32', kind: 'cidr', note: 'v6 "net"' }));
    let backup = readRulesBackup(rulesBackupPath(dbPath));
    expect(backup.map((r) => r.target)).toEqual(['198.18.0.1', '2001:db8::/32']);
    repo.remove(1);
    backup = readRulesBackup(rulesBackupPath(dbPath));
    expect(backup.map((r) => r.id)).toEqual([2]);
    expect(backup[0]?.note).toBe('v6 "net"');
    // Only the db files and the backup remain: no temp files left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(statSync(rulesBackupPath(dbPath)).mode & 0o077).toBe(0);
  });

  it('importMany is all-or-nothing, and replace removes the old set', () => {
    const repo = createRulesRepo(db);
    repo.insert(rule());
    expect(() => repo.importMany([rule({ target: '198.18.0.2' }), rule({ portLo: 90, portHi: 80 })], true)).toThrow(/CHECK constraint/);
    expect(repo.list().map((r) => r.target)).toEqual(['198.18.0.1']);
    const { added, removed } = repo.importMany([rule({ target: '198.18.0.2' }), rule({ target: '198.18.0.3' })], true);
    expect(removed).toBe(1);
    expect(added.map((r) => r.target)).toEqual(['198.18.0.2', '198.18.0.3']);
    expect(readRulesBackup(rulesBackupPath(dbPath)).map((r) => r.target)).toEqual(['198.18.0.2', '198.18.0.3']);
  });

  it('a corrupt database is recovered from the backup with the same ids', () => {
    const repo = createRulesRepo(db);
    repo.insert(rule());
    repo.insert(rule({ target: 'example.org', kind: 'host', appPath: '/usr/bin/curl', note: 'keep me' }));
    repo.remove(1);
    db.close();
    // The store would move the corrupt file aside and start a fresh one.
    writeFileSync(dbPath, 'this is not a database');
    rmSync(dbPath, { force: true });
    db = new Database(dbPath);
    migrate(db);
    expect(restoreRulesFromBackup(db, rulesBackupPath(dbPath))).toBe(1);
    expect(createRulesRepo(db).list()).toMatchObject([{ id: 2, target: 'example.org', appPath: '/usr/bin/curl', note: 'keep me' }]);
    expect(() => restoreRulesFromBackup(db, rulesBackupPath(dbPath))).toThrow(/not empty/);
  });

  it('readRulesBackup refuses a tampered or broken file with a clear message', () => {
    const path = join(dir, 'bad.json');
    const base = { version: 1, savedAt: 0, rules: [{ ...rule(), id: 1, enabled: true, hits: null }] };
    writeFileSync(path, JSON.stringify({ ...base, rules: [{ ...base.rules[0], target: '$(touch /tmp/x)' }] }));
    expect(() => readRulesBackup(path)).toThrow(/rules\.0: target .* is not a canonical ip target/);
    writeFileSync(path, JSON.stringify({ ...base, rules: [{ ...base.rules[0], target: '198.018.0.1' }] }));
    expect(() => readRulesBackup(path)).toThrow(/not a canonical/);
    writeFileSync(path, JSON.stringify({ ...base, rules: [{ ...base.rules[0], note: 'a\nb' }] }));
    expect(() => readRulesBackup(path)).toThrow(/note/);
    writeFileSync(path, '{');
    expect(() => readRulesBackup(path)).toThrow(/cannot be read/);
    expect(() => readRulesBackup(join(dir, 'missing.json'))).toThrow(/cannot be read/);
    writeFileSync(path, JSON.stringify(base));
    expect(readRulesBackup(path)).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toContain('198.18.0.1');
  });

  it('an in-memory database keeps no backup', () => {
    const mem = new Database(':memory:');
    migrate(mem);
    const repo = createRulesRepo(mem);
    expect(repo.backupPath).toBeNull();
    repo.insert(rule());
    expect(repo.list()).toHaveLength(1);
    mem.close();
  });
});
