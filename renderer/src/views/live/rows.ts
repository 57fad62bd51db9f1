import type { LiveFlow } from '../../../../electron/shared/types';
import { baseName } from '../../format/text';
import type { ViewApp } from '../../store/live-derive';

export type LiveRow =
  | { kind: 'app'; key: string; app: ViewApp; expanded: boolean; shownFlows: number }
  | { kind: 'flow'; key: string; app: ViewApp; flow: LiveFlow };

export function normalizeFilter(filter: string): string {
  return filter.trim().toLocaleLowerCase();
}

export function appMatches(a: ViewApp, q: string): boolean {
  if (!q) return true;
  const path = a.app.path?.toLocaleLowerCase() ?? '';
  // Whole paths only when the query looks like one: otherwise "us" would match every /usr/… app.
  const pathHit = q.includes('/') ? path.includes(q) : baseName(path).includes(q);
  return a.label.toLocaleLowerCase().includes(q) || pathHit || a.app.pids.some((p) => String(p) === q);
}

export function flowMatches(f: LiveFlow, q: string): boolean {
  if (!q) return true;
  return (
    f.remote.toLocaleLowerCase().includes(q) ||
    (f.host?.toLocaleLowerCase().includes(q) ?? false) ||
    (f.org?.toLocaleLowerCase().includes(q) ?? false) ||
    (f.country?.toLocaleLowerCase() === q) ||
    String(f.rport) === q ||
    (f.asn !== null && `as${f.asn}` === q) ||
    f.proto === q ||
    f.state.toLocaleLowerCase() === q
  );
}

/**
 * Flatten the ordered groups into the rows the list renders. With a filter, an app whose name or
 * path matches shows all its flows; otherwise only matching flows are shown and the group opens.
 */
export function buildRows(
  apps: ReadonlyMap<string, ViewApp>,
  order: readonly string[],
  sortedFlows: ReadonlyMap<string, readonly LiveFlow[]>,
  expanded: ReadonlySet<string>,
  filter: string,
): LiveRow[] {
  const q = normalizeFilter(filter);
  const rows: LiveRow[] = [];
  for (const key of order) {
    const app = apps.get(key);
    if (!app) continue;
    const ordered = sortedFlows.get(key) ?? app.flows;
    const nameHit = appMatches(app, q);
    const flows = nameHit ? ordered : ordered.filter((f) => flowMatches(f, q));
    if (!nameHit && flows.length === 0) continue;
    const open = expanded.has(key) || (q !== '' && !nameHit);
    rows.push({ kind: 'app', key: `a:${key}`, app, expanded: open, shownFlows: flows.length });
    if (open) for (const f of flows) rows.push({ kind: 'flow', key: `f:${key}:${f.key}`, app, flow: f });
  }
  return rows;
}
