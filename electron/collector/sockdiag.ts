// Socket listings straight from the kernel (NETLINK_SOCK_DIAG, through addon/sockdiag) instead of
// forking `ss`: the same data ss prints (state, addresses, uid, inode, cookie, tcp_info byte
// counters), decoded into the `SsSocket` shape the collector already handles, so ss stays the
// fallback and the reference the tests compare against. Without the addon (not built, not Linux)
// `loadSockDiag()` returns null and the collector forks ss as before.
import { existsSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import type { Proto } from '../shared/types';
import { parseSsEndpoint, SS_STATE_NAMES, unifyWildcardFamily, type SsSocket } from './parse/ss';

interface Addon {
  list(tcp: boolean, udp: boolean, all: boolean): Buffer;
  recordSize: number;
}

export interface SockDiagQuery {
  tcp: boolean;
  udp: boolean;
  /** Every state (LISTEN, unconnected UDP, TIME-WAIT…); otherwise what `ss` lists without -a. */
  all: boolean;
}

export interface SockDiag {
  /**
   * Lists sockets. A socket whose cookie `known` returns is updated in place (its addresses never
   * change) instead of decoded again, as the ss parser does. Throws only when the kernel refuses.
   */
  list(q: SockDiagQuery, known?: (cookieId: number) => SsSocket | undefined): SsSocket[];
}

// Record layout written by addon/sockdiag/sockdiag.c.
const OFF_PROTO = 0;
const OFF_AF = 1;
const OFF_STATE = 2;
const OFF_FLAGS = 3;
const OFF_UID = 4;
const OFF_INODE = 8;
const OFF_COOKIE_LO = 12;
const OFF_COOKIE_HI = 16;
const OFF_LPORT = 20;
const OFF_RPORT = 22;
const OFF_SENT = 32;
const OFF_RETRANS = 40;
const OFF_RECEIVED = 48;
const OFF_LOCAL = 56;
const OFF_REMOTE = 104;
const OFF_IFNAME = 152;
const TEXT_LEN = 48;
const IFNAME_LEN = 16;
const FLAG_INFO = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const TCP_TIME_WAIT = 6;
const TCP_SYN_RECV = 3;
const TCP_NEW_SYN_RECV = 12;

/** Where the addon is: beside the sources in a checkout, unpacked beside app.asar when packaged. */
export function addonPath(): string {
  const override = process.env.OUTFLOW_SOCKDIAG_ADDON;
  if (override) return override;
  // Compiled: dist/electron/collector; run from source (tests): electron/collector.
  const candidates = [join(__dirname, '..', '..', '..', ADDON_REL), join(__dirname, '..', '..', ADDON_REL)].map((p) =>
    p.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2'),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

const ADDON_REL = join('addon', 'sockdiag', 'build', 'Release', 'sockdiag.node');

/**
 * The addon, or null with the reason: not Linux, turned off (OUTFLOW_SOCKDIAG=0), not built, or
 * failing its first listing (a kernel without inet_diag).
 */
export function loadSockDiag(): { diag: SockDiag | null; reason: string | null } {
  if (process.platform !== 'linux') return { diag: null, reason: 'not Linux' };
  if (process.env.OUTFLOW_SOCKDIAG === '0') return { diag: null, reason: 'turned off (OUTFLOW_SOCKDIAG=0)' };
  const file = addonPath();
  if (!existsSync(file)) return { diag: null, reason: `the sock_diag addon is not built (${file}); run npm run build` };
  let addon: Addon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a native module, loaded by path
    addon = require(file) as Addon;
    if (typeof addon.list !== 'function' || addon.recordSize !== 168) throw new Error('unexpected addon interface');
    addon.list(true, false, false);
  } catch (err) {
    return { diag: null, reason: `the sock_diag addon failed: ${(err as Error).message}` };
  }
  return { diag: createSockDiag(addon), reason: null };
}

export function createSockDiag(addon: Addon): SockDiag {
  const le = endianness() === 'LE';
  return {
    list(q, known) {
      const buf = addon.list(q.tcp, q.udp, q.all);
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const size = addon.recordSize;
      const out: SsSocket[] = [];
      for (let at = 0; at + size <= buf.length; at += size) {
        const s = decode(buf, view, at, le, known);
        if (s) out.push(s);
      }
      return out;
    },
  };
}

function decode(buf: Buffer, v: DataView, at: number, le: boolean, known?: (cookieId: number) => SsSocket | undefined): SsSocket | null {
  const protoNum = buf[at + OFF_PROTO];
  const proto: Proto | null = protoNum === IPPROTO_TCP ? 'tcp' : protoNum === IPPROTO_UDP ? 'udp' : null;
  const af = buf[at + OFF_AF];
  if (!proto || (af !== AF_INET && af !== AF_INET6)) return null;
  const stateNum = buf[at + OFF_STATE]!;
  // TCP_NEW_SYN_RECV (12) is a request socket; ss shows it as SYN-RECV.
  const state = stateNum === TCP_NEW_SYN_RECV ? 'SYN-RECV' : (SS_STATE_NAMES[stateNum] ?? 'UNKNOWN');
  const mini = stateNum === TCP_TIME_WAIT || stateNum === TCP_SYN_RECV || stateNum === TCP_NEW_SYN_RECV;
  const inodeRaw = v.getUint32(at + OFF_INODE, le);
  // Same identity as ss prints (`sk:%llx` of cookie[1] << 32 | cookie[0]) so `ss -E` events match.
  const hi = v.getUint32(at + OFF_COOKIE_HI, le);
  const lo = v.getUint32(at + OFF_COOKIE_LO, le);
  const cookieId = hi < 0x100000 ? hi * 0x100000000 + lo : null;
  const tcpInfo = proto === 'tcp' && (buf[at + OFF_FLAGS]! & FLAG_INFO) !== 0;
  const uid = mini ? null : v.getUint32(at + OFF_UID, le);
  const inode = inodeRaw === 0 ? null : inodeRaw;
  const bytesSent = tcpInfo ? v.getFloat64(at + OFF_SENT, le) : null;
  const bytesRetrans = tcpInfo ? v.getFloat64(at + OFF_RETRANS, le) : null;
  const bytesReceived = tcpInfo ? v.getFloat64(at + OFF_RECEIVED, le) : null;

  const before = cookieId !== null && known ? known(cookieId) : undefined;
  if (before !== undefined && before.proto === proto) {
    before.state = state;
    before.uid = uid;
    before.inode = inode;
    before.tcpInfo = tcpInfo;
    before.bytesSent = bytesSent;
    before.bytesRetrans = bytesRetrans;
    before.bytesReceived = bytesReceived;
    return before;
  }
  const v6 = af === AF_INET6;
  const ifname = cString(buf, at + OFF_IFNAME, IFNAME_LEN);
  const local = parseSsEndpoint(hostText(cString(buf, at + OFF_LOCAL, TEXT_LEN), v6, ifname) + portText(v.getUint16(at + OFF_LPORT, le)));
  const peer = parseSsEndpoint(hostText(cString(buf, at + OFF_REMOTE, TEXT_LEN), v6, null) + portText(v.getUint16(at + OFF_RPORT, le)));
  if (!local || !peer) return null;
  unifyWildcardFamily(local, peer);
  const cookieBig = (BigInt(hi) << 32n) | BigInt(lo);
  return {
    proto,
    family: peer.wildcard ? local.family : peer.family,
    state,
    local,
    peer,
    uid,
    inode,
    cookie: cookieBig.toString(16),
    cookieId,
    cgroup: null,
    tcpInfo,
    bytesSent,
    bytesRetrans,
    bytesReceived,
  };
}

/** The host as ss prints it, so parseSsEndpoint gives exactly what the ss path gives. */
function hostText(addr: string, v6: boolean, ifname: string | null): string {
  const host = v6 ? (addr === '::' ? '*' : `[${addr}]`) : addr;
  return ifname ? `${host}%${ifname}` : host;
}

function portText(port: number): string {
  return port === 0 ? ':*' : `:${port}`;
}

function cString(buf: Buffer, at: number, max: number): string {
  let end = at;
  while (end < at + max && buf[end] !== 0) end++;
  return buf.toString('latin1', at, end);
}
