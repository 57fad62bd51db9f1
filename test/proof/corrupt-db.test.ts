import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBareNs } from '../helpers/netns';
import { assertBuilt, BIN, outflow } from '../helpers/outflow-cli';
import type { EngineStatus, Rule } from '../../electron/shared/types';
import { missing } from '../helpers/requires';
import { startServe, type ServeProcess } from './support/serve';

// A database found corrupt at start (garbage, truncated, damaged pages) is moved aside with its -wal
// and -shm, the user is told (status.store.recoveredFrom and a log line), and the rules come back from
// `<db>.rules.json` — into the database and into the kernel. Never a silently empty rule set: without
// a backup the log says the rule set starts empty; with an unreadable backup the engine refuses to
// start, on every start, until the backup is fixed or removed.

const ENV = { OUTFLOW_PRECISE: '0' };
let dir: string;
let n = 0;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'outflow-corrupt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database with two rules (and their backup), written by the real CLI. */
async function withRules(wrapper: string[] = [], firewall = 'noop'): Promise<string> {
  const db = join(dir, `c${n++}`, 'outflow.db');
  const run = (args: string[]): string => {
    const argv = [...wrapper, process.execPath, BIN, ...args];
    return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...ENV } });
  };
  const code = (args: string[]): number => {
    try {
      run(args);
      return 0;
    } catch (err) {
      return (err as { status: number }).status;
    }
  };
  expect([0, 3]).toContain(code(['block', '198.18.9.9', '--db', db, '--firewall', firewall, '--note', 'keep me']));
  expect([0, 3]).toContain(code(['block', '2001:db8::7', '--port', '443', '--proto', 'tcp', '--db', db, '--firewall', firewall]));
  expect(existsSync(`${db}.rules.json`)).toBe(true);
  return db;
}

function garbage(path: string, bytes: number): void {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) buf[i] = (i * 131 + 7) & 0xff;
  writeFileSync(path, buf);
}

function expectRecovered(s: ServeProcess, recoveredFrom: string | null, db: string): void {
  expect(recoveredFrom).not.toBeNull();
  expect(recoveredFrom!.startsWith(`${db}.corrupt-`)).toBe(true);
  expect(existsSync(recoveredFrom!)).toBe(true);
  expect(s.stderr()).toContain(`the database was corrupt and was moved to ${recoveredFrom}`);
}

/** Starts outflow serve on the damaged `db`, checks it was moved aside and the user told, then runs `then`. */
async function startRecovered(db: string, then: (s: ServeProcess) => Promise<void>): Promise<void> {
  const s = await startServe({ args: ['--db', db, '--firewall', 'noop'], env: ENV });
  try {
    expectRecovered(s, (await s.call('status.get', {})).store.recoveredFrom, db);
    await then(s);
  } finally {
    await s.stop();
  }
}

async function expectTwoRules(s: ServeProcess): Promise<void> {
  const rules = await s.call('rules.list', {});
  expect(rules.map((r) => [r.target, r.portLo, r.proto, r.note])).toEqual([
    ['198.18.9.9', null, null, 'keep me'],
    ['2001:db8::7', 443, 'tcp', ''],
  ]);
}

