// Parser for lsof field output (`lsof -F`), see lsof(8) "OUTPUT FOR OTHER PROGRAMS": one field per
// line, the first character names the field. A process set starts with `p`, a file set with `f`.
// lsof prints non-printable bytes of the command name as \b \f \n \r \t, \\ and \xNN, so a field never
// contains a raw newline and names with commas, quotes, parentheses or newlines cannot break the format.
import type { Family, Proto } from '../../shared/types';
import { canonicalAddress } from './darwin-win-address';

export interface LsofSocket {
  pid: number;
  /** Command name with lsof's escapes decoded; display only, never identity. */
  command: string;
  uid: number | null;
  ppid: number | null;
  fd: string;
  proto: Proto;
  family: Family;
  local: string;
  /** null when lsof prints `*` (no port bound yet). */
  lport: number | null;
  /** null for a socket with no peer (listener, unconnected UDP). */
  remote: string | null;
  rport: number | null;
  /** TCP state as lsof prints it after `TST=` (ESTABLISHED, SYN_SENT, …); null for UDP. */
  state: string | null;
}

export interface LsofParse {
  sockets: LsofSocket[];
  /** File sets that looked like Internet sockets but could not be read. */
  skipped: number;
}

/** The argv for one tick: every TCP and UDP socket, numeric hosts and ports, field output. */
export function lsofArgv(): string[] {
  // -w: warnings (e.g. about unreachable mounts) on stderr would otherwise look like failures.
  // Fields: p pid, c command, u uid, R ppid, f fd, t type, P protocol, n name, T TCP info (TST=).
  return ['-nP', '-w', '-iTCP', '-iUDP', '-FpcuRftPnT'];
}

interface ProcessFields {
  pid: number | null;
  command: string;
  uid: number | null;
  ppid: number | null;
}

interface FileFields {
  fd: string;
  type: string | null;
  proto: string | null;
  name: string | null;
  state: string | null;
}

export function parseLsof(output: string): LsofParse {
  const sockets: LsofSocket[] = [];
  let skipped = 0;
  let proc: ProcessFields | null = null;
  let file: FileFields | null = null;

  const flush = (): void => {
    if (!file) return;
    const result = toSocket(proc, file);
    if (result === 'skip') skipped++;
    else if (result) sockets.push(result);
    file = null;
  };

  for (const line of output.split('\n')) {
    if (line === '') continue;
    const id = line[0];
    const value = line.slice(1);
    switch (id) {
      case 'p':
        flush();
        proc = { pid: /^\d{1,10}$/.test(value) ? Number(value) : null, command: '', uid: null, ppid: null };
        break;
      case 'c':
        if (proc && !file) proc.command = unescapeLsof(value);
        break;
      case 'u':
        if (proc && !file) proc.uid = /^\d{1,10}$/.test(value) ? Number(value) : null;
        break;
      case 'R':
        if (proc && !file) proc.ppid = /^\d{1,10}$/.test(value) ? Number(value) : null;
        break;
      case 'f':
        flush();
        file = { fd: value, type: null, proto: null, name: null, state: null };
        break;
      case 't':
        if (file) file.type = value;
        break;
      case 'P':
        if (file) file.proto = value;
        break;
      case 'n':
        if (file) file.name = value;
        break;
      case 'T':
        if (file && value.startsWith('ST=')) file.state = value.slice(3);
        break;
      default:
        // Other fields (QR=, QS=, g, L, m markers, dialect-specific digits) carry nothing we use.
        break;
    }
  }
  flush();
  return { sockets, skipped };
}

function toSocket(proc: ProcessFields | null, file: FileFields): LsofSocket | 'skip' | null {
  if (file.type !== 'IPv4' && file.type !== 'IPv6') return null;
  const proto = file.proto?.toUpperCase();
  if (proto !== 'TCP' && proto !== 'UDP') return null;
  if (!proc || proc.pid === null || file.name === null) return 'skip';
  const ends = parseName(file.name, file.type === 'IPv6' ? 6 : 4);
  if (!ends) return 'skip';
  return {
    pid: proc.pid,
    command: proc.command,
    uid: proc.uid,
    ppid: proc.ppid,
    fd: file.fd,
    proto: proto === 'TCP' ? 'tcp' : 'udp',
    family: ends.local.family,
    local: ends.local.address,
    lport: ends.local.port,
    remote: ends.remote?.address ?? null,
    rport: ends.remote?.port ?? null,
    state: proto === 'TCP' ? file.state : null,
  };
}

interface Endpoint {
  address: string;
  family: Family;
  port: number | null;
}

/** `local`, `local->remote`; each `[v6]:port`, `v4:port`, `*:port` or `*:*`. */
function parseName(name: string, typeFamily: Family): { local: Endpoint; remote: Endpoint | null } | null {
  const arrow = name.indexOf('->');
  const localText = arrow >= 0 ? name.slice(0, arrow) : name;
  const remoteText = arrow >= 0 ? name.slice(arrow + 2) : null;
  const remote = remoteText === null ? null : parseEndpoint(remoteText, typeFamily);
  if (remoteText !== null && (!remote || remote.address === '*' || remote.port === null)) return null;
  const local = parseEndpoint(localText, remote?.family ?? typeFamily);
  if (!local) return null;
  if (local.address === '*') local.address = local.family === 6 ? '::' : '0.0.0.0';
  if (remote && remote.family !== local.family) {
    // A dual-stack socket may show a mapped peer next to a v6 wildcard; both must agree on a family.
    return null;
  }
  return { local, remote };
}

function parseEndpoint(text: string, familyHint: Family): Endpoint | null {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return null;
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else return null;
  if (host === '*') return { address: '*', family: familyHint, port };
  if (!host.startsWith('[') && host.includes(':')) return null;
  const canon = canonicalAddress(host);
  if (!canon) return null;
  return { address: canon.address, family: canon.family, port };
}

const SIMPLE_ESCAPES: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, '\\': 92 };

/**
 * Decode lsof's escapes for non-printable bytes (\b \f \n \r \t \\ \xNN) back into text. `^X` control
 * forms are left as printed: lsof prints a literal `^` the same way, so decoding them would guess.
 */
export function unescapeLsof(value: string): string {
  if (!value.includes('\\')) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[i + 1];
      if (next in SIMPLE_ESCAPES) {
        bytes.push(SIMPLE_ESCAPES[next]);
        i++;
        continue;
      }
      const hex = /^x([0-9a-fA-F]{2})/.exec(value.slice(i + 1, i + 4));
      if (hex) {
        bytes.push(parseInt(hex[1], 16));
        i += 3;
        continue;
      }
    }
    const code = value.codePointAt(i) ?? 0;
    const char = String.fromCodePoint(code);
    for (const b of encoder.encode(char)) bytes.push(b);
    if (code > 0xffff) i++;
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}
