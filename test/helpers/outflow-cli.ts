// Runs the real CLI (compiled dist/, as users run it) — `npm test` builds first; when running a
// single test file by hand, run `npm run build` before.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'outflow.js');

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist', 'electron', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` first');
}

export function outflow(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `okCodes`: `status` exits 3 when the firewall is not enforcing, which some tests expect. */
export async function outflowJson<T>(args: string[], okCodes: number[] = [0]): Promise<T> {
  const r = await outflow(args);
  if (!okCodes.includes(r.code)) throw new Error(`outflow ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface Served {
  child: ChildProcess;
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Starts `outflow serve` (optionally through a wrapper argv such as `ip netns exec NS`) and waits for its URL. */
export function serve(args: string[], wrapper: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const argv = [...wrapper, process.execPath, BIN, 'serve', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (http:\/\/\S+#token=(\S+))/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        child,
        url: m[1]!,
        token: m[2]!,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}
