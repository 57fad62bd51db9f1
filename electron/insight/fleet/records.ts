import type { Db } from '../../store/db';
import type { AddressScope, AlertKind, Proto } from '../../shared/types';
import type { FleetSinkName } from '../../shared/insight-types';
import { MINUTE } from '../../store/queries/traffic';

// What the fleet export sends, independent of the wire format (otlp.ts, syslog.ts encode these).
// Text from the data (paths, names, alert text) is bounded here so every encoded record stays small.

export type SinkName = FleetSinkName;

export interface FlowMinuteRecord {
  type: 'flow';
  /** Start of the minute the bytes were counted in (ms). */
  minute: number;
  appId: number;
  appName: string;
  /** Null for traffic no process could be found for. */
  appPath: string | null;
  attributed: boolean;
  remote: string;
  rport: number;
  proto: Proto;
  host: string | null;
  country: string | null;
  asn: number | null;
  org: string | null;
  scope: AddressScope;
  bytesOut: number;
  bytesIn: number;
  /** Connections opened in this minute. */
  flows: number;
}

export interface AlertRecord {
  type: 'alert';
  id: number;
  at: number;
  kind: AlertKind;
  appId: number | null;
  appName: string | null;
  title: string;
  detail: string;
  count: number;
  notified: boolean;
}

/** Sent ahead of a batch when records were dropped from a full queue since the last notice. */
export interface DroppedRecord {
  type: 'dropped';
  at: number;
  sink: SinkName;
  /** Total records dropped from this sink's queue since the queue was created. */
  droppedTotal: number;
}

export type FleetRecord = FlowMinuteRecord | AlertRecord | DroppedRecord;

const MAX_TEXT = 1024;
const MAX_PATH = 4096;

export function clip(s: string, max = MAX_TEXT): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Per-minute summaries for minutes in [from, to), loopback excluded, oldest first. */
export function flowRecords(db: Db, from: number, to: number): FlowMinuteRecord[] {
  const rows = db
    .prepare(
      `SELECT t.minute, t.app_id, a.name, a.path, a.attributed, r.addr, t.rport, t.proto, r.host, r.country, r.asn, r.org, r.scope,
              t.bytes_out, t.bytes_in, t.flows
         FROM traffic_minute t JOIN apps a ON a.id = t.app_id JOIN remotes r ON r.id = t.remote_id
        WHERE t.minute >= ? AND t.minute < ? AND r.scope <> 'loopback' AND (t.bytes_out > 0 OR t.bytes_in > 0 OR t.flows > 0)
        ORDER BY t.minute, t.app_id, t.remote_id, t.rport, t.proto`,
    )
    .all(Math.floor(from / MINUTE) * MINUTE, to) as {
    minute: number;
    app_id: number;
    name: string;
    path: string;
    attributed: number;
    addr: string;
    rport: number;
    proto: number;
    host: string | null;
    country: string | null;
    asn: number | null;
    org: string | null;
    scope: string;
    bytes_out: number;
    bytes_in: number;
    flows: number;
  }[];
  return rows.map((r) => ({
    type: 'flow',
    minute: r.minute,
    appId: r.app_id,
    appName: clip(r.name),
    appPath: r.attributed === 1 ? clip(r.path, MAX_PATH) : null,
    attributed: r.attributed === 1,
    remote: r.addr,
    rport: r.rport,
    proto: r.proto === 17 ? 'udp' : 'tcp',
    host: r.host,
    country: r.country,
    asn: r.asn,
    org: r.org === null ? null : clip(r.org),
    scope: r.scope as AddressScope,
    bytesOut: r.bytes_out,
    bytesIn: r.bytes_in,
    flows: r.flows,
  }));
}

/** Alerts with id > `afterId`, oldest first. */
export function alertRecords(db: Db, afterId: number, limit: number): AlertRecord[] {
  const rows = db
    .prepare(
      `SELECT al.id, al.at, al.kind, al.app_id, a.name AS app_name, al.title, al.detail, al.count, al.notified
         FROM alerts al LEFT JOIN apps a ON a.id = al.app_id WHERE al.id > ? ORDER BY al.id LIMIT ?`,
    )
    .all(afterId, limit) as {
    id: number;
    at: number;
    kind: string;
    app_id: number | null;
    app_name: string | null;
    title: string;
    detail: string;
    count: number;
    notified: number;
  }[];
  return rows.map((r) => ({
    type: 'alert',
    id: r.id,
    at: r.at,
    kind: r.kind as AlertKind,
    appId: r.app_id,
    appName: r.app_name === null ? null : clip(r.app_name),
    title: clip(r.title),
    detail: clip(r.detail),
    count: r.count,
    notified: r.notified === 1,
  }));
}

export function lastAlertId(db: Db): number {
  return (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM alerts').get() as { id: number }).id;
}

/** When the record happened (ms). */
export function recordTime(r: FleetRecord): number {
  return r.type === 'flow' ? r.minute : r.at;
}

export type Severity = 'info' | 'warn' | 'error';

export function recordSeverity(r: FleetRecord): Severity {
  if (r.type === 'flow') return 'info';
  if (r.type === 'alert' && r.kind === 'enforcement-lost') return 'error';
  return 'warn';
}

export function recordEventName(r: FleetRecord): string {
  return r.type === 'flow' ? 'outflow.flow.minute' : r.type === 'alert' ? 'outflow.alert' : 'outflow.export.dropped';
}

/** One line for people (OTLP body, syslog MSG). */
export function recordText(r: FleetRecord): string {
  switch (r.type) {
    case 'flow':
      return `${r.appName} sent ${r.bytesOut} bytes to ${r.host ?? r.remote} port ${r.rport}/${r.proto}`;
    case 'alert':
      return r.detail ? `${r.title}: ${r.detail}` : r.title;
    case 'dropped':
      return `${r.droppedTotal} records dropped from the ${r.sink} export queue so far (queue full while the receiver was unreachable)`;
  }
}

export type AttrValue = string | number | boolean;

/** The documented attribute set (docs/fleet-export.md); null values are left out. */
export function recordAttributes(r: FleetRecord): [string, AttrValue][] {
  const out: [string, AttrValue | null][] = [['event.name', recordEventName(r)]];
  switch (r.type) {
    case 'flow':
      out.push(
        ['outflow.app.id', r.appId],
        ['outflow.app.name', r.appName],
        ['outflow.app.path', r.appPath],
        ['outflow.app.attributed', r.attributed],
        ['destination.address', r.remote],
        ['destination.port', r.rport],
        ['network.transport', r.proto],
        ['outflow.dest.host', r.host],
        ['outflow.dest.country', r.country],
        ['outflow.dest.asn', r.asn],
        ['outflow.dest.org', r.org],
        ['outflow.dest.scope', r.scope],
        ['outflow.bytes_out', r.bytesOut],
        ['outflow.bytes_in', r.bytesIn],
        ['outflow.flows', r.flows],
      );
      break;
    case 'alert':
      out.push(
        ['outflow.alert.id', r.id],
        ['outflow.alert.kind', r.kind],
        ['outflow.alert.title', r.title],
        ['outflow.alert.detail', r.detail],
        ['outflow.alert.count', r.count],
        ['outflow.alert.notified', r.notified],
        ['outflow.app.id', r.appId],
        ['outflow.app.name', r.appName],
      );
      break;
    case 'dropped':
      out.push(['outflow.export.sink', r.sink], ['outflow.export.dropped_total', r.droppedTotal]);
      break;
  }
  return out.filter((e): e is [string, AttrValue] => e[1] !== null);
}
