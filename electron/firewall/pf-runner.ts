// The one way the pf and Windows Firewall backends reach the OS: a program and an argv array,
// never a shell string. Backends take a `CommandRunner` so tests can hand them a recording fake
// that answers with recorded real output, while production uses `spawnRunner`.
import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code; -1 when the process could not start or was killed (timeout, output cap). */
  code: number;
}

export interface RunOptions {
  /** Written to the child's stdin, then stdin is closed. Without it stdin is closed at once. */
  input?: string;
  timeoutMs?: number;
}

export type CommandRunner = (cmd: string, argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;

const DEFAULT_TIMEOUT_MS = 60_000;
/** pfctl -sr -v over a few thousand rules is well under this; anything larger is a runaway. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** A runner over child_process.spawn with `shell: false`. Never rejects: failures come back as code -1. */
export function spawnRunner(defaultTimeoutMs = DEFAULT_TIMEOUT_MS): CommandRunner {
  return (cmd, argv, opts = {}) =>
    new Promise<RunResult>((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let settled = false;
      let note = '';
      let timer: NodeJS.Timeout | undefined;
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(cmd, [...argv], { shell: false, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (e) {
        // spawn throws synchronously on a NUL byte in argv and similar misuse.
        resolve({ stdout: '', stderr: `${cmd}: ${(e as Error).message}`, code: -1 });
        return;
      }
      const finish = (code: number): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        const stderr = Buffer.concat(err).toString('utf8') + note;
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr, code });
      };
      const kill = (why: string): void => {
        note = `\n${why}`;
        child.kill('SIGKILL');
        finish(-1);
      };
      timer = setTimeout(() => kill(`${cmd}: timed out after ${opts.timeoutMs ?? defaultTimeoutMs} ms`), opts.timeoutMs ?? defaultTimeoutMs);
      const collect = (sink: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_OUTPUT_BYTES) return kill(`${cmd}: output exceeded ${MAX_OUTPUT_BYTES} bytes`);
        sink.push(chunk);
      };
      child.stdout?.on('data', collect(out));
      child.stderr?.on('data', collect(err));
      child.on('error', (e) => {
        note = `\n${cmd}: ${e.message}`;
        finish(-1);
      });
      child.on('close', (code) => finish(code ?? -1));
      // A child that exits before reading its input must not crash us with EPIPE.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    });
}

/** One line for logs and status reasons: the command and why it failed, without flooding. */
export function describeFailure(cmd: string, argv: readonly string[], r: RunResult): string {
  const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => !isPfctlNoise(l)).join(' ').slice(0, 400);
  return `${cmd} ${argv.join(' ')} exited ${r.code}${detail ? `: ${detail}` : ''}`;
}

/** macOS pfctl prints these two lines on stderr for every -v call; they say nothing about success. */
export function isPfctlNoise(line: string): boolean {
  const t = line.trim();
  return t === 'No ALTQ support in kernel' || t === 'ALTQ related functions disabled';
}
