import { formatIPv6 as formatGroups } from '../net/ip';
// Pure validation and canonical forms for rule targets, ports and free text. Browser-safe (no Node
// imports): the renderer uses it to validate as the user types, the engine, CLI, API and the
// privileged helper use it again at their own boundaries.
//
// Decisions (documented for users in the Rules section of the README):
// - Addresses: IPv4 is strict dotted decimal (four octets, 0-255, no leading zeros: `01.2.3.4` is
//   refused because some parsers read it as octal). IPv6 per RFC 4291 text forms, printed in
//   RFC 5952 canonical form; zone ids (`fe80::1%eth0`) are refused (a firewall rule cannot carry one).
//   IPv4-mapped IPv6 (`::ffff:198.18.0.1`) is stored as the IPv4 address, because that is what such a
//   socket puts on the wire and what the firewall sees.
// - CIDR with host bits set (`10.1.2.3/8`) is refused, naming the network the user probably meant
//   (`10.0.0.0/8`): silently widening or narrowing a block is worse than asking.
//   A /32 (or /128) is stored as the plain address.
// - Hostnames are IDNA-normalised (ASCII, lowercase, no trailing dot), ≤ 253 bytes, labels 1-63 bytes of
//   letters, digits and inner hyphens; the last label must start with a letter, so nothing numeric
//   (`1.2.3`, `0x7f.1`, fullwidth digits) is ever taken for a name.

export type TargetKind = 'ip' | 'cidr' | 'host' | 'any';
export type AddressFamily = 4 | 6;

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ParsedTarget {
  kind: TargetKind;
  /** Canonical text: `198.18.0.1`, `2001:db8::/32`, `example.org`, `any`. */
  target: string;
  family: AddressFamily | null;
  /** Prefix length for ip (32/128) and cidr; 0 for any; null for host. */
  prefix: number | null;
}

export interface ParsedAddress {
  family: AddressFamily;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
  /** Canonical text. */
  text: string;
}

export const MAX_HOSTNAME_BYTES = 253;
export const MAX_LABEL_BYTES = 63;
export const MAX_NOTE_CHARS = 1000;
export const MAX_APP_PATH_CHARS = 4096;

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

// C0, DEL, C1 controls, plus the invisible bidi/format characters that can make a displayed target
// or note read differently from what is stored (Trojan Source style), and lone surrogates.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/u;
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** Null when `s` has no control, invisible-format or broken-surrogate characters, else a message. */
export function controlCharProblem(s: string, what: string): string | null {
  const m = CONTROL_RE.exec(s);
  if (m) {
    const cp = m[0].codePointAt(0) ?? 0;
    return `${what} contains a control or invisible character (U+${cp.toString(16).toUpperCase().padStart(4, '0')}) at position ${m.index + 1}`;
  }
  if (LONE_SURROGATE_RE.test(s)) return `${what} contains a broken Unicode character`;
  return null;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** Strict dotted-decimal IPv4: exactly four 0-255 octets without leading zeros. */
export function parseIPv4(s: string): number[] | null {
  if (s.length > 15) return null;
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** RFC 4291 text forms (with optional trailing dotted IPv4), as 16 bytes; no zone ids. */
export function parseIPv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  let head = s;
  let v4: number[] | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return null;
    // Keep a "::" just before the IPv4 part ("::1.2.3.4"); drop a single separating ':' ("::ffff:1.2.3.4").
    head = s.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = v4 ? 6 : 8;
  const dbl = head.indexOf('::');
  if (dbl !== -1 && head.indexOf('::', dbl + 1) !== -1) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl === -1) {
    const g = parseGroups(head);
    if (!g || g.length !== groupsNeeded) return null;
    groups = g;
  } else {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right) return null;
    const missingGroups = groupsNeeded - left.length - right.length;
    // "::" stands for at least one zero group.
    if (missingGroups < 1) return null;
    groups = [...left, ...new Array<number>(missingGroups).fill(0), ...right];
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (v4) bytes.push(...v4);
  return bytes.length === 16 ? bytes : null;
}

export function formatIPv4(bytes: readonly number[]): string {
  return bytes.join('.');
}

/** RFC 5952 text of a 16-byte IPv6 address. */
export function formatIPv6(bytes: readonly number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return formatGroups(groups);
}

function isV4Mapped(bytes: readonly number[]): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Any address text (as a user or the OS writes it) → canonical form; IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(s: string): ParsedAddress | null {
  const v4 = parseIPv4(s);
  if (v4) return { family: 4, bytes: v4, text: formatIPv4(v4) };
  const v6 = parseIPv6(s);
  if (!v6) return null;
  if (isV4Mapped(v6)) {
    const b = v6.slice(12);
    return { family: 4, bytes: b, text: formatIPv4(b) };
  }
  return { family: 6, bytes: v6, text: formatIPv6(v6) };
}

