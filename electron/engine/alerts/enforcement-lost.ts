import type { Db } from '../../store/db';
import type { EnforcementState } from '../../shared/types';
import { DetectorState } from './detector-state';
import type { FirewallDetector } from './service';

// "Your blocks no longer hold." Fires once when the firewall goes from enforcing to degraded or not
// enforcing, never again until it has been enforcing in between. The last state is kept in the
// database, so enforcement lost across a restart (the helper was removed, nft is gone) is reported too.
// The gate always notifies this kind (not muted by learning, quiet hours or the cap).

const STATE_KEY = 'enforcement_state';
const STATES: readonly EnforcementState[] = ['enforcing', 'degraded', 'not-enforcing'];

export function createEnforcementLostDetector(db: Db): FirewallDetector {
  const state = new DetectorState(db);
  const stored = state.read(STATE_KEY);
  let prev: EnforcementState | null = STATES.includes(stored as EnforcementState) ? (stored as EnforcementState) : null;

  return (status, rules, at) => {
    const cur = status.state;
    const drafts: ReturnType<FirewallDetector> = [];
    if (prev === 'enforcing' && cur !== 'enforcing') {
      const active = rules.filter((r) => r.enabled).length;
      drafts.push({
        at,
        kind: 'enforcement-lost',
        appId: null,
        title: cur === 'degraded' ? 'Firewall enforcement degraded' : 'Firewall not enforcing',
        detail: `${status.reason ?? 'the firewall stopped enforcing'} (${status.backend}; ${active} enabled rule${active === 1 ? '' : 's'} affected)`,
        dedupeKey: null,
      });
    }
    if (cur !== prev) {
      prev = cur;
      state.write(STATE_KEY, cur);
    }
    return drafts;
  };
}
