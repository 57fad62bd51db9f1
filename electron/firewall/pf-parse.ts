// Parsers for pfctl's output on macOS. Formats follow pfctl's printf calls (see
// test/fixtures/pf/README.md for the sources and the commands that re-record the fixtures):
//   -sr -v     one rule per line, then `  [ Evaluations: N  Packets: N  Bytes: N  States: N ]`
//              and `  [ Inserted: uid U pid P ]`; tables print as `<name>` (`<name:count>` with -vv)
//   -T show    one address per line, indented three spaces
//   -s Tables  one table name per line
//   -s info    first line `Status: Enabled for …` / `Status: Disabled …`
//   -E         `pf enabled` / `Token : <n>` on stderr
// Each parser is total: unknown lines are kept as unparsed so they count as drift, never dropped.
import { canonicalCidr } from './pf-address';
import { PF_ANCHOR, type PfRuleLine } from './pf-render';
import { isPfctlNoise } from './pf-runner';

export interface PfKernelRule {
  /** The rule as printed. */
  text: string;
  /** Null when the line is not one Outflow writes (foreign or hand-edited rule). */
  line: PfRuleLine | null;
  evaluations: number | null;
  packets: number | null;
  bytes: number | null;
}

const COUNTERS_RE = /^\[\s*Evaluations:\s*(\d+)\s+Packets:\s*(\d+)\s+Bytes:\s*(\d+)\s+States:\s*(\d+)\s*\]$/;

export function parseAnchorRules(stdout: string): PfKernelRule[] {
  const rules: PfKernelRule[] = [];
  for (const raw of stdout.split('\n')) {
    const text = raw.trim();
    if (text === '' || isPfctlNoise(text)) continue;
    if (text.startsWith('[')) {
      const last = rules[rules.length - 1];
      const m = COUNTERS_RE.exec(text);
      if (m && last) {
        last.evaluations = Number(m[1]);
        last.packets = Number(m[2]);
        last.bytes = Number(m[3]);
      }
      continue; // `[ Inserted: … ]` and other annotations
    }
    // -vv prefixes rule numbers (`@3 block …`); accept them so either verbosity parses.
    const body = text.replace(/^@\d+\s+/, '');
    rules.push({ text: body, line: parseRuleLine(body), evaluations: null, packets: null, bytes: null });
  }
  return rules;
}

/** Reads back one rule in pfctl's print order; null when it is not in the shape we render. */
export function parseRuleLine(text: string): PfRuleLine | null {
  const labelMatch = / label "([^"]*)"/.exec(text);
  if (!labelMatch) return null;
  const label = labelMatch[1] as string;
  // pfctl prints `tag` and `[!] tagged` after the label.
  const tail = text.slice(labelMatch.index + labelMatch[0].length).split(/\s+/).filter(Boolean);
  let tag: string | null = null;
  let notTagged: string | null = null;
  for (let t = 0; t < tail.length; ) {
    if (tail[t] === 'tag' && tail[t + 1]) {
      tag = tail[t + 1] as string;
      t += 2;
    } else if (tail[t] === '!' && tail[t + 1] === 'tagged' && tail[t + 2]) {
      notTagged = tail[t + 2] as string;
      t += 3;
    } else {
      return null; // `tagged X` without `!`, `rtable`, … : not a shape we write
    }
  }
  const w = text.slice(0, labelMatch.index).split(/\s+/).filter(Boolean);
  let i = 0;
  const next = (): string | undefined => w[i++];
  const peek = (): string | undefined => w[i];
  const first = next();
  let action: PfRuleLine['action'];
  if (first === 'block') {
    if (next() !== 'return') return null; // `block drop` would hang the app: not ours
    action = 'block';
  } else if (first === 'pass') {
    action = 'pass';
  } else {
    return null;
  }
  if (next() !== 'out') return null;
  const quick = peek() === 'quick';
  if (quick) next();
  let on: string | null = null;
  if (peek() === 'on') {
    next();
    const negated = peek() === '!';
    if (negated) next();
    const ifname = next();
    if (!ifname) return null;
    on = negated ? `! ${ifname}` : ifname;
  }
  let af: PfRuleLine['af'] = null;
  if (peek() === 'inet' || peek() === 'inet6') af = next() as PfRuleLine['af'];
  let proto: PfRuleLine['proto'] = null;
  if (peek() === 'proto') {
    next();
    const p = next();
    if (p !== 'tcp' && p !== 'udp') return null;
    proto = p;
  }
  let to: string;
  let port: string | null = null;
  if (peek() === 'all') {
    next();
    to = 'any';
  } else {
    if (next() !== 'from' || next() !== 'any' || next() !== 'to') return null;
    const target = next();
    if (!target) return null;
    const table = /^<([A-Za-z0-9_]+)(?::(?:\d+|\*))?>$/.exec(target);
    if (table) to = `<${table[1]}>`;
    else if (target === 'any') to = 'any';
    else return null;
    if (peek() === 'port') {
      next();
      const op = next();
      if (op === '=') {
        const n = next();
        if (!n || !/^\d{1,5}$/.test(n)) return null;
        port = `= ${n}`;
      } else if (op && /^\d{1,5}:\d{1,5}$/.test(op)) {
        port = op;
      } else {
        return null;
      }
    }
  }
  // What follows (`flags S/SA keep state`, `no state`) is pf's defaults for pass rules.
  return { action, quick, af, proto, on, to, port, label, tag, notTagged };
}

/** `-T show`: canonical addresses; anything unparseable is returned verbatim so it shows as drift. */
export function parseTableShow(stdout: string): string[] {
  const out: string[] = [];
  for (const raw of stdout.split('\n')) {
    const t = raw.trim();
    if (t === '' || isPfctlNoise(t)) continue;
    const c = canonicalCidr(t);
    out.push(c ? c.text : t);
  }
  return out.sort();
}

export function parseTableList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !isPfctlNoise(l))
    .sort();
}

/** pfctl -E prints `Token : 1234…` (on stderr on macOS); pass stdout and stderr together. */
export function parseEnableToken(output: string): string | null {
  const m = /^Token\s*:\s*([0-9]{1,20})\s*$/m.exec(output);
  return m ? (m[1] as string) : null;
}

export function parsePfEnabled(infoStdout: string): boolean | null {
  const m = /^Status:\s+(Enabled|Disabled)\b/m.exec(infoStdout);
  return m ? m[1] === 'Enabled' : null;
}

/** Whether the main ruleset evaluates our anchor (`anchor "com.outflow" all`). */
export function hasAnchorHook(mainRulesStdout: string): boolean {
  return mainRulesStdout
    .split('\n')
    .map((l) => l.trim().replace(/^@\d+\s+/, ''))
    .some((l) => l === `anchor "${PF_ANCHOR}" all` || l.startsWith(`anchor "${PF_ANCHOR}" `));
}
