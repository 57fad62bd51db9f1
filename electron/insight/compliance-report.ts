import type { Db } from '../store/db';
import type { AddressScope } from '../shared/types';
import { toCsv } from '../shared/csv';
import { bucketSlices } from '../store/queries/buckets';
import type { ComplianceApp, ComplianceReport, ComplianceRow } from '../shared/insight-types';

export type { ComplianceApp, ComplianceReport, ComplianceRow } from '../shared/insight-types';

// Where data goes: per app, the destinations it sent to over a period, grouped by country and network
// owner (ASN + organisation), with bytes and first/last time. With `outside`, only what left for
// internet destinations outside those countries: "which apps sent data outside DE, FR this month,
// how much, to whom". An internet address whose country is unknown is listed (as unknown) under
// `outside`, since nothing shows it stayed inside.
//
// Times are bucket starts: minute precision within the minute retention, hour precision before it,
// day precision before the hourly retention.

export interface ComplianceQuery {
  since: number;
  until: number;
  /** ISO 3166-1 alpha-2 codes; when set, only internet traffic to other (or unknown) countries. */
  outside?: string[];
  /** Include LAN destinations (private ranges); loopback is never included. */
  includeLan?: boolean;
}

const ISO2 = /^[A-Z]{2}$/;
const MAX_HOSTS = 5;

/** Upper-cases and validates a country list; throws on anything that is not two letters. */
export function parseCountryList(text: string): string[] {
  const codes = text
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c.length > 0);
  if (codes.length === 0 || codes.length > 250) throw new Error('expected a comma-separated list of ISO country codes, e.g. DE,FR');
  for (const c of codes) if (!ISO2.test(c)) throw new Error(`not an ISO 3166-1 alpha-2 country code: ${JSON.stringify(c)}`);
  return [...new Set(codes)];
}

interface Raw {
  app_id: number;
  name: string;
  path: string;
  attributed: number;
  addr: string;
  host: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
  scope: string;
  o: number;
  i: number;
  n: number;
  first: number;
  last: number;
}

export function complianceReport(db: Db, q: ComplianceQuery, now: number): ComplianceReport {
  const outside = q.outside ? q.outside.map((c) => c.toUpperCase()) : null;
  if (outside) for (const c of outside) if (!ISO2.test(c)) throw new Error(`not an ISO 3166-1 alpha-2 country code: ${JSON.stringify(c)}`);
  const inside = new Set(outside ?? []);
  const scopes = outside ? ['internet'] : q.includeLan ? ['internet', 'lan'] : ['internet'];

  const groups = new Map<string, ComplianceRow & { addrs: Set<string>; names: Set<string> }>();
  for (const s of bucketSlices(db, q.since, q.until)) {
    const stmt = db.prepare(
      `SELECT t.app_id, a.name, a.path, a.attributed, r.addr, r.host, r.country, r.asn, r.org, r.scope,
              SUM(t.bytes_out) AS o, SUM(t.bytes_in) AS i, SUM(t.flows) AS n, MIN(t.${s.col}) AS first, MAX(t.${s.col}) AS last
         FROM ${s.table} t JOIN apps a ON a.id = t.app_id JOIN remotes r ON r.id = t.remote_id
        WHERE t.${s.col} >= ? AND t.${s.col} < ? AND r.scope IN (${scopes.map(() => '?').join(', ')})
        GROUP BY t.app_id, t.remote_id`,
    );
    for (const raw of stmt.iterate(s.since, s.until, ...scopes)) {
      const r = raw as Raw;
      if (outside && r.country !== null && inside.has(r.country.toUpperCase())) continue;
      if (r.o === 0 && r.i === 0 && r.n === 0) continue;
      const key = `${r.app_id}|${r.country ?? ''}|${r.asn ?? ''}|${r.org ?? ''}|${r.scope}`;
      let g = groups.get(key);
      if (!g) {
        g = {
          appId: r.app_id,
          app: r.name,
          path: r.attributed === 1 ? r.path : null,
          country: r.country,
          asn: r.asn,
          org: r.org,
          scope: r.scope as AddressScope,
          addresses: 0,
          hosts: [],
          bytesOut: 0,
          bytesIn: 0,
          flows: 0,
          firstSeen: r.first,
          lastSeen: r.last,
          addrs: new Set(),
          names: new Set(),
        };
        groups.set(key, g);
      }
      g.bytesOut += r.o;
      g.bytesIn += r.i;
      g.flows += r.n;
      g.firstSeen = Math.min(g.firstSeen, r.first);
      g.lastSeen = Math.max(g.lastSeen, r.last);
      g.addrs.add(r.addr);
      if (r.host && g.names.size < MAX_HOSTS) g.names.add(r.host);
    }
  }

  const rows = [...groups.values()].map(({ addrs, names, ...g }) => ({ ...g, addresses: addrs.size, hosts: [...names].sort() }));
  const apps = new Map<number, ComplianceApp>();
  for (const r of rows) {
    const a = apps.get(r.appId) ?? { appId: r.appId, app: r.app, path: r.path, bytesOut: 0, bytesIn: 0, countries: [], groups: 0 };
    a.bytesOut += r.bytesOut;
    a.bytesIn += r.bytesIn;
    a.groups++;
    const cc = r.country ?? 'unknown';
    if (!a.countries.includes(cc)) a.countries.push(cc);
    apps.set(r.appId, a);
  }
  const appList = [...apps.values()].sort((a, b) => b.bytesOut - a.bytesOut || a.app.localeCompare(b.app));
  for (const a of appList) a.countries.sort();
  const rank = new Map(appList.map((a, i) => [a.appId, i]));
  rows.sort((a, b) => rank.get(a.appId)! - rank.get(b.appId)! || b.bytesOut - a.bytesOut);
  return {
    generatedAt: now,
    since: q.since,
    until: q.until,
    outside,
    apps: appList,
    rows,
    totals: { bytesOut: rows.reduce((s, r) => s + r.bytesOut, 0), bytesIn: rows.reduce((s, r) => s + r.bytesIn, 0) },
  };
}

interface CsvRow {
  app: string;
  path: string;
  country: string;
  asn: number | null;
  org: string | null;
  scope: string;
  addresses: number;
  hosts: string;
  bytesOut: number;
  bytesIn: number;
  flows: number;
  firstSeen: string;
  lastSeen: string;
}

const CSV_COLUMNS: (keyof CsvRow)[] = ['app', 'path', 'country', 'asn', 'org', 'scope', 'addresses', 'hosts', 'bytesOut', 'bytesIn', 'flows', 'firstSeen', 'lastSeen'];

/** One line per (app, country, network owner); times in ISO 8601 UTC. */
export function complianceCsv(report: ComplianceReport): string {
  return toCsv<CsvRow>(
    CSV_COLUMNS,
    report.rows.map((r) => ({
      app: r.app,
      path: r.path ?? '',
      country: r.country ?? 'unknown',
      asn: r.asn,
      org: r.org,
      scope: r.scope,
      addresses: r.addresses,
      hosts: r.hosts.join(' '),
      bytesOut: r.bytesOut,
      bytesIn: r.bytesIn,
      flows: r.flows,
      firstSeen: new Date(r.firstSeen).toISOString(),
      lastSeen: new Date(r.lastSeen).toISOString(),
    })),
  );
}
