// Turns the prints of the rotating kernel maps into byte deltas, exactly once each.
// Each generation is printed right after it is retired, and again one interval later before its clear
// when a writer raced the flip; every print reports `value - already reported` per key. When a
// generation is final, the rows must add up to the fixed-key totals the kernel kept beside them: any
// shortfall is bytes a full map refused, reported as dropped.
import { GENERATIONS } from './program';

export type Dir = 'out' | 'in';

export interface LedgerCounters {
  /** Bytes the kernel counted in its totals but could not key (map full). */
  droppedBytes: number;
  /** Generations that lost bytes that way. */
  overflows: number;
  /** Prints that went backwards (a map cleared behind our back); reported as new bytes. */
  anomalies: number;
}

interface Generation {
  emitted: Map<string, number>;
  sums: { out: number; in: number };
  totals: { out: number; in: number } | null;
}

function fresh(): Generation {
  return { emitted: new Map(), sums: { out: 0, in: 0 }, totals: null };
}

const T_MAP = /^@t(\d)$/;
const N_MAP = /^@n(\d)$/;

export class GenerationLedger {
  private readonly gens: Generation[] = Array.from({ length: GENERATIONS }, fresh);
  private finalizing: number[] = [];
  private live: number | null = null;
  readonly counters: LedgerCounters = { droppedBytes: 0, overflows: 0, anomalies: 0 };

  constructor(
    private readonly emit: (key: string, bytes: number) => void,
    private readonly dirOf: (key: string) => Dir | null,
  ) {}

  /** `T`: generation `old` was just retired; the one retired before it is final in this tick. */
  tick(old: number): void {
    if (old >= GENERATIONS) return;
    this.finalizing = [(old + GENERATIONS - 1) % GENERATIONS];
  }

  tickEnd(): void {
    for (const g of this.finalizing) this.finalize(g, true);
    this.finalizing = [];
  }

  /** `Z`: END prints everything; generation `live` still had writers, so its totals prove nothing. */
  end(live: number): void {
    this.finalizing = Array.from({ length: GENERATIONS }, (_, g) => g);
    this.live = live;
  }

  endDone(): void {
    for (const g of this.finalizing) this.finalize(g, g !== this.live);
    this.finalizing = [];
    this.live = null;
  }

  /** Returns false for maps that are not ours (the caller ignores them). */
  map(name: string, entries: Array<[string, number]>): boolean {
    const t = T_MAP.exec(name);
    if (t) {
      const g = this.gens[Number(t[1])];
      if (!g) return false;
      for (const [key, value] of entries) this.report(g, key, value);
      return true;
    }
    const n = N_MAP.exec(name);
    if (n) {
      const g = this.gens[Number(n[1])];
      if (!g) return false;
      const totals = { out: 0, in: 0 };
      for (const [key, value] of entries) {
        if (key === '1') totals.out = value;
        else if (key === '2') totals.in = value;
      }
      g.totals = totals;
      return true;
    }
    return false;
  }

  private report(g: Generation, key: string, value: number): void {
    const before = g.emitted.get(key) ?? 0;
    let delta = value - before;
    if (delta < 0) {
      this.counters.anomalies++;
      delta = value;
    }
    g.emitted.set(key, value);
    if (delta === 0) return;
    const dir = this.dirOf(key);
    if (dir !== null) g.sums[dir] += delta;
    this.emit(key, delta);
  }

  private finalize(index: number, check: boolean): void {
    const g = this.gens[index]!;
    if (check && g.totals) {
      const missing = Math.max(0, g.totals.out - g.sums.out) + Math.max(0, g.totals.in - g.sums.in);
      if (missing > 0) {
        this.counters.droppedBytes += missing;
        this.counters.overflows++;
      }
    }
    this.gens[index] = fresh();
  }
}
