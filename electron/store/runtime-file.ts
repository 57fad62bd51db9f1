import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { lockOwner } from './instance-lock';

// Where a running `outflow serve` (or the desktop app) can be reached, so CLI commands that change
// state go through the one engine that owns the database and the firewall. Owner-only (0600): it
// holds the API token.

const runtimeSchema = z.object({ pid: z.number().int().positive(), url: z.string().url(), token: z.string().min(16) }).strict();
export type RuntimeInfo = z.infer<typeof runtimeSchema>;

export const runtimePath = (dbPath: string): string => `${dbPath}.serve.json`;

export function writeRuntime(dbPath: string, info: RuntimeInfo): () => void {
  const path = runtimePath(dbPath);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  renameSync(tmp, path);
  return () => {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
}

/** The running engine for this database, or null when none runs (a stale file is ignored). */
export function readRuntime(dbPath: string): RuntimeInfo | null {
  let parsed: RuntimeInfo;
  try {
    parsed = runtimeSchema.parse(JSON.parse(readFileSync(runtimePath(dbPath), 'utf8')));
  } catch {
    return null;
  }
  return lockOwner(dbPath) === parsed.pid ? parsed : null;
}
