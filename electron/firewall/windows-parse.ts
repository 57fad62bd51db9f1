// Parses the read-back the Windows script prints: `ConvertTo-Json -Compress` of
//   { profiles: [{ Name, Enabled, DefaultOutboundAction }], rules: <rows> }
// where each row projects Get-NetFirewallRule + its address/port/application filters from the
// ActiveStore. Windows PowerShell's ConvertTo-Json has shape quirks this parser absorbs:
//   - a pipeline/foreach result of one object is that object, not a one-element array; none is null
//   - multi-valued CIM properties (RemoteAddress, RemotePort) are a string when they hold one value
//   - IPv4 subnets come back as `198.18.1.0/255.255.255.0`, `Any` means no restriction
// Sources and re-record commands: test/fixtures/windows-firewall/README.md.
import { canonicalCidr, prefixFromV4Mask } from './pf-address';

export interface WindowsProfile {
  name: string;
  enabled: boolean;
  defaultOutboundAction: string;
}

export interface WindowsRuleRow {
  name: string;
  displayName: string;
  group: string;
  enabled: boolean;
  direction: string;
  action: string;
  /** Canonical where possible (other forms kept verbatim); null = Any. Sorted. */
  remoteAddress: string[] | null;
  /** `TCP`, `UDP`, another protocol verbatim, or null for Any. */
  protocol: string | null;
  /** Sorted; null = Any. */
  remotePort: string[] | null;
  /** null = Any (all programs). */
  program: string | null;
}

export interface WindowsReadback {
  profiles: WindowsProfile[];
  rules: WindowsRuleRow[];
}

export class WindowsParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowsParseError';
  }
}

export function parseReadback(stdout: string): WindowsReadback {
  // A UTF-8 BOM appears when the console's output encoding was switched to UTF-8 with a preamble.
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new WindowsParseError('PowerShell printed nothing');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new WindowsParseError(`PowerShell output is not JSON: ${text.slice(0, 120)}`);
  }
  if (!isRecord(doc)) throw new WindowsParseError('PowerShell output is not an object');
  return {
    profiles: asList(doc.profiles).map(parseProfile),
    rules: asList(doc.rules).map(parseRow),
  };
}

/** The single-object quirk: null → [], object → [object], array → array. */
export function asList(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function parseProfile(v: unknown): WindowsProfile {
  if (!isRecord(v)) throw new WindowsParseError('profile is not an object');
  return { name: str(v.Name), enabled: isTrue(v.Enabled), defaultOutboundAction: str(v.DefaultOutboundAction) };
}

function parseRow(v: unknown): WindowsRuleRow {
  if (!isRecord(v)) throw new WindowsParseError('rule row is not an object');
  return {
    name: str(v.Name),
    displayName: str(v.DisplayName),
    group: str(v.Group),
    enabled: isTrue(v.Enabled),
    direction: str(v.Direction),
    action: str(v.Action),
    remoteAddress: anyOrList(v.RemoteAddress, normalizeWindowsAddress),
    protocol: normalizeProtocol(v.Protocol),
    remotePort: anyOrList(v.RemotePort, (s) => s.trim()),
    program: normalizeProgram(v.Program),
  };
}

function anyOrList(v: unknown, map: (s: string) => string): string[] | null {
  const items = asList(v).map((x) => (typeof x === 'number' ? String(x) : str(x))).filter((s) => s !== '');
  if (items.length === 0 || items.some((s) => s.toLowerCase() === 'any' || s === '*')) return null;
  return items.map(map).sort();
}

/** `198.18.1.0/255.255.255.0` → `198.18.1.0/24`; ranges and keywords stay as written. */
export function normalizeWindowsAddress(raw: string): string {
  const s = raw.trim();
  const slash = s.indexOf('/');
  if (slash !== -1 && s.slice(slash + 1).includes('.')) {
    const prefix = prefixFromV4Mask(s.slice(slash + 1));
    if (prefix !== null) {
      const c = canonicalCidr(`${s.slice(0, slash)}/${prefix}`);
      if (c) return c.text;
    }
    return s;
  }
  return canonicalCidr(s)?.text ?? s;
}

function normalizeProtocol(v: unknown): string | null {
  const s = typeof v === 'number' ? String(v) : str(v);
  const u = s.toUpperCase();
  if (u === '' || u === 'ANY') return null;
  if (u === 'TCP' || u === '6') return 'TCP';
  if (u === 'UDP' || u === '17') return 'UDP';
  return s;
}

function normalizeProgram(v: unknown): string | null {
  const s = str(v);
  return s === '' || s.toLowerCase() === 'any' ? null : s;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** `True` as our script prints it; `1` is the GpoBoolean value when an enum is serialized uncast. */
function isTrue(v: unknown): boolean {
  return v === true || v === 1 || (typeof v === 'string' && v.toLowerCase() === 'true');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
