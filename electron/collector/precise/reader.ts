// Everything bpftrace prints, turned into rows: JSON lines → records and map prints → ledger deltas →
// one pending row per (process, destination), drained with the process identified. No I/O of its own
// beyond the registry's /proc reads, so recorded output can be replayed through it in tests.
import type { PreciseDelta } from '../../engine/ports';
import type { Family, Proto } from '../../shared/types';
import { lostEventsInText, parseBpftraceLine } from './bpftrace-output';
import { decodeFlowKey, flowId, type FlowKey } from './flow-key';
import type { IdentitySource, ProcessRegistry } from './identity';
import { GenerationLedger } from './ledger';
import { parseRecord, type PreciseRecord } from './records';

export interface PreciseCounters {
  /** Records bpftrace reported lost (its perf buffer overflowed). */
  lostEvents: number;
  /** Bytes the kernel counted but could not attribute because its map was full. */
  droppedBytes: number;
  /** Intervals in which that happened. */
  mapOverflows: number;
  /** Rows discarded because nobody drained them (maxPendingRows). */
  droppedRows: number;
  /** Output lines or keys that could not be understood. */
  parseErrors: number;
  /** Map prints that went backwards (should never happen; counted, bytes still reported). */
  anomalies: number;
  /** Intervals reported so far, and when the last one arrived (wall clock ms). */
  ticks: number;
  lastTickAt: number | null;
  /** Identity records dropped because the process tables were full. */
  identityEvictions: number;
}

/** A drained row with how its process was identified (for diagnostics and tests). */
export interface PreciseRow extends PreciseDelta {
  identity: IdentitySource;
  /** Process start as the kernel keeps it, ns since boot. */
  startNs: bigint;
}

interface PendingRow {
  pid: number;
  startNs: bigint;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  bytesOut: number;
  bytesIn: number;
}

const STDERR_TAIL = 16 * 1024;
// bpftrace 0.17 always tries to lift RLIMIT_MEMLOCK; since Linux 5.11 BPF memory is charged to the
// memory cgroup instead, so failing to is harmless and not worth showing as an error.
const HARMLESS_STDERR = /couldn't set RLIMIT_MEMLOCK/;

export class PreciseReader {
  private readonly pending = new Map<string, PendingRow>();
  private readonly decoded = new Map<string, FlowKey | null>();
  /** Processes already looked up since the last drain (one /proc read each, not one per row). */
  private readonly looked = new Set<string>();
  private readonly ledger: GenerationLedger;
  private readonly counts: PreciseCounters = emptyCounters();
  private stderrPartial = '';
  private stderrKept = '';
  /** Called when BEGIN's record arrives: the probes are attached. */
  onBegin: (() => void) | null = null;

  constructor(
    private readonly registry: ProcessRegistry,
    private readonly maxPendingRows = 200_000,
    private readonly now: () => number = Date.now,
  ) {
    this.ledger = new GenerationLedger(
      (key, bytes) => this.add(key, bytes),
      (key) => this.decode(key)?.dir ?? null,
    );
  }

  /** One line of bpftrace's stdout. */
  line(line: string): void {
    if (line.trim() === '') return;
    const msg = parseBpftraceLine(line);
    switch (msg.kind) {
      case 'printf':
        for (const text of msg.text.split('\n')) {
          if (text === '') continue;
          const rec = parseRecord(text);
          if (rec) this.record(rec);
          else this.counts.parseErrors++;
        }
        return;
      case 'map':
        this.ledger.map(msg.name, msg.entries);
        return;
      case 'lost':
        this.counts.lostEvents += msg.events;
        return;
      case 'invalid':
        this.counts.parseErrors++;
        return;
      case 'attached':
      case 'scalar':
      case 'other':
        return;
    }
  }

  /** A piece of bpftrace's stderr; whole lines only, so a warning split across reads is still seen. */
  stderr(text: string, flush = false): void {
    const lines = (this.stderrPartial + text).split('\n');
    this.stderrPartial = flush ? '' : lines.pop()!;
    if (this.stderrPartial.length > STDERR_TAIL) this.stderrPartial = this.stderrPartial.slice(-STDERR_TAIL);
    for (const line of lines) {
      this.counts.lostEvents += lostEventsInText(line);
      if (line.trim() === '' || HARMLESS_STDERR.test(line)) continue;
      this.stderrKept = (this.stderrKept + line + '\n').slice(-STDERR_TAIL);
    }
  }

