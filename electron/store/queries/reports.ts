import type { Db } from '../db';
import type {
  AppSummary,
  Bucket,
  DestinationSummary,
  FlowRecord,
  HistoryPage,
  HistoryTotals,
  Series,
} from '../../shared/types';
import type { MethodParsed } from '../../shared/contract';
import { protoName } from './flows';
import { HOUR, MINUTE } from './traffic';
import { detailFrom } from './retention';
import { planSlices, tierState, trafficSource } from './tiers';

// Read side: summaries for the CLI, the API and the renderer. Each range is answered from the
// coarsest roll-up that is exact for it (./tiers.ts): daily and hourly roll-ups for whole days and
// hours, minute buckets for the partial hours at the edges and the hour not yet rolled up.

export interface ReportContext {
  now: number;
  costPerGb: number;
  /** Minute buckets older than this have been pruned (retention). Kept for callers; the tiers read it from the database. */
  minuteHorizon: number;
}

const costOf = (bytes: number, ctx: ReportContext): number => (bytes / 1e9) * ctx.costPerGb;

/**
 * Per-app rows `(app_id, loopback, bytes_out, bytes_in, flows, billable_out, at)` over [since, until):
 * app_hour for whole rolled-up hours (no join); minute buckets, and the daily roll-ups where hours
 * have been pruned, joined to their remote for the rest.
 */
function appSource(db: Db, since: number, until: number): { sql: string; args: number[] } {
  const legs: string[] = [];
  const args: number[] = [];
  for (const sl of planSlices(tierState(db), since, until, 'hour')) {
    if (sl.tier === 'hour') {
      legs.push('SELECT app_id, loopback, bytes_out, bytes_in, flows, billable_out, hour AS at FROM app_hour WHERE hour >= ? AND hour < ?');
    } else {
      const [table, col] = sl.tier === 'minute' ? ['traffic_minute', 'minute'] : ['traffic_day', 'day'];
      legs.push(`SELECT t.app_id, r.scope = 'loopback' AS loopback, t.bytes_out, t.bytes_in, t.flows,
                        CASE WHEN r.scope = 'internet' THEN t.bytes_out ELSE 0 END AS billable_out, t.${col} AS at
                   FROM ${table} t JOIN remotes r ON r.id = t.remote_id WHERE t.${col} >= ? AND t.${col} < ?`);
    }
    args.push(sl.from, sl.to);
  }
  if (legs.length === 0) legs.push('SELECT app_id, loopback, bytes_out, bytes_in, flows, billable_out, hour AS at FROM app_hour WHERE 0');
  return { sql: `(${legs.join('\n UNION ALL ')})`, args };
}

export function appSummaries(
  db: Db,
  ctx: ReportContext,
  q: { since?: number; until?: number; includeLoopback?: boolean },
): AppSummary[] {
  const b = appSource(db, q.since ?? 0, q.until ?? ctx.now + MINUTE);
  const loopback = q.includeLoopback ? '' : 'WHERE t.loopback = 0';
  const rows = db
    .prepare(
      `SELECT a.id, a.path, a.name, a.sha256, a.attributed, a.first_seen, a.last_seen, s.bytes_out, s.bytes_in, s.flows, s.billable
         FROM (SELECT t.app_id, SUM(t.bytes_out) AS bytes_out, SUM(t.bytes_in) AS bytes_in, SUM(t.flows) AS flows,
                      SUM(t.billable_out) AS billable
                 FROM ${b.sql} t ${loopback} GROUP BY t.app_id) s
         JOIN apps a ON a.id = s.app_id
        ORDER BY s.bytes_out DESC`,
    )
    .all(...b.args) as {
    id: number;
    path: string;
    name: string;
    sha256: string | null;
    attributed: number;
    first_seen: number;
    last_seen: number;
    bytes_out: number;
    bytes_in: number;
    flows: number;
    billable: number;
  }[];
  return rows.map((r) => ({
    id: r.id,
    path: r.path,
    name: r.name,
    sha256: r.sha256,
    bytesOut: r.bytes_out,
    bytesIn: r.bytes_in,
    flows: r.flows,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    attributed: r.attributed === 1,
    cost: costOf(r.billable, ctx),
  }));
}

