import type { Collector, CollectorCapabilities, Snapshot } from '../engine/ports';
import { createPreciseSource, probePrecise, type PreciseSource } from './precise';

// Precise mode on top of the socket-table collector: the socket table still gives states, owners and
// the flows to show; kernel tracepoints give the bytes, for every process, including those that live
// between two polls. Polling starts at once (the tracer takes seconds to compile); precise mode joins
// when its tracer is attached, and when it cannot start or dies, polling carries on and the status
// says why.

export interface WithPreciseOptions {
  polling: Collector;
  /** Injectable for tests. */
  probe?: typeof probePrecise;
  source?: () => PreciseSource;
  log?: (message: string) => void;
}

export function withPreciseMode(o: WithPreciseOptions): Collector {
  const probe = o.probe ?? probePrecise;
  const makeSource = o.source ?? (() => createPreciseSource());
  let base: CollectorCapabilities | null = null;
  let source: PreciseSource | null = null;
  let starting: Promise<void> | null = null;
  let stopped = false;
  /** Mode and notes to report with the next snapshot, when they changed. */
  let pending: { mode: 'precise' | 'polling'; notes: string[] } | null = null;

  const notesWith = (extra: string[]): string[] => [...(base?.notes ?? []), ...extra];

  async function bringUp(): Promise<void> {
    // No trial attach: starting the real source right after is the trial.
    const p = await probe({ trial: false });
    if (!p.available) {
      pending = { mode: 'polling', notes: notesWith([`precise mode unavailable: ${p.reasons.join('; ')}${p.fixes.length ? ` (fix: ${p.fixes.join('; ')})` : ''}`]) };
      return;
    }
    const s = makeSource();
    try {
      await s.start();
    } catch (err) {
      pending = { mode: 'polling', notes: notesWith([`precise mode failed to start: ${String((err as Error).message).split('\n')[0]}`]) };
      return;
    }
    if (stopped) {
      await s.stop();
      return;
    }
    source = s;
    s.onExit((e) => {
      if (e.expected) return;
      o.log?.(`precise mode stopped (bpftrace exited ${e.code ?? e.signal}); counting by polling`);
    });
    pending = {
      mode: 'precise',
      notes: [...(base?.notes ?? []).filter((n) => !/UDP byte counts are unknown/.test(n)), ...p.notes, 'precise mode: bytes per process from kernel tracepoints'],
    };
  }

  return {
    async start() {
      base = await o.polling.start();
      // start() is called again when polling could not start; the tracer is brought up only once.
      if (starting) return base;
      starting = bringUp().catch((err: unknown) => {
        pending = { mode: 'polling', notes: notesWith([`precise mode failed: ${String(err)}`]) };
      });
      return { ...base, notes: [...base.notes, 'precise mode starting (compiling the kernel tracer)'] };
    },
    async snapshot(): Promise<Snapshot> {
      const snap = await o.polling.snapshot();
      if (source && !source.alive) {
        source = null;
        pending = { mode: 'polling', notes: notesWith(['precise mode stopped: its tracer exited; counting by polling']) };
      }
      const change = pending;
      pending = null;
      const withMode = change ? { ...snap, mode: change.mode, notes: change.notes } : snap;
      if (!source) return withMode;
      return { ...withMode, precise: source.drain(), dropped: snap.dropped + source.dropped };
    },
    async stop() {
      stopped = true;
      await starting;
      const s = source;
      source = null;
      await Promise.all([s?.stop(), o.polling.stop()]);
    },
  };
}
