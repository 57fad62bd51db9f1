// One key of the kernel's byte maps, decoded. The program packs it as
// (pid, start_boottime ns, meta, l0, l1, r0, r1) with meta = dir | proto<<8 | family<<16 | lport<<24 |
// rport<<40 (both ports in wire order); bpftrace prints tuple keys as decimal fields joined by commas.
import type { Family, Proto } from '../../shared/types';
import { endpoints, portFromWire } from './address';
import { DIR_IN, DIR_OUT } from './program';

export type Direction = 'out' | 'in';

export interface FlowKey {
  pid: number;
  /** Process start, ns since boot (CLOCK_BOOTTIME), as the kernel keeps it. */
  startNs: bigint;
  dir: Direction;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
}

const INT = /^-?\d{1,20}$/;
const TWO64 = 1n << 64n;

/** bpftrace prints tuple keys as signed 64-bit even when cast to uint64: take them back modulo 2^64. */
function u64(text: string): bigint | null {
  if (!INT.test(text)) return null;
  const v = BigInt(text);
  if (v >= TWO64 || v < -(TWO64 >> 1n)) return null;
  return v < 0n ? v + TWO64 : v;
}

/** Null for anything that is not a well-formed key of our program (never throws). */
export function decodeFlowKey(key: string): FlowKey | null {
  const parts = key.split(',');
  if (parts.length !== 7) return null;
  const nums: bigint[] = [];
  for (const p of parts) {
    const v = u64(p.trim());
    if (v === null) return null;
    nums.push(v);
  }
  const [pidN, startNs, meta, l0, l1, r0, r1] = nums as [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (pidN < 1n || pidN > 4_194_304n) return null;
  const dirN = Number(meta & 0xffn);
  const protoN = Number((meta >> 8n) & 0xffn);
  const familyN = Number((meta >> 16n) & 0xffn);
  const lport = portFromWire(Number((meta >> 24n) & 0xffffn));
  const rport = portFromWire(Number((meta >> 40n) & 0xffffn));
  const dir: Direction | null = dirN === DIR_OUT ? 'out' : dirN === DIR_IN ? 'in' : null;
  const proto: Proto | null = protoN === 6 ? 'tcp' : protoN === 17 ? 'udp' : null;
  if (dir === null || proto === null) return null;
  const ends = endpoints(familyN, l0, l1, r0, r1);
  if (ends === null) return null;
  return { pid: Number(pidN), startNs, dir, proto, family: ends.family, local: ends.local, lport, remote: ends.remote, rport };
}

/** Identity of a (process, destination) row, both directions together. */
export function flowId(k: FlowKey): string {
  return `${k.pid}|${k.startNs}|${k.proto}|${k.family}|${k.local}|${k.lport}|${k.remote}|${k.rport}`;
}
