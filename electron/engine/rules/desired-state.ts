import type { Clock } from '../ports';
import type { AppScopeAnswer } from '../../firewall/app-scope';
import type { TimedDesiredRule, TimedDesiredState } from '../../firewall/desired-state-schema';
import type { StoredRule } from '../../store/queries/rules';
import { liveAddresses, type HostState } from './host-addresses';
import { wallFromMono } from './expiry';

// Stored rules + what is known right now (resolved addresses, app cgroups, monotonic deadlines)
// → the DesiredState a backend renders. Disabled and expired rules are left out.

export interface DesiredInputs {
  rules: readonly StoredRule[];
  hosts: ReadonlyMap<number, HostState>;
  scopes: ReadonlyMap<string, AppScopeAnswer>;
  deadlines: ReadonlyMap<number, number>;
  clock: Clock;
  defaultDeny: boolean;
}

export function buildDesiredState(i: DesiredInputs): TimedDesiredState {
  const mono = i.clock.monotonic();
  const rules: TimedDesiredRule[] = [];
  for (const r of i.rules) {
    if (!r.enabled) continue;
    const deadline = i.deadlines.get(r.id);
    if (r.expiresAt !== null && (deadline === undefined || deadline <= mono)) continue;
    const scope = r.appPath === null ? undefined : i.scopes.get(r.appPath);
    const base: TimedDesiredRule = {
      id: r.id,
      action: r.action,
      addresses: [],
      any: r.kind === 'any',
      proto: r.proto,
      portLo: r.portLo,
      portHi: r.portHi,
      appPath: r.appPath,
      cgroup: scope?.enforceable ? scope.cgroup : null,
      expiresAt: deadline === undefined ? null : wallFromMono(deadline, i.clock),
    };
    if (r.kind === 'ip' || r.kind === 'cidr') base.addresses = [r.target];
    if (r.kind === 'host') {
      const live = liveAddresses(i.hosts.get(r.id), mono);
      base.addresses = live.map((a) => a.address);
      base.addressExpiresAt = live.map((a) => wallFromMono(a.until, i.clock));
    }
    rules.push(base);
  }
  return { version: 1, defaultDeny: i.defaultDeny, rules };
}
