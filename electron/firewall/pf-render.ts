// Renders the whole `com.outflow` anchor from a validated desired state. The text is loaded in one
// `pfctl -a com.outflow -f FILE`, which swaps rules and tables in a single transaction.
//
// Layout: every rule gets its own tables (`<outflow_<id>_4>`, `<outflow_<id>_6>`) and a label
// `outflow:<id>`, so `pfctl -sr -v` gives per-rule hit counters and a hostname rule that re-resolves
// only needs `-T replace` on its tables (rule counters survive). Lines follow the project-wide
// precedence (precedence.ts: most specific first, block before allow at equal specificity) and the
// first matching line decides:
//   - blocks are `block return … quick`: `return` answers TCP with RST and UDP with ICMP
//     unreachable, so a blocked app fails at once instead of hanging on a timeout;
//   - default mode: an allow only punches a hole through Outflow's own blocks. pf has no "leave
//     this anchor", so an allow is a non-quick `pass … tag OUTFLOW_ALLOW` and every block carries
//     `! tagged OUTFLOW_ALLOW`: a packet an allow matched skips our later blocks, while rules after
//     our anchor still decide for it as they would without Outflow (pf: last match wins);
//   - default-deny: allows are `pass … quick`, and a final quick block refuses everything else.
// Every line says `on ! lo0`: traffic to this machine itself is not egress, and it is the path our
// own refusals (the RST, the ICMP error) take back to the app — the nft backend exempts `lo` too.
// Excluding lo0 rather than passing it keeps us from overriding anyone else's lo0 rules.
// pf cannot scope by app (no cgroup), so per precedence.ts an app-scoped block applies to every app
// and an app-scoped allow is left out (failing closed). Only addresses, ports and fixed words are
// written — no path, no note.
import type { DesiredRule } from '../engine/ports';
import { orderedEntries } from './precedence';
import type { NormalizedRule, NormalizedState } from './pf-validate';

export const PF_ANCHOR = 'com.outflow';
export const DEFAULT_DENY_LABEL = 'outflow:default-deny';
export const ALLOW_TAG = 'OUTFLOW_ALLOW';
const NOT_LOOPBACK = '! lo0';

/** One pf rule as we write it and as `pfctl -sr` prints it back (see pf-parse.ts). */
export interface PfRuleLine {
  action: 'block' | 'pass';
  /** Every line is quick except default-mode allows (see above). */
  quick: boolean;
  af: 'inet' | 'inet6' | null;
  proto: 'tcp' | 'udp' | null;
  /** Interface restriction as pfctl prints it; always `! lo0` for the lines we write. */
  on: string | null;
  /** `<table>`, or `any`. */
  to: string;
  /** As pfctl prints it: `= 443` or `8000:8080`; null when no port. */
  port: string | null;
  label: string;
  /** `tag OUTFLOW_ALLOW` on default-mode allows. */
  tag: string | null;
  /** `! tagged OUTFLOW_ALLOW` on blocks when default-mode allows exist. */
  notTagged: string | null;
}

export interface RenderedAnchor {
  text: string;
  /** Table name → canonical addresses. */
  tables: Map<string, string[]>;
  lines: PfRuleLine[];
}

export function tableName(id: number, family: 4 | 6): string {
  return `outflow_${id}_${family}`;
}

export function ruleLabel(id: number): string {
  return `outflow:${id}`;
}

/** `outflow:12` → 12; null for the fixed labels and anything foreign. */
export function idFromLabel(label: string): number | null {
  const m = /^outflow:([1-9][0-9]{0,15})$/.exec(label);
  if (!m) return null;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : null;
}

export function renderAnchor(state: NormalizedState): RenderedAnchor {
  const tables = new Map<string, string[]>();
  const lines: PfRuleLine[] = [];
  const entries = orderedEntries(state.rules.map(asDesiredRule));
  const softAllows = !state.defaultDeny && entries.some((e) => e.rule.action === 'allow');
  for (const e of entries) {
    const rule = e.rule;
    let to = 'any';
    if (!rule.any) {
      const name = tableName(rule.id, e.family);
      tables.set(name, e.addresses);
      to = `<${name}>`;
    }
    const port = rule.portLo === null || rule.portHi === null ? null : rule.portLo === rule.portHi ? `= ${rule.portLo}` : `${rule.portLo}:${rule.portHi}`;
    // pf only matches ports with a protocol; "any protocol, port 53" means one line per protocol.
    const protos: Array<PfRuleLine['proto']> = rule.proto ? [rule.proto] : port ? ['tcp', 'udp'] : [null];
    const block = rule.action === 'block';
    for (const proto of protos) {
      lines.push({
        action: block ? 'block' : 'pass',
        quick: block || state.defaultDeny,
        af: e.family === 4 ? 'inet' : 'inet6',
        proto,
        on: NOT_LOOPBACK,
        to,
        port,
        label: ruleLabel(rule.id),
        tag: !block && softAllows ? ALLOW_TAG : null,
        notTagged: block && softAllows ? ALLOW_TAG : null,
      });
    }
  }
  if (state.defaultDeny) {
    lines.push({ action: 'block', quick: true, af: null, proto: null, on: NOT_LOOPBACK, to: 'any', port: null, label: DEFAULT_DENY_LABEL, tag: null, notTagged: null });
  }
  const text = [
    '# Outflow: generated by outflow-helper; the whole anchor is replaced on every change.',
    ...[...tables].map(([name, addrs]) => `table <${name}> persist { ${addrs.join(' ')} }`),
    ...lines.map(formatRuleLine),
    '',
  ].join('\n');
  return { text, tables, lines };
}

/** pf matches no executables: cgroup is always null here, which precedence.ts reads as "not app-scoped". */
function asDesiredRule(r: NormalizedRule): DesiredRule {
  return { id: r.id, action: r.action, addresses: [...r.v4, ...r.v6], any: r.any, proto: r.proto, portLo: r.portLo, portHi: r.portHi, appPath: r.appPath, cgroup: null };
}

/** pf.conf text for one rule, in the same word order pfctl prints. */
export function formatRuleLine(l: PfRuleLine): string {
  const words = [l.action === 'block' ? 'block return' : 'pass', 'out'];
  if (l.quick) words.push('quick');
  if (l.on) words.push('on', l.on);
  if (l.af) words.push(l.af);
  if (l.proto) words.push('proto', l.proto);
  if (l.to === 'any' && l.port === null) words.push('all');
  else words.push('from', 'any', 'to', l.to);
  if (l.port) words.push('port', l.port);
  words.push('label', `"${l.label}"`);
  if (l.tag) words.push('tag', l.tag);
  if (l.notTagged) words.push('!', 'tagged', l.notTagged);
  return words.join(' ');
}

/** Identity of a rule line for comparing desired and kernel state. */
export function ruleKey(l: PfRuleLine): string {
  return [l.action, l.quick ? 'quick' : '', l.on ?? '', l.af ?? '', l.proto ?? '', l.to, l.port ?? '', l.label, l.tag ?? '', l.notTagged ?? ''].join('|');
}

/** Contents for `pfctl -T replace -f FILE`: one address per line. */
export function renderTableFile(addresses: readonly string[]): string {
  return addresses.length === 0 ? '' : `${addresses.join('\n')}\n`;
}
