import type { FlowRecord } from '../../../../electron/shared/types';
import { toCsv } from '../../format/csv';

export const HISTORY_CSV_HEADER = [
  'opened_at',
  'closed_at',
  'app',
  'app_path',
  'attributed',
  'pid',
  'uid',
  'proto',
  'local',
  'local_port',
  'remote',
  'remote_port',
  'host',
  'country',
  'asn',
  'org',
  'bytes_out',
  'bytes_in',
] as const;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The rows exactly as shown, one line each; unknown byte counts stay empty (not 0). */
export function historyToCsv(rows: readonly FlowRecord[]): string {
  return toCsv(
    HISTORY_CSV_HEADER,
    rows.map((r) => [
      iso(r.openedAt),
      iso(r.closedAt),
      r.appName,
      r.appPath,
      r.attributed,
      r.pid,
      r.uid,
      r.proto,
      r.local,
      r.lport,
      r.remote,
      r.rport,
      r.host,
      r.country,
      r.asn,
      r.org,
      r.bytesOut,
      r.bytesIn,
    ]),
  );
}

export function historyToJson(rows: readonly FlowRecord[], query: unknown): string {
  return `${JSON.stringify({ exportedAt: new Date().toISOString(), query, count: rows.length, rows }, null, 2)}\n`;
}
