import type { DesiredRule } from '../engine/ports';

// Rule precedence — the single definition, used by every backend's renderer and by the engine's
// live matching, so what the UI says covers a flow is what the kernel does.
//
// For a packet, of all rules that match it, the one that comes first in this order decides:
//   1. app-scoped rules (enforced through the app's own cgroup) before global rules;
//   2. then the more specific target: longer prefix first (an address is /32 or /128, `any` is /0);
//   3. then the more specific port: a single port before a range, a narrow range before a wide one,
//      no port last; then a rule naming a protocol before one for both;
//   4. at equal specificity, block before allow;
//   5. then the older rule (lower id), only so the order is total and stable.
// Backends emit rules in this order with first-match semantics, which yields exactly that winner.
//
// In the default mode (no default-deny) an `allow` rule only ends evaluation inside Outflow's own
// table/chain (nft `accept` in our base chain, iptables `RETURN` from our chain): it punches a hole
// through Outflow's block rules and never overrides anyone else's firewall.
//
// Traffic to this machine itself (the loopback interface, which also carries packets to the machine's
// own addresses) is never filtered: it is not egress, and our own refusals travel back to the app
// that way (see nft-render.ts).
//
// App scope that cannot be enforced here (no cgroup of its own): a block then applies to every app
// (the UI says so); an allow is left out altogether, because widening a hole to every app would let
// through traffic the user asked to block. Failing closed is the only safe reading.

export type EffectiveScope = 'app' | 'global' | 'skip';

export function effectiveScope(rule: DesiredRule): EffectiveScope {
  if (rule.appPath === null) return 'global';
  if (rule.cgroup !== null) return 'app';
  return rule.action === 'block' ? 'global' : 'skip';
}

/** One family's half of a rule, the unit a backend renders. */
export interface RuleEntry {
  rule: DesiredRule;
  family: 4 | 6;
  /** Canonical addresses/networks of this family (`any` becomes 0.0.0.0/0 or ::/0). */
  addresses: string[];
  /** Index of each address in `rule.addresses` (-1 for the synthetic `any` networks). */
  sourceIndex: number[];
  prefix: number;
  scope: 'app' | 'global';
}

export function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

function prefixOf(address: string): number {
  const slash = address.indexOf('/');
  if (slash !== -1) return Number(address.slice(slash + 1));
  return familyOf(address) === 4 ? 32 : 128;
}

export function portWidth(rule: Pick<DesiredRule, 'portLo' | 'portHi'>): number {
  return rule.portLo === null || rule.portHi === null ? 65536 : rule.portHi - rule.portLo + 1;
}

/** Negative when `a` takes precedence over `b`. */
export function compareEntries(a: RuleEntry, b: RuleEntry): number {
  const scope = (e: RuleEntry): number => (e.scope === 'app' ? 0 : 1);
  return (
    scope(a) - scope(b) ||
    b.prefix - a.prefix ||
    portWidth(a.rule) - portWidth(b.rule) ||
    (a.rule.proto === null ? 1 : 0) - (b.rule.proto === null ? 1 : 0) ||
    (a.rule.action === 'block' ? 0 : 1) - (b.rule.action === 'block' ? 0 : 1) ||
    a.rule.id - b.rule.id
  );
}

/** Split rules into per-family entries and sort them by precedence; rules with scope 'skip' are left out. */
export function orderedEntries(rules: readonly DesiredRule[]): RuleEntry[] {
  const out: RuleEntry[] = [];
  for (const rule of rules) {
    const scope = effectiveScope(rule);
    if (scope === 'skip') continue;
    for (const family of [4, 6] as const) {
      let addresses: string[];
      let sourceIndex: number[];
      if (rule.any) {
        addresses = [family === 4 ? '0.0.0.0/0' : '::/0'];
        sourceIndex = [-1];
      } else {
        addresses = [];
        sourceIndex = [];
        rule.addresses.forEach((a, i) => {
          if (familyOf(a) === family) {
            addresses.push(a);
            sourceIndex.push(i);
          }
        });
      }
      if (addresses.length === 0) continue;
      const prefix = Math.min(...addresses.map(prefixOf));
      out.push({ rule, family, addresses, sourceIndex, prefix, scope });
    }
  }
  return out.sort(compareEntries);
}
