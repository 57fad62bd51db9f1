import type { LiveFlow } from '../../../electron/shared/types';
import type { ViewApp } from './live-derive';

export type SortKey = 'rate' | 'bytes' | 'name';
export type SortDir = 'asc' | 'desc';
export interface SortSpec {
  key: SortKey;
  dir: SortDir;
}

/**
 * strict: fully sorted (the user asked to sort).
 * settle: sorted, but items whose values are close keep their previous relative order (hysteresis).
 * hold: the previous order is kept; only new items are placed (sorted) after the known ones.
 */
export type OrderMode = 'strict' | 'settle' | 'hold';

type Value = number | string | null;

export const defaultDir = (key: SortKey): SortDir => (key === 'name' ? 'asc' : 'desc');

export function appValue(a: ViewApp, key: SortKey): Value {
  switch (key) {
    case 'rate':
      return a.rateOut + a.rateIn;
    case 'bytes':
      return a.bytesOut + a.bytesIn;
    case 'name':
      return a.label.toLocaleLowerCase();
  }
}

const sumKnown = (a: number | null, b: number | null): number | null => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

export function flowValue(f: LiveFlow, key: SortKey): Value {
  switch (key) {
    case 'rate':
      return sumKnown(f.rateOut, f.rateIn);
    case 'bytes':
      return sumKnown(f.bytesOut, f.bytesIn);
    case 'name':
      return (f.host ?? f.remote).toLocaleLowerCase();
  }
}

/** Compare two values; unknown (null) always sorts last whatever the direction. */
export function compareValues(a: Value, b: Value, dir: SortDir): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return dir === 'asc' ? c : -c;
}

// Rates within 20% (or 2 KB/s) of each other count as equal for ordering, so rows do not swap on noise.
const RELATIVE_MARGIN = 0.2;
const ABSOLUTE_MARGIN = 2000;

export function near(a: Value, b: Value): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  const diff = Math.abs(a - b);
  return diff <= ABSOLUTE_MARGIN || diff <= RELATIVE_MARGIN * Math.max(Math.abs(a), Math.abs(b));
}

export function nextOrder<T>(
  items: readonly T[],
  keyOf: (t: T) => string,
  valueOf: (t: T) => Value,
  dir: SortDir,
  prev: readonly string[] | undefined,
  mode: OrderMode,
): string[] {
  const values = new Map<string, Value>();
  const byKey = new Map<string, T>();
  for (const it of items) {
    const k = keyOf(it);
    byKey.set(k, it);
    values.set(k, valueOf(it));
  }
  const cmp = (a: string, b: string): number => compareValues(values.get(a) ?? null, values.get(b) ?? null, dir) || (a < b ? -1 : a > b ? 1 : 0);
  if (mode === 'strict' || !prev) return [...byKey.keys()].sort(cmp);

  const known: string[] = [];
  const seen = new Set<string>();
  for (const k of prev) {
    if (byKey.has(k) && !seen.has(k)) {
      known.push(k);
      seen.add(k);
    }
  }
  const fresh = [...byKey.keys()].filter((k) => !seen.has(k)).sort(cmp);
  if (mode === 'hold') return known.concat(fresh);

  // Array#sort is stable, so "near" pairs (compare 0) keep their previous relative order.
  const start = known.concat(fresh);
  return start.sort((a, b) => {
    const va = values.get(a) ?? null;
    const vb = values.get(b) ?? null;
    return near(va, vb) ? 0 : compareValues(va, vb, dir);
  });
}

export function orderApps(apps: readonly ViewApp[], sort: SortSpec, prev: readonly string[] | undefined, mode: OrderMode): string[] {
  return nextOrder(apps, (a) => a.key, (a) => appValue(a, sort.key), sort.dir, prev, mode);
}

export function orderFlows(flows: readonly LiveFlow[], sort: SortSpec, prev: readonly string[] | undefined, mode: OrderMode): string[] {
  return nextOrder(flows, (f) => f.key, (f) => flowValue(f, sort.key), sort.dir, prev, mode);
}

export function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
