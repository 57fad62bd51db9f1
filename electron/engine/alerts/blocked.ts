import type { Db } from '../../store/db';
import type { Rule } from '../../shared/types';
import { DetectorState } from './detector-state';
import type { FirewallDetector } from './service';

// "Something tried to reach a blocked destination." The firewall counts hits per rule; each reconcile
// brings the totals, and the increase since the last one is the number of blocked attempts. One
// alert per rule per coalescing window; its detail carries the number of attempts in that window.
// The last totals are kept in the database so attempts made while Outflow was stopped (the kernel
// rules stay in place) are reported at the next start, and none is reported twice. The first time
// this detector runs on a database, existing totals are taken as the baseline.

const STATE_KEY = 'blocked_hits';

export function createBlockedDetector(db: Db): FirewallDetector {
  const state = new DetectorState(db);
  const appIdOf = db.prepare('SELECT id FROM apps WHERE path = ?');
  const stored = state.read(STATE_KEY);
  const initialized = stored !== null;
  const last = new Map<number, number>(initialized ? parseHits(stored) : []);
  let baselineTaken = initialized;
  const windows = new Map<number, { until: number; since: number; attempts: number }>();

  return (_status, rules, at, settings) => {
    const drafts: ReturnType<FirewallDetector> = [];
    let changed = false;
    const present = new Set<number>();
    for (const rule of rules) {
      present.add(rule.id);
      // Not counted right now (backend cannot count, rule not held): keep the last total as it is.
      if (rule.hits === null) continue;
      const prev = last.get(rule.id) ?? (baselineTaken ? 0 : rule.hits);
      if (prev !== rule.hits) changed = true;
      last.set(rule.id, rule.hits);
      const delta = rule.hits - prev;
      // A total that went down means the rule's counter was reset: start again from it.
      if (delta <= 0) continue;
      let w = windows.get(rule.id);
      if (!w || w.until <= at) {
        w = { until: at + settings.coalesceMinutes * 60_000, since: at, attempts: 0 };
        windows.set(rule.id, w);
      }
      w.attempts += delta;
      const appId = rule.appPath === null ? null : ((appIdOf.get(rule.appPath) as { id: number } | undefined)?.id ?? null);
      drafts.push({
        at,
        kind: 'blocked',
        appId,
        title: `Blocked: ${ruleLabel(rule)}`,
        detail: `${w.attempts} connection attempt${w.attempts === 1 ? '' : 's'} blocked by rule #${rule.id} since ${clock(w.since)}`,
        dedupeKey: `blocked:${rule.id}`,
      });
    }
    for (const id of [...last.keys()]) {
      if (!present.has(id)) {
        last.delete(id);
        windows.delete(id);
        changed = true;
      }
    }
    for (const [id, w] of windows) if (w.until <= at) windows.delete(id);
    if (changed || !baselineTaken) state.write(STATE_KEY, JSON.stringify(Object.fromEntries(last)));
    baselineTaken = true;
    return drafts;
  };
}

function parseHits(text: string): [number, number][] {
  try {
    const obj = JSON.parse(text) as unknown;
    if (!obj || typeof obj !== 'object') return [];
    return Object.entries(obj as Record<string, unknown>)
      .filter(([k, v]) => /^\d+$/.test(k) && typeof v === 'number' && Number.isFinite(v) && v >= 0)
      .map(([k, v]) => [Number(k), v as number]);
  } catch {
    return [];
  }
}

export function ruleLabel(r: Rule): string {
  const port = r.portLo === null ? '' : r.portLo === r.portHi ? ` port ${r.portLo}` : ` ports ${r.portLo}-${r.portHi}`;
  const proto = r.proto ? ` ${r.proto}` : '';
  const who = r.appPath ? ` for ${r.appPath}` : '';
  return `${r.target}${proto}${port}${who}`;
}

function clock(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
