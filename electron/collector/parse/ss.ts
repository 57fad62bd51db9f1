// Pure parser for iproute2 `ss` one-line output (`-O`), as produced by `ss -tuanieOH` (snapshots) and
// `ss -E -tuinOeH` (destroyed-socket events). Per line:
//   <netid> <state> <recv-q> <send-q> <local> <peer> [uid:N] [ino:N] [sk:HEX] [cgroup:PATH] [<->] [tcp_info…]
// Addresses: `1.2.3.4:80`, `[2001:db8::1]:443`, `[::ffff:1.2.3.4]:80`, `127.0.0.1%lo:53`,
// `[fe80::1]%eth0:546`, `*:5355`, `*%eth0:5357`, `0.0.0.0:*`, `*:*`.
// Scanning uses indexOf instead of splitting every token: a 5000-socket listing is ~5 MB per tick.
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
  state: string;
  local: SsEndpoint;
  peer: SsEndpoint;
  /** Owner uid. `ss -e` omits `uid:` when it is 0; mini sockets (TIME-WAIT, SYN-RECV) have no owner → null. */
  uid: number | null;
  /** 0 for sockets without an inode (TIME-WAIT, SYN-RECV, destroyed sockets in `-E` output) → null. */
  inode: number | null;
  /** Socket cookie as ss prints it (hex), the socket's identity for its life. */
  cookie: string | null;
  /** cgroup v2 path; null when absent or unresolvable (`unreachable:<id>`). */
  cgroup: string | null;
  /** Whether the line carries tcp_info (TCP full sockets only). */
  tcpInfo: boolean;
  bytesSent: number | null;
  bytesRetrans: number | null;
  bytesReceived: number | null;
}

const PROTOS: Record<string, Proto> = { tcp: 'tcp', udp: 'udp' };
const STATE_RE = /^[A-Z][A-Z0-9-]{0,15}$/;
const IFACE_RE = /^[^\s/:%]{1,15}$/;

/** Parse one line; null for lines that are not a tcp/udp socket line or are malformed. */
export function parseSsLine(line: string): SsSocket | null {
  const fields: string[] = [];
  let pos = 0;
  const len = line.length;
  while (fields.length < 6) {
    while (pos < len && isSpace(line.charCodeAt(pos))) pos++;
    if (pos >= len) return null;
    const start = pos;
    while (pos < len && !isSpace(line.charCodeAt(pos))) pos++;
    fields.push(line.slice(start, pos));
  }
  const [netid, state, , , localText, peerText] = fields as [string, string, string, string, string, string];
  const proto = PROTOS[netid];
  if (!proto || !STATE_RE.test(state)) return null;
  const local = parseSsEndpoint(localText);
  const peer = parseSsEndpoint(peerText);
  if (!local || !peer) return null;
  unifyWildcardFamily(local, peer);

  // The rest holds `key:value` details and tcp_info. Keys are searched with a leading space so
  // `sk:` cannot match inside `rcv_ssthresh:` and friends.
  const rest = line.slice(pos);
  const inode = numberAfter(rest, ' ino:');
  const cookie = tokenAfter(rest, ' sk:');
  const cgroupRaw = tokenAfter(rest, ' cgroup:');
  const uidField = numberAfter(rest, ' uid:');
  // With details (`-e`: ino/sk printed) a missing uid means 0, except on mini sockets, which carry none.
  const details = inode !== null || cookie !== null;
  const miniSocket = state === 'TIME-WAIT' || state === 'SYN-RECV';
  const uid = uidField ?? (details && !miniSocket ? 0 : null);
  const tcpInfo =
    proto === 'tcp' && (rest.includes(' cwnd:') || rest.includes(' rto:') || rest.includes(' mss:') || rest.includes(' bytes_'));
  return {
    proto,
    state,
    local,
    peer,
    uid,
    inode: inode === null || inode === 0 ? null : inode,
    cookie: cookie !== null && /^[0-9a-f]{1,16}$/.test(cookie) ? cookie : null,
    cgroup: cgroupRaw !== null && cgroupRaw.startsWith('/') ? cgroupRaw : null,
    tcpInfo,
    bytesSent: tcpInfo ? (numberAfter(rest, ' bytes_sent:') ?? 0) : null,
    bytesRetrans: tcpInfo ? (numberAfter(rest, ' bytes_retrans:') ?? 0) : null,
    bytesReceived: tcpInfo ? (numberAfter(rest, ' bytes_received:') ?? 0) : null,
  };
}

export interface SsParseResult {
  sockets: SsSocket[];
  /** Non-empty lines that did not parse (a changed ss format shows up here rather than silently). */
  rejected: number;
}

export function parseSsOutput(text: string): SsParseResult {
  const sockets: SsSocket[] = [];
  let rejected = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const line = text.slice(start, end);
      const parsed = parseSsLine(line);
      if (parsed) sockets.push(parsed);
      else if (line.trim() !== '') rejected++;
    }
    start = end + 1;
  }
  return { sockets, rejected };
}

/** `addr[%iface]:port` with `[v6]`, `*` for the v6 wildcard and `*` for no port. */
export function parseSsEndpoint(text: string): SsEndpoint | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const portText = text.slice(colon + 1);
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^[0-9]{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else return null;

  let host = text.slice(0, colon);
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

  if (host === '*') return { address: '::', family: 6, wildcard: true, iface, port };
  if (host.startsWith('[')) {
    if (!host.endsWith(']')) return null;
    const inner = host.slice(1, -1);
    if (!isIPv6(inner)) return null;
    const mapped = mappedV4(inner);
    if (mapped) return { address: mapped, family: 4, wildcard: mapped === '0.0.0.0', iface, port };
    return { address: inner, family: 6, wildcard: inner === '::', iface, port };
  }
  if (isIPv4(host)) return { address: host, family: 4, wildcard: host === '0.0.0.0', iface, port };
  return null;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; else null. */
function mappedV4(v6: string): string | null {
  const m = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(v6);
  return m && isIPv4(m[1]!) ? m[1]! : null;
}

// ss prints `*` for the IPv6 wildcard only; when the other end is IPv4 the socket is a dual-stack
// socket talking IPv4, so the wildcard is reported in that family.
function unifyWildcardFamily(a: SsEndpoint, b: SsEndpoint): void {
  if (a.wildcard && !b.wildcard && a.family !== b.family) {
    a.family = b.family;
    a.address = b.family === 4 ? '0.0.0.0' : '::';
  } else if (b.wildcard && !a.wildcard && a.family !== b.family) {
    b.family = a.family;
    b.address = a.family === 4 ? '0.0.0.0' : '::';
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

function tokenAfter(text: string, key: string): string | null {
  const i = text.indexOf(key);
  if (i === -1) return null;
  const start = i + key.length;
  let end = start;
  while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
  return end > start ? text.slice(start, end) : null;
}

function numberAfter(text: string, key: string): number | null {
  const i = text.indexOf(key);
  if (i === -1) return null;
  let p = i + key.length;
  let n = 0;
  const start = p;
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    p++;
  }
  return p > start && p - start <= 20 ? n : null;
}
