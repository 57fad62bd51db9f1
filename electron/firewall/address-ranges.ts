import { formatIPv4, formatIPv6, parseAddress } from '../shared/validate-target';

// Canonical addresses/networks as integer ranges: for overlap checks (an nft interval set refuses
// overlapping elements) and for the merged "every address any rule names" sets of the fast path.

export interface Span {
  family: 4 | 6;
  lo: bigint;
  hi: bigint;
}

export function spanOf(network: string): Span | null {
  const slash = network.indexOf('/');
  const addr = parseAddress(slash === -1 ? network : network.slice(0, slash));
  if (!addr) return null;
  const bits = addr.family === 4 ? 32 : 128;
  const prefix = slash === -1 ? bits : Number(network.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return null;
  const lo = addr.bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  return { family: addr.family, lo, hi: lo | ((1n << BigInt(bits - prefix)) - 1n) };
}

const bySpan = (x: Span, y: Span): number => x.family - y.family || (x.lo < y.lo ? -1 : x.lo > y.lo ? 1 : 0);

/** The first pair of overlapping networks in `addresses`, or null. */
export function firstOverlap(addresses: readonly string[]): [string, string] | null {
  const spans = addresses
    .map((a) => ({ a, s: spanOf(a) }))
    .filter((x): x is { a: string; s: Span } => x.s !== null)
    .sort((x, y) => bySpan(x.s, y.s));
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!;
    const cur = spans[i]!;
    if (prev.s.family === cur.s.family && cur.s.lo <= prev.s.hi) return [prev.a, cur.a];
  }
  return null;
}

/** Union of spans of one family as sorted, non-overlapping, non-adjacent ranges. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort(bySpan);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === s.family && s.lo <= last.hi + 1n) {
      if (s.hi > last.hi) last.hi = s.hi;
    } else out.push({ ...s });
  }
  return out;
}

function formatInt(family: 4 | 6, n: bigint): string {
  const len = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = len - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return family === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
}

/** nft element text: a single address or `first-last`. */
export function formatSpan(s: Span): string {
  return s.lo === s.hi ? formatInt(s.family, s.lo) : `${formatInt(s.family, s.lo)}-${formatInt(s.family, s.hi)}`;
}
