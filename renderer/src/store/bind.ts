import type { EngineEvent } from '../../../electron/shared/contract';
import type { OutflowClient } from '../api/client';
import { api, setClient } from '../api/current';
import { useAlertsStore } from './alerts';
import { useEngineStore } from './engine';
import { useLiveStore } from './live';
import { useRulesStore } from './rules';
import { useSettingsStore } from './settings';

export function dispatchEvent(event: EngineEvent): void {
  switch (event.type) {
    case 'live':
      useLiveStore.getState().applySnapshot(event.data);
      break;
    case 'status':
      useEngineStore.getState().setStatus(event.data);
      break;
    case 'alert':
      useAlertsStore.getState().pushAlert(event.data);
      break;
    case 'rules':
      useRulesStore.getState().setRules(event.data);
      break;
    case 'settings':
      useSettingsStore.getState().setSettings(event.data);
      break;
  }
}

/** What every view needs right after (re)connecting; views load their own larger data on open. */
export async function refreshCore(): Promise<void> {
  await Promise.all([
    useEngineStore.getState().refreshStatus(),
    useEngineStore.getState().refreshOverview(),
    useRulesStore.getState().load(),
    useSettingsStore.getState().load(),
    useAlertsStore.getState().load(),
    (async () => {
      try {
        useLiveStore.getState().applySnapshot(await api()['live.snapshot']({}));
      } catch {
        // The next 'live' event fills it; the connection banner already tells the user.
      }
    })(),
  ]);
}

/** Make `client` the active one: route its events into the slices and refresh after each reconnect. */
export function bindClient(client: OutflowClient): () => void {
  setClient(client);
  const offEvents = client.subscribe(dispatchEvent);
  const offConn = client.onConnection((state) => {
    const prev = useEngineStore.getState().connection.status;
    useEngineStore.getState().setConnection(state);
    if (state.status === 'open' && prev !== 'open') void refreshCore();
  });
  return () => {
    offEvents();
    offConn();
    setClient(null);
  };
}
