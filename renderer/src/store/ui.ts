import { create } from 'zustand';
import type { LiveFlow } from '../../../electron/shared/types';

export type ViewName = 'live' | 'apps' | 'history' | 'rules' | 'alerts' | 'settings';
export type ThemeChoice = 'system' | 'light' | 'dark';

/** What the block dialog was opened for: a whole app, or one destination of an app. */
export interface BlockRequest {
  appName: string;
  appPath: string | null;
  attributed: boolean;
  flow: Pick<LiveFlow, 'remote' | 'rport' | 'proto' | 'host'> | null;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  /** One-click undo for the action the notice reports. */
  undo?: () => void;
}

export interface UiState {
  view: ViewName;
  theme: ThemeChoice;
  block: BlockRequest | null;
  notices: Notice[];
  setView(view: ViewName): void;
  setTheme(theme: ThemeChoice): void;
  openBlock(request: BlockRequest): void;
  closeBlock(): void;
  notify(notice: Omit<Notice, 'id'>): number;
  dismiss(id: number): void;
}

export const THEME_KEY = 'outflow.theme';

function storedTheme(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

let noticeSeq = 0;

export const useUiStore = create<UiState>()((set, get) => ({
  view: 'live',
  theme: storedTheme(),
  block: null,
  notices: [],
  setView(view) {
    set({ view });
  },
  setTheme(theme) {
    try {
      if (theme === 'system') globalThis.localStorage?.removeItem(THEME_KEY);
      else globalThis.localStorage?.setItem(THEME_KEY, theme);
    } catch {
      // Storage can be unavailable (privacy mode); the choice then lasts for this session.
    }
    set({ theme });
  },
  openBlock(block) {
    set({ block });
  },
  closeBlock() {
    set({ block: null });
  },
  notify(notice) {
    const id = ++noticeSeq;
    // Keep the last few; older ones are gone from view anyway.
    set({ notices: [...get().notices.slice(-3), { ...notice, id }] });
    return id;
  },
  dismiss(id) {
    set({ notices: get().notices.filter((n) => n.id !== id) });
  },
}));
