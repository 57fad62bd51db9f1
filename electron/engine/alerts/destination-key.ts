import { parseAddress } from '../../net/ip';
import type { AddressScope } from '../../shared/types';
import { registrableDomain } from './registrable-domain';

// What counts as "one destination" for alerts and reports: a CDN's many addresses are one destination.
// In order of preference:
//   `example.co.uk`  the registrable domain of the resolved name, when known;
//   `AS13335`        the network owner, when the offline ASN table knows the address;
//   `198.18.7.0/24`  the /24 (IPv4) or `2001:db8:1::/48` (IPv6) network otherwise.

export interface DestinationFacts {
  addr: string;
  host: string | null;
  asn: number | null;
  scope: AddressScope;
}

export type DestinationKeyKind = 'domain' | 'asn' | 'network';

export interface DestinationKey {
  key: string;
  kind: DestinationKeyKind;
}

/** The destination an address belongs to; null for loopback/unspecified (never a destination) or an unparsable address. */
export function destinationKey(d: DestinationFacts): DestinationKey | null {
  if (d.scope === 'loopback' || d.scope === 'unspecified') return null;
  const domain = d.host ? registrableDomain(d.host) : null;
  if (domain) return { key: domain, kind: 'domain' };
  if (d.asn !== null && Number.isInteger(d.asn) && d.asn > 0) return { key: `AS${d.asn}`, kind: 'asn' };
  const net = networkOf(d.addr);
  return net ? { key: net, kind: 'network' } : null;
}

/** `198.18.7.9` → `198.18.7.0/24`; `2001:db8:1:2::5` → `2001:db8:1::/48`. */
export function networkOf(addr: string): string | null {
  const p = parseAddress(addr);
  if (!p) return null;
  if (p.family === 4) {
    const v = p.v4;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.0/24`;
  }
  const [a, b, c] = p.groups as [number, number, number];
  // Shortest form of a /48: the three leading groups, zero groups at the end compressed into `::`.
  const head = [a, b, c];
  while (head.length > 0 && head[head.length - 1] === 0) head.pop();
  return `${head.map((g) => g.toString(16)).join(':')}::/48`;
}