function hostBitsSet(bytes: readonly number[], prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

function maskTo(bytes: readonly number[], prefix: number): number[] {
  return bytes.map((b, i) => {
    const bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
    return bitsHere === 0 ? 0 : b & (0xff << (8 - bitsHere)) & 0xff;
  });
}

/** True when `address` (canonical or not) falls inside `network`/`prefix`. */
export function prefixContains(network: ParsedAddress, prefix: number, address: ParsedAddress): boolean {
  if (network.family !== address.family) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const a = ((network.bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1;
    const b = ((address.bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1;
    if (a !== b) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Targets

const HOST_INPUT_ASCII_RE = /^[A-Za-z0-9.-]+$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// In a non-ASCII name, the ASCII part may still only be name characters: anything else ('%', '/', '@',
// ':' …) is URL syntax the parser would act on (percent-decoding, userinfo, ports) instead of refusing.
const NON_NAME_ASCII_RE = /[^A-Za-z0-9.\-\u{80}-\u{10ffff}]/u;

function parseHostname(input: string): Result<string> {
  let s = input;
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (s === '') return fail('hostname is empty');
  if (s.startsWith('.') || s.includes('..')) return fail('hostname has an empty label (two dots in a row, or a leading dot)');
  const ascii = HOST_INPUT_ASCII_RE.test(s);
  if (!ascii && NON_NAME_ASCII_RE.test(s)) return fail('hostname may contain only letters, digits, hyphens and dots');
  let name: string;
  if (ascii) {
    name = s.toLowerCase();
  } else {
    // IDNA (UTS #46) through the platform URL parser, the same in Node and the browser.
    try {
      name = new URL(`http://${s}/`).hostname;
    } catch {
      return fail('hostname is not a valid internationalised domain name');
    }
    if (name.endsWith('.')) name = name.slice(0, -1);
    if (name === '' || name.startsWith('.') || name.includes('..')) return fail('hostname has an empty label');
    if (!HOST_INPUT_ASCII_RE.test(name)) return fail('hostname is not a valid internationalised domain name');
  }
  if (utf8Length(name) > MAX_HOSTNAME_BYTES) return fail(`hostname is longer than ${MAX_HOSTNAME_BYTES} bytes`);
  const labels = name.split('.');
  for (const label of labels) {
    if (label.length > MAX_LABEL_BYTES) return fail(`hostname label "${label.slice(0, 20)}…" is longer than ${MAX_LABEL_BYTES} bytes`);
    if (!LABEL_RE.test(label)) return fail(`hostname label "${label}" may contain only letters, digits and inner hyphens`);
  }
  const last = labels[labels.length - 1] ?? '';
  if (!/^[a-z]/.test(last)) {
    return fail('not a valid address or hostname (a hostname must end in a label that starts with a letter)');
  }
  if (ascii && labels.some((l) => l.startsWith('xn--'))) {
    // Validate punycode labels the same way a non-ASCII name would be.
    try {
      if (new URL(`http://${name}/`).hostname !== name) return fail('hostname has an invalid punycode (xn--) label');
    } catch {
      return fail('hostname has an invalid punycode (xn--) label');
    }
  }
  return ok(name);
}

/** Parse a rule target: IPv4/IPv6 address, CIDR, hostname, or `any`. One clear message on failure. */
export function parseTarget(raw: string): Result<ParsedTarget> {
  if (typeof raw !== 'string') return fail('target must be text');
  const control = controlCharProblem(raw, 'target');
  if (control) return fail(control);
  const s = raw.trim();
  if (s === '') return fail('target is empty');
  if (s.length > 300) return fail('target is longer than 300 characters');
  if (s.toLowerCase() === 'any') return ok({ kind: 'any', target: 'any', family: null, prefix: 0 });
  if (s.includes(':') && s.includes('%')) {
    return fail('IPv6 zone ids (the "%eth0" part) are not supported in rules; use the address alone');
  }
  if (/[^A-Za-z0-9.:/[\]\-\u{80}-\u{10ffff}]/u.test(s)) {
    return fail('target must be an IP address, a network (CIDR), a hostname or "any"; it contains a character none of them use');
  }
  if (s.includes('/')) return parseCidr(s);
  const addr = parseAddress(s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s);
  if (addr) return ok({ kind: 'ip', target: addr.text, family: addr.family, prefix: addr.family === 4 ? 32 : 128 });
  if (/^[0-9.]+$/.test(s)) {
    if (s.split('.').some((p) => /^0[0-9]/.test(p))) return fail(`"${s}" has an octet with a leading zero; write it without (e.g. 1.2.3.4)`);
    return fail(`"${s}" is not a valid IPv4 address (four numbers 0-255 separated by dots)`);
  }
  if (s.includes(':')) return fail(`"${s}" is not a valid IPv6 address`);
  const host = parseHostname(s);
  if (!host.ok) return host;
  return ok({ kind: 'host', target: host.value, family: null, prefix: null });
}

function parseCidr(s: string): Result<ParsedTarget> {
  const slash = s.indexOf('/');
  if (s.indexOf('/', slash + 1) !== -1) return fail(`"${s}" has more than one "/"`);
  const addrText = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (lenText === '') return fail(`"${s}" is missing the prefix length after "/"`);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return fail(`"${s}" has an invalid prefix length (a number without leading zeros)`);
  const len = Number(lenText);
  const v4 = parseIPv4(addrText);
  const v6 = v4 ? null : parseIPv6(addrText);
  if (!v4 && !v6) return fail(`"${addrText}" before "/" is not a valid IPv4 or IPv6 address`);
  let family: AddressFamily = v4 ? 4 : 6;
  let bytes = (v4 ?? v6) as number[];
  let prefix = len;
  const max = family === 4 ? 32 : 128;
  if (len > max) return fail(`prefix length /${len} is too long for IPv${family} (at most /${max})`);
  if (family === 6 && isV4Mapped(bytes)) {
    if (len < 96) return fail('an IPv4-mapped IPv6 network needs a prefix of at least /96; write the IPv4 network instead');
    family = 4;
    bytes = bytes.slice(12);
    prefix = len - 96;
  }
  const net: ParsedAddress = { family, bytes, text: family === 4 ? formatIPv4(bytes) : formatIPv6(bytes) };
  if (hostBitsSet(bytes, prefix)) {
    const masked = maskTo(bytes, prefix);
    const suggestion = `${family === 4 ? formatIPv4(masked) : formatIPv6(masked)}/${prefix}`;
    return fail(`"${s}" has host bits set after /${prefix}; did you mean ${suggestion}?`);
  }
  if (prefix === (family === 4 ? 32 : 128)) return ok({ kind: 'ip', target: net.text, family, prefix });
  return ok({ kind: 'cidr', target: `${net.text}/${prefix}`, family, prefix });
}

/** True for targets that cover every address of a family (or all): blocking them needs `force`. */
export function coversEverything(t: ParsedTarget): boolean {
  return t.kind === 'any' || (t.kind === 'cidr' && t.prefix === 0);
}

/** Does a canonical address fall under a parsed ip/cidr/any target? (host targets: check their resolved addresses) */
export function targetContains(t: ParsedTarget, address: ParsedAddress): boolean {
  if (t.kind === 'any') return true;
  if (t.kind === 'host' || t.family === null || t.prefix === null) return false;
  const base = t.kind === 'ip' ? t.target : t.target.slice(0, t.target.indexOf('/'));
  const net = parseAddress(base);
  return net !== null && prefixContains(net, t.prefix, address);
}

/**
 * For documents that must already be canonical (the helper's desired state): accepts only an address
 * or network exactly as `parseTarget` prints it, and never a hostname or `any`.
 */
export function parseCanonicalNetwork(s: string): Result<ParsedTarget> {
  if (typeof s !== 'string' || s.length > 64) return fail('address is not canonical');
  const t = parseTarget(s);
  if (!t.ok) return t;
  if (t.value.kind !== 'ip' && t.value.kind !== 'cidr') return fail(`"${s}" is not an address or network`);
  if (t.value.target !== s) return fail(`"${s}" is not in canonical form (expected "${t.value.target}")`);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Ports, paths, notes

/** "443" or "8000-8080" (inclusive). */
export function parsePortSpec(raw: string): Result<{ lo: number; hi: number }> {
  if (typeof raw !== 'string') return fail('port must be text like "443" or "8000-8080"');
  const s = raw.trim();
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(s);
  if (!m) return fail(`port "${s.slice(0, 20)}" must be a number 1-65535 or a range like 8000-8080`);
  const parse = (t: string): number | null => (/^[1-9][0-9]*$/.test(t) ? Number(t) : null);
  const lo = parse(m[1] ?? '');
  const hi = m[2] === undefined ? lo : parse(m[2]);
  if (lo === null || hi === null) return fail(`port "${s}" must not be 0 or start with 0`);
  if (lo > 65535 || hi > 65535) return fail(`port "${s}" is outside 1-65535`);
  if (hi < lo) return fail(`port range "${s}" is written backwards; write ${hi}-${lo}`);
  return ok({ lo, hi });
}

/** Absolute executable path (POSIX `/…` or Windows `C:\…`), no control characters, no `.`/`..` segments. */
export function validateAppPath(raw: string): Result<string> {
  if (typeof raw !== 'string' || raw === '') return fail('app path is empty');
  if (raw.length > MAX_APP_PATH_CHARS) return fail(`app path is longer than ${MAX_APP_PATH_CHARS} characters`);
  const control = controlCharProblem(raw, 'app path');
  if (control) return fail(control);
  const posix = raw.startsWith('/');
  const windows = /^[A-Za-z]:\\/.test(raw);
  if (!posix && !windows) return fail('app path must be absolute (start with "/" or a drive like "C:\\")');
  const segments = raw.split(posix ? '/' : /[\\/]/);
  if (segments.some((seg) => seg === '.' || seg === '..')) return fail('app path must not contain "." or ".." segments');
  return ok(raw);
}

/** Notes are stored verbatim (shell metacharacters included); control and invisible characters are refused. */
export function validateNote(raw: string): Result<string> {
  if (typeof raw !== 'string') return fail('note must be text');
  if (raw.length > MAX_NOTE_CHARS) return fail(`note is longer than ${MAX_NOTE_CHARS} characters`);
  const control = controlCharProblem(raw, 'note');
  if (control) return fail(control);
  return ok(raw);
}