export function destinations(
  db: Db,
  ctx: ReportContext,
  q: { appId: number; since?: number; until?: number; limit: number },
): DestinationSummary[] {
  const b = trafficSource(planSlices(tierState(db), q.since ?? 0, q.until ?? ctx.now + MINUTE), 'app_id = ?', [q.appId]);
  // Aggregate per destination first, then join only the rows returned.
  const rows = db
    .prepare(
      `SELECT r.addr, r.host, r.country, r.asn, r.org, r.scope, d.bytes_out, d.bytes_in, d.flows, d.ports, d.first_seen, d.last_seen
         FROM (SELECT t.remote_id, SUM(t.bytes_out) AS bytes_out, SUM(t.bytes_in) AS bytes_in, SUM(t.flows) AS flows,
                      group_concat(DISTINCT t.rport) AS ports, MIN(t.at) AS first_seen, MAX(t.at) AS last_seen
                 FROM ${b.sql} t GROUP BY t.remote_id ORDER BY bytes_out DESC LIMIT ?) d
         JOIN remotes r ON r.id = d.remote_id
        ORDER BY d.bytes_out DESC`,
    )
    .all(...b.args, q.limit) as {
    addr: string;
    host: string | null;
    country: string | null;
    asn: number | null;
    org: string | null;
    scope: string;
    bytes_out: number;
    bytes_in: number;
    flows: number;
    ports: string | null;
    first_seen: number;
    last_seen: number;
  }[];
  return rows.map((r) => ({
    remote: r.addr,
    host: r.host,
    country: r.country,
    asn: r.asn,
    org: r.org,
    scope: r.scope as DestinationSummary['scope'],
    bytesOut: r.bytes_out,
    bytesIn: r.bytes_in,
    flows: r.flows,
    ports: (r.ports ?? '').split(',').filter(Boolean).map(Number).sort((a, b) => a - b).slice(0, 50),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }));
}

export function series(
  db: Db,
  ctx: ReportContext,
  q: { appId?: number; since?: number; until?: number; bucket: Bucket },
): Series {
  const size = q.bucket === 'hour' ? HOUR : MINUTE;
  const slices = planSlices(tierState(db), q.since ?? 0, q.until ?? ctx.now + MINUTE, 'hour', q.bucket === 'minute');
  const byApp = q.appId === undefined ? '' : ' AND app_id = ?';
  const legs: string[] = [];
  const args: number[] = [size, size];
  for (const sl of slices) {
    // Beyond the hourly retention a day is one point, at its start: the finest data left.
    const [table, col] = sl.tier === 'minute' ? ['traffic_minute', 'minute'] : sl.tier === 'hour' ? ['app_hour', 'hour'] : ['traffic_day', 'day'];
    legs.push(`SELECT ${col} AS at, bytes_out, bytes_in FROM ${table} WHERE ${col} >= ? AND ${col} < ?${byApp}`);
    args.push(sl.from, sl.to);
    if (q.appId !== undefined) args.push(q.appId);
  }
  if (legs.length === 0) return { bucket: q.bucket, points: [] };
  const points = db
    .prepare(
      `SELECT (at / ?) * ? AS t, SUM(bytes_out) AS bytesOut, SUM(bytes_in) AS bytesIn
         FROM (${legs.join(' UNION ALL ')})
        GROUP BY t ORDER BY t`,
    )
    .all(...args) as { t: number; bytesOut: number; bytesIn: number }[];
  return { bucket: q.bucket, points };
}

interface Filter {
  /** Conditions on apps (a), remotes (r) and the row source's own columns (`${c}.app_id` …). */
  where: string[];
  args: (string | number)[];
  /** Whether a condition needs the destination (remote, port or protocol), not only the app. */
  perDestination: boolean;
}

