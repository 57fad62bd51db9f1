import { create } from 'zustand';
import type { Alert } from '../../../electron/shared/types';
import { toApiError } from '../api/client';
import { api } from '../api/current';
import { useSettingsStore } from './settings';

export interface AlertsState {
  alerts: Alert[];
  unseenOnly: boolean;
  loading: boolean;
  loaded: boolean;
  error: string | null;

  load(): Promise<void>;
  setUnseenOnly(v: boolean): Promise<void>;
  pushAlert(alert: Alert): void;
  markSeen(ids: number[]): Promise<void>;
  markAllSeen(): Promise<void>;
  mute(appId: number, muted: boolean): Promise<void>;
}

export const useAlertsStore = create<AlertsState>()((set, get) => ({
  alerts: [],
  unseenOnly: false,
  loading: false,
  loaded: false,
  error: null,

  async load() {
    set({ loading: true });
    try {
      const input = get().unseenOnly ? { unseenOnly: true } : {};
      const alerts = await api()['alerts.list'](input);
      set({ alerts: [...alerts].sort((a, b) => b.at - a.at), loading: false, loaded: true, error: null });
    } catch (err) {
      set({ loading: false, error: toApiError(err).message });
    }
  },

  async setUnseenOnly(unseenOnly) {
    set({ unseenOnly });
    await get().load();
  },

  pushAlert(alert) {
    // Coalesced alerts come again with the same id and a higher count: replace, then keep newest first.
    const rest = get().alerts.filter((a) => a.id !== alert.id);
    set({ alerts: [alert, ...rest].sort((a, b) => b.at - a.at) });
  },

  async markSeen(ids) {
    if (ids.length === 0) return;
    try {
      await api()['alerts.markSeen']({ ids });
      const set_ = new Set(ids);
      set({ alerts: get().alerts.map((a) => (set_.has(a.id) ? { ...a, seen: true } : a)), error: null });
    } catch (err) {
      set({ error: toApiError(err).message });
    }
  },

  async markAllSeen() {
    try {
      await api()['alerts.markSeen']({ all: true });
      set({ alerts: get().alerts.map((a) => (a.seen ? a : { ...a, seen: true })), error: null });
    } catch (err) {
      set({ error: toApiError(err).message });
    }
  },

  async mute(appId, muted) {
    try {
      const settings = await api()['alerts.mute']({ appId, muted });
      useSettingsStore.getState().setSettings(settings);
      set({ error: null });
    } catch (err) {
      set({ error: toApiError(err).message });
    }
  },
}));

export const unseenCount = (alerts: readonly Alert[]): number => alerts.reduce((n, a) => n + (a.seen ? 0 : 1), 0);
