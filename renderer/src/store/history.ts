import { create } from 'zustand';
import type { HistoryQuery } from '../../../electron/shared/contract';
import type { FlowRecord, HistoryTotals } from '../../../electron/shared/types';
import { toApiError } from '../api/client';
import { api } from '../api/current';
import { parseSearch } from './history-search';
import { presetInfo, type RangePreset } from './ranges';

export const HISTORY_PAGE = 1000;

export interface HistoryState {
  preset: RangePreset | 'custom';
  customSince: number | null;
  customUntil: number | null;
  text: string;
  includeLoopback: boolean;
  rows: FlowRecord[];
  totals: HistoryTotals | null;
  /** Where individual connections start (older ones were deleted by retention); null: all held. */
  detailFrom: number | null;
  loading: boolean;
  loaded: boolean;
  error: string | null;
  problems: string[];
  /** The query that produced `rows`, so "load more" continues the same search. */
  lastQuery: HistoryQuery | null;
  seq: number;

  setPreset(preset: RangePreset): void;
  setCustom(since: number | null, until: number | null): void;
  setText(text: string): void;
  setIncludeLoopback(v: boolean): void;
  run(): Promise<void>;
  loadMore(): Promise<void>;
}

export function rangeOf(s: Pick<HistoryState, 'preset' | 'customSince' | 'customUntil'>, now: number): { since?: number; until?: number } {
  if (s.preset === 'custom') {
    const r: { since?: number; until?: number } = {};
    if (s.customSince !== null) r.since = s.customSince;
    if (s.customUntil !== null) r.until = s.customUntil;
    return r;
  }
  return { since: now - presetInfo(s.preset).ms };
}

export const useHistoryStore = create<HistoryState>()((set, get) => ({
  preset: '24h',
  customSince: null,
  customUntil: null,
  text: '',
  includeLoopback: false,
  rows: [],
  totals: null,
  detailFrom: null,
  loading: false,
  loaded: false,
  error: null,
  problems: [],
  lastQuery: null,
  seq: 0,

  setPreset(preset) {
    set({ preset });
  },
  setCustom(customSince, customUntil) {
    set({ preset: 'custom', customSince, customUntil });
  },
  setText(text) {
    set({ text });
  },
  setIncludeLoopback(includeLoopback) {
    set({ includeLoopback });
  },

  async run() {
    const s = get();
    const { fields, problems } = parseSearch(s.text);
    const query: HistoryQuery = { ...rangeOf(s, Date.now()), ...fields, includeLoopback: s.includeLoopback, limit: HISTORY_PAGE, offset: 0 };
    const seq = s.seq + 1;
    set({ loading: true, problems, seq });
    try {
      const page = await api()['history.query'](query);
      if (get().seq !== seq) return;
      set({ rows: page.rows, totals: page.totals, detailFrom: page.detailFrom ?? null, loading: false, loaded: true, error: null, lastQuery: query });
    } catch (err) {
      if (get().seq === seq) set({ loading: false, error: toApiError(err).message });
    }
  },

  async loadMore() {
    const s = get();
    if (!s.lastQuery || s.loading) return;
    const query: HistoryQuery = { ...s.lastQuery, offset: s.rows.length };
    const seq = s.seq + 1;
    set({ loading: true, seq });
    try {
      const page = await api()['history.query'](query);
      if (get().seq !== seq) return;
      set({ rows: get().rows.concat(page.rows), totals: page.totals, detailFrom: page.detailFrom ?? null, loading: false, error: null });
    } catch (err) {
      if (get().seq === seq) set({ loading: false, error: toApiError(err).message });
    }
  },
}));
