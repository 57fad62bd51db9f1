import type { AppliedState } from '../engine/ports';
import type { EnforcementState, FirewallBackendName, FirewallStatus } from '../shared/types';

/** What reconcile found: the differences between the kernel and the desired state, and whether they were repaired. */
export interface ReconcileResult extends AppliedState {
  drift: string[];
  repaired: boolean;
}

export interface StatusParts {
  backend: FirewallBackendName;
  state: EnforcementState;
  reason: string | null;
  held: readonly number[];
  at: number;
  appScope: { ok: boolean; note: string | null };
}

export function makeStatus(p: StatusParts): FirewallStatus {
  return {
    backend: p.backend,
    state: p.state,
    reason: p.state === 'enforcing' ? null : p.reason ?? 'unknown reason',
    ruleCount: p.held.length,
    lastReconcileAt: p.at,
    appScope: p.appScope.ok,
    appScopeNote: p.appScope.note,
  };
}

/** Counters by rule id, for the rules the kernel holds (a rule missing here is not enforced). */
export function hitsFor(held: readonly number[], packets: (id: number) => number | undefined): Map<number, number> {
  const hits = new Map<number, number>();
  for (const id of held) hits.set(id, packets(id) ?? 0);
  return hits;
}

export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}
