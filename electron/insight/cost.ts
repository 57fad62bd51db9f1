import type { Db } from '../store/db';
import type { AddressScope } from '../shared/types';
import { destinationKey } from '../engine/alerts/destination-key';
import type { AppCost, CostLine, CostSummary, DestinationCost, MonthProjection, PeriodCost } from '../shared/insight-types';
import { bucketSlices } from '../store/queries/buckets';

export type { AppCost, CostLine, CostSummary, DestinationCost, MonthProjection, PeriodCost } from '../shared/insight-types';

// What the traffic leaving this machine would cost as cloud internet egress.
//
// - Price: `costPerGb` per GB of 10^9 bytes, from settings. The default 0.09 USD is the first
//   pricing tier (up to 10 TB/month) of AWS EC2 "Data Transfer OUT from Amazon EC2 to Internet" in the
//   US regions on the AWS on-demand pricing page; Azure and Google Cloud list first-tier internet
//   egress in the same range (about 0.08-0.12 USD). Users on other clouds or metered links set their own.
// - Only bytes sent to `internet` destinations are billed. Loopback, LAN (private, CGNAT and
//   non-routed ranges), link-local and multicast never leave the local network: they are zero-rated
//   and reported separately as `zeroRatedBytes`.
// - Days and months are local calendar days/months. The projection for the current month is linear:
//   cost so far × (length of the month ÷ time elapsed in it), i.e. "if the rest of the month looks like
//   the part so far". Early in a month it swings a lot; it is a guide, not a forecast.

export interface CostQuery {
  since: number;
  until: number;
  now: number;
  costPerGb: number;
  currency: string;
  /** Longest destination list returned (the rest is in the totals). */
  destinationLimit?: number;
}

interface PairRow {
  app_id: number;
  name: string;
  path: string;
  attributed: number;
  addr: string;
  host: string | null;
  asn: number | null;
  org: string | null;
  country: string | null;
  scope: string;
  b: number;
}

/** Quarter hours line up with every local day boundary, including UTC+5:45 and UTC+9:30. */
const SLOT = 15 * 60_000;

/** Sent bytes per (app, remote) over [since, until), with what we know of each. */
function pairRows(db: Db, since: number, until: number): PairRow[] {
  const rows: PairRow[] = [];
  for (const s of bucketSlices(db, since, until)) {
    const stmt = db.prepare(
      `SELECT p.app_id, a.name, a.path, a.attributed, r.addr, r.host, r.asn, r.org, r.country, r.scope, p.b
         FROM (SELECT app_id, remote_id, SUM(bytes_out) AS b FROM ${s.table}
                WHERE ${s.col} >= ? AND ${s.col} < ? GROUP BY app_id, remote_id HAVING b > 0) p
         JOIN apps a ON a.id = p.app_id JOIN remotes r ON r.id = p.remote_id`,
    );
    for (const r of stmt.iterate(s.since, s.until)) rows.push(r as PairRow);
  }
  return rows;
}

/** Billable bytes per quarter hour over [since, until). */
function slotRows(db: Db, since: number, until: number): { slot: number; b: number }[] {
  const rows: { slot: number; b: number }[] = [];
  for (const s of bucketSlices(db, since, until)) {
    const stmt = db.prepare(
      `SELECT (t.${s.col} / ${SLOT}) * ${SLOT} AS slot, SUM(t.bytes_out) AS b
         FROM ${s.table} t JOIN remotes r ON r.id = t.remote_id
        WHERE t.${s.col} >= ? AND t.${s.col} < ? AND r.scope = 'internet'
        GROUP BY slot HAVING b > 0`,
    );
    for (const r of stmt.iterate(s.since, s.until)) rows.push(r as { slot: number; b: number });
  }
  return rows;
}

const costOf = (bytes: number, perGb: number): number => (bytes / 1e9) * perGb;

function monthBounds(now: number): { start: number; end: number } {
  const d = new Date(now);
  return { start: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), end: new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime() };
}

const pad = (n: number): string => String(n).padStart(2, '0');

function localDay(ms: number): { day: string; start: number } {
  const d = new Date(ms);
  return { day: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, start: new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() };
}

export function costSummary(db: Db, q: CostQuery): CostSummary {
  const perGb = q.costPerGb;
  let billable = 0;
  let zeroRated = 0;
  const apps = new Map<number, AppCost>();
  const dests = new Map<string, DestinationCost & { addrs: Set<string> }>();
  for (const r of pairRows(db, q.since, q.until)) {
    if (r.scope !== 'internet') {
      zeroRated += r.b;
      continue;
    }
    billable += r.b;
    const a = apps.get(r.app_id) ?? { appId: r.app_id, name: r.name, path: r.attributed === 1 ? r.path : null, attributed: r.attributed === 1, bytes: 0, cost: 0 };
    a.bytes += r.b;
    apps.set(r.app_id, a);
    const dk = destinationKey({ addr: r.addr, host: r.host, asn: r.asn, scope: r.scope as AddressScope });
    const key = dk?.key ?? r.addr;
    const d = dests.get(key) ?? { destination: key, kind: dk?.kind ?? 'address', org: r.org, country: r.country, addresses: 0, bytes: 0, cost: 0, addrs: new Set<string>() };
    d.bytes += r.b;
    d.addrs.add(r.addr);
    d.org ??= r.org;
    d.country ??= r.country;
    dests.set(key, d);
  }

  const days = new Map<string, PeriodCost>();
  for (const r of slotRows(db, q.since, q.until)) {
    const { day, start } = localDay(r.slot);
    const p = days.get(day) ?? { period: day, start, bytes: 0, cost: 0 };
    p.bytes += r.b;
    days.set(day, p);
  }
  const months = new Map<string, PeriodCost>();
  for (const p of days.values()) {
    const key = p.period.slice(0, 7);
    const d = new Date(p.start);
    const m = months.get(key) ?? { period: key, start: new Date(d.getFullYear(), d.getMonth(), 1).getTime(), bytes: 0, cost: 0 };
    m.bytes += p.bytes;
    months.set(key, m);
  }
  const priced = <T extends CostLine>(x: T): T => ({ ...x, cost: costOf(x.bytes, perGb) });
  const byBytes = (a: CostLine, b: CostLine): number => b.bytes - a.bytes;

  return {
    currency: q.currency,
    perGb,
    since: q.since,
    until: q.until,
    total: { bytes: billable, cost: costOf(billable, perGb) },
    zeroRatedBytes: zeroRated,
    byApp: [...apps.values()].map(priced).sort(byBytes),
    byDestination: [...dests.values()]
      .map(({ addrs, ...d }) => priced({ ...d, addresses: addrs.size }))
      .sort(byBytes)
      .slice(0, q.destinationLimit ?? 100),
    byDay: [...days.values()].map(priced).sort((a, b) => a.start - b.start),
    byMonth: [...months.values()].map(priced).sort((a, b) => a.start - b.start),
    month: monthProjection(db, q.now, perGb),
  };
}

/** This calendar month so far, and linearly projected to its end. */
export function monthProjection(db: Db, now: number, perGb: number): MonthProjection {
  const { start, end } = monthBounds(now);
  let bytes = 0;
  for (const r of slotRows(db, start, now + 1)) bytes += r.b;
  const elapsedMs = Math.min(end - start, Math.max(60_000, now - start));
  const projectedBytes = (bytes * (end - start)) / elapsedMs;
  return {
    start,
    end,
    elapsed: elapsedMs / (end - start),
    bytes,
    cost: costOf(bytes, perGb),
    projectedBytes,
    projectedCost: costOf(projectedBytes, perGb),
  };
}
