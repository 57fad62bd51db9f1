// Offline country + ASN/org for an address. Everything is loaded synchronously at construction (two
// files, ~19 MB) so a lookup never touches the disk or the network; private, loopback and link-local
// addresses get their scope and no lookup at all. Missing or corrupt data degrades to nulls with one
// warning: a lookup never throws, because it runs inside the engine's tick.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Reader, type Response } from 'maxmind';
import type { Geo } from '../engine/ports';
import type { AddressScope } from '../shared/types';
import { AsnTable } from './asn-table';
import { formatIPv4, formatIPv6, parseAddress } from './ip';
import { Lru } from './lru';
import { nat64Embedded, scopeOfParsed } from './scope';

export type GeoInfo = ReturnType<Geo['lookup']>;

export interface GeoOptions {
  /** Country database (MMDB). Default: the installed @ip-location-db/geo-whois-asn-country-mmdb. */
  mmdbPath?: string | null;
  /** Compiled ASN table. Default: dist/data/asn.bin (see defaultAsnPath). */
  asnPath?: string | null;
  /** Entries in the lookup cache. Default 4096. */
  cacheSize?: number;
  /** Where the one-time "data missing" warning goes. Default console.warn. */
  warn?: (message: string) => void;
}

export interface GeoStatus {
  country: boolean;
  asn: boolean;
  /** Human sentences about what is missing and how to fix it (for `outflow doctor`). */
  notes: string[];
}

export interface GeoService extends Geo {
  status(): GeoStatus;
}

const COUNTRY_PACKAGE = '@ip-location-db/geo-whois-asn-country-mmdb';
const COUNTRY_FILE = 'geo-whois-asn-country.mmdb';
const COUNTRY_RE = /^[A-Z]{2}$/;

/** Resolved through the module system so it works from electron/ (tests), dist/ and inside app.asar. */
export function defaultMmdbPath(): string | null {
  try {
    return require.resolve(`${COUNTRY_PACKAGE}/${COUNTRY_FILE}`);
  } catch {
    return null;
  }
}

/**
 * Where `npm run build` puts the table: dist/data/asn.bin. Compiled code runs from dist/electron/net (also
 * inside app.asar), the sources (under the test runner) from electron/net.
 */
export function defaultAsnPath(): string {
  const root = join(__dirname, '..', '..');
  return basename(root) === 'dist' ? join(root, 'data', 'asn.bin') : join(root, 'dist', 'data', 'asn.bin');
}

/** This database's records are `{ country_code }`, which the library's typed responses do not model. */
interface CountryRecord {
  country_code?: unknown;
}

export function createGeo(opts: GeoOptions = {}): GeoService {
  const warn = opts.warn ?? ((m: string) => console.warn(m));
  const notes: string[] = [];
  const cache = new Lru<string, GeoInfo>(opts.cacheSize ?? 4096);

  let countries: Reader<Response> | null = null;
  const mmdbPath = opts.mmdbPath === undefined ? defaultMmdbPath() : opts.mmdbPath;
  try {
    if (!mmdbPath) throw new Error(`${COUNTRY_PACKAGE} is not installed`);
    // The country database has a few hundred distinct records; caching them by offset skips decoding
    // the same `{ country_code }` map on every miss of our own cache. Bounded in case a future file has more.
    const records = new Map<string | number, unknown>();
    const recordCache = {
      get: (key: string | number): unknown => records.get(key),
      set: (key: string | number, value: unknown): void => {
        if (records.size < 2048) records.set(key, value);
      },
    };
    countries = new Reader<Response>(readFileSync(mmdbPath), { cache: recordCache });
  } catch (err) {
    notes.push(`Country data unavailable (${message(err)}); countries are not shown. Reinstall Outflow or run npm install.`);
  }

  let asns: AsnTable | null = null;
  const asnPath = opts.asnPath === undefined ? defaultAsnPath() : opts.asnPath;
  try {
    if (!asnPath) throw new Error('no path configured');
    asns = AsnTable.load(asnPath);
  } catch (err) {
    notes.push(`Network owner (ASN) data unavailable (${message(err)}); run \`npm run build\` (scripts/build-asn.js).`);
  }

  if (notes.length > 0) warn(`[geo] ${notes.join(' ')}`);

  const nothing = (scope: AddressScope): GeoInfo => Object.freeze({ country: null, asn: null, org: null, scope });
  const unknownScopes = new Map<AddressScope, GeoInfo>();
  const bare = (scope: AddressScope): GeoInfo => {
    let v = unknownScopes.get(scope);
    if (!v) unknownScopes.set(scope, (v = nothing(scope)));
    return v;
  };

  function compute(text: string, scope: AddressScope, v4: number | null, groups: number[] | null): GeoInfo {
    let country: string | null = null;
    let asn: number | null = null;
    let org: string | null = null;
    try {
      const code = (countries?.get(text) as CountryRecord | null | undefined)?.country_code;
      if (typeof code === 'string' && COUNTRY_RE.test(code)) country = code;
      const rec = !asns ? null : groups !== null ? asns.lookupV6(groups) : v4 !== null ? asns.lookupV4(v4) : null;
      // AS0 marks space nobody announces: no owner to show.
      if (rec && rec.asn !== 0) {
        asn = rec.asn;
        org = rec.org === '' ? null : rec.org;
      }
    } catch {
      /* a corrupt record must not break a tick: unknown it is */
    }
    return Object.freeze({ country, asn, org, scope });
  }

  return {
    lookup(address: string): GeoInfo {
      // Keyed by the text as given: the engine asks about the same few hundred strings every tick, and a
      // hit then costs one Map lookup, no parsing.
      const hit = cache.get(address);
      if (hit) return hit;
      const p = parseAddress(address);
      if (!p) return bare('internet');
      const scope = scopeOfParsed(p);
      let info: GeoInfo;
      if (scope !== 'internet') info = bare(scope);
      else {
        // NAT64 hides the IPv4 destination in the low 32 bits; the data knows the IPv4 address.
        let v4: number | null = null;
        let groups: number[] | null = null;
        if (p.family === 4) v4 = p.v4;
        else if ((v4 = nat64Embedded(p.groups)) === null) groups = p.groups;
        const text = groups !== null ? formatIPv6(groups, null) : formatIPv4(v4 as number);
        info = compute(text, scope, v4, groups);
      }
      cache.set(address, info);
      return info;
    },
    status(): GeoStatus {
      return { country: countries !== null, asn: asns !== null, notes: notes.slice() };
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
