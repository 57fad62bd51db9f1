// A firewall lab: a bare client namespace (where the rules are applied, so the host's ruleset is never
// touched) linked to two server namespaces A and B, each running the sink server on 7001/7002 (TCP)
// and 7003 (UDP echo) on its IPv4 and IPv6 address, plus a long-lived prober inside the client.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createBareNs, createTestNet, type TestNet } from '../../helpers/netns';
import { netnsRunner, type Runner } from '../../../electron/firewall/runner';

export const SINK = join(__dirname, '..', '..', 'helpers', 'sink-server.js');
export const PROBE = join(__dirname, 'probe.js');

export interface ProbeResult {
  ok: boolean;
  code: string | null;
  ms: number;
}

export interface Prober {
  pid: number;
  probe(proto: 'tcp' | 'udp', host: string, port: number, timeoutMs?: number): Promise<ProbeResult>;
  close(): void;
}

export interface Lab {
  client: string;
  a: TestNet;
  b: TestNet;
  runner: Runner;
  prober: Prober;
  probe: Prober['probe'];
  /** Run a command inside the client namespace (argv only). */
  inClient(cmd: string, args: string[]): string;
  nftRuleset(): string;
  destroy(): void;
}

function waitForLine(child: ChildProcess, pred: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready within ${timeoutMs} ms: ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const onData = (d: Buffer): void => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (pred(line)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${err}`));
    });
  });
}

/** Start a prober; `argv` is the full command (e.g. ['ip','netns','exec',ns,exe,PROBE,cgroupProcs]). */
export async function startProber(argv: string[]): Promise<Prober> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const ready = await waitForLine(child, (l) => l.startsWith('{"ready"'), 'prober');
  const pid = (JSON.parse(ready) as { ready: number }).ready;
  const pending = new Map<number, (r: ProbeResult) => void>();
  let buf = '';
  let next = 1;
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{"id"')) continue;
      const msg = JSON.parse(line) as ProbeResult & { id: number };
      pending.get(msg.id)?.({ ok: msg.ok, code: msg.code, ms: msg.ms });
      pending.delete(msg.id);
    }
  });
  return {
    pid,
    probe(proto, host, port, timeoutMs = 1500) {
      const id = next++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.stdin!.write(`${JSON.stringify({ id, proto, host, port, timeoutMs })}\n`);
      });
    },
    close() {
      for (const p of [child.pid, pid]) {
        if (!p) continue;
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  };
}

export async function createLab(tag: string, subnetA: number, subnetB: number): Promise<Lab> {
  const client = createBareNs(`${tag}c`);
  const cleanups: Array<() => void> = [() => client.destroy()];
  try {
    const a = createTestNet(`${tag}a`, subnetA, client.ns);
    cleanups.unshift(() => a.destroy());
    const b = createTestNet(`${tag}b`, subnetB, client.ns);
    cleanups.unshift(() => b.destroy());
    for (const net of [a, b]) {
      const sink = net.spawnIn(process.execPath, [SINK, net.peerV4, net.peerV6]);
      await waitForLine(sink, (l) => l.trim() === 'ready', `sink server in ${net.ns}`);
    }
    const prober = await startProber(['ip', 'netns', 'exec', client.ns, process.execPath, PROBE]);
    cleanups.unshift(() => prober.close());
    const inClient = (cmd: string, args: string[]): string =>
      execFileSync('ip', ['netns', 'exec', client.ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return {
      client: client.ns,
      a,
      b,
      runner: netnsRunner(client.ns),
      prober,
      probe: prober.probe,
      inClient,
      nftRuleset: () => inClient('nft', ['list', 'ruleset']),
      destroy() {
        for (const c of cleanups) {
          try {
            c();
          } catch {
            /* keep cleaning */
          }
        }
      },
    };
  } catch (err) {
    for (const c of cleanups) {
      try {
        c();
      } catch {
        /* keep cleaning */
      }
    }
    throw err;
  }
}

/** Poll `check` until it returns true or the time is up; returns the elapsed ms, or throws. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, stepMs = 50): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await check()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