describe('corrupt database at start', () => {
  it('garbage (with garbage -wal/-shm): moved aside with both, user told, rules restored', async () => {
    const db = await withRules();
    garbage(db, 64 * 1024);
    garbage(`${db}-wal`, 4096);
    garbage(`${db}-shm`, 32 * 1024);
    const s = await startServe({ args: ['--db', db, '--firewall', 'noop'], env: ENV });
    try {
      const st = await s.call('status.get', {});
      expectRecovered(s, st.store.recoveredFrom, db);
      expect(existsSync(`${st.store.recoveredFrom}-wal`)).toBe(true);
      expect(existsSync(`${st.store.recoveredFrom}-shm`)).toBe(true);
      expect(s.stderr()).toContain(`restored 2 rule(s) from ${db}.rules.json`);
      await expectTwoRules(s);
    } finally {
      await s.stop();
    }
  });

  it('truncated to half: moved aside, rules restored', async () => {
    const db = await withRules();
    const w = new Database(db);
    w.prepare("INSERT INTO settings (key, value) VALUES ('_filler', ?)").run('x'.repeat(200_000));
    w.pragma('wal_checkpoint(TRUNCATE)');
    w.close();
    truncateSync(db, Math.floor(statSync(db).size / 2));
    await startRecovered(db, expectTwoRules);
  });

  it('damaged pages behind a valid header: quick_check catches it, rules restored', async () => {
    const db = await withRules();
    const w = new Database(db);
    w.pragma('wal_checkpoint(TRUNCATE)');
    w.close();
    const size = statSync(db).size;
    const fd = openSync(db, 'r+');
    // Keep page 1 (header and schema); scribble over every other page.
    const junk = Buffer.alloc(4096, 0xa5);
    for (let off = 4096; off < size; off += 4096) writeSync(fd, junk, 0, junk.length, off);
    closeSync(fd);
    await startRecovered(db, expectTwoRules);
  });

  it('without a backup: says the rule set starts empty', async () => {
    const db = await withRules();
    rmSync(`${db}.rules.json`);
    garbage(db, 8192);
    await startRecovered(db, async (s) => {
      expect(s.stderr()).toContain(`no rules backup at ${db}.rules.json: the rule set starts empty`);
      expect(await s.call('rules.list', {})).toEqual([]);
    });
  });

  it('with an unreadable backup: refuses every start until the backup is fixed, then restores', async () => {
    const db = await withRules();
    copyFileSync(`${db}.rules.json`, join(dir, 'good-backup.json'));
    writeFileSync(`${db}.rules.json`, '{"version": 1, "rules": [ {"id": 1, "targ');
    garbage(db, 8192);
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await outflow(['serve', '--db', db, '--firewall', 'noop', '--quiet'], ENV);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`rules backup ${db}.rules.json cannot be read`);
      expect(r.stderr).toContain('the database was corrupt and was moved to');
    }
    // A rule change in between is refused the same way (it would overwrite the only copy).
    const block = await outflow(['block', '198.18.9.20', '--db', db, '--firewall', 'noop'], ENV);
    expect(block.code).toBe(1);
    expect(block.stderr).toContain('cannot be read');
    expect(readdirSync(join(db, '..')).filter((f) => f.includes('.corrupt-') && !f.endsWith('-wal') && !f.endsWith('-shm'))).toHaveLength(1);
    copyFileSync(join(dir, 'good-backup.json'), `${db}.rules.json`);
    await startRecovered(db, expectTwoRules);
    // Restored: the next start is an ordinary one.
    const again = await startServe({ args: ['--db', db, '--firewall', 'noop'], env: ENV });
    try {
      expect((await again.call('status.get', {})).store.recoveredFrom).toBeNull();
      await expectTwoRules(again);
    } finally {
      await again.stop();
    }
  });
});

const why = missing(['root', 'netns', 'nft']);

describe.skipIf(why)('corrupt database at start, with the firewall', () => {
  let ns: { ns: string; destroy(): void };
  beforeAll(() => {
    ns = createBareNs('crpt');
  });
  afterAll(() => ns?.destroy());

  it('puts the restored rules back into the kernel', async () => {
    const wrapper = ['ip', 'netns', 'exec', ns.ns];
    const db = await withRules(wrapper, 'auto');
    const nft = (args: string[]): string => execFileSync('ip', ['netns', 'exec', ns.ns, 'nft', ...args], { encoding: 'utf8' });
    expect(nft(['list', 'table', 'inet', 'outflow'])).toContain('198.18.9.9');
    // Start from a kernel without our table, so only a restore can bring the rules back.
    nft(['delete', 'table', 'inet', 'outflow']);
    garbage(db, 64 * 1024);
    const s = await startServe({ args: ['--db', db, '--firewall', 'auto'], env: ENV, wrapper });
    try {
      // Its API listens on the namespace's loopback: ask through the CLI run in the namespace.
      const cli = (args: string[]): unknown => JSON.parse(execFileSync('ip', ['netns', 'exec', ns.ns, process.execPath, BIN, ...args, '--db', db, '--json'], { encoding: 'utf8' }));
      const st = cli(['status']) as EngineStatus & { running: boolean };
      expect(st.running).toBe(true);
      expectRecovered(s, st.store.recoveredFrom, db);
      expect(st.firewall).toMatchObject({ backend: 'nftables', state: 'enforcing' });
      expect((cli(['rules']) as Rule[]).map((r) => r.target)).toEqual(['198.18.9.9', '2001:db8::7']);
      const table = nft(['list', 'table', 'inet', 'outflow']);
      expect(table).toContain('198.18.9.9');
      expect(table).toContain('2001:db8::7');
    } finally {
      await s.stop();
      try {
        nft(['delete', 'table', 'inet', 'outflow']);
      } catch {
        /* already gone with the namespace */
      }
    }
  });
});
