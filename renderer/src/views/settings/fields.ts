import type { Settings } from '../../../../electron/shared/settings';
import { fromFleetForm, isFleetForm, toFleetForm, type FleetForm } from './fleet-form';

export type FieldSpec =
  | { kind: 'number'; label: string; help: string; unit?: string; step?: number }
  | { kind: 'bool'; label: string; help: string }
  | { kind: 'currency'; label: string; help: string }
  | { kind: 'time'; label: string; help: string }
  | { kind: 'apps'; label: string; help: string }
  | { kind: 'fleet'; label: string; help: string };

export type GroupId = 'collection' | 'retention' | 'cost' | 'notifications' | 'quiet' | 'fleet' | 'app';

export const GROUPS: readonly { id: GroupId; title: string; fields: readonly (keyof Settings)[] }[] = [
  { id: 'collection', title: 'Collection', fields: ['pollMs', 'idlePollMs', 'includeLoopback'] },
  { id: 'retention', title: 'History & retention', fields: ['retentionDays', 'hourlyRetentionDays', 'dailyRetentionDays'] },
  { id: 'cost', title: 'Egress cost', fields: ['costPerGb', 'currency'] },
  {
    id: 'notifications',
    title: 'Notifications',
    fields: [
      'notifyNewApp',
      'notifyNewDestination',
      'notifySpike',
      'notifyBlocked',
      'notifyChangedBinary',
      'notifyEnforcementLost',
      'learningMinutes',
      'spikeMb',
      'spikeMinutes',
      'spikeFactor',
      'coalesceMinutes',
      'maxNotificationsPerMinute',
    ],
  },
  { id: 'quiet', title: 'Quiet hours & muted apps', fields: ['quietStart', 'quietEnd', 'mutedAppIds'] },
  { id: 'fleet', title: 'Fleet export', fields: ['fleet'] },
  { id: 'app', title: 'Application', fields: ['closeToTray', 'startAtLogin'] },
];

// A Record over every key: a setting added to the schema fails the type-check until it has a field here.
export const FIELDS: Record<keyof Settings, FieldSpec> = {
  pollMs: { kind: 'number', label: 'Poll interval while active', help: 'How often connections are read while traffic flows.', unit: 'ms', step: 250 },
  idlePollMs: { kind: 'number', label: 'Poll interval when idle', help: 'Slower polling when nothing has moved for a while saves CPU.', unit: 'ms', step: 250 },
  includeLoopback: { kind: 'bool', label: 'Record loopback traffic', help: 'Traffic to this computer itself (127.0.0.1, ::1). It never leaves the machine and costs nothing.' },
  retentionDays: { kind: 'number', label: 'Keep individual connections', help: 'Older connections survive as hourly and daily totals per app and destination.', unit: 'days' },
  hourlyRetentionDays: { kind: 'number', label: 'Keep hourly totals', help: 'Used for charts and cost by the hour.', unit: 'days' },
  dailyRetentionDays: { kind: 'number', label: 'Keep daily totals', help: 'Per app and destination; used for long-range reports and cost.', unit: 'days' },
  costPerGb: { kind: 'number', label: 'Price per GB of internet egress', help: 'One GB is 10⁹ bytes. LAN and loopback traffic are free.', step: 0.01 },
  currency: { kind: 'currency', label: 'Currency', help: 'ISO 4217 code, e.g. USD, EUR, GBP.' },
  notifyNewApp: { kind: 'bool', label: 'New app goes online', help: 'The first time an app sends traffic.' },
  notifyNewDestination: { kind: 'bool', label: 'App reaches a new destination', help: 'A host or network the app has not talked to before.' },
  notifySpike: { kind: 'bool', label: 'Traffic spike', help: 'An app sends much more than usual.' },
  notifyBlocked: { kind: 'bool', label: 'Blocked attempt', help: 'An app tries to reach a blocked destination.' },
  notifyChangedBinary: { kind: 'bool', label: 'App binary changed', help: 'The executable at a known path has a new hash.' },
  notifyEnforcementLost: { kind: 'bool', label: 'Firewall enforcement lost', help: 'Rules stop being applied (e.g. another tool flushed the firewall).' },
  learningMinutes: { kind: 'number', label: 'Learning period', help: 'After first start, record without notifying for this long.', unit: 'min' },
  spikeMb: { kind: 'number', label: 'Spike threshold', help: 'An app sending more than this within the spike window.', unit: 'MB', step: 1 },
  spikeMinutes: { kind: 'number', label: 'Spike window', help: 'The window the spike threshold applies to.', unit: 'min' },
  spikeFactor: { kind: 'number', label: 'Spike factor', help: 'Also a spike when an app sends this many times its usual rate for the hour.', unit: '×', step: 0.5 },
  coalesceMinutes: { kind: 'number', label: 'Combine repeats within', help: 'One alert per app and kind in this window; repeats raise its count.', unit: 'min' },
  maxNotificationsPerMinute: { kind: 'number', label: 'At most notifications per minute', help: 'Beyond this, alerts are recorded but not shown.' },
  quietStart: { kind: 'time', label: 'Quiet hours start', help: 'Local time. Leave empty for no quiet hours.' },
  quietEnd: { kind: 'time', label: 'Quiet hours end', help: 'Local time.' },
  mutedAppIds: { kind: 'apps', label: 'Muted apps', help: 'Alerts from these apps are recorded but never notified.' },
  fleet: { kind: 'fleet', label: 'Fleet export', help: 'Forwarding to OTLP/HTTP or syslog.' },
  closeToTray: { kind: 'bool', label: 'Keep running in the tray when the window closes', help: 'Recording continues in the background.' },
  startAtLogin: { kind: 'bool', label: 'Start at login', help: 'So traffic is recorded from the moment you sign in.' },
};

export type FormValue = string | boolean | number[] | FleetForm;
export type FormState = Record<keyof Settings, FormValue>;

export function toForm(s: Settings): FormState {
  const out = {} as FormState;
  for (const key of Object.keys(FIELDS) as (keyof Settings)[]) {
    const v = s[key];
    const spec = FIELDS[key];
    if (spec.kind === 'fleet') out[key] = toFleetForm(v as Settings['fleet']);
    else if (spec.kind === 'bool') out[key] = Boolean(v);
    else if (spec.kind === 'apps') out[key] = Array.isArray(v) ? [...v] : [];
    else if (spec.kind === 'time') out[key] = typeof v === 'string' ? v : '';
    else out[key] = v === null || v === undefined ? '' : String(v);
  }
  return out;
}

/** Form strings back to typed values; the schema then decides what is valid. */
export function fromForm(form: FormState): Record<keyof Settings, unknown> {
  const out = {} as Record<keyof Settings, unknown>;
  for (const key of Object.keys(FIELDS) as (keyof Settings)[]) {
    const spec = FIELDS[key];
    const v = form[key];
    if (spec.kind === 'fleet') out[key] = isFleetForm(v) ? fromFleetForm(v) : v;
    else if (spec.kind === 'number') out[key] = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    else if (spec.kind === 'time') out[key] = v === '' ? null : v;
    else if (spec.kind === 'currency') out[key] = typeof v === 'string' ? v.trim().toUpperCase() : v;
    else out[key] = v;
  }
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return stableJson(a) === stableJson(b);
  return Object.is(a, b);
}

// Key order must not matter when comparing nested settings (the engine may return keys in any order).
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : Number.isNaN(val) ? 'NaN' : val,
  );
}
