#!/usr/bin/env node
// Compiles @ip-location-db/asn (CSV, ~63 MB, ~515k ranges) into dist/data/asn.bin, a compact table that
// electron/net/asn-table.ts maps straight into typed arrays, so the app never parses CSV at start.
//
//   node scripts/build-asn.js [--out FILE] [--force] [--quiet]
//
// Idempotent: the output carries a signature of its inputs (package version, file sizes and mtimes,
// format version); when it matches, the script only reads the header and exits.
//
// Layout (little-endian; keep in step with electron/net/asn-table.ts). Ranges are stored gap-encoded: a
// sorted list of start addresses, each with the owner (a 24-bit index into the ASN table, or NONE) that
// holds from there to the next start. IPv6 is keyed by its upper 64 bits; the few /64s that are split
// between owners (anycast host routes, exchange points) are marked MIXED and looked up in a small exact
// 128-bit table. That keeps ~515k ranges in ~8 MB.
//   0  'OFASNBIN'          8  u32 format          12 u32 0x01020304 (endianness check)
//   16 u32 n4   20 u32 n6   24 u32 n6x   28 u32 nPairs   32 u32 orgBlobBytes   36 u32 sigBytes
//   40 signature (UTF-8, padded to 4)
//   v4Start u32[n4] · v6Key u32[2*n6] · v6xStart u32[4*n6x] (words most significant first)
//   pairAsn u32[nPairs] · pairOrg u32[nPairs] (byte offset of the org name in orgBlob)
//   v4Pair u24[n4] · v6Pair u24[n6] · v6xPair u24[n6x] · orgBlob (u8 length + UTF-8, per name)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const FORMAT = 2;
const NONE = 0xffffff;
const MIXED = 0xfffffe;
const MAGIC = 'OFASNBIN';
const HEADER_BYTES = 40;
const MAX_ORG = 200;

function parseArgs(argv) {
  const opts = { out: path.join(__dirname, '..', 'dist', 'data', 'asn.bin'), force: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') opts.out = path.resolve(argv[++i] ?? '');
    else if (a === '--force') opts.force = true;
    else if (a === '--quiet') opts.quiet = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return opts;
}

function sourceFiles() {
  const pkgJson = require.resolve('@ip-location-db/asn/package.json');
  const dir = path.dirname(pkgJson);
  const version = JSON.parse(fs.readFileSync(pkgJson, 'utf8')).version;
  const v4 = path.join(dir, 'asn-ipv4-num.csv');
  const v6 = path.join(dir, 'asn-ipv6-num.csv');
  const stamp = (f) => {
    const st = fs.statSync(f);
    return `${path.basename(f)}:${st.size}:${Math.floor(st.mtimeMs)}`;
  };
  const signature = `format=${FORMAT};@ip-location-db/asn@${version};${stamp(v4)};${stamp(v6)}`;
  return { v4, v6, signature };
}

function existingSignature(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(HEADER_BYTES);
    if (fs.readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES) return null;
    if (head.toString('latin1', 0, 8) !== MAGIC || head.readUInt32LE(8) !== FORMAT) return null;
    const sigLen = head.readUInt32LE(36);
    if (sigLen > 4096) return null;
    const sig = Buffer.alloc(sigLen);
    if (fs.readSync(fd, sig, 0, sigLen, HEADER_BYTES) !== sigLen) return null;
    const size = fs.fstatSync(fd).size;
    // A truncated file (interrupted copy) must not count as up to date.
    if (size !== expectedSize(head)) return null;
    return sig.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

function expectedSize(head) {
  const n4 = head.readUInt32LE(16);
  const n6 = head.readUInt32LE(20);
  const n6x = head.readUInt32LE(24);
  const nPairs = head.readUInt32LE(28);
  const blob = head.readUInt32LE(32);
  const sig = align4(head.readUInt32LE(36));
  return HEADER_BYTES + sig + 4 * (n4 + 2 * n6 + 4 * n6x + 2 * nPairs) + 3 * (n4 + n6 + n6x) + blob;
}

function align4(n) {
  return (n + 3) & ~3;
}

// Org names are shown in the UI and exported to CSV: drop control and format characters (the data holds
// soft hyphens; a bidi override would reorder what the user reads), collapse spaces, cap the length.
function cleanOrg(raw) {
  const s = raw.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim();
  return s.length > MAX_ORG ? s.slice(0, MAX_ORG) : s;
}

/** `start,end,asn,org` where org may be quoted with "" escapes; start/end are decimal integers. */
function parseLine(line, lineNo, file) {
  const c1 = line.indexOf(',');
  const c2 = line.indexOf(',', c1 + 1);
  const c3 = line.indexOf(',', c2 + 1);
  if (c1 < 1 || c2 < 0 || c3 < 0) throw new Error(`${file}:${lineNo}: malformed line`);
  const startText = line.slice(0, c1);
  const endText = line.slice(c1 + 1, c2);
  const asnText = line.slice(c2 + 1, c3);
  if (!/^\d{1,39}$/.test(startText) || !/^\d{1,39}$/.test(endText) || !/^\d{1,10}$/.test(asnText)) {
    throw new Error(`${file}:${lineNo}: malformed number`);
  }
  let org = line.slice(c3 + 1);
  if (org.startsWith('"')) {
    if (!org.endsWith('"') || org.length < 2) throw new Error(`${file}:${lineNo}: unterminated quote`);
    org = org.slice(1, -1).replace(/""/g, '"');
  }
  const asn = Number(asnText);
  if (asn > 0xffffffff) throw new Error(`${file}:${lineNo}: ASN out of range`);
  return { s: BigInt(startText), e: BigInt(endText), asn, org: cleanOrg(org) };
}

function readRanges(file, max, intern) {
  const text = fs.readFileSync(file, 'utf8');
  const ranges = [];
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    const r = parseLine(line, lineNo, file);
    if (r.s > r.e || r.e > max) throw new Error(`${file}:${lineNo}: bad range`);
    ranges.push({ s: r.s, e: r.e, pair: intern(r.asn, r.org) });
  }
  return ranges;
}

/**
 * Sorted, non-overlapping, merged. Where two source ranges overlap, the one that starts later (or, for the
 * same start, the smaller one) is the more specific allocation and wins; the rest of the outer range
 * continues after it.
 */
function normalize(ranges) {
  ranges.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : a.e > b.e ? -1 : a.e < b.e ? 1 : 0));
  const out = [];
  const tails = [];
  let i = 0;
  let overlaps = 0;
  while (i < ranges.length || tails.length > 0) {
    let r;
    if (tails.length > 0 && (i >= ranges.length || tails[0].s <= ranges[i].s)) r = tails.shift();
    else r = ranges[i++];
    let last = out[out.length - 1];
    if (last && r.s <= last.e) {
      overlaps++;
      if (last.e > r.e) insertByStart(tails, { s: r.e + 1n, e: last.e, pair: last.pair });
      last.e = r.s - 1n;
      if (last.e < last.s) out.pop();
      last = out[out.length - 1];
    }
    if (last && last.e + 1n === r.s && last.pair === r.pair) last.e = r.e;
    else out.push({ s: r.s, e: r.e, pair: r.pair });
  }
  return { ranges: out, overlaps };
}

