// Where an address lives. Called for every flow on every tick, and possibly from the renderer, so it is
// pure, allocation-light and imports nothing at runtime.
import type { AddressScope, Family } from '../shared/types';
import { formatParsed, parseAddress, type ParsedAddress } from './ip';

export function addressFamily(address: string): Family | null {
  const p = parseAddress(address);
  return p ? p.family : null;
}

/** Lowercase, RFC 5952-compressed IPv6 (zone kept), `::ffff:a.b.c.d` → `a.b.c.d`; null when not an IP literal. */
export function canonicalAddress(address: string): string | null {
  const p = parseAddress(address);
  return p ? formatParsed(p) : null;
}

/**
 * Scope of an IP literal. Something that is not an IP literal is reported as `internet`: the scope is used
 * to hide and zero-rate traffic, and what cannot be classified must never be hidden. Use `canonicalAddress`
 * when validity matters.
 */
export function addressScope(address: string): AddressScope {
  const p = parseAddress(address);
  return p ? scopeOfParsed(p) : 'internet';
}

export function scopeOfParsed(p: ParsedAddress): AddressScope {
  return p.family === 4 ? scopeV4(p.v4) : scopeV6(p.groups);
}

/** `value` is an unsigned 32-bit address. */
export function scopeV4(value: number): AddressScope {
  const a = value >>> 24;
  const b = (value >>> 16) & 255;
  if (value === 0xffffffff) return 'multicast'; // limited broadcast: reaches the link, never the internet
  if (a === 0) return 'unspecified'; // 0/8 "this network" can only be a source, never a real destination
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'linklocal';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a === 10) return 'lan';
  if (a === 172 && b >= 16 && b <= 31) return 'lan';
  if (a === 192 && b === 168) return 'lan';
  if (a === 100 && b >= 64 && b <= 127) return 'lan'; // 100.64/10: carrier-grade NAT, shared address space
  // Special-purpose ranges that the public internet never routes (RFC 6890), so traffic to them cannot
  // leave the local network and must not be billed as egress or geolocated: 198.18/15 (benchmarking,
  // also what our test namespaces use), the TEST-NETs (documentation) and 240/4 (reserved, but used as
  // private space by some clouds and carriers).
  if (a === 198 && (b === 18 || b === 19)) return 'lan';
  if (a === 192 && b === 0 && ((value >>> 8) & 255) === 2) return 'lan';
  if (a === 198 && b === 51 && ((value >>> 8) & 255) === 100) return 'lan';
  if (a === 203 && b === 0 && ((value >>> 8) & 255) === 113) return 'lan';
  if (a >= 240) return 'lan';
  return 'internet';
}

/** NAT64 well-known prefix 64:ff9b::/96: the real destination is the embedded IPv4 address. */
export function nat64Embedded(g: ArrayLike<number>): number | null {
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0) {
    return (g[6] as number) * 65536 + (g[7] as number);
  }
  return null;
}

export function scopeV6(g: ArrayLike<number>): AddressScope {
  const g0 = g[0] as number;
  if (g0 === 0) {
    let rest = 0;
    for (let i = 1; i < 7; i++) rest |= g[i] as number;
    if (rest === 0 && g[7] === 0) return 'unspecified';
    if (rest === 0 && g[7] === 1) return 'loopback';
  }
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if ((g0 & 0xffc0) === 0xfe80) return 'linklocal';
  if ((g0 & 0xfe00) === 0xfc00) return 'lan'; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfec0) return 'lan'; // fec0::/10 deprecated site-local, still seen on old networks
  // 2001:db8::/32 is reserved for documentation and never routed (RFC 3849): like 198.18/15 for IPv4,
  // it only exists on networks we (or a lab) built, so it is local traffic, not egress.
  if (g0 === 0x2001 && g[1] === 0x0db8) return 'lan';
  const v4 = nat64Embedded(g);
  if (v4 !== null) return scopeV4(v4);
  return 'internet';
}
