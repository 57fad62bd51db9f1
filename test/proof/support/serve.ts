// A real `outflow serve` (compiled dist/, as users run it) with its environment, stderr and pid at
// hand, and calls to its HTTP API. Everything started here is stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Method, MethodResults } from '../../../electron/shared/contract';
import { BIN } from '../../helpers/outflow-cli';

export interface ServeOptions {
  /** Extra arguments after `serve` (always add --db). */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** argv prefix, e.g. ['ip', 'netns', 'exec', ns]. */
  wrapper?: string[];
  /** How long to wait for the URL. */
  timeoutMs?: number;
}

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  token: string;
  /** Everything written to stderr so far. */
  stderr(): string;
  call<M extends Method>(method: M, input?: unknown, timeoutMs?: number): Promise<MethodResults[M]>;
  /** The raw HTTP answer, for error cases. */
  post(method: string, input: unknown, timeoutMs?: number): Promise<{ status: number; body: unknown }>;
  alive(): boolean;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export function startServe(o: ServeOptions): Promise<ServeProcess> {
  const argv = [...(o.wrapper ?? []), process.execPath, BIN, 'serve', ...o.args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start within ${o.timeoutMs ?? 20_000} ms: ${err}`));
    }, o.timeoutMs ?? 20_000);
    const early = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${signal ?? code}) before it was ready: ${err}`));
    };
    child.once('exit', early);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (http:\/\/\S+)#token=(\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.removeListener('exit', early);
      const base = m[1]!;
      const token = m[2]!;
      const post = async (method: string, input: unknown, timeoutMs = 15_000): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(new URL(`/api/${method}`, base), {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: res.status, body: await res.json() };
      };
      resolve({
        child,
        pid: child.pid!,
        url: base,
        token,
        stderr: () => err,
        post,
        async call(method, input, timeoutMs) {
          const r = await post(method, input ?? {}, timeoutMs);
          if (r.status !== 200) throw new Error(`${method} answered ${r.status}: ${JSON.stringify(r.body)}`);
          return r.body as never;
        },
        alive,
        async kill9() {
          if (alive()) child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          if (!alive()) return;
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.kill('SIGTERM');
          await exited;
          clearTimeout(timer);
        },
      });
    });
  });
}

/** Peak and current resident memory of a process, in MB (Linux /proc). */
export function memoryOf(pid: number): { peakMB: number; rssMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMB: kb('VmHWM') / 1024, rssMB: kb('VmRSS') / 1024 };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
