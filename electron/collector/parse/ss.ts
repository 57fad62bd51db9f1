// Pure parser for iproute2 `ss` one-line output (`-O`), as produced by `ss -tuanieOH` (snapshots) and
// `ss -E -tuinOeH` (destroyed-socket events). Per line:
//   <netid> <state> <recv-q> <send-q> <local> <peer> [timer:…] [uid:N] [ino:N] [sk:HEX] [cgroup:PATH] [<->] [tcp_info…]
// Addresses: `1.2.3.4:80`, `[2001:db8::1]:443`, `[::ffff:1.2.3.4]:80`, `127.0.0.1%lo:53`,
// `[fe80::1]%eth0:546`, `*:5355`, `*%eth0:5357`, `0.0.0.0:*`, `*:*`.
//
// Cost matters: 10 000 sockets are ~5 MB of output per tick. Lines are parsed as bytes straight from
// the pipe's buffers (no decoded copy of the output, no string per line), the state is matched
// against constants, and a socket already seen (same cookie) reuses its parsed addresses.
import { isIPv4, isIPv6 } from 'node:net';
import type { Family, Proto } from '../../shared/types';

export interface SsEndpoint {
  /** Canonical text: IPv4 dotted (also for IPv4-mapped IPv6), IPv6 as ss prints it; `*` becomes `::`. */
  address: string;
  family: Family;
  /** True for 0.0.0.0 / :: (ss prints `*` for the IPv6 wildcard). */
  wildcard: boolean;
  /** Interface the socket is bound to (`%lo`), else null. */
  iface: string | null;
  /** null for `*` (no port). */
  port: number | null;
}

export interface SsSocket {
  proto: Proto;
  /** The family the socket talks in (an IPv6 socket talking to an IPv4-mapped peer is 4). */
  family: Family;
  state: string;
  local: SsEndpoint;
  peer: SsEndpoint;
  /**
   * Owner uid. In listings `ss -e` omits `uid:` when it is 0; mini sockets (TIME-WAIT, SYN-RECV) have
   * no owner → null. `ss -E` never prints it (verified with a uid 65534 socket), so there it is null.
   */
  uid: number | null;
  /** 0 for sockets without an inode (TIME-WAIT, SYN-RECV, destroyed sockets in `-E` output) → null. */
  inode: number | null;
  /** Socket cookie as ss prints it (hex), the socket's identity for its life. */
  cookie: string | null;
  /** The cookie as a number when it fits (always, in practice): a cache key that costs no string. */
  cookieId: number | null;
  /** cgroup v2 path; null when absent or unresolvable (`unreachable:<id>`). */
  cgroup: string | null;
  /** Whether the line carries tcp_info (TCP full sockets only). */
  tcpInfo: boolean;
  bytesSent: number | null;
  bytesRetrans: number | null;
  bytesReceived: number | null;
}

export interface SsParseOptions {
  /** Listings (`ss -e`) omit `uid:0`; event lines (`ss -E`) omit the uid altogether. Default true. */
  uidOmittedMeansRoot?: boolean;
  /**
   * The same socket (by cookie) as parsed in an earlier listing. Its addresses never change, so it
   * is updated in place (state, owner, counters) and returned instead of parsed into a new object:
   * a tick's cost, and its garbage, are dominated by sockets already seen.
   */
  known?: (cookieId: number) => SsSocket | undefined;
}

export interface SsParseResult {
  sockets: SsSocket[];
  /** Non-empty lines that did not parse (a changed ss format shows up here rather than silently). */
  rejected: number;
}

/**
 * Parse one line; null for lines that are not a tcp/udp socket line or are malformed.
 * Note: bytes_received counts the peer's FIN (+1 once the peer closed); it is reported as ss gives it.
 */
export function parseSsLine(line: string, opts: SsParseOptions = {}): SsSocket | null {
  const b = Buffer.from(line, 'utf8');
  return parseSsBytes(b, 0, b.length, opts);
}

