// Addresses as the kernel keeps them, to the text the rest of Outflow uses.
// The program reads each 32-bit word of an address with a native (little-endian) load, so the word's
// low byte is the first byte on the wire; ports on the wire (skc_dport, sin_port) are big-endian.
import type { Family } from '../../shared/types';
import { formatIPv6 } from '../../net/ip';

const MASK32 = 0xffffffffn;

/** The four network-order bytes of a u32 word loaded little-endian. */
function wordBytes(word: bigint, out: Uint8Array, at: number): void {
  const w = Number(word & MASK32);
  out[at] = w & 0xff;
  out[at + 1] = (w >>> 8) & 0xff;
  out[at + 2] = (w >>> 16) & 0xff;
  out[at + 3] = (w >>> 24) & 0xff;
}

export function ipv4FromWord(word: bigint): string {
  const b = new Uint8Array(4);
  wordBytes(word, b, 0);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** 16 bytes from the two packed halves: hi = (w0 << 32) | w1, lo = (w2 << 32) | w3. */
export function ipv6Bytes(hi: bigint, lo: bigint): Uint8Array {
  const b = new Uint8Array(16);
  wordBytes(hi >> 32n, b, 0);
  wordBytes(hi, b, 4);
  wordBytes(lo >> 32n, b, 8);
  wordBytes(lo, b, 12);
  return b;
}

/** RFC 5952 text of a 16-byte IPv6 address. */
export function formatIpv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  return formatIPv6(groups);
}

/** `::ffff:a.b.c.d` → `a.b.c.d`; null when the address is not v4-mapped. */
export function unmapV4(b: Uint8Array): string | null {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
  if (b[10] !== 0xff || b[11] !== 0xff) return null;
  return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
}

function isZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

/** A big-endian 16-bit port loaded little-endian, back to its number. */
export function portFromWire(v: number): number {
  return ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
}

export interface EndpointPair {
  family: Family;
  local: string;
  remote: string;
}

/**
 * Both ends of a socket. An AF_INET6 socket talking to a v4-mapped peer carries IPv4 on the wire, so
 * it is reported as family 4 (its `::` local end as `0.0.0.0`), matching how the destination is blocked.
 */
export function endpoints(family: number, l0: bigint, l1: bigint, r0: bigint, r1: bigint): EndpointPair | null {
  if (family === 2) return { family: 4, local: ipv4FromWord(l0), remote: ipv4FromWord(r0) };
  if (family !== 10) return null;
  const lb = ipv6Bytes(l0, l1);
  const rb = ipv6Bytes(r0, r1);
  const remote4 = unmapV4(rb);
  if (remote4 !== null) {
    const local4 = unmapV4(lb) ?? (isZero(lb) ? '0.0.0.0' : null);
    if (local4 !== null) return { family: 4, local: local4, remote: remote4 };
  }
  return { family: 6, local: formatIpv6(lb), remote: formatIpv6(rb) };
}