/** The history filters, over a row source aliased `c` that has app_id, remote_id, rport and proto. */
function historyFilter(q: MethodParsed<'history.query'>, c: string): Filter {
  const where: string[] = [];
  const args: (string | number)[] = [];
  let perDestination = false;
  if (q.appId !== undefined) {
    where.push(`${c}.app_id = ?`);
    args.push(q.appId);
  }
  if (q.app) {
    where.push('(instr(lower(a.name), lower(?)) > 0 OR instr(lower(a.path), lower(?)) > 0)');
    args.push(q.app, q.app);
  }
  if (q.host) {
    where.push("(instr(lower(COALESCE(r.host, '')), lower(?)) > 0 OR instr(r.addr, lower(?)) > 0)");
    args.push(q.host, q.host);
    perDestination = true;
  }
  if (q.proto) {
    where.push(`${c}.proto = ?`);
    args.push(q.proto === 'udp' ? 17 : 6);
    perDestination = true;
  }
  if (q.port !== undefined) {
    where.push(`${c}.rport = ?`);
    args.push(q.port);
    perDestination = true;
  }
  if (q.country) {
    where.push('r.country = ?');
    args.push(q.country.toUpperCase());
    perDestination = true;
  }
  if (q.q) {
    const port = /^\d{1,5}$/.test(q.q) ? Number(q.q) : -1;
    where.push(
      `(instr(lower(a.name), lower(?)) > 0 OR instr(lower(a.path), lower(?)) > 0
        OR instr(lower(COALESCE(r.host, '')), lower(?)) > 0 OR instr(r.addr, lower(?)) > 0
        OR upper(COALESCE(r.country, '')) = upper(?) OR instr(lower(COALESCE(r.org, '')), lower(?)) > 0
        OR ${c}.rport = ?)`,
    );
    args.push(q.q, q.q, q.q, q.q, q.q, q.q, port);
    perDestination = true;
  }
  return { where, args, perDestination };
}

/**
 * One page of recorded connections, newest first, and the totals of the whole query.
 * Totals come from the traffic roll-ups (./tiers.ts), not by reading every connection in the range
 * (13 million rows for 30 busy days): `count` is the connections opened in the range, the bytes are
 * the bytes sent and received in the range. The range starts no earlier than where individual
 * connections start (retention keeps them a few days; `detailFrom` tells the caller), so the totals
 * describe the same period as the rows.
 */
export function historyPage(db: Db, q: MethodParsed<'history.query'>, now: number): HistoryPage {
  const since = q.since ?? 0;
  const until = q.until ?? now + MINUTE;
  const held = detailFrom(db);
  const f = historyFilter(q, 'f');
  const where = ['f.opened_at >= ?', 'f.opened_at < ?', ...(q.includeLoopback ? [] : ["r.scope <> 'loopback'"]), ...f.where];
  const rows = db
    .prepare(
      `SELECT f.id, f.app_id, a.name AS app_name, a.path AS app_path, a.attributed, p.pid, f.uid, f.proto,
              f.local, f.lport, r.addr, r.family, f.rport, f.opened_at, f.closed_at, f.bytes_out, f.bytes_in,
              r.host, r.country, r.asn, r.org, r.scope
         FROM flows f JOIN apps a ON a.id = f.app_id JOIN remotes r ON r.id = f.remote_id
         LEFT JOIN processes p ON p.id = f.process_id
        WHERE ${where.join(' AND ')} ORDER BY f.opened_at DESC, f.id DESC LIMIT ? OFFSET ?`,
    )
    .all(since, until, ...f.args, q.limit, q.offset) as RawHistory[];
  const page: HistoryPage = { rows: rows.map(toFlowRecord), totals: historyTotals(db, q, since, until, held) };
  if (held !== null) page.detailFrom = held;
  return page;
}

/**
 * The history filters over bucket rows `t`, with the app and destination conditions evaluated once
 * on the small apps and remotes tables (IN lists) instead of joining every bucket row.
 */
function bucketFilter(q: MethodParsed<'history.query'>): { where: string[]; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  const appMatch = 'SELECT id FROM apps WHERE instr(lower(name), lower(?)) > 0 OR instr(lower(path), lower(?)) > 0';
  const hostMatch = "instr(lower(COALESCE(host, '')), lower(?)) > 0 OR instr(addr, lower(?)) > 0";
  if (!q.includeLoopback) where.push("t.remote_id NOT IN (SELECT id FROM remotes WHERE scope = 'loopback')");
  if (q.appId !== undefined) {
    where.push('t.app_id = ?');
    args.push(q.appId);
  }
  if (q.app) {
    where.push(`t.app_id IN (${appMatch})`);
    args.push(q.app, q.app);
  }
  if (q.host) {
    where.push(`t.remote_id IN (SELECT id FROM remotes WHERE ${hostMatch})`);
    args.push(q.host, q.host);
  }
  if (q.proto) {
    where.push('t.proto = ?');
    args.push(q.proto === 'udp' ? 17 : 6);
  }
  if (q.port !== undefined) {
    where.push('t.rport = ?');
    args.push(q.port);
  }
  if (q.country) {
    where.push('t.remote_id IN (SELECT id FROM remotes WHERE country = ?)');
    args.push(q.country.toUpperCase());
  }
  if (q.q) {
    const port = /^\d{1,5}$/.test(q.q) ? Number(q.q) : -1;
    where.push(
      `(t.app_id IN (${appMatch})
        OR t.remote_id IN (SELECT id FROM remotes WHERE ${hostMatch}
                             OR upper(COALESCE(country, '')) = upper(?) OR instr(lower(COALESCE(org, '')), lower(?)) > 0)
        OR t.rport = ?)`,
    );
    args.push(q.q, q.q, q.q, q.q, q.q, q.q, port);
  }
  return { where, args };
}

