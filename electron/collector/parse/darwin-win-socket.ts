// What the macOS and Windows collectors share about a socket: its key and its state name.
// Neither OS gives a socket cookie, so a socket is known by protocol, 5-tuple and owning pid.
import type { Proto } from '../../shared/types';

/** Stable key for a socket without a cookie. Addresses must already be canonical. */
export function tupleKey(proto: Proto, local: string, lport: number, remote: string, rport: number, pid: number | null): string {
  return `${proto}|${local}|${lport}|${remote}|${rport}|${pid ?? '-'}`;
}

// ss spells states this way (SocketSample.state), so every collector reports the same words.
const SS_STATES: Record<string, string> = {
  established: 'ESTAB',
  estab: 'ESTAB',
  synsent: 'SYN-SENT',
  synreceived: 'SYN-RECV',
  synrcvd: 'SYN-RECV',
  synrecv: 'SYN-RECV',
  finwait1: 'FIN-WAIT-1',
  finwait2: 'FIN-WAIT-2',
  closewait: 'CLOSE-WAIT',
  closing: 'CLOSING',
  lastack: 'LAST-ACK',
  timewait: 'TIME-WAIT',
  listen: 'LISTEN',
  closed: 'UNCONN',
  deletetcb: 'UNCONN',
  bound: 'UNCONN',
};

/**
 * ss's name for a TCP state as lsof (`ESTABLISHED`, `SYN_SENT`, `FIN_WAIT_1`), nettop (`Established`,
 * `SynSent`, `FinWait1`) or Windows (`Established`, `TimeWait`) spell it; unknown names pass through
 * upper-cased so nothing is hidden.
 */
export function ssStateName(raw: string): string {
  const folded = raw.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SS_STATES[folded] ?? raw.toUpperCase();
}
