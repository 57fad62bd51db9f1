import { create } from 'zustand';
import type { LiveFlow, LiveSnapshot } from '../../../electron/shared/types';
import { api } from '../api/current';
import { toApiError } from '../api/client';
import { deriveApps, type ViewApp } from './live-derive';
import { defaultDir, orderApps, orderFlows, sameOrder, type OrderMode, type SortKey, type SortSpec } from './live-order';

export interface LiveState {
  snapshot: LiveSnapshot | null;
  /** Derived once per snapshot (loopback filter applied), keyed for the rows. */
  apps: Map<string, ViewApp>;
  order: string[];
  flowOrder: Map<string, string[]>;
  /** Each app's flows in display order (same order as flowOrder), so rendering does no lookups. */
  sortedFlows: Map<string, LiveFlow[]>;
  /** When the order last re-settled on its own; it does so at most every SETTLE_EVERY_MS. */
  settledAt: number;
  sort: SortSpec;
  filter: string;
  showLoopback: boolean;
  expanded: ReadonlySet<string>;
  /** True while the user is reading the list (pointer or focus inside): rows do not move. */
  hold: boolean;
  /** The held order differs from the sorted one; the view offers "Re-sort". */
  orderStale: boolean;
  pausing: boolean;
  error: string | null;
  /** Wall-clock ms spent deriving the last snapshot, for the performance budget. */
  lastApplyMs: number;
  /** performance.now() when the last snapshot arrived; the view measures arrival → committed DOM. */
  applyStartedAt: number | null;

  applySnapshot(snapshot: LiveSnapshot): void;
  setSort(key: SortKey): void;
  resort(): void;
  setFilter(filter: string): void;
  setShowLoopback(show: boolean): void;
  toggleExpanded(key: string): void;
  setExpanded(key: string, expanded: boolean): void;
  setHold(hold: boolean): void;
  setPaused(paused: boolean): Promise<void>;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** User Timing entry for the derive/sort step, read by the performance script; capped in size. */
export const LIVE_DERIVE_MEASURE = 'outflow:live-derive';
function markDerive(start: number, end: number): void {
  if (typeof performance === 'undefined' || typeof performance.measure !== 'function') return;
  try {
    performance.measure(LIVE_DERIVE_MEASURE, { start, end });
    if (performance.getEntriesByName(LIVE_DERIVE_MEASURE).length > 500) performance.clearMeasures(LIVE_DERIVE_MEASURE);
  } catch {
    // Optional instrumentation.
  }
}

type Ordered = Pick<LiveState, 'apps' | 'order' | 'flowOrder' | 'sortedFlows' | 'orderStale'>;

/**
 * Rows re-sort on their own at most this often (and never while the user reads): a table that
 * reshuffles every second cannot be read, and unchanged rows are also cheaper to render.
 */
export const SETTLE_EVERY_MS = 3000;

function computeOrder(
  snapshot: LiveSnapshot,
  showLoopback: boolean,
  sort: SortSpec,
  prevOrder: readonly string[] | undefined,
  prevFlowOrder: ReadonlyMap<string, string[]> | undefined,
  mode: OrderMode,
  holdByUser = false,
): Ordered {
  const list = deriveApps(snapshot, showLoopback);
  const apps = new Map<string, ViewApp>();
  for (const a of list) apps.set(a.key, a);
  const order = orderApps(list, sort, prevOrder, mode);
  const flowOrder = new Map<string, string[]>();
  const sortedFlows = new Map<string, LiveFlow[]>();
  for (const a of list) {
    const keys = orderFlows(a.flows, sort, prevFlowOrder?.get(a.key), mode);
    flowOrder.set(a.key, keys);
    const byKey = new Map<string, LiveFlow>();
    for (const f of a.flows) byKey.set(f.key, f);
    sortedFlows.set(
      a.key,
      keys.map((k) => byKey.get(k)!),
    );
  }
  const orderStale = mode === 'hold' && holdByUser && !sameOrder(order, orderApps(list, sort, undefined, 'strict'));
  return { apps, order, flowOrder, sortedFlows, orderStale };
}

export const useLiveStore = create<LiveState>()((set, get) => ({
  snapshot: null,
  apps: new Map(),
  order: [],
  flowOrder: new Map(),
  sortedFlows: new Map(),
  settledAt: 0,
  sort: { key: 'rate', dir: 'desc' },
  filter: '',
  showLoopback: false,
  expanded: new Set(),
  hold: false,
  orderStale: false,
  pausing: false,
  error: null,
  lastApplyMs: 0,
  applyStartedAt: null,

  applySnapshot(snapshot) {
    const s = get();
    // Events can arrive out of order across a reconnect; an older snapshot never replaces a newer one.
    if (s.snapshot && snapshot.seq < s.snapshot.seq && snapshot.at <= s.snapshot.at) return;
    const t0 = now();
    const settleDue = snapshot.at - s.settledAt >= SETTLE_EVERY_MS || snapshot.at < s.settledAt;
    const mode: OrderMode = s.snapshot === null ? 'strict' : s.hold || !settleDue ? 'hold' : 'settle';
    const ordered = computeOrder(snapshot, s.showLoopback, s.sort, s.order, s.flowOrder, mode, s.hold);
    const settledAt = mode === 'hold' ? s.settledAt : snapshot.at;
    // One store update per snapshot: the whole view re-renders once per tick.
    const t1 = now();
    markDerive(t0, t1);
    set({ snapshot, ...ordered, settledAt, error: null, lastApplyMs: t1 - t0, applyStartedAt: t0 });
  },

  setSort(key) {
    const s = get();
    const sort: SortSpec = s.sort.key === key ? { key, dir: s.sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: defaultDir(key) };
    if (!s.snapshot) return set({ sort });
    set({ sort, ...computeOrder(s.snapshot, s.showLoopback, sort, undefined, undefined, 'strict'), settledAt: s.snapshot.at });
  },

  resort() {
    const s = get();
    if (!s.snapshot) return;
    set({ ...computeOrder(s.snapshot, s.showLoopback, s.sort, undefined, undefined, 'strict'), settledAt: s.snapshot.at });
  },

  setFilter(filter) {
    set({ filter });
  },

  setShowLoopback(showLoopback) {
    const s = get();
    if (!s.snapshot) return set({ showLoopback });
    set({ showLoopback, ...computeOrder(s.snapshot, showLoopback, s.sort, s.order, s.flowOrder, 'settle') });
  },

  toggleExpanded(key) {
    get().setExpanded(key, !get().expanded.has(key));
  },

  setExpanded(key, expanded) {
    const cur = get().expanded;
    if (cur.has(key) === expanded) return;
    const next = new Set(cur);
    if (expanded) next.add(key);
    else next.delete(key);
    set({ expanded: next });
  },

  setHold(hold) {
    if (get().hold !== hold) set({ hold });
  },

  async setPaused(paused) {
    set({ pausing: true });
    try {
      const res = await api()['live.setPaused']({ paused });
      const snap = get().snapshot;
      set({ pausing: false, error: null, snapshot: snap ? { ...snap, paused: res.paused } : snap });
    } catch (err) {
      set({ pausing: false, error: toApiError(err).message });
    }
  },
}));