function historyTotals(db: Db, q: MethodParsed<'history.query'>, since: number, until: number, held: number | null): HistoryTotals {
  const oldest = (db.prepare('SELECT MIN(opened_at) AS m FROM flows').get() as { m: number | null }).m;
  if (oldest === null) return { count: 0, bytesOut: 0, bytesIn: 0 };
  // A connection that stays open outlives retention; its age does not make older totals "held".
  const from = Math.max(since, Math.floor(Math.max(oldest, held ?? 0) / MINUTE) * MINUTE);
  const sums = 'COALESCE(SUM(t.flows), 0) AS count, COALESCE(SUM(t.bytes_out), 0) AS bytesOut, COALESCE(SUM(t.bytes_in), 0) AS bytesIn';
  if (!historyFilter(q, 't').perDestination) {
    // App-level filters only: the per-app hourly roll-up answers without touching destinations.
    const b = appSource(db, from, until);
    const t = historyFilter(q, 't');
    const where = [...(q.includeLoopback ? [] : ['t.loopback = 0']), ...t.where];
    return db
      .prepare(`SELECT ${sums} FROM ${b.sql} t ${q.app ? 'JOIN apps a ON a.id = t.app_id' : ''} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`)
      .get(...b.args, ...t.args) as HistoryTotals;
  }
  const b = trafficSource(planSlices(tierState(db), from, until));
  const t = bucketFilter(q);
  return db
    .prepare(`SELECT ${sums} FROM ${b.sql} t ${t.where.length ? `WHERE ${t.where.join(' AND ')}` : ''}`)
    .get(...b.args, ...t.args) as HistoryTotals;
}

interface RawHistory {
  id: number;
  app_id: number;
  app_name: string;
  app_path: string;
  attributed: number;
  pid: number | null;
  uid: number | null;
  proto: number;
  local: string;
  lport: number;
  addr: string;
  family: number;
  rport: number;
  opened_at: number;
  closed_at: number | null;
  bytes_out: number | null;
  bytes_in: number | null;
  host: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
  scope: string;
}

function toFlowRecord(r: RawHistory): FlowRecord {
  return {
    id: r.id,
    appId: r.app_id,
    appName: r.app_name,
    appPath: r.attributed === 1 ? r.app_path : null,
    attributed: r.attributed === 1,
    pid: r.pid,
    uid: r.uid,
    proto: protoName(r.proto),
    family: r.family === 6 ? 6 : 4,
    local: r.local,
    lport: r.lport,
    remote: r.addr,
    rport: r.rport,
    openedAt: r.opened_at,
    closedAt: r.closed_at,
    bytesOut: r.bytes_out,
    bytesIn: r.bytes_in,
    host: r.host,
    country: r.country,
    asn: r.asn,
    org: r.org,
    scope: r.scope as FlowRecord['scope'],
  };
}

/**
 * Bytes out (all, and to the internet only) and in over [since, until), loopback excluded, from the
 * same tiers as the per-app reports: a month reaches far past the minutes held.
 */
export function totalsSince(db: Db, since: number, until: number): { out: number; in: number; billable: number } {
  const b = appSource(db, since, until);
  const r = db
    .prepare(
      `SELECT COALESCE(SUM(t.bytes_out), 0) AS o, COALESCE(SUM(t.bytes_in), 0) AS i, COALESCE(SUM(t.billable_out), 0) AS b
         FROM ${b.sql} t WHERE t.loopback = 0`,
    )
    .get(...b.args) as { o: number; i: number; b: number };
  return { out: r.o, in: r.i, billable: r.b };
}

export function machineSince(db: Db, since: number, until: number): number | null {
  const r = db
    .prepare('SELECT SUM(tx_bytes) AS tx FROM machine_minute WHERE minute >= ? AND minute < ?')
    .get(Math.floor(since / MINUTE) * MINUTE, until) as { tx: number | null };
  return r.tx;
}
