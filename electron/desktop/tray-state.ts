// Keeps a TrayModel current: engine events through the reducer, plus reads of the alert list, because
// marking alerts seen (in the window) raises no event — so the list is re-read after each new alert
// (debounced), when the window is hidden or loses focus, and on a slow timer.
import type { EngineHandle } from '../engine/ports';
import type { LogFn } from './electron-shape';
import { countActiveRules, initialTrayModel, reduceTray, withAlerts, RECENT_ALERTS, type TrayModel } from './tray-model';

export interface TrayStateDeps {
  engine: Pick<EngineHandle, 'call' | 'subscribe'>;
  onChange(model: TrayModel): void;
  log: LogFn;
  debounceMs?: number;
  refreshMs?: number;
}

export interface TrayState {
  readonly model: TrayModel;
  /** Initial reads (status, rules, alerts) and event subscription. */
  start(): Promise<void>;
  /** Re-read unseen count and recent alerts soon (debounced). */
  refreshSoon(): void;
  refreshNow(): Promise<void>;
  dispose(): void;
}

/** Unseen alerts are counted up to this many; the tray shows "99+" beyond 99. */
const UNSEEN_CAP = 100;

export function createTrayState(deps: TrayStateDeps): TrayState {
  const debounceMs = deps.debounceMs ?? 1000;
  const refreshMs = deps.refreshMs ?? 30_000;
  let model = initialTrayModel;
  let unsubscribe: (() => void) | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let interval: NodeJS.Timeout | null = null;
  let disposed = false;

  const set = (next: TrayModel): void => {
    if (disposed || next === model) return;
    model = next;
    deps.onChange(model);
  };

  const refreshNow = async (): Promise<void> => {
    try {
      const [unseen, recent] = await Promise.all([
        deps.engine.call('alerts.list', { unseenOnly: true, limit: UNSEEN_CAP }),
        deps.engine.call('alerts.list', { limit: RECENT_ALERTS }),
      ]);
      set(withAlerts(model, unseen.length, recent));
    } catch (err) {
      deps.log('warn', `tray: reading alerts failed: ${String(err)}`);
    }
  };

  const refreshSoon = (): void => {
    if (disposed || debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      void refreshNow();
    }, debounceMs);
    debounce.unref?.();
  };

  return {
    get model() {
      return model;
    },
    async start() {
      unsubscribe = deps.engine.subscribe((event) => {
        set(reduceTray(model, event));
        if (event.type === 'alert') refreshSoon();
      });
      const [status, rules] = await Promise.all([
        deps.engine.call('status.get', {}).catch((err: unknown) => {
          deps.log('warn', `tray: status read failed: ${String(err)}`);
          return null;
        }),
        deps.engine.call('rules.list', {}).catch((err: unknown) => {
          deps.log('warn', `tray: rules read failed: ${String(err)}`);
          return null;
        }),
      ]);
      let next = model;
      if (status) next = reduceTray(next, { type: 'status', data: status });
      if (rules) next = { ...next, activeRules: countActiveRules(rules) };
      set(next);
      await refreshNow();
      if (!disposed) {
        interval = setInterval(() => void refreshNow(), refreshMs);
        interval.unref?.();
      }
    },
    refreshSoon,
    refreshNow,
    dispose() {
      disposed = true;
      unsubscribe?.();
      if (debounce) clearTimeout(debounce);
      if (interval) clearInterval(interval);
    },
  };
}
