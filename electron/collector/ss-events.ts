// A long-lived `ss -E` child that reports every destroyed TCP/UDP socket with its final counters, so
// bytes sent after the last poll, and sockets that lived between two polls, are still counted.
// ss block-buffers stdout into a pipe (nothing arrives for seconds), so it runs under `stdbuf -oL`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import type { Clock } from '../engine/ports';
import { SsStreamParser, type SsSocket } from './parse/ss';

export interface ClosedEvent {
  socket: SsSocket;
  at: number;
}

export interface SsEventsOptions {
  clock: Clock;
  /** Pending events kept between two drains; beyond it events are counted as dropped. */
  maxPending?: number;
  /** How long start() waits for the probe socket's destroy event. */
  probeTimeoutMs?: number;
  /** Restart back-off bounds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Override the command (tests); default `stdbuf -oL ss -E -tuinOeH`, or plain ss without stdbuf. */
  command?: { file: string; args: string[] };
}

export interface SsEventsStatus {
  running: boolean;
  /** Whether destroy events were proven to arrive (the start-up probe saw its own socket close). */
  verified: boolean;
  restarts: number;
  lastError: string | null;
  lineBuffered: boolean;
  /** Ports of the last start-up probe connection (ours, never reported as traffic). */
  probe: { clientPort: number; serverPort: number } | null;
}

const ARGS = ['-E', '-tuinOeH'];

export class SsEvents {
  private child: ChildProcess | null = null;
  private pending: ClosedEvent[] = [];
  private stderrTail = '';
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private startedAt = 0;
  private readonly maxPending: number;
  private readonly probeTimeoutMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly command: { file: string; args: string[] };
  /** 4-tuples of our own probe sockets, whose events are not anyone's traffic. */
  private readonly ignore = new Set<string>();
  private probeWaiter: ((s: SsSocket) => void) | null = null;
  dropped = 0;
  readonly status: SsEventsStatus;

  constructor(private readonly opts: SsEventsOptions) {
    this.maxPending = opts.maxPending ?? 100_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 3000;
    this.minBackoffMs = opts.minBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 60_000;
    this.backoffMs = this.minBackoffMs;
    const stdbuf = hasStdbuf();
    this.command = opts.command ?? (stdbuf ? { file: 'stdbuf', args: ['-oL', 'ss', ...ARGS] } : { file: 'ss', args: ARGS });
    this.status = { running: false, verified: false, restarts: 0, lastError: null, lineBuffered: stdbuf || !!opts.command, probe: null };
  }

  /** Spawns the child and proves events flow by closing a loopback probe connection. */
  async start(): Promise<SsEventsStatus> {
    this.stopping = false;
    this.spawnChild();
    this.status.verified = await this.probe();
    if (!this.status.verified && !this.status.lastError) {
      this.status.lastError = `no destroy event within ${this.probeTimeoutMs} ms of closing a probe socket`;
    }
    return this.status;
  }

  /** Events since the previous drain. */
  /** Destroy events waiting for the next snapshot. */
  get pendingCount(): number {
    return this.pending.length;
  }

  drain(): ClosedEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = child.pid;
    signal(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) signal(pid, 'SIGKILL');
    }, 1000);
    await exited;
    clearTimeout(timer);
  }

  /** Pid of the running child (tests kill it to exercise the restart). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private spawnChild(): void {
    let child: ChildProcess;
    try {
      child = spawn(this.command.file, this.command.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      this.status.lastError = `cannot start ss -E: ${(err as Error).message}`;
      this.scheduleRestart();
      return;
    }
    this.child = child;
    this.startedAt = this.opts.clock.monotonic();
    this.status.running = true;
    // A fresh parser per child: a line cut off by a dying child must not prefix the next one's.
    const parser = new SsStreamParser((s) => this.onSocket(s), { uidOmittedMeansRoot: false });
    child.stdout!.on('data', (chunk: Buffer) => parser.push(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-500);
    });
    child.on('error', (err) => {
      this.status.lastError = `ss -E: ${err.message}`;
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = null;
      this.status.running = false;
      if (this.stopping) return;
      const why = this.stderrTail.trim().split('\n').pop() ?? '';
      this.status.lastError = `ss -E exited (${signal ?? `code ${code}`})${why ? `: ${why}` : ''}`;
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    // A child that ran for a while is restarted promptly; one that keeps dying backs off.
    if (this.opts.clock.monotonic() - this.startedAt > this.maxBackoffMs) this.backoffMs = this.minBackoffMs;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.status.restarts++;
      this.spawnChild();
    }, delay);
    this.restartTimer.unref();
  }

  private onSocket(socket: SsSocket): void {
    if (socket.peer.port === null || socket.peer.wildcard) return;
    const tuple = tupleKey(socket);
    if (this.ignore.has(tuple)) {
      this.ignore.delete(tuple);
      this.probeWaiter?.(socket);
      return;
    }
    if (this.pending.length >= this.maxPending) {
      this.dropped++;
      return;
    }
    this.pending.push({ socket, at: this.opts.clock.now() });
  }

  // Opens and closes one loopback TCP connection and waits for its destroy event: proves the child
  // subscribed, has the privileges it needs and is line-buffered.
  private async probe(): Promise<boolean> {
    // Give ss a moment to bind its netlink groups before the probe socket dies.
    await delay(150);
    if (!this.child) return false;
    const server = createServer((s) => s.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const port = (server.address() as AddressInfo).port;
      const seen = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.probeTimeoutMs);
        this.probeWaiter = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      await new Promise<void>((resolve) => {
        const c = connect({ host: '127.0.0.1', port }, () => {
          const local = c.localPort!;
          this.status.probe = { clientPort: local, serverPort: port };
          this.ignore.add(`127.0.0.1:${local}>127.0.0.1:${port}`);
          this.ignore.add(`127.0.0.1:${port}>127.0.0.1:${local}`);
          c.destroy();
          resolve();
        });
        c.on('error', () => resolve());
      });
      const ok = await seen;
      return ok;
    } catch {
      return false;
    } finally {
      this.probeWaiter = null;
      server.close();
      // Late probe events must not be mistaken for traffic, but the set must not grow for ever.
      setTimeout(() => this.ignore.clear(), 5000).unref();
    }
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already exited */
  }
}

function tupleKey(s: SsSocket): string {
  return `${s.local.address}:${s.local.port}>${s.peer.address}:${s.peer.port}`;
}

function hasStdbuf(): boolean {
  return ['/usr/bin/stdbuf', '/bin/stdbuf', '/usr/local/bin/stdbuf'].some((p) => existsSync(p));
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
