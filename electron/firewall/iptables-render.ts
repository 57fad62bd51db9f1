import type { DesiredState } from '../engine/ports';
import { parseCanonicalNetwork } from '../shared/validate-target';
import { CGROUP_PATH_RE, type TimedDesiredRule } from './desired-state-schema';
import { orderedEntries, type RuleEntry } from './precedence';

// The iptables fallback (used only where nft is missing): a chain `OUTFLOW` in the filter table,
// jumped to from the top of OUTPUT, rendered whole and loaded with `iptables-restore --noflush
// --counters`, which replaces just that chain atomically (one commit per family). Rule order is the
// same precedence as nftables. iptables has no element timeouts: expired addresses are left out at
// render time and the rules service re-renders when a deadline passes.

export const IPT_CHAIN = 'OUTFLOW';
export const IPT_DEFAULT_COMMENT = 'outflow:default';

export const commentFor = (id: number): string => `outflow:${id}`;

export interface IptExpectation {
  lines: number;
  /** Per rule id: how many chain lines belong to it (0 = nothing to enforce in this family). */
  perRule: Map<number, number>;
}

export interface IptRenderOptions {
  now: number;
  /** Carried packet/byte totals per rule id. */
  counters?: ReadonlyMap<number, { packets: number; bytes: number }>;
  /** Whether OUTPUT already jumps to OUTFLOW (then no jump is added). */
  haveJump: boolean;
}

function assertSafeInt(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`iptables render: ${what} is not a safe integer`);
}

function deadlineOf(rule: TimedDesiredRule, sourceIndex: number): number | null {
  const c: number[] = [];
  if (typeof rule.expiresAt === 'number') c.push(rule.expiresAt);
  const per = sourceIndex >= 0 ? rule.addressExpiresAt?.[sourceIndex] : undefined;
  if (typeof per === 'number') c.push(per);
  return c.length ? Math.min(...c) : null;
}

function withPrefix(address: string, family: 4 | 6): string {
  return address.includes('/') ? address : `${address}/${family === 4 ? 32 : 128}`;
}

function lineParts(entry: RuleEntry, address: string): string[][] {
  const r = entry.rule;
  const dest = ['-d', withPrefix(address, entry.family)];
  if (entry.scope === 'app' && r.cgroup !== null) {
    if (!CGROUP_PATH_RE.test(r.cgroup)) throw new Error('iptables render: unsafe cgroup path');
    dest.unshift('-m', 'cgroup', '--path', `/${r.cgroup}`);
  }
  const port = (proto: 'tcp' | 'udp'): string[] => {
    if (r.portLo === null || r.portHi === null) return ['-p', proto];
    assertSafeInt(r.portLo, 'port');
    assertSafeInt(r.portHi, 'port');
    return ['-p', proto, '-m', proto, '--dport', r.portLo === r.portHi ? String(r.portLo) : `${r.portLo}:${r.portHi}`];
  };
  const comment = ['-m', 'comment', '--comment', commentFor(r.id)];
  const icmp = entry.family === 4 ? 'icmp-admin-prohibited' : 'icmp6-adm-prohibited';
  const tcpReject = ['-j', 'REJECT', '--reject-with', 'tcp-reset'];
  const otherReject = ['-j', 'REJECT', '--reject-with', icmp];
  const hasPort = r.portLo !== null;
  if (r.action === 'allow') {
    if (r.proto) return [[...dest, ...port(r.proto), ...comment, '-j', 'RETURN']];
    if (hasPort) return [[...dest, ...port('tcp'), ...comment, '-j', 'RETURN'], [...dest, ...port('udp'), ...comment, '-j', 'RETURN']];
    return [[...dest, ...comment, '-j', 'RETURN']];
  }
  if (r.proto === 'tcp') return [[...dest, ...port('tcp'), ...comment, ...tcpReject]];
  if (r.proto === 'udp') return [[...dest, ...port('udp'), ...comment, ...otherReject]];
  if (hasPort) return [[...dest, ...port('tcp'), ...comment, ...tcpReject], [...dest, ...port('udp'), ...comment, ...otherReject]];
  return [[...dest, ...port('tcp'), ...comment, ...tcpReject], [...dest, ...comment, ...otherReject]];
}

/** The iptables-restore input for one family. */
export function renderIptables(state: DesiredState, family: 4 | 6, opts: IptRenderOptions): { text: string; expect: IptExpectation } {
  const expect: IptExpectation = { lines: 0, perRule: new Map() };
  for (const r of state.rules) {
    assertSafeInt(r.id, 'rule id');
    expect.perRule.set(r.id, 0);
  }
  // Traffic to this machine itself (lo) is not egress, and carries our own resets back: see nft-render.ts.
  const out: string[] = ['*filter', `:${IPT_CHAIN} - [0:0]`, `[0:0] -A ${IPT_CHAIN} -o lo -j RETURN`];
  expect.lines++;
  const carried = new Set<number>();
  for (const entry of orderedEntries(state.rules)) {
    if (entry.family !== family) continue;
    const rule = entry.rule as TimedDesiredRule;
    entry.addresses.forEach((address, i) => {
      if (!parseCanonicalNetwork(address).ok) throw new Error('iptables render: address is not canonical');
      const deadline = deadlineOf(rule, entry.sourceIndex[i] ?? -1);
      if (deadline !== null && deadline <= opts.now) return;
      for (const parts of lineParts(entry, address)) {
        let counters = '[0:0]';
        if (!carried.has(rule.id)) {
          const c = opts.counters?.get(rule.id);
          if (c) {
            assertSafeInt(c.packets, 'counter');
            assertSafeInt(c.bytes, 'counter');
            counters = `[${c.packets}:${c.bytes}]`;
          }
          carried.add(rule.id);
        }
        out.push(`${counters} -A ${IPT_CHAIN} ${parts.join(' ')}`);
        expect.lines++;
        expect.perRule.set(rule.id, (expect.perRule.get(rule.id) ?? 0) + 1);
      }
    });
  }
  if (state.defaultDeny) {
    const icmp = family === 4 ? 'icmp-admin-prohibited' : 'icmp6-adm-prohibited';
    out.push(`[0:0] -A ${IPT_CHAIN} -p tcp -m comment --comment ${IPT_DEFAULT_COMMENT} -j REJECT --reject-with tcp-reset`);
    out.push(`[0:0] -A ${IPT_CHAIN} -m comment --comment ${IPT_DEFAULT_COMMENT} -j REJECT --reject-with ${icmp}`);
    expect.lines += 2;
  }
  if (!opts.haveJump) out.push(`-I OUTPUT 1 -j ${IPT_CHAIN}`);
  out.push('COMMIT', '');
  return { text: out.join('\n'), expect };
}
