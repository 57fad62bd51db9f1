// Runs test/helpers/egress-client.js under a given executable and waits for things to be recorded.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLIENT = join(__dirname, 'egress-client.js');
export const SINK = join(__dirname, 'sink-server.js');

export interface ClientResult {
  sent?: number;
  received?: number;
  error?: string;
}

/** `wrapper` runs the client elsewhere, e.g. `['ip', 'netns', 'exec', ns]`. */
export function runClient(exe: string, args: string[], opts: { env?: NodeJS.ProcessEnv; wrapper?: string[] } = {}): Promise<ClientResult> {
  const argv = [...(opts.wrapper ?? []), exe, CLIENT, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...opts.env } });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as ClientResult);
      } catch {
        reject(new Error(`client printed ${JSON.stringify(out)}`));
      }
    });
  });
}

/** Polls `read` until `ok` holds; the error names the last value seen. */
export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: last value ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
