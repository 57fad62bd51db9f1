import type { Db } from '../db';
import type {
  AppSummary,
  Bucket,
  DestinationSummary,
  FlowRecord,
  HistoryPage,
  Series,
} from '../../shared/types';
import type { MethodParsed } from '../../shared/contract';
import { protoName } from './flows';
import { HOUR, MINUTE } from './traffic';

// Read side: summaries for the CLI, the API and the renderer. Minute buckets answer anything inside
// their retention; older ranges come from the hourly roll-ups.

export interface ReportContext {
  now: number;
  costPerGb: number;
  /** Minute buckets older than this have been pruned (retention). */
  minuteHorizon: number;
}

/**
 * The traffic buckets covering [since, until) as one row source `t(app_id, remote_id, rport, proto,
 * bytes_out, bytes_in, flows, at)`: minutes wherever minutes are still held, hourly roll-ups before
 * that (pruning removes minutes by whole hours, so the two never overlap).
 */
function buckets(ctx: ReportContext, since: number | undefined, until: number | undefined): { sql: string; args: number[] } {
  const s = since ?? 0;
  const u = until ?? ctx.now + MINUTE;
  const boundary = ctx.minuteHorizon === Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : Math.floor(ctx.minuteHorizon / HOUR) * HOUR;
  const cols = 'app_id, remote_id, rport, proto, bytes_out, bytes_in, flows';
  return {
    sql: `(SELECT ${cols}, hour AS at FROM traffic_hour WHERE hour >= ? AND hour < ?
           UNION ALL
           SELECT ${cols}, minute AS at FROM traffic_minute WHERE minute >= ? AND minute < ?)`,
    args: [Math.floor(s / HOUR) * HOUR, Math.min(u, boundary), Math.max(Math.floor(s / MINUTE) * MINUTE, boundary === Number.MAX_SAFE_INTEGER ? 0 : boundary), u],
  };
}

const costOf = (bytes: number, ctx: ReportContext): number => (bytes / 1e9) * ctx.costPerGb;

