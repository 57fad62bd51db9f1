import type { Method, MethodResults } from '../shared/contract';
import { createDefaultEngine } from '../engine/default-engine';
import type { EngineHandle } from '../engine/ports';
import { readRuntime } from '../store/runtime-file';
import { callRemote } from './remote';
import { existsSync } from 'node:fs';

/** Where a CLI command's calls go: the running engine that owns the database, or the database itself. */
export interface CliTarget {
  call<M extends Method>(method: M, input: unknown): Promise<MethodResults[M]>;
  /** True when a running `outflow serve` (or desktop app) answered. */
  remote: boolean;
  close(): Promise<void>;
}

export interface TargetOptions {
  dbPath: string;
  /** Whether the command changes rules (needs the firewall) rather than only reading. */
  mutate: boolean;
  version: string;
  firewall?: 'auto' | 'noop';
  /** Without a running engine, take one reading of the live sockets (into memory, not the database). */
  oneShotLive?: boolean;
  /** Answer from an empty in-memory database when none exists yet (status, doctor). */
  allowMissing?: boolean;
}

export async function openTarget(o: TargetOptions): Promise<CliTarget> {
  const rt = readRuntime(o.dbPath);
  if (rt) return { remote: true, call: (m, i) => callRemote(rt, m, i), close: async () => {} };
  const inMemory = !o.mutate && (o.oneShotLive === true || (!existsSync(o.dbPath) && o.allowMissing === true));
  if (!o.mutate && !inMemory && !existsSync(o.dbPath)) {
    throw new Error(`no Outflow database at ${o.dbPath} yet: start \`outflow serve\` (or the app) first, or pass --db PATH`);
  }
  const engine: EngineHandle = await createDefaultEngine({
    dbPath: inMemory ? ':memory:' : o.dbPath,
    version: o.version,
    notifier: { notify: () => {} },
    firewall: o.mutate ? (o.firewall ?? 'auto') : 'noop',
    mode: o.mutate ? 'rules' : o.oneShotLive ? 'oneshot' : 'read',
  });
  if (o.mutate || o.oneShotLive) await engine.start();
  return {
    remote: false,
    call: (m, i) => engine.call(m, i),
    close: () => engine.stop(),
  };
}
