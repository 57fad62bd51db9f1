// Compares the rules Outflow wants with what the ActiveStore enforces for group "Outflow".
// Names carry a content hash, so a missing Name means "create", an unknown Name means "remove",
// and a known Name whose filters differ was edited by someone else: remove and create it again.
import type { WindowsRuleRow } from './windows-parse';
import type { WindowsRuleSpec } from './windows-rules';

export interface ChangedRule {
  spec: WindowsRuleSpec;
  row: WindowsRuleRow;
  /** Which properties differ (for the status reason). */
  fields: string[];
}

export interface WindowsDrift {
  missing: WindowsRuleSpec[];
  extra: WindowsRuleRow[];
  changed: ChangedRule[];
}

export function diffWindows(specs: readonly WindowsRuleSpec[], rows: readonly WindowsRuleRow[]): WindowsDrift {
  const byName = new Map<string, WindowsRuleRow>();
  for (const r of rows) byName.set(r.name, r);
  const wanted = new Set(specs.map((s) => s.name));
  const missing: WindowsRuleSpec[] = [];
  const changed: ChangedRule[] = [];
  for (const spec of specs) {
    const row = byName.get(spec.name);
    if (!row) {
      missing.push(spec);
      continue;
    }
    const fields = differences(spec, row);
    if (fields.length > 0) changed.push({ spec, row, fields });
  }
  return { missing, extra: rows.filter((r) => !wanted.has(r.name)), changed };
}

function differences(spec: WindowsRuleSpec, row: WindowsRuleRow): string[] {
  const out: string[] = [];
  if (!row.enabled) out.push('Enabled');
  if (row.direction !== 'Outbound') out.push('Direction');
  if (row.action !== spec.action) out.push('Action');
  if (!sameList(spec.remoteAddress ? [...spec.remoteAddress].sort() : null, row.remoteAddress)) out.push('RemoteAddress');
  if ((spec.protocol ?? null) !== row.protocol) out.push('Protocol');
  if (!sameList(spec.remotePort ? [spec.remotePort] : null, row.remotePort)) out.push('RemotePort');
  // Windows paths are case-insensitive; the firewall may also report them with other casing.
  if ((spec.program?.toLowerCase() ?? null) !== (row.program?.toLowerCase() ?? null)) out.push('Program');
  return out;
}

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function hasWindowsDrift(d: WindowsDrift): boolean {
  return d.missing.length > 0 || d.extra.length > 0 || d.changed.length > 0;
}

export function describeWindowsDrift(d: WindowsDrift): string {
  const parts: string[] = [];
  if (d.missing.length) parts.push(`${d.missing.length} rule(s) missing: ${d.missing.map((s) => s.name).slice(0, 5).join(', ')}`);
  if (d.changed.length) parts.push(`${d.changed.length} rule(s) changed outside Outflow: ${d.changed.map((c) => `${c.spec.name} (${c.fields.join(', ')})`).slice(0, 5).join(', ')}`);
  if (d.extra.length) parts.push(`${d.extra.length} unexpected rule(s) in group Outflow: ${d.extra.map((r) => r.name).slice(0, 5).join(', ')}`);
  return parts.join('; ');
}

/** Ids whose every Windows rule is present and unchanged. */
export function enforcedIds(specs: readonly WindowsRuleSpec[], d: WindowsDrift): Set<number> {
  const bad = new Set([...d.missing.map((s) => s.name), ...d.changed.map((c) => c.spec.name)]);
  const ok = new Map<number, boolean>();
  for (const s of specs) ok.set(s.id, (ok.get(s.id) ?? true) && !bad.has(s.name));
  return new Set([...ok].filter(([, v]) => v).map(([id]) => id));
}
