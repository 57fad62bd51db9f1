import { create } from 'zustand';
import type { AppSummary, DestinationSummary, Series } from '../../../electron/shared/types';
import { toApiError } from '../api/client';
import { api } from '../api/current';
import { baseName } from '../format/text';
import { presetInfo, type RangePreset } from './ranges';

export type AppsSortKey = 'lastSeen' | 'firstSeen' | 'name' | 'bytesOut' | 'cost';

export interface AppsState {
  apps: AppSummary[];
  loading: boolean;
  loaded: boolean;
  error: string | null;
  filter: string;
  sort: { key: AppsSortKey; dir: 'asc' | 'desc' };
  selectedId: number | null;
  chartRange: RangePreset;
  destinations: DestinationSummary[];
  series: Series | null;
  detailLoading: boolean;
  detailError: string | null;
  /** Guards against a slow reply for a previously selected app overwriting the current one. */
  detailSeq: number;

  load(): Promise<void>;
  setFilter(filter: string): void;
  setSort(key: AppsSortKey): void;
  select(id: number | null): Promise<void>;
  setChartRange(range: RangePreset): Promise<void>;
}

export const useAppsStore = create<AppsState>()((set, get) => ({
  apps: [],
  loading: false,
  loaded: false,
  error: null,
  filter: '',
  sort: { key: 'lastSeen', dir: 'desc' },
  selectedId: null,
  chartRange: '24h',
  destinations: [],
  series: null,
  detailLoading: false,
  detailError: null,
  detailSeq: 0,

  async load() {
    set({ loading: true });
    try {
      const apps = await api()['apps.list']({});
      set({ apps, loading: false, loaded: true, error: null });
      const { selectedId } = get();
      if (selectedId === null && apps.length > 0) {
        const latest = apps.reduce((a, b) => (b.lastSeen > a.lastSeen ? b : a));
        void get().select(latest.id);
      }
    } catch (err) {
      set({ loading: false, error: toApiError(err).message });
    }
  },

  setFilter(filter) {
    set({ filter });
  },

  setSort(key) {
    const cur = get().sort;
    set({ sort: cur.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'name' ? 'asc' : 'desc' } });
  },

  async select(id) {
    const seq = get().detailSeq + 1;
    set({ selectedId: id, detailSeq: seq, destinations: [], series: null, detailError: null, detailLoading: id !== null });
    if (id === null) return;
    const range = presetInfo(get().chartRange);
    const since = Date.now() - range.ms;
    try {
      const [destinations, series] = await Promise.all([
        api()['apps.destinations']({ appId: id, since, limit: 50 }),
        api()['apps.series']({ appId: id, since, bucket: range.bucket }),
      ]);
      if (get().detailSeq === seq) set({ destinations, series, detailLoading: false });
    } catch (err) {
      if (get().detailSeq === seq) set({ detailLoading: false, detailError: toApiError(err).message });
    }
  },

  async setChartRange(chartRange) {
    set({ chartRange });
    await get().select(get().selectedId);
  },
}));

/** Apps matching the filter, in the chosen order. */
export function visibleAppSummaries(apps: readonly AppSummary[], filter: string, sort: AppsState['sort']): AppSummary[] {
  const q = filter.trim().toLocaleLowerCase();
  // Whole paths only when the query looks like one, so "us" does not match every /usr/… app.
  const pathHit = (p: string): boolean => (q.includes('/') ? p.toLocaleLowerCase().includes(q) : baseName(p).toLocaleLowerCase().includes(q));
  const list = q ? apps.filter((a) => a.name.toLocaleLowerCase().includes(q) || pathHit(a.path)) : [...apps];
  const sign = sort.dir === 'asc' ? 1 : -1;
  list.sort((a, b) => {
    const c =
      sort.key === 'name'
        ? a.name.localeCompare(b.name)
        : sort.key === 'bytesOut'
          ? a.bytesOut - b.bytesOut
          : sort.key === 'cost'
            ? a.cost - b.cost
            : a[sort.key] - b[sort.key];
    return sign * c || a.id - b.id;
  });
  return list;
}
