// Interfaces of the engine's internal services, so the engine composes them without knowing
// how rules are enforced or how alerts are decided.
import type { MethodParsed, RulesImportResult } from '../shared/contract';
import type { Alert, FirewallStatus, Rule } from '../shared/types';
import type { Settings } from '../shared/settings';
import type { TickOutcome } from './flow-tracker';
import type { RuleMatcher } from './live-view';

export interface RulesPort {
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): Rule[];
  add(input: MethodParsed<'rules.add'>): Promise<Rule>;
  remove(id: number): Promise<boolean>;
  setEnabled(id: number, enabled: boolean): Promise<Rule>;
  importRules(input: MethodParsed<'rules.import'>): Promise<RulesImportResult>;
  exportRules(): { version: 1; rules: Rule[] };
  /** Which enabled rule covers this destination (for LiveFlow.blockedBy). */
  match: RuleMatcher;
  status(): FirewallStatus;
  /** Called with the full list whenever rules or their enforcement change. */
  onChange(listener: (rules: Rule[], status: FirewallStatus) => void): void;
}

export interface AlertsPort {
  /** Inside the tick's transaction: decide new-app / new-destination / spike alerts. */
  onTick(outcome: TickOutcome, at: number): void;
  /** After each firewall reconcile: blocked attempts and enforcement changes. */
  onFirewall(status: FirewallStatus, rules: Rule[], at: number): void;
  list(q: MethodParsed<'alerts.list'>): Alert[];
  markSeen(q: MethodParsed<'alerts.markSeen'>): number;
  configure(settings: Settings): void;
  onAlert(listener: (alert: Alert) => void): void;
}
