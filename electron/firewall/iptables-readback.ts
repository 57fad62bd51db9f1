import { IPT_CHAIN, type IptExpectation } from './iptables-render';

// Parses `iptables-save -c -t filter` (or ip6tables-save) for the OUTFLOW chain and the jump to it.

export interface IptObserved {
  chainPresent: boolean;
  jumpPresent: boolean;
  /** OUTFLOW rule lines without their counters, in order. */
  lines: string[];
  /** Packet totals per rule id (from `--comment outflow:<id>`). */
  packets: Map<number, number>;
  bytes: Map<number, number>;
  linesPerRule: Map<number, number>;
}

export function parseIptablesSave(text: string): IptObserved {
  const o: IptObserved = { chainPresent: false, jumpPresent: false, lines: [], packets: new Map(), bytes: new Map(), linesPerRule: new Map() };
  let inFilter = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inFilter = line === '*filter';
    if (!inFilter) continue;
    if (line.startsWith(`:${IPT_CHAIN} `)) o.chainPresent = true;
    const m = /^(?:\[(\d+):(\d+)\]\s+)?-A (\S+) (.*)$/.exec(line);
    if (!m) continue;
    const chain = m[3];
    const rest = m[4] ?? '';
    if (chain === 'OUTPUT' && rest === `-j ${IPT_CHAIN}`) o.jumpPresent = true;
    if (chain !== IPT_CHAIN) continue;
    o.lines.push(rest);
    const id = /--comment "?outflow:(\d+)"?/.exec(rest);
    if (id) {
      const n = Number(id[1]);
      o.packets.set(n, (o.packets.get(n) ?? 0) + Number(m[1] ?? 0));
      o.bytes.set(n, (o.bytes.get(n) ?? 0) + Number(m[2] ?? 0));
      o.linesPerRule.set(n, (o.linesPerRule.get(n) ?? 0) + 1);
    }
  }
  return o;
}

export function compareIptables(o: IptObserved, expect: IptExpectation, fingerprint: string[] | null, label: string): { problems: string[]; held: number[] } {
  const problems: string[] = [];
  if (!o.chainPresent) return { problems: [`${label}: chain ${IPT_CHAIN} is missing`], held: [] };
  if (!o.jumpPresent) problems.push(`${label}: OUTPUT does not jump to ${IPT_CHAIN}`);
  if (o.lines.length !== expect.lines) problems.push(`${label}: chain ${IPT_CHAIN} has ${o.lines.length} rules, expected ${expect.lines}`);
  else if (fingerprint && fingerprint.some((f, i) => f !== o.lines[i])) problems.push(`${label}: a rule in chain ${IPT_CHAIN} was changed`);
  const held: number[] = [];
  if (o.jumpPresent) {
    for (const [id, n] of expect.perRule) if (n > 0 && o.linesPerRule.get(id) === n) held.push(id);
  }
  return { problems, held };
}
