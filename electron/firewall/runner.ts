import { execFile } from 'node:child_process';

// Every firewall command goes through a Runner: a program and an argv array, never a shell string.
// Tests wrap it with `ip netns exec <ns>` so rules land in a namespace they created, not on the host.

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; 0 = success. */
  code: number;
}

/** Resolves with the exit code for programs that ran; rejects (e.g. ENOENT) when the program could not start. */
export type Runner = (cmd: string, argv: readonly string[]) => Promise<RunResult>;

export class CommandNotFoundError extends Error {
  constructor(readonly command: string) {
    super(`${command}: command not found`);
    this.name = 'CommandNotFoundError';
  }
}

const RUN_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** execFile with argv only, a fixed C locale (parsable messages) and a timeout. */
export const execFileRunner: Runner = (cmd, argv) =>
  new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...argv],
      {
        encoding: 'utf8',
        timeout: RUN_TIMEOUT_MS,
        maxBuffer: MAX_OUTPUT_BYTES,
        windowsHide: true,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr, code: 0 });
        const e = err as { code?: unknown; killed?: boolean };
        if (e.code === 'ENOENT') return reject(new CommandNotFoundError(cmd));
        if (e.killed) return reject(new Error(`${cmd} did not finish within ${RUN_TIMEOUT_MS} ms`));
        // A number is the program's exit status; anything else (EACCES, maxBuffer…) means it did not run properly.
        if (typeof e.code === 'number') return resolve({ stdout, stderr, code: e.code });
        reject(err);
      },
    );
  });

const NETNS_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** Runs every command inside network namespace `ns` (`ip netns exec <ns> <cmd> …`). */
export function netnsRunner(ns: string, base: Runner = execFileRunner): Runner {
  if (!NETNS_RE.test(ns)) throw new Error('netnsRunner: invalid namespace name');
  return async (cmd, argv) => {
    const r = await base('ip', ['netns', 'exec', ns, cmd, ...argv]);
    // `ip netns exec` reports a missing program on stderr with exit 255 instead of ENOENT.
    if (r.code !== 0 && /exec of ".*" failed: No such file or directory/.test(r.stderr)) throw new CommandNotFoundError(cmd);
    return r;
  };
}

/** First non-empty line of stderr (or stdout), trimmed to a readable length, for status reasons. */
export function firstLine(r: RunResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').find((l) => l.trim() !== '') ?? `exit code ${r.code}`;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
