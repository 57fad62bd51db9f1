// Read side of dist/data/asn.bin (written by scripts/build-asn.js; the layout is documented there).
// The file is read once into one ArrayBuffer and the sections are typed-array views over it: no
// per-range objects, so ~515k ranges cost their bytes (~8 MB) and nothing more, and a lookup is a
// binary search (~19 steps) with no allocation except the record it returns.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const MAGIC = 'OFASNBIN';
const FORMAT = 2;
const HEADER_BYTES = 40;
const NONE = 0xffffff;
const MIXED = 0xfffffe;

export interface AsnRecord {
  asn: number;
  org: string;
}

export class AsnTable {
  private readonly v4Start: Uint32Array;
  private readonly v6Key: Uint32Array;
  private readonly v6xStart: Uint32Array;
  private readonly pairAsn: Uint32Array;
  private readonly pairOrg: Uint32Array;
  private readonly v4Pair: Uint8Array;
  private readonly v6Pair: Uint8Array;
  private readonly v6xPair: Uint8Array;
  private readonly orgBlob: Uint8Array;
  /** Decoded names, filled as they are asked for. */
  private readonly orgCache = new Map<number, string>();
  private readonly decoder = new TextDecoder();
  readonly signature: string;
  readonly bytes: number;

  private constructor(buf: ArrayBuffer) {
    this.bytes = buf.byteLength;
    if (buf.byteLength < HEADER_BYTES) throw new Error('asn table: file too short');
    const head = new DataView(buf, 0, HEADER_BYTES);
    const magic = String.fromCharCode(...new Uint8Array(buf, 0, 8));
    if (magic !== MAGIC) throw new Error('asn table: not an Outflow ASN table');
    if (head.getUint32(8, true) !== FORMAT) throw new Error('asn table: unsupported format version (rebuild with scripts/build-asn.js)');
    // Sections are read through native-endian typed arrays; the file is little-endian.
    if (new Uint32Array(buf, 12, 1)[0] !== 0x01020304) throw new Error('asn table: big-endian host not supported');
    const n4 = head.getUint32(16, true);
    const n6 = head.getUint32(20, true);
    const n6x = head.getUint32(24, true);
    const nPairs = head.getUint32(28, true);
    const blobBytes = head.getUint32(32, true);
    const sigBytes = head.getUint32(36, true);
    const expected =
      HEADER_BYTES + align4(sigBytes) + 4 * (n4 + 2 * n6 + 4 * n6x + 2 * nPairs) + 3 * (n4 + n6 + n6x) + blobBytes;
    if (expected !== buf.byteLength) throw new Error(`asn table: size ${buf.byteLength}, header says ${expected} (truncated or corrupt)`);
    this.signature = this.decoder.decode(new Uint8Array(buf, HEADER_BYTES, sigBytes));
    let off = HEADER_BYTES + align4(sigBytes);
    const u32 = (n: number): Uint32Array => {
      const view = new Uint32Array(buf, off, n);
      off += 4 * n;
      return view;
    };
    const u8 = (n: number): Uint8Array => {
      const view = new Uint8Array(buf, off, n);
      off += n;
      return view;
    };
    this.v4Start = u32(n4);
    this.v6Key = u32(2 * n6);
    this.v6xStart = u32(4 * n6x);
    this.pairAsn = u32(nPairs);
    this.pairOrg = u32(nPairs);
    this.v4Pair = u8(3 * n4);
    this.v6Pair = u8(3 * n6);
    this.v6xPair = u8(3 * n6x);
    this.orgBlob = u8(blobBytes);
    this.validate();
  }

