// Address canonicalization for the macOS and Windows parsers, so that the same socket seen by two
// tools (lsof and nettop, or a dual-stack Windows socket) yields the same key and the same text the
// Linux collector produces: lowercase RFC 5952 IPv6, no `%scope`, IPv4-mapped IPv6 as plain IPv4.
import type { Family } from '../../shared/types';
import { formatIPv6 } from '../../net/ip';

export interface CanonicalAddress {
  address: string;
  family: Family;
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Canonical form of an IPv4/IPv6 literal (brackets and `%scope` allowed), or null when it is not one. */
export function canonicalAddress(raw: string): CanonicalAddress | null {
  let text = raw.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const percent = text.indexOf('%');
  if (percent >= 0) text = text.slice(0, percent);
  if (V4.test(text)) return { address: text, family: 4 };
  const groups = parseV6(text);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const v4 = [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
    return { address: v4, family: 4 };
  }
  // macOS (KAME) keeps a link-local address's scope id in bits 16-31 (lsof prints fe80:4::1 for
  // fe80::1%en0); those bits are zero in every real link-local address, so clearing them is lossless.
  if ((groups[0] & 0xffc0) === 0xfe80) groups[1] = 0;
  return { address: formatIPv6(groups), family: 6 };
}

/** True for 0.0.0.0 and :: (a wildcard bind, not a destination). */
export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function parseV6(text: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1].split(':')) : [];
  const parts = halves.length === 2 ? tail : head;
  const last = parts[parts.length - 1];
  let v4Tail: number[] = [];
  if (last !== undefined && last.includes('.')) {
    if (!V4.test(last)) return null;
    const o = last.split('.').map(Number);
    v4Tail = [(o[0] << 8) | o[1], (o[2] << 8) | o[3]];
    parts.pop();
  }
  const hex = (p: string): number | null => (/^[0-9A-Fa-f]{1,4}$/.test(p) ? parseInt(p, 16) : null);
  const front = (halves.length === 2 ? head : parts).map(hex);
  const back = (halves.length === 2 ? parts : []).map(hex);
  if (front.includes(null) || back.includes(null)) return null;
  const known = front.length + back.length + v4Tail.length;
  if (halves.length === 2) {
    if (known > 7) return null;
    return [...(front as number[]), ...new Array<number>(8 - known).fill(0), ...(back as number[]), ...v4Tail];
  }
  if (known !== 8) return null;
  return [...(front as number[]), ...v4Tail];
}