function insertByStart(list, item) {
  let k = 0;
  while (k < list.length && list[k].s <= item.s) k++;
  list.splice(k, 0, item);
}

/** Ranges → sorted starts, each owning the space up to the next start; NONE marks unowned space. */
function gapEncode(ranges, max) {
  const out = [];
  let cursor = 0n;
  for (const r of ranges) {
    if (r.s > cursor) out.push({ s: cursor, pair: NONE });
    out.push({ s: r.s, pair: r.pair });
    cursor = r.e + 1n;
  }
  if (cursor <= max) out.push({ s: cursor, pair: NONE });
  return out;
}

/** Gap-encoded IPv6 entries → a /64-keyed main list plus exact entries for the /64s split between owners. */
function splitV6(entries) {
  const LOW = (1n << 64n) - 1n;
  const mixed = new Set();
  for (const e of entries) if ((e.s & LOW) !== 0n) mixed.add(e.s >> 64n);
  const main = [];
  const exact = [];
  const pushMain = (key, pair) => {
    const last = main[main.length - 1];
    if (last && last.key === key) throw new Error('internal: duplicate /64 key');
    if (last && last.pair === pair && pair !== MIXED) return;
    main.push({ key, pair });
  };
  let prevPair = NONE;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const p = e.s >> 64n;
    if (mixed.has(p)) {
      const last = main[main.length - 1];
      if (!last || last.key !== p || last.pair !== MIXED) {
        pushMain(p, MIXED);
        if ((e.s & LOW) !== 0n) exact.push({ s: p << 64n, pair: prevPair });
      }
      exact.push({ s: e.s, pair: e.pair });
      const next = entries[i + 1];
      const resume = p + 1n;
      // Leaving the mixed /64: the main list resumes with the owner in force there.
      if ((!next || next.s >> 64n > p) && resume <= LOW && !mixed.has(resume) && (!next || next.s !== resume << 64n)) {
        pushMain(resume, e.pair);
      }
    } else {
      pushMain(p, e.pair);
    }
    prevPair = e.pair;
  }
  return { main, exact };
}