export function parseSsOutput(text: string, opts: SsParseOptions = {}): SsParseResult {
  const sockets: SsSocket[] = [];
  const parser = new SsStreamParser((s) => sockets.push(s), opts);
  parser.push(text);
  parser.end();
  return { sockets, rejected: parser.rejected };
}

/**
 * Incremental parser for ss output arriving in chunks, so lines are parsed while ss is still
 * writing (ss takes ~150 ms to print 10 000 sockets; parsing overlaps it instead of following it).
 */
export class SsStreamParser {
  private partial: Buffer | null = null;
  rejected = 0;

  constructor(
    private readonly onSocket: (s: SsSocket) => void,
    private readonly opts: SsParseOptions = {},
  ) {}

  push(chunk: Buffer | string): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (this.partial) {
      // Only the line that straddles two chunks is copied.
      const nl = b.indexOf(NL);
      if (nl === -1) {
        this.partial = Buffer.concat([this.partial, b]);
        return;
      }
      const joined = Buffer.concat([this.partial, b.subarray(0, nl)]);
      this.partial = null;
      this.line(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = b.indexOf(NL, start);
      if (nl === -1) break;
      this.line(b, start, nl);
      start = nl + 1;
    }
    if (start < b.length) this.partial = Buffer.from(b.subarray(start));
  }

  end(): void {
    if (this.partial) this.line(this.partial, 0, this.partial.length);
    this.partial = null;
  }

  private line(b: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const parsed = parseSsBytes(b, start, end, this.opts);
    if (parsed) this.onSocket(parsed);
    else if (spacesEnd(b, start, end) < end) this.rejected++;
  }
}

const NL = 10;
const BYTES_NEEDLE = Buffer.from(' bytes_', 'latin1');
/** Other `-e` detail keys (and `timer:`, printed for TCP) that come before tcp_info and are not used. */
const SKIPPED_DETAILS = ['timer:', 'v6only:', 'fwmark:', 'tos:', 'tclass:', 'class_id:', 'ipproto:'].map((k) => Buffer.from(k, 'latin1'));
const SHUTDOWN_MARKERS = ['<->', '--->', '<---', '---'].map((k) => Buffer.from(k, 'latin1'));
/** State names as ss prints them, indexed by the kernel's state number (sock_diag reports numbers). */
export const SS_STATE_NAMES = [
  'UNKNOWN',
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'UNCONN',
  'CLOSE-WAIT',
  'LAST-ACK',
  'LISTEN',
  'CLOSING',
] as const;
/** The same, as bytes, so a line's state costs no string. */
const STATES = SS_STATE_NAMES.map((name) => ({ name, bytes: Buffer.from(name, 'latin1') }));

