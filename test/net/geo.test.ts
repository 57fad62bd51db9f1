// Geo on the real installed data: the compiled ASN table is built from the real CSVs by the real script,
// and every expectation below was read from those CSVs / the MMDB, not guessed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsnTable } from '../../electron/net/asn-table';
import { createGeo, defaultAsnPath, defaultMmdbPath, type GeoService } from '../../electron/net/geo';
import { canonicalAddress } from '../../electron/net/scope';

const root = join(__dirname, '..', '..');
const script = join(root, 'scripts', 'build-asn.js');
const csvDir = join(root, 'node_modules', '@ip-location-db', 'asn');
let dir: string;
let asnPath: string;
let geo: GeoService;
let buildMs = 0;

function runBuild(args: string[]): string {
  return execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 120_000 });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-geo-'));
  asnPath = join(dir, 'asn.bin');
  const t0 = performance.now();
  runBuild(['--out', asnPath]);
  buildMs = performance.now() - t0;
  geo = createGeo({ asnPath, warn: (m) => expect.fail(`unexpected warning: ${m}`) });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/build-asn.js', () => {
  it('builds a compact table and skips the work when up to date', () => {
    console.log(`[measure] build-asn: ${Math.round(buildMs)} ms, ${(statSync(asnPath).size / 1048576).toFixed(1)} MB`);
    const t0 = performance.now();
    const out = runBuild(['--out', asnPath]);
    const skipMs = performance.now() - t0;
    expect(out).toMatch(/up to date/);
    console.log(`[measure] build-asn up-to-date check: ${Math.round(skipMs)} ms`);
    expect(skipMs).toBeLessThan(1000);
    // 63 MB of CSV in, well under a third of that out.
    expect(statSync(asnPath).size).toBeLessThan(16 * 1048576);
  });

  it('rebuilds a truncated file instead of trusting it, and the loader refuses it', () => {
    const copy = join(dir, 'truncated.bin');
    copyFileSync(asnPath, copy);
    truncateSync(copy, statSync(copy).size - 100);
    expect(() => AsnTable.load(copy)).toThrow(/truncated or corrupt/);
    const out = runBuild(['--out', copy]);
    expect(out).toMatch(/wrote/);
    expect(readFileSync(copy).equals(readFileSync(asnPath))).toBe(true);
  });

  it('has every source range: first, last and middle address of each row', () => {
    const table = AsnTable.load(asnPath);
    const counts = table.counts;
    expect(counts.v4).toBeGreaterThan(400_000);
    expect(counts.v6).toBeGreaterThan(100_000);
    expect(counts.v6Exact).toBeGreaterThan(0);
    for (const [file, v6] of [
      ['asn-ipv4-num.csv', false],
      ['asn-ipv6-num.csv', true],
    ] as const) {
      const lines = readFileSync(join(csvDir, file), 'utf8').trim().split('\n');
      let checked = 0;
      for (let i = 0; i < lines.length; i++) {
        const m = /^(\d+),(\d+),(\d+),/.exec(lines[i] as string);
        if (!m) throw new Error(`unparsed line ${i}`);
        const [s, e, asn] = [BigInt(m[1] as string), BigInt(m[2] as string), Number(m[3])];
        // The one overlapping pair in the IPv4 data is resolved in favour of the more specific range.
        if (!v6 && s >= 3596550144n && s <= 3607167999n) continue;
        for (const x of [s, e, (s + e) / 2n]) {
          const rec = v6 ? table.lookupV6(groupsOf(x)) : table.lookupV4(Number(x));
          if (rec?.asn !== asn) expect.fail(`${file} line ${i + 1} at ${x}: got ${rec?.asn}, want ${asn}`);
        }
        checked++;
      }
      expect(checked).toBe(lines.length - (v6 ? 0 : 2));
    }
    // The overlap: AS749 214.95.0.0–215.0.255.255 and AS721 215.0.0.0–215.1.3.255 (the later start wins).
    expect(table.lookupV4(3596550144)?.asn).toBe(749);
    expect(table.lookupV4(3607101439)?.asn).toBe(749);
    expect(table.lookupV4(3607101440)?.asn).toBe(721);
    expect(table.lookupV4(3607167999)?.asn).toBe(721);
  });

  it('resolves IPv6 owners below /64 exactly (anycast host routes)', () => {
    // From asn-ipv6.csv: 2001:500:30ff::/64 is AS396585 except 2001:500:30ff::30 (AS396552).
    const g = createGeo({ asnPath, mmdbPath: null, warn: () => {} });
    expect(g.lookup('2001:500:30ff::2f').asn).toBe(396585);
    expect(g.lookup('2001:500:30ff::30').asn).toBe(396552);
    expect(g.lookup('2001:500:30ff::31').asn).toBe(396585);
    expect(g.lookup('2001:500:30ff:0:ffff:ffff:ffff:ffff').asn).toBe(396585);
    expect(g.lookup('2001:500:30ff:1::').asn).not.toBe(396552);
  });

  it('returns nothing in gaps between ranges', () => {
    const table = AsnTable.load(asnPath);
    const lines = readFileSync(join(csvDir, 'asn-ipv4-num.csv'), 'utf8').split('\n', 50);
    let gaps = 0;
    for (let i = 1; i < lines.length; i++) {
      const prevEnd = Number((lines[i - 1] as string).split(',')[1]);
      const start = Number((lines[i] as string).split(',')[0]);
      if (start > prevEnd + 1) {
        expect(table.lookupV4(prevEnd + 1)).toBeNull();
        expect(table.lookupV4(start - 1)).toBeNull();
        gaps++;
      }
    }
    expect(gaps).toBeGreaterThan(5);
    expect(table.lookupV4(0)).toBeNull();
  });
});

