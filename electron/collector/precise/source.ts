// Precise mode's byte source: one long-lived bpftrace child running the program from program.ts,
// its output read by PreciseReader into per-(process, destination) deltas the engine drains each tick.
// The child is the only thing this module starts and the only thing it stops (by its pid); when it
// dies unexpectedly `alive` turns false and onExit listeners hear it, so the engine can fall back to
// polling within one tick. If Node itself dies, bpftrace's next interval print hits a closed pipe and
// it exits too (SIGPIPE), so no probe outlives us by more than one interval.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PreciseDelta } from '../../engine/ports';
import { ProcessRegistry } from './identity';
import { buildPreciseProgram } from './program';
import { emptyCounters, PreciseReader, type PreciseCounters, type PreciseRow } from './reader';
import { bpftraceEnv, clockTicksPerSecond, DEFAULT_MAP_KEYS, DEFAULT_RING_PAGES, ensureTracefs } from './system';

export type { PreciseCounters, PreciseRow } from './reader';

export interface PreciseSourceOptions {
  /** How often the kernel maps are read, ms. Default 1000. */
  intervalMs?: number;
  /** bpftrace executable. Default `bpftrace` on PATH. */
  bpftrace?: string;
  /** Distinct (process, destination, direction) keys per interval the kernel can hold. Default 16384. */
  mapKeysMax?: number;
  /** Perf ring pages per CPU (power of two) for exec/exit/tick records. Default 256 (1 MiB per CPU). */
  perfRingPages?: number;
  /** How long to wait for the probes to attach. Default 60 s (compiling takes a few seconds). */
  startTimeoutMs?: number;
  /** How long stop() waits for bpftrace to exit after SIGINT before SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
  /** Rows kept between two drains at most; beyond that rows are dropped and counted. Default 200000. */
  maxPendingRows?: number;
}

export interface PreciseExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it. */
  expected: boolean;
  /** The end of bpftrace's stderr, for the user and the log. */
  stderr: string;
}

export interface PreciseSource {
  /** Resolves once the probes are attached; rejects (with bpftrace's words) when they cannot be. */
  start(): Promise<void>;
  /** Deltas since the previous drain, one row per (process, destination). */
  drain(): PreciseDelta[];
  /** The same rows with how each process was identified. */
  drainRows(): PreciseRow[];
  /** Cumulative: lost events + overflowed intervals + dropped rows. Never reset. */
  readonly dropped: number;
  counters(): PreciseCounters;
  /** True between a successful start() and the child's exit. */
  readonly alive: boolean;
  /** The bpftrace child's pid while it runs. */
  readonly pid: number | null;
  onExit(listener: (exit: PreciseExit) => void): () => void;
  /** SIGINT to our bpftrace child (END prints the last bytes), SIGKILL after stopTimeoutMs; waits for it. */
  stop(): Promise<void>;
}

