import type { LiveFlow, Rule } from '../../../../electron/shared/types';

/** The rule that blocks a whole app (target any, no port), if one is enabled. */
export function appBlockRule(rules: readonly Rule[], appPath: string | null): Rule | null {
  if (!appPath) return null;
  return rules.find((r) => r.enabled && r.action === 'block' && r.kind === 'any' && r.appPath === appPath && r.portLo === null && r.proto === null) ?? null;
}

function portCovers(r: Rule, port: number): boolean {
  return r.portLo === null || (port >= r.portLo && port <= (r.portHi ?? r.portLo));
}

/**
 * The rule blocking a flow. The engine's `blockedBy` is the truth; a rule made after the snapshot
 * was taken is matched here too, so the row says "blocked" at once instead of after the next tick.
 */
export function flowBlockRule(rules: readonly Rule[], flow: LiveFlow, appPath: string | null, snapshotAt: number): { id: number; rule: Rule | null } | null {
  if (flow.blockedBy !== null) return { id: flow.blockedBy, rule: rules.find((r) => r.id === flow.blockedBy) ?? null };
  for (const r of rules) {
    if (r.createdAt <= snapshotAt || !r.enabled || r.action !== 'block') continue;
    if (r.appPath !== null && r.appPath !== appPath) continue;
    if (r.proto !== null && r.proto !== flow.proto) continue;
    if (!portCovers(r, flow.rport)) continue;
    const targetHit = r.kind === 'any' || r.target === flow.remote || (flow.host !== null && r.target === flow.host) || r.resolved.includes(flow.remote);
    if (targetHit) return { id: r.id, rule: r };
  }
  return null;
}