function groupsOf(x: bigint): number[] {
  return Array.from({ length: 8 }, (_, i) => Number((x >> BigInt(112 - 16 * i)) & 0xffffn));
}

describe('createGeo on known public ranges', () => {
  // Values as found in the installed data (asn-ipv4.csv / asn-ipv6.csv and the MMDB).
  it.each([
    ['1.1.1.1', 'AU', 13335, 'Cloudflare, Inc.'],
    ['8.8.8.8', 'US', 15169, 'Google LLC'],
    ['9.9.9.9', 'US', 19281, 'Quad9'],
    ['193.0.14.129', 'NL', 25152, 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)'],
    ['2606:4700:4700::1111', 'US', 13335, 'Cloudflare, Inc.'],
    ['2001:4860:4860::8888', 'US', 15169, 'Google LLC'],
    ['2001:4860:4805::1', 'US', 43515, 'Google Ireland Limited'],
    ['::ffff:8.8.8.8', 'US', 15169, 'Google LLC'],
    ['64:ff9b::1.1.1.1', 'AU', 13335, 'Cloudflare, Inc.'],
  ])('%s → %s AS%i %s', (address, country, asn, org) => {
    expect(geo.lookup(address)).toEqual({ country, asn, org, scope: 'internet' });
  });

  it('does not look up private, loopback or link-local ranges', () => {
    expect(geo.lookup('10.1.2.3')).toEqual({ country: null, asn: null, org: null, scope: 'lan' });
    expect(geo.lookup('127.0.0.1')).toEqual({ country: null, asn: null, org: null, scope: 'loopback' });
    expect(geo.lookup('fe80::1%eth0')).toEqual({ country: null, asn: null, org: null, scope: 'linklocal' });
    expect(geo.lookup('198.18.0.1')).toEqual({ country: null, asn: null, org: null, scope: 'lan' });
    expect(geo.lookup('2001:db8::2')).toEqual({ country: null, asn: null, org: null, scope: 'lan' });
    expect(geo.lookup('224.0.0.251').scope).toBe('multicast');
  });

  it('answers hostile input with nulls, never throwing', () => {
    for (const bad of ['', 'x', '1.2.3.4\n', '999.1.1.1', '<script>', 'a'.repeat(10_000), '::ffff:1.2.3']) {
      expect(geo.lookup(bad)).toEqual({ country: null, asn: null, org: null, scope: 'internet' });
    }
    expect(geo.lookup(undefined as unknown as string).asn).toBeNull();
  });

  it('org names carry no control or format characters', () => {
    // 652398080 is a range whose source name contains soft hyphens (U+00AD).
    const rec = AsnTable.load(asnPath).lookupV4(652398080);
    expect(rec?.asn).toBe(267578);
    expect(rec?.org).toBe('WILLIAN MENDES DE OLIVEIRA ME');
  });

  it('finds its data by default through the module system', () => {
    const mmdb = defaultMmdbPath();
    expect(mmdb).toMatch(/geo-whois-asn-country\.mmdb$/);
    expect(statSync(mmdb as string).size).toBeGreaterThan(1_000_000);
    expect(defaultAsnPath()).toMatch(/dist[\\/]data[\\/]asn\.bin$/);
  });
});