  /** Reads the whole file synchronously (once, at start). Throws with a reason when missing or corrupt. */
  static load(path: string): AsnTable {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      // A fresh ArrayBuffer (not a pooled Buffer) so every section view is 4-byte aligned.
      const buf = new ArrayBuffer(size);
      const bytes = new Uint8Array(buf);
      let got = 0;
      while (got < size) {
        const n = readSync(fd, bytes, got, size - got, got);
        if (n === 0) break;
        got += n;
      }
      if (got !== size) throw new Error('asn table: short read');
      return new AsnTable(buf);
    } finally {
      closeSync(fd);
    }
  }

  get counts(): { v4: number; v6: number; v6Exact: number; asns: number } {
    return { v4: this.v4Start.length, v6: this.v6Key.length / 2, v6Exact: this.v6xStart.length / 4, asns: this.pairAsn.length };
  }

  /** `value`: unsigned 32-bit IPv4 address. */
  lookupV4(value: number): AsnRecord | null {
    const starts = this.v4Start;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : this.record(u24(this.v4Pair, found));
  }

  /** `groups`: eight 16-bit groups, most significant first. */
  lookupV6(groups: ArrayLike<number>): AsnRecord | null {
    const w0 = (((groups[0] as number) << 16) | (groups[1] as number)) >>> 0;
    const w1 = (((groups[2] as number) << 16) | (groups[3] as number)) >>> 0;
    const keys = this.v6Key;
    let lo = 0;
    let hi = keys.length / 2 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k0 = keys[2 * mid] as number;
      if (k0 < w0 || (k0 === w0 && (keys[2 * mid + 1] as number) <= w1)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    const pair = u24(this.v6Pair, found);
    return pair === MIXED ? this.lookupV6Exact(w0, w1, groups) : this.record(pair);
  }

  /** A /64 split between owners: search the exact 128-bit starts. */
  private lookupV6Exact(w0: number, w1: number, groups: ArrayLike<number>): AsnRecord | null {
    const w2 = (((groups[4] as number) << 16) | (groups[5] as number)) >>> 0;
    const w3 = (((groups[6] as number) << 16) | (groups[7] as number)) >>> 0;
    const starts = this.v6xStart;
    let lo = 0;
    let hi = starts.length / 4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp128(starts, mid * 4, w0, w1, w2, w3) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? null : this.record(u24(this.v6xPair, found));
  }

  private record(pair: number): AsnRecord | null {
    if (pair === NONE || pair === MIXED) return null;
    const at = this.pairOrg[pair] as number;
    let org = this.orgCache.get(at);
    if (org === undefined) {
      const len = this.orgBlob[at] as number;
      org = this.decoder.decode(this.orgBlob.subarray(at + 1, at + 1 + len));
      this.orgCache.set(at, org);
    }
    return { asn: this.pairAsn[pair] as number, org };
  }

  /** Structural checks so a corrupt file fails at load, not with an out-of-range read at a tick. */
  private validate(): void {
    const nPairs = this.pairAsn.length;
    for (const pairs of [this.v4Pair, this.v6Pair, this.v6xPair]) {
      for (let i = 0; i < pairs.length; i += 3) {
        const p = u24(pairs, i / 3);
        if (p >= nPairs && p !== NONE && p !== MIXED) throw new Error('asn table: bad owner index');
      }
    }
    const blob = this.orgBlob;
    for (let i = 0; i < nPairs; i++) {
      const at = this.pairOrg[i] as number;
      if (at >= blob.length || at + 1 + (blob[at] as number) > blob.length) throw new Error('asn table: bad org offset');
    }
    for (let i = 1; i < this.v4Start.length; i++) {
      if ((this.v4Start[i] as number) <= (this.v4Start[i - 1] as number)) throw new Error('asn table: IPv4 starts not sorted');
    }
    if (this.v4Start.length > 0 && this.v4Start[0] !== 0) throw new Error('asn table: IPv4 list must start at 0');
    const k = this.v6Key;
    for (let i = 2; i < k.length; i += 2) {
      const a0 = k[i - 2] as number;
      const b0 = k[i] as number;
      if (b0 < a0 || (b0 === a0 && (k[i + 1] as number) <= (k[i - 1] as number))) throw new Error('asn table: IPv6 keys not sorted');
    }
  }
}

function u24(bytes: Uint8Array, index: number): number {
  const i = index * 3;
  return (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16);
}

/** Compares the 128-bit value at words[at..at+3] with (w0..w3): negative, 0 or positive. */
function cmp128(words: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  const a0 = words[at] as number;
  if (a0 !== w0) return a0 < w0 ? -1 : 1;
  const a1 = words[at + 1] as number;
  if (a1 !== w1) return a1 < w1 ? -1 : 1;
  const a2 = words[at + 2] as number;
  if (a2 !== w2) return a2 < w2 ? -1 : 1;
  const a3 = words[at + 3] as number;
  if (a3 !== w3) return a3 < w3 ? -1 : 1;
  return 0;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
