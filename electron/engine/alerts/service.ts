import type { Db } from '../../store/db';
import { AlertsTable, type AlertDraft } from '../../store/queries/alerts';
import type { Settings } from '../../shared/settings';
import type { Alert, FirewallStatus, Rule } from '../../shared/types';
import type { AlertsPort } from '../services';
import type { TickOutcome } from '../flow-tracker';
import { NotificationGate } from './gate';

// Alerts decided by the engine. Detectors turn a tick (or a firewall reconcile) into drafts; drafts
// are coalesced per (kind, app, subject) within a window and stored; the gate decides which are also
// shown on the desktop.

export type TickDetector = (outcome: TickOutcome, at: number, settings: Settings) => Omit<AlertDraft, 'notified' | 'windowMs'>[];
export type FirewallDetector = (status: FirewallStatus, rules: Rule[], at: number, settings: Settings) => Omit<AlertDraft, 'notified' | 'windowMs'>[];

export interface AlertsServiceOptions {
  db: Db;
  settings: Settings;
  /** First start of Outflow on this database (learning period). */
  installedAt: number;
  tickDetectors: TickDetector[];
  firewallDetectors: FirewallDetector[];
}

export function createAlertsService(o: AlertsServiceOptions): AlertsPort {
  const table = new AlertsTable(o.db);
  let settings = o.settings;
  const gate = new NotificationGate(settings, o.installedAt);
  const listeners = new Set<(a: Alert) => void>();
  let summaryPendingSince: number | null = null;

  const emit = (a: Alert): void => {
    for (const l of listeners) l(a);
  };

  // A draft that folds into an open alert is never shown again, so it must not reach the gate:
  // otherwise repeats would use up the per-minute cap and announce a summary of nothing.
  const openAlert = o.db.prepare('SELECT 1 FROM alerts WHERE dedupe_key = ? AND window_end > ? LIMIT 1');
  const COALESCED = { notify: false, reason: 'coalesced' } as const;

  function record(drafts: Omit<AlertDraft, 'notified' | 'windowMs'>[], at: number): void {
    for (const d of drafts) {
      const coalesces = d.dedupeKey !== null && openAlert.get(d.dedupeKey, d.at) !== undefined;
      const decision = coalesces ? COALESCED : gate.decide(d.kind, d.appId, d.at);
      const { alert, created } = table.record({ ...d, notified: decision.notify, windowMs: settings.coalesceMinutes * 60_000 });
      // A coalesced repeat updates the stored alert (count) but never notifies again.
      emit(created ? alert : { ...alert, notified: false });
      if (decision.reason === 'cap' && summaryPendingSince === null) summaryPendingSince = at;
    }
    flushSummary(at);
  }

  function flushSummary(at: number): void {
    if (summaryPendingSince === null || at - summaryPendingSince < 60_000) return;
    const n = gate.takeSuppressed();
    summaryPendingSince = null;
    if (n === 0) return;
    const { alert } = table.record({
      at,
      kind: 'summary',
      appId: null,
      title: `${n} more alert${n === 1 ? '' : 's'} in the last minute`,
      detail: 'Shown in Alerts; desktop notifications were capped to avoid a flood.',
      notified: true,
      dedupeKey: null,
      windowMs: 0,
    });
    emit(alert);
  }

  return {
    onTick(outcome, at) {
      record(o.tickDetectors.flatMap((d) => d(outcome, at, settings)), at);
    },
    onFirewall(status, rules, at) {
      record(o.firewallDetectors.flatMap((d) => d(status, rules, at, settings)), at);
    },
    list: (q) => table.list(q),
    markSeen: (q) => table.markSeen(q),
    configure(next) {
      settings = next;
      gate.configure(next);
    },
    onAlert(listener) {
      listeners.add(listener);
    },
  };
}
