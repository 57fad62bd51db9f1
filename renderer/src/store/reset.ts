import { useAlertsStore } from './alerts';
import { useAppsStore } from './apps';
import { useEngineStore } from './engine';
import { useHistoryStore } from './history';
import { useLiveStore } from './live';
import { useRulesStore } from './rules';
import { useSettingsStore } from './settings';
import { useUiStore } from './ui';

const stores = [useEngineStore, useLiveStore, useAppsStore, useHistoryStore, useRulesStore, useAlertsStore, useSettingsStore, useUiStore];

/** Back to the initial state of every slice (tests call this between cases). */
export function resetStores(): void {
  for (const s of stores) (s as { setState(v: unknown, replace: true): void; getInitialState(): unknown }).setState(s.getInitialState(), true);
}
