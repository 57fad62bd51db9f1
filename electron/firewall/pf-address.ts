// Addresses and networks in the one spelling the pf and Windows backends write and compare:
// `198.18.0.1`, `198.18.1.0/24`, `2001:db8::1`, `2001:db8::/32`. Host bits are cleared and a full
// mask is dropped, because that is how pfctl and Windows Firewall print them back — so desired and
// kernel state compare as plain strings, and anything that is not an address never reaches a file.
import { formatIPv4, formatIPv6, parseAddress } from '../net/ip';

export interface CanonicalAddress {
  family: 4 | 6;
  text: string;
}

const PREFIX_RE = /^(0|[1-9][0-9]{0,2})$/;

/** Canonical form of an address or CIDR, or null when `input` is anything else (zones, hostnames, ranges…). */
export function canonicalCidr(input: string): CanonicalAddress | null {
  if (typeof input !== 'string' || input.length === 0 || input.length > 100) return null;
  const slash = input.indexOf('/');
  const host = slash === -1 ? input : input.slice(0, slash);
  const prefixText = slash === -1 ? null : input.slice(slash + 1);
  const parsed = parseAddress(host);
  if (!parsed) return null;
  if (parsed.family === 6 && parsed.zone !== null) return null;
  // parseAddress folds ::ffff:a.b.c.d into IPv4 (that is the socket's real address); a prefix
  // written for the v6 spelling would mean something else for the v4 one, so refuse that combination.
  if (parsed.family === 4 && host.includes(':') && prefixText !== null) return null;
  const max = parsed.family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== null) {
    if (!PREFIX_RE.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  if (parsed.family === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const net = (parsed.v4 & mask) >>> 0;
    return { family: 4, text: prefix === 32 ? formatIPv4(net) : `${formatIPv4(net)}/${prefix}` };
  }
  const groups = parsed.groups.map((g, i) => {
    const bitsInGroup = Math.max(0, Math.min(16, prefix - i * 16));
    const mask = bitsInGroup === 0 ? 0 : (0xffff << (16 - bitsInGroup)) & 0xffff;
    return g & mask;
  });
  return { family: 6, text: prefix === 128 ? formatIPv6(groups) : `${formatIPv6(groups)}/${prefix}` };
}

/** `255.255.255.0` → 24; null for a non-contiguous or malformed mask. Windows prints IPv4 subnets this way. */
export function prefixFromV4Mask(mask: string): number | null {
  const parsed = parseAddress(mask);
  if (!parsed || parsed.family !== 4 || mask.includes(':')) return null;
  const v = parsed.v4;
  let prefix = 0;
  while (prefix < 32 && ((v >>> (31 - prefix)) & 1) === 1) prefix++;
  const rebuilt = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return rebuilt === v ? prefix : null;
}
