// IP literal parsing and formatting. Pure and dependency-free (no Node APIs) so the renderer can use
// it too. Strict on purpose: input comes from OS tools and from users typing rules, and a lenient
// parser (inet_aton shorthands like `127.1`, octal `010.0.0.1`, brackets, whitespace) would let two
// spellings of one address slip past a rule or a cache.

/** An address after canonical parsing: IPv4-mapped IPv6 (`::ffff:a.b.c.d`) comes back as IPv4. */
export type ParsedAddress =
  | { family: 4; v4: number }
  | { family: 6; /** Eight 16-bit groups, most significant first. */ groups: number[]; zone: string | null };

/** Longest valid textual form is ~45 chars plus a zone id; anything longer is rejected without scanning. */
const MAX_TEXT = 64;
const ZONE_RE = /^[0-9A-Za-z_.-]{1,32}$/;
const HEX_GROUP_RE = /^[0-9A-Fa-f]{1,4}$/;

/** Dotted quad, exactly four decimal parts, no leading zeros (they mean octal to some parsers). Unsigned 32-bit. */
export function parseIPv4(text: string): number | null {
  if (text.length < 7 || text.length > 15) return null;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; // treat end as a final '.'
    if (c === 46) {
      if (digits === 0 || part > 255) return null;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return null;
    if (digits === 1 && part === 0) return null; // leading zero
    part = part * 10 + (c - 48);
    if (++digits > 3) return null;
  }
  return parts === 4 ? value : null;
}

/** RFC 4291 text forms, including `::` and a trailing dotted quad, with an optional `%zone`. */
export function parseIPv6(text: string): { groups: number[]; zone: string | null } | null {
  if (text.length < 2 || text.length > MAX_TEXT) return null;
  let zone: string | null = null;
  const pct = text.indexOf('%');
  let body = text;
  if (pct !== -1) {
    zone = text.slice(pct + 1);
    body = text.slice(0, pct);
    if (!ZONE_RE.test(zone)) return null;
  }
  const dbl = body.indexOf('::');
  if (dbl !== -1 && body.indexOf('::', dbl + 1) !== -1) return null;
  const head = dbl === -1 ? body : body.slice(0, dbl);
  const tail = dbl === -1 ? '' : body.slice(dbl + 2);
  const headGroups = head === '' ? [] : parseGroups(head, dbl === -1);
  const tailGroups = tail === '' ? [] : parseGroups(tail, true);
  if (!headGroups || !tailGroups) return null;
  const total = headGroups.length + tailGroups.length;
  if (dbl === -1) {
    if (total !== 8) return null;
    return { groups: headGroups, zone };
  }
  // `::` stands for at least one zero group.
  if (total > 7) return null;
  const groups = headGroups.concat(new Array<number>(8 - total).fill(0), tailGroups);
  return { groups, zone };
}

/** `a:b:c` or `a:b:1.2.3.4` (the dotted quad only in last position, when `allowV4Tail`). */
function parseGroups(text: string, allowV4Tail: boolean): number[] | null {
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === parts.length - 1 && allowV4Tail && p.includes('.')) {
      const v4 = parseIPv4(p);
      if (v4 === null) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
      continue;
    }
    if (!HEX_GROUP_RE.test(p)) return null;
    out.push(parseInt(p, 16));
  }
  return out;
}

function isV4Mapped(g: number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

/** Parses either family; `::ffff:a.b.c.d` becomes IPv4 (that is the socket the kernel really opened). */
export function parseAddress(text: string): ParsedAddress | null {
  if (typeof text !== 'string' || text.length > MAX_TEXT) return null;
  if (text.includes(':')) {
    const v6 = parseIPv6(text);
    if (!v6) return null;
    const g = v6.groups;
    if (isV4Mapped(g)) return { family: 4, v4: (g[6] as number) * 65536 + (g[7] as number) };
    return { family: 6, groups: g, zone: v6.zone };
  }
  const v4 = parseIPv4(text);
  return v4 === null ? null : { family: 4, v4 };
}

export function formatIPv4(value: number): string {
  return `${(value >>> 24) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`, first on a tie. */
export function formatIPv6(groups: ArrayLike<number>, zone: string | null = null): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    out += (groups[i] as number).toString(16);
    if (i < 7) out += ':';
  }
  return zone === null ? out : `${out}%${zone}`;
}

export function formatParsed(p: ParsedAddress, withZone = true): string {
  return p.family === 4 ? formatIPv4(p.v4) : formatIPv6(p.groups, withZone ? p.zone : null);
}

/** The PTR query name: `4.3.2.1.in-addr.arpa`, or the 32-nibble form under `ip6.arpa`. */
export function reverseName(p: ParsedAddress): string {
  if (p.family === 4) {
    const v = p.v4;
    return `${v & 255}.${(v >>> 8) & 255}.${(v >>> 16) & 255}.${(v >>> 24) & 255}.in-addr.arpa`;
  }
  let out = '';
  for (let i = 7; i >= 0; i--) {
    const g = p.groups[i] as number;
    out += `${(g & 15).toString(16)}.${((g >> 4) & 15).toString(16)}.${((g >> 8) & 15).toString(16)}.${((g >> 12) & 15).toString(16)}.`;
  }
  return `${out}ip6.arpa`;
}