  /** The end of what bpftrace said on stderr, minus known harmless warnings. */
  stderrTail(): string {
    return this.stderrKept.trim();
  }

  counters(): PreciseCounters {
    this.counts.droppedBytes = this.ledger.counters.droppedBytes;
    this.counts.mapOverflows = this.ledger.counters.overflows;
    this.counts.anomalies = this.ledger.counters.anomalies;
    this.counts.identityEvictions = this.registry.evictions;
    return { ...this.counts };
  }

  /** Rows since the previous drain, each with its process identified. */
  drain(): PreciseRow[] {
    const out: PreciseRow[] = [];
    const memo = new Map<string, ReturnType<ProcessRegistry['resolve']>>();
    for (const row of this.pending.values()) {
      const pk = `${row.pid}:${row.startNs}`;
      let who = memo.get(pk);
      if (!who) {
        who = this.registry.resolve(row.pid, row.startNs);
        memo.set(pk, who);
      }
      out.push({
        pid: row.pid,
        process: who.info,
        proto: row.proto,
        family: row.family,
        local: row.local,
        lport: row.lport,
        remote: row.remote,
        rport: row.rport,
        bytesOut: row.bytesOut,
        bytesIn: row.bytesIn,
        identity: who.source,
        startNs: row.startNs,
      });
    }
    this.pending.clear();
    this.looked.clear();
    this.registry.prune();
    return out;
  }

  private record(r: PreciseRecord): void {
    switch (r.kind) {
      case 'begin':
        this.onBegin?.();
        return;
      case 'tick':
        this.ledger.tick(r.old);
        return;
      case 'tickEnd':
        this.ledger.tickEnd();
        this.counts.ticks++;
        this.counts.lastTickAt = this.now();
        return;
      case 'end':
        this.ledger.end(r.live);
        return;
      case 'endDone':
        this.ledger.endDone();
        return;
      case 'exec': {
        const { kind: _kind, ...ev } = r;
        this.registry.onExec(ev);
        return;
      }
      case 'fileChunk':
        this.registry.onFileChunk(r.pid, r.startNs, r.index, r.chunk);
        return;
      case 'exit': {
        const { kind: _kind, ...ev } = r;
        this.registry.onExit(ev);
        return;
      }
    }
  }

  private decode(key: string): FlowKey | null {
    let k = this.decoded.get(key);
    if (k === undefined) {
      if (this.decoded.size > 100_000) this.decoded.clear();
      k = decodeFlowKey(key);
      this.decoded.set(key, k);
    }
    return k;
  }

  private add(key: string, bytes: number): void {
    const k = this.decode(key);
    if (!k) {
      this.counts.parseErrors++;
      return;
    }
    const id = flowId(k);
    let row = this.pending.get(id);
    if (!row) {
      if (this.pending.size >= this.maxPendingRows) {
        this.counts.droppedRows++;
        return;
      }
      row = { pid: k.pid, startNs: k.startNs, proto: k.proto, family: k.family, local: k.local, lport: k.lport, remote: k.remote, rport: k.rport, bytesOut: 0, bytesIn: 0 };
      this.pending.set(id, row);
      // Read /proc while the process most likely still runs; the answer is cached for drain().
      const pk = `${k.pid}:${k.startNs}`;
      if (!this.looked.has(pk)) {
        this.looked.add(pk);
        this.registry.resolve(k.pid, k.startNs);
      }
    }
    if (k.dir === 'out') row.bytesOut += bytes;
    else row.bytesIn += bytes;
  }
}

/** All counters at zero (a reader that has not seen any output yet). */
export function emptyCounters(): PreciseCounters {
  return { lostEvents: 0, droppedBytes: 0, mapOverflows: 0, droppedRows: 0, parseErrors: 0, anomalies: 0, ticks: 0, lastTickAt: null, identityEvictions: 0 };
}
