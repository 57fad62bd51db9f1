// The one way collectors run OS commands: execFile with an argv array (never a shell), a timeout that
// kills the child, and a bounded output buffer. Injected into collectors so tests can replace the OS
// edge with recorded output.
import { execFile, type ExecFileException } from 'node:child_process';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status. A non-zero status is not an error here: lsof exits 1 when one selector matched nothing. */
  code: number;
}

export interface ExecOptions {
  /** Kill the child after this many ms (SIGKILL) and reject. Default 10 s. */
  timeoutMs?: number;
  /** Reject when stdout or stderr grows beyond this. Default 64 MiB. */
  maxBuffer?: number;
  /** Extra environment variables, merged over the current environment (e.g. LC_ALL=C for stable formats). */
  env?: Record<string, string>;
}

export type ExecRunner = (cmd: string, argv: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

export type ExecFailure = 'missing' | 'timeout' | 'overflow' | 'signal' | 'spawn';

/** Why a command could not produce a result (as opposed to exiting non-zero, which resolves). */
export class ExecError extends Error {
  constructor(
    readonly kind: ExecFailure,
    readonly cmd: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExecError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;

type ChildError = ExecFileException;

export const execRunner: ExecRunner = (cmd, argv, opts = {}) => {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<ExecResult>((resolve, reject) => {
    execFile(
      cmd,
      [...argv],
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxBuffer ?? DEFAULT_MAX_BUFFER,
        encoding: 'utf8',
        windowsHide: true,
        shell: false,
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      },
      (error: ChildError | null, stdout: string, stderr: string) => {
        if (!error) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        if (typeof error.code === 'number') {
          resolve({ stdout, stderr, code: error.code });
          return;
        }
        reject(classify(cmd, error, timeoutMs));
      },
    );
  });
};

function classify(cmd: string, error: ChildError, timeoutMs: number): ExecError {
  if (error.code === 'ENOENT') return new ExecError('missing', cmd, `${cmd}: command not found`);
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new ExecError('overflow', cmd, `${cmd}: output exceeded the buffer limit`);
  }
  if (error.killed && error.signal === 'SIGKILL') {
    return new ExecError('timeout', cmd, `${cmd}: no answer within ${timeoutMs} ms (killed)`);
  }
  if (error.signal) return new ExecError('signal', cmd, `${cmd}: terminated by ${error.signal}`);
  return new ExecError('spawn', cmd, `${cmd}: ${error.message}`);
}