/** Parse the line b[start, end). */
function parseSsBytes(b: Buffer, start: number, end: number, opts: SsParseOptions): SsSocket | null {
  // netid: exactly `tcp` or `udp`.
  let pos = spacesEnd(b, start, end);
  let tEnd = tokenEnd(b, pos, end);
  if (tEnd - pos !== 3) return null;
  const proto: Proto | null =
    b[pos] === 0x74 && b[pos + 1] === 0x63 && b[pos + 2] === 0x70 ? 'tcp' : b[pos] === 0x75 && b[pos + 1] === 0x64 && b[pos + 2] === 0x70 ? 'udp' : null;
  if (!proto) return null;
  pos = spacesEnd(b, tEnd, end);
  tEnd = tokenEnd(b, pos, end);
  const state = stateAt(b, pos, tEnd);
  if (state === null) return null;
  pos = tokenEnd(b, spacesEnd(b, tEnd, end), end); // recv-q
  pos = tokenEnd(b, spacesEnd(b, pos, end), end); // send-q
  const localStart = spacesEnd(b, pos, end);
  const localEnd = tokenEnd(b, localStart, end);
  const peerStart = spacesEnd(b, localEnd, end);
  const peerEnd = tokenEnd(b, peerStart, end);
  if (peerEnd === peerStart || localEnd === localStart) return null;
  pos = peerEnd;

  // Details (`-e`) come first, one `key:value` token each, ending at the shutdown marker (`<->`)
  // or at the first tcp_info token; read in order, without searching the whole line.
  let uidField: number | null = null;
  let inode: number | null = null;
  let cookieStart = -1;
  let cookieEnd = -1;
  let cgroupStart = -1;
  let cgroupEnd = -1;
  let afterDetails: number;
  for (;;) {
    pos = spacesEnd(b, pos, end);
    if (pos >= end) {
      afterDetails = pos;
      break;
    }
    const e = tokenEnd(b, pos, end);
    if (startsWith(b, pos, e, INO)) inode = decimal(b, pos + 4, e);
    else if (startsWith(b, pos, e, SK)) {
      cookieStart = pos + 3;
      cookieEnd = e;
    } else if (startsWith(b, pos, e, UID)) uidField = decimal(b, pos + 4, e);
    else if (startsWith(b, pos, e, CGROUP)) {
      cgroupStart = pos + 7;
      cgroupEnd = e;
    } else if (!startsWithAny(b, pos, e, SKIPPED_DETAILS)) {
      afterDetails = e - pos <= 4 && startsWithAny(b, pos, e, SHUTDOWN_MARKERS, true) ? e : pos;
      break;
    }
    pos = e;
  }
  const details = inode !== null || cookieStart !== -1;
  // With details a missing uid means 0 (listings), except on mini sockets, which carry none.
  const miniSocket = state === 'TIME-WAIT' || state === 'SYN-RECV';
  const uid = uidField ?? (details && !miniSocket && opts.uidOmittedMeansRoot !== false ? 0 : null);

  const cookieLen = cookieEnd - cookieStart;
  const cookieValid = cookieStart !== -1 && cookieLen >= 1 && cookieLen <= 16 && isHex(b, cookieStart, cookieEnd);
  const cookieId = cookieValid && cookieLen <= 13 ? hexValue(b, cookieStart, cookieEnd) : null;
  const before = cookieId !== null && opts.known ? opts.known(cookieId) : undefined;

  const reuse = before !== undefined && before.proto === proto;
  let local: SsEndpoint | null = null;
  let peer: SsEndpoint | null = null;
  if (!reuse) {
    local = parseSsEndpoint(b.toString('utf8', localStart, localEnd));
    peer = parseSsEndpoint(b.toString('utf8', peerStart, peerEnd));
    if (!local || !peer) return null;
    unifyWildcardFamily(local, peer);
  }

  // tcp_info follows for full TCP sockets: anything after the details.
  let tcpInfo = false;
  let bytesSent: number | null = null;
  let bytesRetrans: number | null = null;
  let bytesReceived: number | null = null;
  if (proto === 'tcp') {
    const p = spacesEnd(b, afterDetails, end);
    tcpInfo = p < end;
    if (tcpInfo) {
      bytesSent = 0;
      bytesRetrans = 0;
      bytesReceived = 0;
      // ss prints bytes_sent, bytes_retrans, bytes_acked, bytes_received together, each only when
      // non-zero: jump to the block once and read its consecutive tokens.
      let at = findBytesField(b, p - 1, end);
      let sawReceived = false;
      while (at !== -1 && startsWith(b, at, end, BYTES_NEEDLE)) {
        const name = at + 7;
        let colon = name;
        while (colon < end && b[colon] !== 0x3a) colon++;
        let e = colon + 1;
        let n = 0;
        while (e < end && b[e]! >= 48 && b[e]! <= 57) {
          n = n * 10 + (b[e]! - 48);
          e++;
        }
        if (startsWith(b, name, colon + 1, SENT)) bytesSent = n;
        else if (startsWith(b, name, colon + 1, RETRANS)) bytesRetrans = n;
        else if (startsWith(b, name, colon + 1, RECEIVED)) {
          bytesReceived = n;
          sawReceived = true;
        }
        at = e;
      }
      if (!sawReceived && at !== -1) {
        // Not in the block (ss versions differ): look once more in the rest of the line.
        for (let r = findBytesField(b, at, end); r !== -1; r = findBytesField(b, r + 1, end)) {
          if (startsWith(b, r, end, RECEIVED_NEEDLE)) {
            bytesReceived = decimalPrefix(b, r + RECEIVED_NEEDLE.length, end);
            break;
          }
        }
      }
    }
  }

  if (reuse) {
    before.state = state;
    before.uid = uid;
    before.inode = inode === null || inode === 0 ? null : inode;
    before.tcpInfo = tcpInfo;
    before.bytesSent = bytesSent;
    before.bytesRetrans = bytesRetrans;
    before.bytesReceived = bytesReceived;
    return before;
  }
  return {
    proto,
    family: peer!.wildcard ? local!.family : peer!.family,
    state,
    local: local!,
    peer: peer!,
    uid,
    inode: inode === null || inode === 0 ? null : inode,
    cookie: cookieValid ? b.toString('latin1', cookieStart, cookieEnd) : null,
    cookieId,
    cgroup: cgroupStart !== -1 && b[cgroupStart] === 0x2f /* / */ ? b.toString('utf8', cgroupStart, cgroupEnd) : null,
    tcpInfo,
    bytesSent,
    bytesRetrans,
    bytesReceived,
  };
}

