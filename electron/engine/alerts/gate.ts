import type { Settings } from '../../shared/settings';
import type { AlertKind } from '../../shared/types';

// Decides whether a recorded alert is also shown as a desktop notification. Every alert is stored;
// this only keeps the desktop quiet: learning period, per-app mute, quiet hours, per-kind switches
// and a hard cap per minute (the overflow is announced once by a summary alert).

export interface GateDecision {
  notify: boolean;
  /** Why not, for the record ("learning", "muted", "quiet hours", "cap", "disabled"). */
  reason: string | null;
}

const KIND_SETTING: Record<AlertKind, keyof Settings | null> = {
  'new-app': 'notifyNewApp',
  'new-destination': 'notifyNewDestination',
  spike: 'notifySpike',
  blocked: 'notifyBlocked',
  'changed-binary': 'notifyChangedBinary',
  'enforcement-lost': 'notifyEnforcementLost',
  summary: null,
};

export class NotificationGate {
  private windowStart = 0;
  private shownInWindow = 0;
  private suppressed = 0;

  constructor(
    private settings: Settings,
    private readonly installedAt: number,
  ) {}

  configure(settings: Settings): void {
    this.settings = settings;
  }

  decide(kind: AlertKind, appId: number | null, at: number): GateDecision {
    const s = this.settings;
    const toggle = KIND_SETTING[kind];
    if (toggle && s[toggle] === false) return { notify: false, reason: 'disabled' };
    // Losing enforcement is always worth saying, even while learning.
    if (kind !== 'enforcement-lost' && at - this.installedAt < s.learningMinutes * 60_000) return { notify: false, reason: 'learning' };
    if (appId !== null && s.mutedAppIds.includes(appId)) return { notify: false, reason: 'muted' };
    if (kind !== 'enforcement-lost' && inQuietHours(s.quietStart, s.quietEnd, at)) return { notify: false, reason: 'quiet hours' };
    if (at - this.windowStart >= 60_000) {
      this.windowStart = at;
      this.shownInWindow = 0;
    }
    // Losing enforcement is never held back by the cap (it still counts towards it).
    if (this.shownInWindow >= s.maxNotificationsPerMinute && kind !== 'enforcement-lost') {
      // Kept until the summary takes it, even when a new minute starts before the summary is due.
      this.suppressed++;
      return { notify: false, reason: 'cap' };
    }
    this.shownInWindow++;
    return { notify: true, reason: null };
  }

  /** Alerts held back by the cap since the last call (for the summary alert). */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}

/** Local-time quiet hours; a window may wrap midnight (22:00–07:00). */
export function inQuietHours(start: string | null, end: string | null, at: number): boolean {
  if (!start || !end || start === end) return false;
  const d = new Date(at);
  const minutes = d.getHours() * 60 + d.getMinutes();
  const toMin = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const a = toMin(start);
  const b = toMin(end);
  return a < b ? minutes >= a && minutes < b : minutes >= a || minutes < b;
}
