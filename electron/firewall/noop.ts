import type { AppliedState, DesiredState, FirewallBackend } from '../engine/ports';
import { makeStatus, type ReconcileResult } from './applied';
import { parseDesiredState } from './desired-state-schema';

// The explicit "cannot enforce here" backend (no nft/iptables, not root and no helper, unsupported OS).
// Rules are still validated and stored; the status says plainly that nothing is enforced, and why.

export interface NoopBackend extends FirewallBackend {
  reconcile(state: DesiredState, repair: boolean): Promise<ReconcileResult>;
  readonly reason: string;
}

export function createNoopBackend(reason: string, now: () => number = Date.now): NoopBackend {
  const applied = (): AppliedState => ({
    status: makeStatus({
      backend: 'noop',
      state: 'not-enforcing',
      reason: `rules are saved but not enforced: ${reason}`,
      held: [],
      at: now(),
      appScope: { ok: false, note: 'no firewall backend is active' },
    }),
    hits: new Map(),
  });
  return {
    name: 'noop',
    reason,
    apply: async (state) => {
      parseDesiredState(state);
      return applied();
    },
    reconcile: async (state) => {
      parseDesiredState(state);
      return { ...applied(), drift: [], repaired: false };
    },
    clear: async () => undefined,
    appScope: async () => ({ enforceable: false, cgroup: null, note: 'no firewall backend is active' }),
  };
}