function build(opts) {
  let src;
  try {
    src = sourceFiles();
  } catch (err) {
    // Installed without the CSV package (e.g. a production install): keep a table that is already there.
    if (existingSignature(opts.out) !== null) return { skipped: true, out: opts.out, note: 'source data not installed; kept existing table' };
    throw new Error(`@ip-location-db/asn is not installed (${err.message}); run npm install`);
  }
  if (!opts.force && existingSignature(opts.out) === src.signature) {
    return { skipped: true, out: opts.out };
  }
  const t0 = Date.now();
  const orgIndex = new Map();
  const orgs = [];
  const pairIndex = new Map();
  const pairAsn = [];
  const pairOrg = [];
  const intern = (asn, org) => {
    let o = orgIndex.get(org);
    if (o === undefined) {
      o = orgs.length;
      orgs.push(org);
      orgIndex.set(org, o);
    }
    const key = `${asn}/${o}`;
    let p = pairIndex.get(key);
    if (p === undefined) {
      p = pairAsn.length;
      pairAsn.push(asn);
      pairOrg.push(o);
      pairIndex.set(key, p);
    }
    return p;
  };
  const v4 = normalize(readRanges(src.v4, 0xffffffffn, intern));
  const v6 = normalize(readRanges(src.v6, (1n << 128n) - 1n, intern));
  if (pairAsn.length >= MIXED) throw new Error('too many ASN/org pairs for 24-bit indices');
  const v4e = gapEncode(v4.ranges, 0xffffffffn);
  const v6s = splitV6(gapEncode(v6.ranges, (1n << 128n) - 1n));

  const orgBufs = orgs.map((o) => {
    let b = Buffer.from(o, 'utf8');
    // One length byte per name: cut at 255 bytes without splitting a UTF-8 sequence.
    if (b.length > 255) b = Buffer.from(b.subarray(0, 255).toString('utf8').replace(/\uFFFD$/, ''), 'utf8');
    return b;
  });
  const blobBytes = orgBufs.reduce((n, b) => n + 1 + b.length, 0);
  const sigBuf = Buffer.from(src.signature, 'utf8');
  const n4 = v4e.length;
  const n6 = v6s.main.length;
  const n6x = v6s.exact.length;
  const nPairs = pairAsn.length;
  const size = HEADER_BYTES + align4(sigBuf.length) + 4 * (n4 + 2 * n6 + 4 * n6x + 2 * nPairs) + 3 * (n4 + n6 + n6x) + blobBytes;
  const buf = Buffer.alloc(size);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(FORMAT, 8);
  buf.writeUInt32LE(0x01020304, 12);
  buf.writeUInt32LE(n4, 16);
  buf.writeUInt32LE(n6, 20);
  buf.writeUInt32LE(n6x, 24);
  buf.writeUInt32LE(nPairs, 28);
  buf.writeUInt32LE(blobBytes, 32);
  buf.writeUInt32LE(sigBuf.length, 36);
  sigBuf.copy(buf, HEADER_BYTES);
  let off = HEADER_BYTES + align4(sigBuf.length);
  const u32 = (v) => {
    buf.writeUInt32LE(v, off);
    off += 4;
  };
  const u24 = (v) => {
    buf.writeUIntLE(v, off, 3);
    off += 3;
  };
  const words = (x, n) => {
    for (let k = n - 1; k >= 0; k--) u32(Number((x >> BigInt(32 * k)) & 0xffffffffn));
  };
  for (const e of v4e) u32(Number(e.s));
  for (const e of v6s.main) words(e.key, 2);
  for (const e of v6s.exact) words(e.s, 4);
  for (const a of pairAsn) u32(a);
  const orgOffsets = [];
  let blobOff = 0;
  for (const b of orgBufs) {
    orgOffsets.push(blobOff);
    blobOff += 1 + b.length;
  }
  for (const o of pairOrg) u32(orgOffsets[o]);
  for (const e of v4e) u24(e.pair);
  for (const e of v6s.main) u24(e.pair);
  for (const e of v6s.exact) u24(e.pair);
  for (const b of orgBufs) {
    buf[off++] = b.length;
    b.copy(buf, off);
    off += b.length;
  }
  if (off !== size) throw new Error(`internal: wrote ${off} of ${size} bytes`);

  // Write then rename, so a reader (or a concurrent build) never sees half a file.
  fs.mkdirSync(path.dirname(opts.out), { recursive: true });
  const tmp = `${opts.out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, opts.out);
  return {
    skipped: false,
    out: opts.out,
    bytes: size,
    v4: v4.ranges.length,
    v6: v6.ranges.length,
    v6Mixed: n6x,
    pairs: nPairs,
    orgs: orgs.length,
    overlaps: v4.overlaps + v6.overlaps,
    ms: Date.now() - t0,
  };
}

if (require.main === module) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const res = build(opts);
    if (!opts.quiet) {
      if (res.skipped) console.log(`build-asn: ${res.out} is up to date${res.note ? ` (${res.note})` : ''}`);
      else {
        console.log(
          `build-asn: wrote ${res.out} (${(res.bytes / 1048576).toFixed(1)} MB, ` +
            `${res.v4} IPv4 + ${res.v6} IPv6 ranges, ${res.pairs} ASNs, ${res.orgs} orgs, ` +
            `${res.v6Mixed} exact IPv6 entries, ${res.overlaps} overlaps resolved) in ${res.ms} ms`,
        );
      }
    }
  } catch (err) {
    console.error(`build-asn: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

module.exports = { build, FORMAT, MAGIC };
