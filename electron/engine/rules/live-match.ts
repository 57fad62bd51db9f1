import type { DesiredRule } from '../ports';
import { orderedEntries, type RuleEntry } from '../../firewall/precedence';
import { parseAddress, prefixContains, type ParsedAddress } from '../../shared/validate-target';

// Which rule decides a live flow, by the same precedence the backends render (firewall/precedence.ts),
// over the rules the kernel actually holds. Compiled once per applied state; matching is per flow per tick.

interface CompiledEntry {
  entry: RuleEntry;
  networks: { net: ParsedAddress; prefix: number }[];
}

export type FlowMatcher = (appPath: string | null, remote: string, proto: 'tcp' | 'udp', rport: number) => number | null;

export function compileMatcher(rules: readonly DesiredRule[], held: ReadonlySet<number>): FlowMatcher {
  const compiled: CompiledEntry[] = orderedEntries(rules.filter((r) => held.has(r.id))).map((entry) => ({
    entry,
    networks: entry.addresses.flatMap((a) => {
      const slash = a.indexOf('/');
      const net = parseAddress(slash === -1 ? a : a.slice(0, slash));
      if (!net) return [];
      return [{ net, prefix: slash === -1 ? (net.family === 4 ? 32 : 128) : Number(a.slice(slash + 1)) }];
    }),
  }));
  return (appPath, remote, proto, rport) => {
    if (compiled.length === 0) return null;
    const addr = parseAddress(remote);
    if (!addr) return null;
    for (const { entry, networks } of compiled) {
      const r = entry.rule;
      if (entry.family !== addr.family) continue;
      if (entry.scope === 'app' && r.appPath !== appPath) continue;
      if (r.proto !== null && r.proto !== proto) continue;
      if (r.portLo !== null && r.portHi !== null && (rport < r.portLo || rport > r.portHi)) continue;
      if (!networks.some((n) => prefixContains(n.net, n.prefix, addr))) continue;
      // First match in precedence order decides: an allow wins here means "not blocked".
      return r.action === 'block' ? r.id : null;
    }
    return null;
  };
}
