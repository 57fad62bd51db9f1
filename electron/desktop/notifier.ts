// The engine's Notifier for the desktop: native notifications through Electron, click → open the
// window at the alert. Flood control (learning period, mute, quiet hours, per-minute cap) is the
// engine's; here an alert is shown only when the engine marked it `notified`, once per (id, count).
import type { Alert } from '../shared/types';
import type { Notifier } from '../engine/ports';
import { routes, type HashRoute } from './app-origin';
import type { LogFn, NativeImageLike, NotificationCtor, NotificationLike } from './electron-shape';

const MAX_TITLE = 120;
const MAX_BODY = 250;
/** Notifications kept referenced until clicked or closed, so their click handler survives GC. */
const MAX_LIVE = 20;
const MAX_SEEN_KEYS = 500;

export interface ElectronNotifierDeps {
  Notification: NotificationCtor;
  platform: NodeJS.Platform;
  icon?: NativeImageLike;
  onActivate(route: HashRoute): void;
  log: LogFn;
}

/** Text from the network (hostnames, app names) is shown as text: control characters go, and on Linux,
 * where notification servers render a markup subset in the body, markup characters are escaped. */
export function notificationText(value: string, max: number, escapeMarkup: boolean): string {
  // eslint-disable-next-line no-control-regex
  let text = value.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  if (escapeMarkup) text = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return text;
}

export interface ElectronNotifier extends Notifier {
  /** Notifications currently referenced (shown, not yet clicked or closed). */
  readonly live: number;
  dispose(): void;
}

export function createElectronNotifier(deps: ElectronNotifierDeps): ElectronNotifier {
  const live = new Set<NotificationLike>();
  const seen = new Set<string>();
  let supported: boolean | null = null;

  const forget = (n: NotificationLike): void => {
    live.delete(n);
  };

  return {
    get live() {
      return live.size;
    },
    notify(alert: Alert): void {
      if (!alert.notified) return;
      const key = `${alert.id}:${alert.count}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (seen.size > MAX_SEEN_KEYS) seen.delete(seen.values().next().value as string);
      if (supported === null) supported = deps.Notification.isSupported();
      if (!supported) return;
      const linux = deps.platform === 'linux';
      const title = notificationText(alert.count > 1 ? `${alert.title} (×${alert.count})` : alert.title, MAX_TITLE, false);
      const body = notificationText(alert.detail, MAX_BODY, linux);
      const n = new deps.Notification({ title, body, ...(deps.icon ? { icon: deps.icon } : {}) });
      const route = routes.alert(alert.id);
      n.on('click', () => {
        forget(n);
        deps.onActivate(route);
      });
      n.on('close', () => forget(n));
      n.on('failed', () => {
        forget(n);
        deps.log('warn', `notification for alert ${alert.id} failed to show`);
      });
      live.add(n);
      if (live.size > MAX_LIVE) live.delete(live.values().next().value as NotificationLike);
      n.show();
    },
    dispose(): void {
      for (const n of live) n.close();
      live.clear();
    },
  };
}
