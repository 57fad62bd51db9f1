// Starts test/proof/support/load-main.js as its own process and follows its counters.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface LoadOptions {
  address?: string;
  ports?: number;
  hold?: number;
  holdChunk?: number;
  holdEveryMs?: number;
  rate?: number;
  size?: number;
  concurrency?: number;
}

export interface LoadStats {
  /** Short connections begun (made + failed + those still open when it stopped). */
  started: number;
  /** Short connections that opened, sent and closed cleanly. */
  made: number;
  failed: number;
  bytes: number;
  held: number;
}

export interface Load {
  child: ChildProcess;
  ports: number[];
  /** The last counters the generator printed. */
  stats(): LoadStats;
  /** Stops it (SIGTERM) and returns its final counters and the ports its server listened on. */
  stop(): Promise<LoadStats & { ports: number[] }>;
}

export const LOAD_MAIN = join(__dirname, 'load-main.js');

/** `exe`: the node binary to run it with (a named hard link makes it an app of its own); `wrapper`: e.g. ip netns exec. */
export function startLoad(o: LoadOptions, run: { exe?: string; wrapper?: string[] } = {}): Promise<Load> {
  const argv = [...(run.wrapper ?? []), run.exe ?? process.execPath, LOAD_MAIN, JSON.stringify(o)];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let last: LoadStats = { started: 0, made: 0, failed: 0, bytes: 0, held: 0 };
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('load generator did not start')), 30_000);
    const early = (code: number | null): void => reject(new Error(`load generator exited ${code}`));
    child.once('exit', early);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buf.slice(0, nl)) as LoadStats & { ready?: boolean; ports?: number[] };
        buf = buf.slice(nl + 1);
        if (msg.ready) {
          clearTimeout(timer);
          child.removeListener('exit', early);
          resolve({
            child,
            ports: msg.ports!,
            stats: () => last,
            async stop() {
              if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              await exited;
              return { ...last, ports: msg.ports! };
            },
          });
        } else last = msg;
      }
    });
  });
}
