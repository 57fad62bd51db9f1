// A real DNS server over UDP for tests (reverse names for the resolver, forward names for hostname rules).
// The implementation is plain JS in dns-server-main.js so the same server can run as a program inside a
// test network namespace; this file types it and adds the "start it in a namespace" helper.
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface DnsRecords {
  /** name → IPv4 addresses */
  A?: Record<string, string[]>;
  /** name → IPv6 addresses */
  AAAA?: Record<string, string[]>;
  /** IP address (or reverse name such as `4.3.2.1.in-addr.arpa`) → target name(s), served byte for byte. */
  PTR?: Record<string, string | string[]>;
}

export interface DnsServerOptions {
  /** Address to bind: 127.0.0.1, ::1, or an address inside a test namespace. */
  address: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** TTL in seconds on every answer. Default 60. Use 0 to keep c-ares' own cache out of a test. */
  ttl?: number;
  records: DnsRecords;
  /** Hold every answer this long, to simulate a slow server. */
  delayMs?: number;
}

export interface DnsQueryLog {
  /** Lowercased query name, e.g. `4.3.2.1.in-addr.arpa`. */
  name: string;
  /** 'A' | 'AAAA' | 'PTR' | … */
  type: string;
}

export interface DnsServer {
  readonly port: number;
  /** Queries received so far. */
  readonly queries: number;
  /** Queries received and not yet answered (non-zero only with delayMs). */
  readonly inFlight: number;
  /** Highest inFlight seen: how many queries a client had outstanding at once. */
  readonly maxInFlight: number;
  readonly log: readonly DnsQueryLog[];
  close(): Promise<void>;
}

/** Path of the runnable server: `node <DNS_SERVER_MAIN> '<json DnsServerOptions>'`. */
export const DNS_SERVER_MAIN = join(__dirname, 'dns-server-main.js');

interface DnsServerModule {
  startDnsServer(opts: DnsServerOptions): Promise<DnsServer>;
  reverseName(key: string): string;
}

// Node's own require, so the CommonJS file loads the same way here as under `node` in a namespace.
const impl = createRequire(__filename)('./dns-server-main.js') as DnsServerModule;

export function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  return impl.startDnsServer(opts);
}

/** `1.2.3.4` → `4.3.2.1.in-addr.arpa`; IPv6 → nibble form under ip6.arpa. */
export function reverseName(address: string): string {
  return impl.reverseName(address);
}

export interface SpawnedDnsServer {
  port: number;
  child: ChildProcess;
  /** Query log lines as the server prints them (when started with log: true). */
  log: DnsQueryLog[];
  close(): Promise<void>;
}

/**
 * Starts the server as a child process through `spawn` (e.g. TestNet.spawnIn, which runs it inside the
 * namespace), waits until it prints its port, and collects its query log.
 * Example: `spawnDnsServer((c, a) => net.spawnIn(c, a), { address: net.peerV4, port: 53, records })`.
 */
export function spawnDnsServer(
  spawn: (cmd: string, args: string[]) => ChildProcess,
  opts: DnsServerOptions & { log?: boolean },
  timeoutMs = 10_000,
): Promise<SpawnedDnsServer> {
  const child = spawn(process.execPath, [DNS_SERVER_MAIN, JSON.stringify(opts)]);
  const log: DnsQueryLog[] = [];
  return new Promise((resolve, reject) => {
    let buf = '';
    let stderr = '';
    let port: number | null = null;
    const timer = setTimeout(() => fail(new Error(`dns server did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      if (child.exitCode === null && child.pid) child.kill('SIGKILL');
      reject(err);
    };
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      if (port === null) fail(new Error(`dns server exited with ${code}: ${stderr}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line) as { port?: number; query?: DnsQueryLog };
        if (msg.query) log.push(msg.query);
        if (typeof msg.port === 'number' && port === null) {
          port = msg.port;
          clearTimeout(timer);
          resolve({
            port,
            child,
            log,
            close: () =>
              new Promise<void>((done) => {
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill('SIGTERM');
              }),
          });
        }
      }
    });
  });
}
