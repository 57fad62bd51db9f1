import { create } from 'zustand';
import { settingsPatchSchema, type Settings, type SettingsPatch } from '../../../electron/shared/settings';
import { toApiError } from '../api/client';
import { api } from '../api/current';

export interface SettingsState {
  settings: Settings | null;
  loading: boolean;
  saving: boolean;
  error: string | null;
  /** Field-level problems from validation (client-side first, then the engine's), keyed by dotted path. */
  issues: Record<string, string>;
  savedAt: number | null;

  load(): Promise<void>;
  setSettings(settings: Settings): void;
  save(patch: SettingsPatch): Promise<boolean>;
}

export const useSettingsStore = create<SettingsState>()((set) => ({
  settings: null,
  loading: false,
  saving: false,
  error: null,
  issues: {},
  savedAt: null,

  async load() {
    set({ loading: true });
    try {
      set({ settings: await api()['settings.get']({}), loading: false, error: null });
    } catch (err) {
      set({ loading: false, error: toApiError(err).message });
    }
  },

  setSettings(settings) {
    set({ settings });
  },

  async save(patch) {
    // The same schema the engine applies: a bad value never leaves the page.
    const checked = settingsPatchSchema.safeParse(patch);
    if (!checked.success) {
      const issues: SettingsState['issues'] = {};
      for (const i of checked.error.issues) {
        const key = i.path.map(String).join('.');
        if (!issues[key]) issues[key] = i.message;
      }
      set({ issues, error: 'Some values are not valid; nothing was saved.' });
      return false;
    }
    set({ saving: true, issues: {}, error: null });
    try {
      // Send the caller's patch, not the parsed output: zod's partial() still fills in defaults,
      // and a parsed patch would carry every default value along with the change.
      const settings = await api()['settings.set'](patch);
      set({ settings, saving: false, savedAt: Date.now() });
      return true;
    } catch (err) {
      const e = toApiError(err);
      const issues: SettingsState['issues'] = {};
      for (const i of e.issues ?? []) {
        if (i.path && !issues[i.path]) issues[i.path] = i.message;
      }
      set({ saving: false, error: e.message, issues });
      return false;
    }
  },
}));