const INO = Buffer.from('ino:', 'latin1');
const SK = Buffer.from('sk:', 'latin1');
const UID = Buffer.from('uid:', 'latin1');
const CGROUP = Buffer.from('cgroup:', 'latin1');
const SENT = Buffer.from('sent:', 'latin1');
const RETRANS = Buffer.from('retrans:', 'latin1');
const RECEIVED = Buffer.from('received:', 'latin1');
const RECEIVED_NEEDLE = Buffer.from(' bytes_received:', 'latin1');

function stateAt(b: Buffer, start: number, end: number): string | null {
  for (const s of STATES) if (s.bytes.length === end - start && startsWith(b, start, end, s.bytes)) return s.name;
  // An unknown state from a newer ss: accept a plausible name rather than drop the socket.
  if (end - start < 1 || end - start > 16 || !(b[start]! >= 65 && b[start]! <= 90)) return null;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45)) return null;
  }
  return b.toString('latin1', start, end);
}

type SsHost = Omit<SsEndpoint, 'port'>;

// Host texts repeat across sockets (one local address, a few hundred peers); validating an IPv6
// address is the costliest step for a new socket, so validated hosts are remembered.
const hostCache = new Map<string, SsHost | null>();
const HOST_CACHE_MAX = 4096;

/** `addr[%iface]:port` with `[v6]`, `*` for the v6 wildcard and `*` for no port. */
export function parseSsEndpoint(text: string): SsEndpoint | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  let port: number | null;
  if (colon === text.length - 2 && text.charCodeAt(colon + 1) === 42 /* * */) port = null;
  else {
    if (text.length - colon - 1 > 5) return null;
    port = digits(text.slice(colon + 1));
    if (port === null || port > 65535) return null;
  }
  const hostText = text.slice(0, colon);
  let host = hostCache.get(hostText);
  if (host === undefined) {
    host = parseSsHost(hostText);
    if (hostCache.size >= HOST_CACHE_MAX) hostCache.clear();
    hostCache.set(hostText, host);
  }
  return host ? { address: host.address, family: host.family, wildcard: host.wildcard, iface: host.iface, port } : null;
}

function parseSsHost(hostText: string): SsHost | null {
  let host = hostText;
  let iface: string | null = null;
  const pct = host.lastIndexOf('%');
  // An interface suffix follows the host (`[fe80::1]%eth0`, `127.0.0.1%lo`, `*%eth0`); a `%` inside
  // brackets would be a zone id, which ss does not print.
  if (pct !== -1 && pct > host.lastIndexOf(']')) {
    const name = host.slice(pct + 1);
    if (!IFACE_RE.test(name)) return null;
    iface = name;
    host = host.slice(0, pct);
  }

  if (host === '*') return { address: '::', family: 6, wildcard: true, iface };
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return null;
    const inner = host.slice(1, -1);
    if (!isIPv6(inner)) return null;
    const mapped = mappedV4(inner);
    if (mapped) return { address: mapped, family: 4, wildcard: mapped === '0.0.0.0', iface };
    return { address: inner, family: 6, wildcard: inner === '::', iface };
  }
  if (isIPv4(host)) return { address: host, family: 4, wildcard: host === '0.0.0.0', iface };
  return null;
}

