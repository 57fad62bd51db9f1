// How the Linux collector runs its tools: argv arrays through execFile/spawn, never a shell.
import { execFile, spawn } from 'node:child_process';

/** Runs a program with an argv array and resolves with its stdout. */
export type ExecFn = (file: string, args: readonly string[]) => Promise<string>;

/** Runs a program with an argv array, handing stdout over in chunks as it arrives (raw bytes, or text). */
export type StreamFn = (file: string, args: readonly string[], onData: (chunk: Buffer | string) => void) => Promise<void>;

const ENV = (): NodeJS.ProcessEnv => ({ ...process.env, LC_ALL: 'C' });
const TIMEOUT_MS = 15_000;

/** execFile with a buffer large enough for ss at tens of thousands of sockets, and a C locale. */
export const defaultExec: ExecFn = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, timeout: TIMEOUT_MS, env: ENV() }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });

/** spawn, handing over stdout's buffers as they arrive (not decoded: the ss parser reads bytes). */
export const defaultStream: StreamFn = (file, args, onData) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: ENV() });
    let stderr = '';
    let failed: Error | null = null;
    const timer = setTimeout(() => {
      failed = new Error(`${file} timed out after ${TIMEOUT_MS} ms`);
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        onData(chunk);
      } catch (err) {
        failed = err as Error;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.once('error', (err) => {
      failed ??= err;
      // Never started (ENOENT, EACCES): no 'close' is guaranteed to follow.
      if (child.pid === undefined) {
        clearTimeout(timer);
        reject(err);
      }
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0) reject(new Error(`${file} exited ${signal ?? code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      else resolve();
    });
  });

/** A StreamFn over an ExecFn (one chunk), for callers that only provide exec (e.g. a netns wrapper). */
export function streamFromExec(exec: ExecFn): StreamFn {
  return async (file, args, onData) => onData(await exec(file, args));
}
