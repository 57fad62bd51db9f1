// Compares the anchor we would render with what pf holds, and decides the cheapest repair:
// a changed rule list (or a missing table) reloads the whole anchor atomically; changed table
// contents alone are swapped with `-T replace`, which keeps the rules' hit counters.
import type { PfKernelRule } from './pf-parse';
import { formatRuleLine, idFromLabel, ruleKey, type RenderedAnchor } from './pf-render';

export interface PfKernelState {
  /** From `pfctl -s info`; null when it could not be read. */
  enabled: boolean | null;
  /** Whether the main ruleset evaluates `anchor "com.outflow"`. */
  hooked: boolean;
  rules: PfKernelRule[];
  /** Tables present in the anchor. */
  tableNames: string[];
  /** Contents of the tables we read (the desired ones that exist). */
  tables: Map<string, string[]>;
}

export interface TableDrift {
  table: string;
  missing: string[];
  extra: string[];
}

export interface PfDrift {
  /** The rule list differs (content or order): needs a full anchor reload. */
  rulesDiffer: boolean;
  missingRules: string[];
  extraRules: string[];
  /** Desired tables that do not exist at all (also needs a reload). */
  missingTables: string[];
  /** Existing desired tables with the wrong contents (fixed by -T replace). */
  tableDrift: TableDrift[];
  /** Tables in our anchor that no rule uses any more (fixed by -T kill). */
  extraTables: string[];
}

export function diffPf(desired: RenderedAnchor, kernel: PfKernelState): PfDrift {
  const want = desired.lines.map(ruleKey);
  const have = kernel.rules.map((r) => (r.line ? ruleKey(r.line) : `unparsed|${r.text}`));
  const missingKeys = multisetMinus(want, have);
  const extraKeys = multisetMinus(have, want);
  const byKey = new Map(desired.lines.map((l) => [ruleKey(l), formatRuleLine(l)]));
  const textByKey = new Map(kernel.rules.map((r) => [r.line ? ruleKey(r.line) : `unparsed|${r.text}`, r.text]));
  const present = new Set(kernel.tableNames);
  const missingTables: string[] = [];
  const tableDrift: TableDrift[] = [];
  for (const [table, addrs] of desired.tables) {
    if (!present.has(table)) {
      missingTables.push(table);
      continue;
    }
    const got = kernel.tables.get(table) ?? [];
    const missing = multisetMinus(addrs, got);
    const extra = multisetMinus(got, addrs);
    if (missing.length > 0 || extra.length > 0) tableDrift.push({ table, missing, extra });
  }
  return {
    rulesDiffer: want.join('\n') !== have.join('\n'),
    missingRules: missingKeys.map((k) => byKey.get(k) ?? k),
    extraRules: extraKeys.map((k) => textByKey.get(k) ?? k),
    missingTables,
    tableDrift,
    extraTables: kernel.tableNames.filter((t) => !desired.tables.has(t)),
  };
}

export function hasDrift(d: PfDrift): boolean {
  return d.rulesDiffer || d.missingTables.length > 0 || d.tableDrift.length > 0 || d.extraTables.length > 0;
}

/** Human summary for FirewallStatus.reason. */
export function describeDrift(d: PfDrift): string {
  const parts: string[] = [];
  if (d.missingRules.length) parts.push(`${d.missingRules.length} rule(s) missing in pf`);
  if (d.extraRules.length) parts.push(`${d.extraRules.length} unexpected rule(s) in the anchor`);
  if (d.rulesDiffer && !d.missingRules.length && !d.extraRules.length) parts.push('anchor rules are out of order');
  if (d.missingTables.length) parts.push(`table(s) missing: ${d.missingTables.join(', ')}`);
  for (const t of d.tableDrift) parts.push(`<${t.table}> differs (${t.missing.length} missing, ${t.extra.length} extra)`);
  if (d.extraTables.length) parts.push(`stale table(s): ${d.extraTables.join(', ')}`);
  return parts.join('; ');
}

/** Blocked packets per rule id (summed over the rule's v4/v6 and tcp/udp lines). */
export function hitsByRule(rules: readonly PfKernelRule[]): Map<number, number> {
  const hits = new Map<number, number>();
  for (const r of rules) {
    if (!r.line || r.line.action !== 'block' || r.packets === null) continue;
    const id = idFromLabel(r.line.label);
    if (id === null) continue;
    hits.set(id, (hits.get(id) ?? 0) + r.packets);
  }
  return hits;
}

/** Rule ids whose every line is loaded and whose tables hold exactly the desired addresses. */
export function enforcedRuleIds(desired: RenderedAnchor, kernel: PfKernelState, drift: PfDrift): Set<number> {
  const have = new Set(kernel.rules.filter((r) => r.line).map((r) => ruleKey(r.line as NonNullable<typeof r.line>)));
  const badTables = new Set([...drift.missingTables, ...drift.tableDrift.map((t) => t.table)]);
  const ok = new Map<number, boolean>();
  for (const l of desired.lines) {
    const id = idFromLabel(l.label);
    if (id === null) continue;
    const table = /^<(.+)>$/.exec(l.to)?.[1];
    const fine = have.has(ruleKey(l)) && !(table && badTables.has(table));
    ok.set(id, (ok.get(id) ?? true) && fine);
  }
  return new Set([...ok].filter(([, v]) => v).map(([id]) => id));
}

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else out.push(x);
  }
  return out;
}
