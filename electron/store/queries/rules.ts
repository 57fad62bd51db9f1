import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { Proto, Rule, RuleAction, RuleTargetKind } from '../../shared/types';
import { parsePortSpec, parseTarget, validateAppPath, validateNote } from '../../shared/validate-target';
import { clearRestorePending } from '../recovery';
import { durably } from '../db';

// The rules table (migration 0001) and its backup file.
//
// Rules are the one thing a user must never silently lose, so every write that is acknowledged is
// durable: it runs with `PRAGMA synchronous=FULL` (set before the transaction, the previous level
// restored after; history keeps NORMAL), and after each change the whole rule set is written to
// `<db>.rules.json` next to the database (temp file, fsync, rename, fsync of the directory), which
// the store restores from when it finds the database corrupt (`readRulesBackup`).

/** A rule as SQLite holds it: the contract's Rule without what enforcement adds at run time. */
export type StoredRule = Omit<Rule, 'resolved' | 'appScopeEnforced' | 'enforced' | 'enforcementNote'>;

export type NewRule = Omit<StoredRule, 'id' | 'hits' | 'enabled'> & { enabled?: boolean; hits?: number | null };

export interface RulesRepo {
  list(): StoredRule[];
  get(id: number): StoredRule | null;
  insert(rule: NewRule): StoredRule;
  /** All-or-nothing: optionally remove every rule, then insert `rules`. */
  importMany(rules: readonly NewRule[], replace: boolean): { added: StoredRule[]; removed: number };
  remove(id: number): boolean;
  removeMany(ids: readonly number[]): number;
  setEnabled(id: number, enabled: boolean): StoredRule | null;
  /** Re-anchor a deadline (after a wall-clock jump); durable. */
  setExpiresAt(id: number, expiresAt: number | null): void;
  /** Advisory counters: written with the connection's normal durability, no backup rewrite. */
  setHits(hits: ReadonlyMap<number, number>): void;
  readonly backupPath: string | null;
}

interface Row {
  id: number;
  target: string;
  kind: string;
  proto: string | null;
  port_lo: number | null;
  port_hi: number | null;
  app_path: string | null;
  action: string;
  created_at: number;
  expires_at: number | null;
  until_restart: number;
  enabled: number;
  note: string;
  hits: number | null;
}

const fromRow = (r: Row): StoredRule => ({
  id: r.id,
  target: r.target,
  kind: r.kind as RuleTargetKind,
  proto: r.proto as Proto | null,
  portLo: r.port_lo,
  portHi: r.port_hi,
  appPath: r.app_path,
  action: r.action as RuleAction,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  untilRestart: r.until_restart === 1,
  enabled: r.enabled === 1,
  note: r.note,
  hits: r.hits,
});

export function rulesBackupPath(dbPath: string): string {
  return `${dbPath}.rules.json`;
}

const COLUMNS = 'id, target, kind, proto, port_lo, port_hi, app_path, action, created_at, expires_at, until_restart, enabled, note, hits';