function intOption(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}`);
  return v;
}

export function createPreciseSource(opts: PreciseSourceOptions = {}): PreciseSource {
  const intervalMs = intOption(opts.intervalMs, 1000, 100, 60_000, 'intervalMs');
  const mapKeysMax = intOption(opts.mapKeysMax, DEFAULT_MAP_KEYS, 256, 1_048_576, 'mapKeysMax');
  const perfRingPages = intOption(opts.perfRingPages, DEFAULT_RING_PAGES, 8, 16_384, 'perfRingPages');
  const startTimeoutMs = intOption(opts.startTimeoutMs, 60_000, 1_000, 600_000, 'startTimeoutMs');
  const stopTimeoutMs = intOption(opts.stopTimeoutMs, 5_000, 100, 60_000, 'stopTimeoutMs');
  const maxPendingRows = intOption(opts.maxPendingRows, 200_000, 1, 10_000_000, 'maxPendingRows');
  const bpftrace = opts.bpftrace ?? 'bpftrace';
  if (bpftrace === '' || bpftrace.includes('\0')) throw new TypeError('bpftrace: not a usable path');
  if (perfRingPages & (perfRingPages - 1)) throw new RangeError('perfRingPages must be a power of two');

  const listeners = new Set<(exit: PreciseExit) => void>();
  let reader: PreciseReader | null = null;
  let child: ChildProcess | null = null;
  let started = false;
  let running = false;
  let stopping = false;
  let closed: Promise<void> = Promise.resolve();

  const drainRows = (): PreciseRow[] => reader?.drain() ?? [];
  const counters = (): PreciseCounters =>
    reader?.counters() ?? emptyCounters();

  async function start(): Promise<void> {
    if (started) throw new Error('precise source already started');
    started = true;
    const tracefs = await ensureTracefs();
    if (!tracefs.path) throw new Error(`precise mode unavailable: ${tracefs.error ?? 'no tracefs'}`);
    const hz = await clockTicksPerSecond();
    const r = new PreciseReader(new ProcessRegistry({ nsPerTick: BigInt(Math.round(1e9 / hz)) }), maxPendingRows);
    reader = r;

    const proc = spawn(bpftrace, ['-f', 'json', '-e', buildPreciseProgram({ intervalMs })], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: bpftraceEnv(mapKeysMax, perfRingPages),
    });
    child = proc;
    const lines = createInterface({ input: proc.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => r.line(line));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (text: string) => r.stderr(text));
    proc.stderr!.on('end', () => r.stderr('', true));
    // stdout closes as the first of bpftrace's files when it dies; the process itself is reaped only
    // after the kernel has detached every probe (hundreds of ms). `alive` follows the earlier signal.
    const linesClosed = new Promise<void>((resolve) =>
      lines.once('close', () => {
        running = false;
        resolve();
      }),
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      proc.once('close', (code, signal) => resolve({ code, signal }));
      // A spawn failure (ENOENT) emits 'error' and may never emit 'close'.
      proc.once('error', () => resolve({ code: null, signal: null }));
    });
    closed = Promise.all([linesClosed, exited]).then(([, status]) => {
      running = false;
      child = null;
      const exit: PreciseExit = { code: status.code, signal: status.signal, expected: stopping, stderr: r.stderrTail() };
      for (const l of listeners) {
        try {
          l(exit);
        } catch {
          /* a listener's failure must not hide the exit from the others */
        }
      }
    });

    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        r.onBegin = null;
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        settle(new Error(`bpftrace did not attach within ${startTimeoutMs} ms`));
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }, startTimeoutMs);
      r.onBegin = () => {
        running = true;
        settle(null);
      };
      proc.once('error', (err) => settle(new Error(`cannot run ${bpftrace}: ${err.message}`)));
      void closed.then(() => settle(new Error(`bpftrace exited before attaching: ${r.stderrTail() || 'no message'}`)));
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    stopping = true;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
    const timedOut = await Promise.race([closed.then(() => false), delay(stopTimeoutMs).then(() => true)]);
    if (timedOut && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await closed;
  }

  return {
    start,
    stop,
    drain: () => drainRows().map(({ identity: _identity, startNs: _startNs, ...delta }) => delta),
    drainRows,
    get dropped() {
      const c = counters();
      return c.lostEvents + c.mapOverflows + c.droppedRows;
    },
    counters,
    get alive() {
      // A killed bpftrace needs over a second to detach its probes before it is reaped (or even closes
      // stdout); the kernel marks it exiting at once, so that is what decides.
      if (running && child?.pid !== undefined && isExiting(child.pid)) running = false;
      return running;
    },
    get pid() {
      return child?.pid ?? null;
    },
    onExit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const PF_EXITING = 0x4;

/** Whether the kernel is tearing `pid` down (PF_EXITING in /proc/<pid>/stat field 9, or a zombie). */
function isExiting(pid: number): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const flags = Number(f[6]);
  return f[0] === 'Z' || f[0] === 'X' || (Number.isFinite(flags) && (flags & PF_EXITING) !== 0);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
