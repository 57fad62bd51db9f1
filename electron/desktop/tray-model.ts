// What the tray shows, derived from engine events: a pure reducer plus the icon state, tooltip and
// menu description. The Electron adapter (tray.ts) only renders it.
import type { EngineEvent } from '../shared/contract';
import type { Alert, EnforcementState, Rule } from '../shared/types';

export type TrayIconState = 'normal' | 'alert' | 'not-enforcing';
export const TRAY_ICON_STATES: readonly TrayIconState[] = ['normal', 'alert', 'not-enforcing'];

export interface TrayAlertItem {
  id: number;
  title: string;
  at: number;
  seen: boolean;
}

export interface TrayModel {
  enforcement: EnforcementState | null;
  enforcementReason: string | null;
  /** Enabled block/allow rules the user expects the firewall to hold. */
  activeRules: number;
  unseen: number;
  recent: TrayAlertItem[];
  /** Attributed upload rate, bytes per second; null until the first live snapshot. */
  rateOut: number | null;
  paused: boolean;
}

export const RECENT_ALERTS = 5;

export const initialTrayModel: TrayModel = {
  enforcement: null,
  enforcementReason: null,
  activeRules: 0,
  unseen: 0,
  recent: [],
  rateOut: null,
  paused: false,
};

function toItem(a: Alert): TrayAlertItem {
  return { id: a.id, title: a.title, at: a.at, seen: a.seen };
}

function mergeRecent(recent: TrayAlertItem[], item: TrayAlertItem): TrayAlertItem[] {
  return [item, ...recent.filter((r) => r.id !== item.id)].sort((a, b) => b.at - a.at || b.id - a.id).slice(0, RECENT_ALERTS);
}

export function countActiveRules(rules: Rule[]): number {
  return rules.filter((r) => r.enabled).length;
}

export function reduceTray(model: TrayModel, event: EngineEvent): TrayModel {
  switch (event.type) {
    case 'live': {
      const rateOut = event.data.apps.reduce((sum, app) => sum + (Number.isFinite(app.rateOut) ? app.rateOut : 0), 0);
      return { ...model, rateOut, paused: event.data.paused };
    }
    case 'status':
      return {
        ...model,
        enforcement: event.data.firewall.state,
        enforcementReason: event.data.firewall.reason,
        paused: event.data.collector.paused,
      };
    case 'rules':
      return { ...model, activeRules: countActiveRules(event.data) };
    case 'alert': {
      const known = model.recent.find((r) => r.id === event.data.id);
      const unseen = !event.data.seen && !(known && !known.seen) ? model.unseen + 1 : model.unseen;
      return { ...model, unseen, recent: mergeRecent(model.recent, toItem(event.data)) };
    }
    case 'settings':
      return model;
  }
}

/** Replace the alert part of the model with a fresh read from the store (marking seen has no event). */
export function withAlerts(model: TrayModel, unseenCount: number, recent: Alert[]): TrayModel {
  const items = recent.map(toItem).sort((a, b) => b.at - a.at || b.id - a.id).slice(0, RECENT_ALERTS);
  return { ...model, unseen: unseenCount, recent: items };
}

/** Not enforcing wins over alerts: a rule the user relies on that is not applied matters most. */
export function trayIconState(model: TrayModel): TrayIconState {
  if (model.activeRules > 0 && model.enforcement !== null && model.enforcement !== 'enforcing') return 'not-enforcing';
  if (model.unseen > 0) return 'alert';
  return 'normal';
}

const UNITS = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];

/** SI units, three significant digits: "0 B/s", "950 B/s", "12.3 kB/s", "1.05 MB/s". */
export function formatRate(bytesPerSecond: number): string {
  let v = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 0;
  let unit = 0;
  while (v >= 999.5 && unit < UNITS.length - 1) {
    v /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2;
  return `${v.toFixed(digits)} ${UNITS[unit]}`;
}

/** Short text next to the icon (macOS menu bar). */
export function trayTitle(model: TrayModel): string {
  if (model.paused) return 'paused';
  return model.rateOut === null ? '' : `↑ ${formatRate(model.rateOut)}`;
}

export function trayTooltip(model: TrayModel): string {
  const lines = [model.paused ? 'Outflow — monitoring paused' : model.rateOut === null ? 'Outflow' : `Outflow — ↑ ${formatRate(model.rateOut)}`];
  if (trayIconState(model) === 'not-enforcing') {
    lines.push(`Firewall not enforcing${model.enforcementReason ? `: ${model.enforcementReason}` : ''}`);
  }
  if (model.unseen > 0) lines.push(`${model.unseen >= 100 ? '99+' : model.unseen} unseen alert${model.unseen === 1 ? '' : 's'}`);
  // Windows truncates tooltips at 127 characters.
  const text = lines.join('\n');
  return text.length > 127 ? `${text.slice(0, 126)}…` : text;
}

export type TrayMenuEntry =
  | { kind: 'open' }
  | { kind: 'pause'; paused: boolean }
  | { kind: 'alerts'; unseen: number; items: TrayAlertItem[] }
  | { kind: 'separator' }
  | { kind: 'quit' };

export function trayMenu(model: TrayModel): TrayMenuEntry[] {
  return [
    { kind: 'open' },
    { kind: 'separator' },
    { kind: 'pause', paused: model.paused },
    { kind: 'alerts', unseen: model.unseen, items: model.recent },
    { kind: 'separator' },
    { kind: 'quit' },
  ];
}