describe('createGeo without data', () => {
  it('keeps working for scope, returns nulls and warns once', () => {
    const warnings: string[] = [];
    const g = createGeo({ asnPath: join(dir, 'missing.bin'), mmdbPath: join(dir, 'missing.mmdb'), warn: (m) => warnings.push(m) });
    expect(g.lookup('1.1.1.1')).toEqual({ country: null, asn: null, org: null, scope: 'internet' });
    expect(g.lookup('10.0.0.1').scope).toBe('lan');
    for (let i = 0; i < 100; i++) g.lookup(`8.8.8.${i}`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Country data unavailable.*ASN\) data unavailable/s);
    expect(g.status()).toMatchObject({ country: false, asn: false });
    expect(g.status().notes).toHaveLength(2);
  });

  it('treats a corrupt table like a missing one', () => {
    const bad = join(dir, 'garbage.bin');
    writeFileSync(bad, Buffer.alloc(4096, 0x41));
    const warnings: string[] = [];
    const g = createGeo({ asnPath: bad, warn: (m) => warnings.push(m) });
    expect(g.lookup('8.8.8.8')).toEqual({ country: 'US', asn: null, org: null, scope: 'internet' });
    expect(warnings[0]).toMatch(/not an Outflow ASN table/);
    expect(g.status()).toMatchObject({ country: true, asn: false });
  });
});

describe('budget', () => {
  it('looks up in ≤ 5 µs, cold and cached', () => {
    const addrs: string[] = [];
    let seed = 99;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let i = 0; i < 20_000; i++) {
      const x = next();
      addrs.push(`${((x >>> 24) % 223) + 1}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`);
      const y = next();
      addrs.push(`2${(y & 0xfff).toString(16).padStart(3, '0')}:${(y >>> 16).toString(16)}::${i.toString(16)}`);
    }
    expect(addrs.every((a) => canonicalAddress(a) !== null)).toBe(true);
    const cold = createGeo({ asnPath, cacheSize: 512 });
    let t0 = performance.now();
    for (const a of addrs) cold.lookup(a);
    const coldUs = ((performance.now() - t0) * 1000) / addrs.length;
    // Most random public addresses are allocated: the timing covers real hits, not early exits.
    expect(addrs.filter((a) => cold.lookup(a).asn !== null).length).toBeGreaterThan(addrs.length / 4);

    const hot = addrs.slice(0, 400);
    for (const a of hot) cold.lookup(a);
    const rounds = 100;
    t0 = performance.now();
    for (let r = 0; r < rounds; r++) for (const a of hot) cold.lookup(a);
    const hotUs = ((performance.now() - t0) * 1000) / (rounds * hot.length);

    console.log(`[measure] geo lookup: cold (cache miss) ${coldUs.toFixed(2)} µs, cached ${hotUs.toFixed(3)} µs`);
    expect(coldUs).toBeLessThan(5);
    expect(hotUs).toBeLessThan(5);
  });

  it('stays ≤ 25 MB RSS after load (fresh process)', () => {
    // Transpile the real sources to plain JS so the child loads nothing but them (and maxmind).
    const out0 = join(dir, 'js');
    for (const name of ['geo', 'asn-table', 'ip', 'lru', 'scope']) {
      const src = readFileSync(join(root, 'electron', 'net', `${name}.ts`), 'utf8');
      const js = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText;
      mkdirSync(join(out0, 'electron', 'net'), { recursive: true });
      writeFileSync(join(out0, 'electron', 'net', `${name}.js`), js);
    }
    const out = execFileSync(process.execPath, ['--expose-gc', join(__dirname, 'geo-rss-child.js'), join(out0, 'electron', 'net', 'geo.js'), asnPath], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    });
    const m = JSON.parse(out.trim()) as {
      loadMs: number;
      rssAfterLoadMB: number;
      rssAfterUseMB: number;
      retainedAfterUseMB: number;
      status: { country: boolean; asn: boolean };
    };
    console.log(`[measure] geo memory: ${out.trim()}`);
    expect(m.status).toMatchObject({ country: true, asn: true });
    expect(m.rssAfterLoadMB).toBeLessThanOrEqual(25);
    // RSS after heavy use swings by ±10 MB between identical runs (V8 young-generation sizing, allocator
    // caching), so the budget after use is checked on what geo actually retains.
    expect(m.retainedAfterUseMB).toBeLessThanOrEqual(25);
  });
});