export function appSummaries(
  db: Db,
  ctx: ReportContext,
  q: { since?: number; until?: number; includeLoopback?: boolean },
): AppSummary[] {
  const b = buckets(ctx, q.since, q.until);
  const loopback = q.includeLoopback ? '' : "AND r.scope <> 'loopback'";
  const rows = db
    .prepare(
      `SELECT a.id, a.path, a.name, a.sha256, a.attributed, a.first_seen, a.last_seen,
              COALESCE(SUM(t.bytes_out), 0) AS bytes_out, COALESCE(SUM(t.bytes_in), 0) AS bytes_in,
              COALESCE(SUM(t.flows), 0) AS flows,
              COALESCE(SUM(CASE WHEN r.scope = 'internet' THEN t.bytes_out ELSE 0 END), 0) AS billable
         FROM ${b.sql} t JOIN apps a ON a.id = t.app_id JOIN remotes r ON r.id = t.remote_id
        WHERE 1 ${loopback}
        GROUP BY a.id ORDER BY bytes_out DESC`,
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
  const b = buckets(ctx, q.since, q.until);
  const rows = db
    .prepare(
      `SELECT r.addr, r.host, r.country, r.asn, r.org, r.scope,
              SUM(t.bytes_out) AS bytes_out, SUM(t.bytes_in) AS bytes_in, SUM(t.flows) AS flows,
              group_concat(DISTINCT t.rport) AS ports, MIN(t.at) AS first_seen, MAX(t.at) AS last_seen
         FROM ${b.sql} t JOIN remotes r ON r.id = t.remote_id
        WHERE t.app_id = ?
        GROUP BY t.remote_id ORDER BY bytes_out DESC LIMIT ?`,
    )
    .all(...b.args, q.appId, q.limit) as {
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
  const b = buckets(ctx, q.since, q.until);
  const byApp = q.appId === undefined ? '' : 'WHERE app_id = ?';
  const args: number[] = [size, size, ...b.args];
  if (q.appId !== undefined) args.push(q.appId);
  const points = db
    .prepare(
      `SELECT (at / ?) * ? AS t, SUM(bytes_out) AS bytesOut, SUM(bytes_in) AS bytesIn
         FROM ${b.sql} ${byApp}
        GROUP BY t ORDER BY t`,
    )
    .all(...args) as { t: number; bytesOut: number; bytesIn: number }[];
  return { bucket: q.bucket, points };
}

export function historyPage(db: Db, q: MethodParsed<'history.query'>, now: number): HistoryPage {
  const where: string[] = ['f.opened_at >= ?', 'f.opened_at < ?'];
  const args: (string | number)[] = [q.since ?? 0, q.until ?? now + MINUTE];
  if (!q.includeLoopback) where.push("r.scope <> 'loopback'");
  if (q.appId !== undefined) {
    where.push('f.app_id = ?');
    args.push(q.appId);
  }
  if (q.app) {
    where.push("(instr(lower(a.name), lower(?)) > 0 OR instr(lower(a.path), lower(?)) > 0)");
    args.push(q.app, q.app);
  }
  if (q.host) {
    where.push("(instr(lower(COALESCE(r.host, '')), lower(?)) > 0 OR instr(r.addr, lower(?)) > 0)");
    args.push(q.host, q.host);
  }
  if (q.proto) {
    where.push('f.proto = ?');
    args.push(q.proto === 'udp' ? 17 : 6);
  }
  if (q.port !== undefined) {
    where.push('f.rport = ?');
    args.push(q.port);
  }
  if (q.country) {
    where.push('r.country = ?');
    args.push(q.country.toUpperCase());
  }
  if (q.q) {
    const port = /^\d{1,5}$/.test(q.q) ? Number(q.q) : -1;
    where.push(
      `(instr(lower(a.name), lower(?)) > 0 OR instr(lower(a.path), lower(?)) > 0
        OR instr(lower(COALESCE(r.host, '')), lower(?)) > 0 OR instr(r.addr, lower(?)) > 0
        OR upper(COALESCE(r.country, '')) = upper(?) OR instr(lower(COALESCE(r.org, '')), lower(?)) > 0
        OR f.rport = ?)`,
    );
    args.push(q.q, q.q, q.q, q.q, q.q, q.q, port);
  }
  const from = `FROM flows f JOIN apps a ON a.id = f.app_id JOIN remotes r ON r.id = f.remote_id
                LEFT JOIN processes p ON p.id = f.process_id
               WHERE ${where.join(' AND ')}`;
  const rows = db
    .prepare(
      `SELECT f.id, f.app_id, a.name AS app_name, a.path AS app_path, a.attributed, p.pid, f.uid, f.proto,
              f.local, f.lport, r.addr, r.family, f.rport, f.opened_at, f.closed_at, f.bytes_out, f.bytes_in,
              r.host, r.country, r.asn, r.org, r.scope
         ${from} ORDER BY f.opened_at DESC, f.id DESC LIMIT ? OFFSET ?`,
    )
    .all(...args, q.limit, q.offset) as RawHistory[];
  const totals = db
    .prepare(`SELECT count(*) AS count, COALESCE(SUM(f.bytes_out), 0) AS bytesOut, COALESCE(SUM(f.bytes_in), 0) AS bytesIn ${from}`)
    .get(...args) as { count: number; bytesOut: number; bytesIn: number };
  return { rows: rows.map(toFlowRecord), totals };
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

/** Bytes out (all, and to the internet only) and in over [since, until), from minute buckets. */
export function totalsSince(db: Db, since: number, until: number): { out: number; in: number; billable: number } {
  const r = db
    .prepare(
      `SELECT COALESCE(SUM(t.bytes_out), 0) AS o, COALESCE(SUM(t.bytes_in), 0) AS i,
              COALESCE(SUM(CASE WHEN r.scope = 'internet' THEN t.bytes_out ELSE 0 END), 0) AS b
         FROM traffic_minute t JOIN remotes r ON r.id = t.remote_id
        WHERE t.minute >= ? AND t.minute < ? AND r.scope <> 'loopback'`,
    )
    .get(Math.floor(since / MINUTE) * MINUTE, until) as { o: number; i: number; b: number };
  return { out: r.o, in: r.i, billable: r.b };
}

export function machineSince(db: Db, since: number, until: number): number | null {
  const r = db
    .prepare('SELECT SUM(tx_bytes) AS tx FROM machine_minute WHERE minute >= ? AND minute < ?')
    .get(Math.floor(since / MINUTE) * MINUTE, until) as { tx: number | null };
  return r.tx;
}