export function createRulesRepo(
  db: Database,
  opts: { backupPath?: string | null; onBackupError?: (message: string) => void } = {},
): RulesRepo {
  const backupPath =
    opts.backupPath !== undefined ? opts.backupPath : db.memory || !db.name || db.name === ':memory:' ? null : rulesBackupPath(db.name);

  const selectAll = db.prepare<[], Row>(`SELECT ${COLUMNS} FROM rules ORDER BY id`);
  const selectOne = db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM rules WHERE id = ?`);
  const insertStmt = db.prepare(
    `INSERT INTO rules (id, target, kind, proto, port_lo, port_hi, app_path, action, created_at, expires_at, until_restart, enabled, note, hits)
     VALUES (@id, @target, @kind, @proto, @portLo, @portHi, @appPath, @action, @createdAt, @expiresAt, @untilRestart, @enabled, @note, @hits)`,
  );
  const deleteOne = db.prepare('DELETE FROM rules WHERE id = ?');
  const deleteAll = db.prepare('DELETE FROM rules');
  const updateEnabled = db.prepare('UPDATE rules SET enabled = ? WHERE id = ?');
  const updateExpiry = db.prepare('UPDATE rules SET expires_at = ? WHERE id = ?');
  const updateHits = db.prepare('UPDATE rules SET hits = ? WHERE id = ? AND (hits IS NULL OR hits <> ?)');

  const list = (): StoredRule[] => selectAll.all().map(fromRow);
  const get = (id: number): StoredRule | null => {
    const r = selectOne.get(id);
    return r ? fromRow(r) : null;
  };

  // The change is already committed (and synced) when the backup is written: a failed backup is
  // reported, never turned into "nothing changed".
  const writeBackup = (): void => {
    if (!backupPath) return;
    try {
      writeFileAtomic(backupPath, `${JSON.stringify({ version: 1, savedAt: Date.now(), rules: list() }, null, 1)}\n`);
    } catch (err) {
      opts.onBackupError?.(`could not write the rules backup ${backupPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Runs `fn` in an IMMEDIATE transaction with synchronous=FULL, then rewrites the backup. */
  const durable = <T>(fn: () => T): T => {
    const result = durably(db, fn);
    writeBackup();
    return result;
  };

  const insertRow = (rule: NewRule & { id?: number }): StoredRule => {
    const info = insertStmt.run({
      id: rule.id ?? null,
      target: rule.target,
      kind: rule.kind,
      proto: rule.proto,
      portLo: rule.portLo,
      portHi: rule.portHi,
      appPath: rule.appPath,
      action: rule.action,
      createdAt: rule.createdAt,
      expiresAt: rule.expiresAt,
      untilRestart: rule.untilRestart ? 1 : 0,
      enabled: rule.enabled === false ? 0 : 1,
      note: rule.note,
      hits: rule.hits ?? null,
    });
    return get(Number(info.lastInsertRowid))!;
  };

  return {
    backupPath,
    list,
    get,
    insert: (rule) => durable(() => insertRow(rule)),
    importMany: (rules, replace) =>
      durable(() => {
        const removed = replace ? deleteAll.run().changes : 0;
        return { added: rules.map((r) => insertRow(r)), removed };
      }),
    remove: (id) => durable(() => deleteOne.run(id).changes > 0),
    removeMany: (ids) => (ids.length === 0 ? 0 : durable(() => ids.reduce((n, id) => n + deleteOne.run(id).changes, 0))),
    setEnabled: (id, enabled) =>
      durable(() => {
        if (updateEnabled.run(enabled ? 1 : 0, id).changes === 0) return null;
        return get(id);
      }),
    setExpiresAt: (id, expiresAt) => {
      durable(() => updateExpiry.run(expiresAt, id));
    },
    setHits: (hits) => {
      if (hits.size === 0) return;
      db.transaction(() => {
        for (const [id, n] of hits) updateHits.run(n, id, n);
      })();
    },
  };
}

/** temp file in the same directory → write → fsync → rename over → fsync the directory. */
export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* best effort */
    }
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* some filesystems refuse fsync on a directory; the rename is still atomic */
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the backup (for the store's corrupt-database recovery)

const check =
  (fn: (v: string) => { ok: true } | { ok: false; error: string }) =>
  (v: string, ctx: z.RefinementCtx): void => {
    const r = fn(v);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
  };

const backupRuleSchema = z
  .object({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    target: z.string().max(300),
    kind: z.enum(['ip', 'cidr', 'host', 'any']),
    proto: z.enum(['tcp', 'udp']).nullable(),
    portLo: z.number().int().min(1).max(65535).nullable(),
    portHi: z.number().int().min(1).max(65535).nullable(),
    appPath: z.string().superRefine(check(validateAppPath)).nullable(),
    action: z.enum(['block', 'allow']),
    createdAt: z.number().int().min(0),
    expiresAt: z.number().int().min(0).nullable(),
    untilRestart: z.boolean(),
    enabled: z.boolean(),
    note: z.string().superRefine(check(validateNote)),
    hits: z.number().int().min(0).nullable(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const t = parseTarget(r.target);
    if (!t.ok || t.value.target !== r.target || t.value.kind !== r.kind) {
      ctx.addIssue({ code: 'custom', message: `target "${r.target.slice(0, 60)}" is not a canonical ${r.kind} target` });
    }
    if ((r.portLo === null) !== (r.portHi === null)) ctx.addIssue({ code: 'custom', message: 'portLo/portHi must both be set or both null' });
    if (r.portLo !== null && r.portHi !== null && !parsePortSpec(`${r.portLo}-${r.portHi}`).ok) ctx.addIssue({ code: 'custom', message: 'port range is backwards' });
  });

const backupSchema = z.object({ version: z.literal(1), savedAt: z.number(), rules: z.array(backupRuleSchema).max(100_000) }).strict();

/** Reads and validates `<db>.rules.json`; throws with a clear message when it is missing or invalid. */
export function readRulesBackup(path: string): StoredRule[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`rules backup ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const r = backupSchema.safeParse(doc);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`rules backup ${path} is invalid: ${i ? `${i.path.join('.')}: ${i.message}` : 'unknown problem'}`);
  }
  return r.data.rules;
}

/** Puts backed-up rules (ids kept) into a freshly migrated database's empty rules table. */
export function restoreRulesFromBackup(db: Database, path: string): number {
  const rules = readRulesBackup(path);
  const repo = createRulesRepo(db);
  if (repo.list().length > 0) throw new Error('restoreRulesFromBackup: the rules table is not empty');
  repo.importMany(
    rules.map((r) => ({ ...r })),
    false,
  );
  clearRestorePending(db);
  return rules.length;
}