const IFACE_RE = /^[^\s/:%]{1,15}$/;

/** `::ffff:1.2.3.4` → `1.2.3.4`; else null. */
function mappedV4(v6: string): string | null {
  const m = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(v6);
  return m && isIPv4(m[1]!) ? m[1]! : null;
}

// ss prints `*` for the IPv6 wildcard only; when the other end is IPv4 the socket is a dual-stack
// socket talking IPv4, so the wildcard is reported in that family.
export function unifyWildcardFamily(a: SsEndpoint, b: SsEndpoint): void {
  if (a.wildcard && !b.wildcard && a.family !== b.family) {
    a.family = b.family;
    a.address = b.family === 4 ? '0.0.0.0' : '::';
  } else if (b.wildcard && !a.wildcard && a.family !== b.family) {
    b.family = a.family;
    b.address = a.family === 4 ? '0.0.0.0' : '::';
  }
}

function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 13;
}

function spacesEnd(b: Buffer, from: number, end: number): number {
  let p = from;
  while (p < end && isSpace(b[p])) p++;
  return p;
}

function tokenEnd(b: Buffer, from: number, end: number): number {
  let p = from;
  while (p < end && !isSpace(b[p])) p++;
  return p;
}

/**
 * Position of the next ` bytes_` in b[from, end), or -1. A plain loop: Buffer#indexOf with a
 * Buffer needle costs a native call and search setup per line, measured at 3× this loop.
 */
function findBytesField(b: Buffer, from: number, end: number): number {
  const last = end - 7;
  for (let i = from < 0 ? 0 : from; i <= last; i++) {
    // ' bytes_': 0x20 62 79 74 65 73 5f
    if (b[i] === 0x20 && b[i + 1] === 0x62 && b[i + 2] === 0x79 && b[i + 3] === 0x74 && b[i + 4] === 0x65 && b[i + 5] === 0x73 && b[i + 6] === 0x5f) {
      return i;
    }
  }
  return -1;
}

/** Whether b[at, limit) starts with one of `prefixes` (or equals one, when `exact`). */
function startsWithAny(b: Buffer, at: number, limit: number, prefixes: readonly Buffer[], exact = false): boolean {
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i]!;
    if ((!exact || p.length === limit - at) && startsWith(b, at, limit, p)) return true;
  }
  return false;
}

/** Whether b[at, limit) starts with `prefix`. */
function startsWith(b: Buffer, at: number, limit: number, prefix: Buffer): boolean {
  if (limit - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/** Decimal digits filling b[start, end) exactly (≤ 15 of them); else null. */
function decimal(b: Buffer, start: number, end: number): number | null {
  if (end <= start || end - start > 15) return null;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Leading decimal digits from `start`; null when there are none. */
function decimalPrefix(b: Buffer, start: number, end: number): number | null {
  let p = start;
  let n = 0;
  while (p < end && b[p]! >= 48 && b[p]! <= 57 && p - start < 20) {
    n = n * 10 + (b[p]! - 48);
    p++;
  }
  return p > start ? n : null;
}

/** Lower-case hex (as ss prints cookies). */
function isHex(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Value of ≤ 13 hex digits (< 2^52, exact in a double). */
function hexValue(b: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    n = n * 16 + (c <= 57 ? c - 48 : c - 87);
  }
  return n;
}

/** Decimal digits only (no sign, no spaces), at most 15 of them; else null. */
function digits(text: string): number | null {
  if (text.length === 0 || text.length > 15) return null;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n;
}
