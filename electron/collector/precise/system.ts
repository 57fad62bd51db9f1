// Small facts about the machine precise mode depends on: where tracefs is (mounting it when root and
// absent), the /proc clock tick, and bpftrace's version. argv-only child processes, bounded in time.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FILENAME_CHUNK } from './program';

const TRACEFS_MOUNT = '/sys/kernel/tracing';
const TRACEFS_DIRS = [TRACEFS_MOUNT, '/sys/kernel/debug/tracing'];

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

export function run(cmd: string, args: string[], timeoutMs = 10_000, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 1 << 22, encoding: 'utf8', env: env ?? process.env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr, error: err ? err.message : null });
    });
  });
}

/** The environment bpftrace runs the precise program with (string size, map and ring-buffer sizes). */
export function bpftraceEnv(mapKeysMax: number, perfRingPages: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    BPFTRACE_STRLEN: String(FILENAME_CHUNK),
    BPFTRACE_MAP_KEYS_MAX: String(mapKeysMax),
    BPFTRACE_PERF_RB_PAGES: String(perfRingPages),
  };
}

/** The tracefs directory holding the sock tracepoints, or null. */
export function tracefsPath(): string | null {
  for (const dir of TRACEFS_DIRS) if (existsSync(join(dir, 'events', 'sock'))) return dir;
  return null;
}

export interface TracefsState {
  path: string | null;
  /** True when this call mounted it. */
  mounted: boolean;
  error: string | null;
}

/** Mounts tracefs at /sys/kernel/tracing when it is missing and we are root (bpftrace needs it). */
export async function ensureTracefs(): Promise<TracefsState> {
  const found = tracefsPath();
  if (found) return { path: found, mounted: false, error: null };
  if (process.getuid?.() !== 0) return { path: null, mounted: false, error: 'tracefs is not mounted and mounting it needs root' };
  let empty = true;
  try {
    empty = readdirSync(TRACEFS_MOUNT).length === 0;
  } catch {
    return { path: null, mounted: false, error: `${TRACEFS_MOUNT} does not exist (kernel without tracefs?)` };
  }
  if (!empty) return { path: null, mounted: false, error: `${TRACEFS_MOUNT} is populated but has no sock events (kernel without them?)` };
  const r = await run('mount', ['-t', 'tracefs', 'nodev', TRACEFS_MOUNT]);
  const path = tracefsPath();
  return { path, mounted: path !== null, error: path ? null : `mount -t tracefs failed: ${(r.stderr || r.error || '').trim()}` };
}

/** USER_HZ, the unit of /proc/<pid>/stat start times (100 on every mainstream Linux architecture). */
export async function clockTicksPerSecond(): Promise<number> {
  const r = await run('getconf', ['CLK_TCK'], 5_000);
  const n = Number(r.stdout.trim());
  return Number.isInteger(n) && n > 0 && n <= 100_000 ? n : 100;
}

/** `bpftrace v0.17.0` → [0, 17, 0]; null when absent or unparsable. */
export async function bpftraceVersion(bpftrace: string): Promise<{ version: [number, number, number] | null; error: string | null }> {
  const r = await run(bpftrace, ['--version'], 10_000);
  if (r.code !== 0) return { version: null, error: (r.error ?? r.stderr).trim() || 'bpftrace --version failed' };
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
  return m ? { version: [Number(m[1]), Number(m[2]), Number(m[3])], error: null } : { version: null, error: `unexpected version text: ${r.stdout.trim()}` };
}

/** Distinct (process, destination, direction) keys per interval the kernel maps hold. */
export const DEFAULT_MAP_KEYS = 16_384;
/** Perf ring pages per CPU for exec/exit/tick records (1 MiB per CPU). */
export const DEFAULT_RING_PAGES = 256;
