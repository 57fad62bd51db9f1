// Desired state → the Windows Firewall rules Outflow wants in group "Outflow". One desired block
// becomes one firewall rule (two when it names a port but no protocol: Windows only matches ports
// for TCP or UDP). A rule's Name carries a hash of everything it matches, so a changed rule gets a
// new Name: apply creates the new one and then removes the old, never editing a rule in place.
//
// Allow rules are not created. In Outflow an allow punches a hole through Outflow's own blocks
// (precedence.ts); in Windows Firewall a Block rule always beats an Allow rule, so an allow could
// never do that — and it could open a hole in an administrator's default-block outbound policy,
// which Outflow must never override. Skipped allows are reported in the status instead.
import { createHash } from 'node:crypto';
import type { AppPathCheck, NormalizedRule, NormalizedState } from './pf-validate';

export const WINDOWS_GROUP = 'Outflow';

export interface WindowsRuleSpec {
  id: number;
  /** `Outflow-<id>-<hash>`: unique, stable while the rule is unchanged. */
  name: string;
  /** `Outflow #<id>`, what the user sees in wf.msc. */
  displayName: string;
  /** Always Block today (see above); kept explicit so the read-back comparison checks it. */
  action: 'Block' | 'Allow';
  /** Canonical addresses/CIDRs; null = Any. */
  remoteAddress: string[] | null;
  protocol: 'TCP' | 'UDP' | null;
  /** `443` or `8000-8080`; null = Any. */
  remotePort: string | null;
  program: string | null;
}

/**
 * What may go into -Program. Values never pass through a command line or a script (they travel in
 * a JSON document), but paths are still held to what Windows itself allows in a file name, and `%`
 * is refused because Windows Firewall expands %VARIABLES% in program paths — a literal `%` in a
 * path would make the rule match some other program.
 */
export const windowsAppPath: AppPathCheck = (path) => {
  if (path.length === 0 || path.length > 4096) return 'must be 1..4096 characters';
  const drive = /^[A-Za-z]:\\/.test(path);
  const unc = /^\\\\[^\\/]+\\[^\\/]+\\/.test(path);
  if (!drive && !unc) return 'must be an absolute Windows path (C:\\… or \\\\server\\share\\…)';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f"<>|?*%/]/.test(path)) return 'must not contain control characters or " < > | ? * % /';
  if (path.indexOf(':', drive ? 2 : 0) !== -1) return 'must not contain ":" after the drive letter';
  if (/[\\]$/.test(path)) return 'must name a file, not a directory';
  return null;
};

export function windowsRuleSpecs(state: NormalizedState): WindowsRuleSpec[] {
  const out: WindowsRuleSpec[] = [];
  for (const rule of state.rules) if (rule.action === 'block') out.push(...specsFor(rule));
  return out;
}

/** Ids of allow rules, which Windows Firewall cannot apply the way Outflow means them. */
export function skippedAllowIds(state: NormalizedState): number[] {
  return state.rules.filter((r) => r.action === 'allow').map((r) => r.id);
}

function specsFor(rule: NormalizedRule): WindowsRuleSpec[] {
  if (!rule.any && rule.v4.length === 0 && rule.v6.length === 0) return []; // resolved to nothing yet
  const remoteAddress = rule.any ? null : [...rule.v4, ...rule.v6];
  const remotePort = rule.portLo === null || rule.portHi === null ? null : rule.portLo === rule.portHi ? `${rule.portLo}` : `${rule.portLo}-${rule.portHi}`;
  const protocols: Array<WindowsRuleSpec['protocol']> = rule.proto ? [rule.proto === 'tcp' ? 'TCP' : 'UDP'] : remotePort ? ['TCP', 'UDP'] : [null];
  return protocols.map((protocol) => {
    const base = { action: rule.action === 'block' ? ('Block' as const) : ('Allow' as const), remoteAddress, protocol, remotePort, program: rule.appPath };
    return { id: rule.id, name: `Outflow-${rule.id}-${specHash(base)}`, displayName: `Outflow #${rule.id}`, ...base };
  });
}

function specHash(v: Omit<WindowsRuleSpec, 'id' | 'name' | 'displayName'>): string {
  const canonical = JSON.stringify([v.action, v.remoteAddress, v.protocol, v.remotePort, v.program]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** `Outflow-12-0123456789ab` → 12. */
export function idFromRuleName(name: string): number | null {
  const m = /^Outflow-([1-9][0-9]{0,15})-[0-9a-f]{12}$/.exec(name);
  if (!m) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : null;
}
