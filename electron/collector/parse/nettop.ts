// Parser for nettop's logging mode (`nettop -L 1 -n -x -J …`): CSV, a header row, then one row per
// process (`name.pid`) followed by one indented row per flow of that process
// (`tcp4 10.0.0.2:52001<->17.1.2.3:443`; IPv6 separates the port with a dot: `tcp6 fe80::1%lo0.52001<->…`).
// Counters are cumulative for the flow's life. Columns are found by header name because their set
// and order vary between macOS releases (older ones print a leading `time` column and pad cells).
import type { Family, Proto } from '../../shared/types';
import { canonicalAddress } from './darwin-win-address';

export interface NettopFlow {
  pid: number;
  /** nettop's process name (the kernel's short name, truncated); display only. */
  processName: string;
  proto: Proto;
  family: Family;
  local: string;
  lport: number | null;
  /** null for a flow without a peer (`*:*`, `*.*`). */
  remote: string | null;
  rport: number | null;
  /** nettop's state word (Established, SynSent, …) or null when the column is absent or empty. */
  state: string | null;
  bytesIn: number | null;
  bytesOut: number | null;
}

export interface NettopProcess {
  pid: number;
  name: string;
  bytesIn: number | null;
  bytesOut: number | null;
}

export interface NettopParse {
  /** Whether a header row was found: nettop prints one even when there are no flows. */
  sampled: boolean;
  flows: NettopFlow[];
  processes: NettopProcess[];
  /** Rows that could not be read (wrong cell count, bad numbers, a flow with no process row above it). */
  skipped: number;
}

/** One sample, numeric addresses, raw byte counts, only the columns we read. */
export function nettopArgv(): string[] {
  return ['-L', '1', '-n', '-x', '-J', 'state,bytes_in,bytes_out'];
}

export function parseNettop(output: string): NettopParse {
  const records = splitCsv(output);
  // Logging mode repeats the header before each sample; keep the last complete sample.
  let headerAt = -1;
  for (let i = 0; i < records.length; i++) {
    if (isHeader(records[i])) headerAt = i;
  }
  const result: NettopParse = { sampled: headerAt >= 0, flows: [], processes: [], skipped: 0 };
  if (headerAt < 0) {
    result.skipped = records.filter((r) => !(r.length === 1 && r[0].trim() === '')).length;
    return result;
  }
  const header = records[headerAt].map((c) => c.trim());
  const nameAt = header.indexOf('');
  const inAt = header.indexOf('bytes_in');
  const outAt = header.indexOf('bytes_out');
  const stateAt = header.indexOf('state');
  let current: NettopProcess | null = null;

  for (let r = headerAt + 1; r < records.length; r++) {
    const record = records[r];
    if (record.length === 1 && record[0].trim() === '') continue;
    const row = alignRow(record, header.length, nameAt);
    if (!row) {
      result.skipped++;
      continue;
    }
    const label = row[nameAt].trim();
    const bytesIn = counter(row[inAt]);
    const bytesOut = counter(row[outAt]);
    const countersOk = bytesIn !== undefined && bytesOut !== undefined;
    const flow = FLOW.exec(label);
    if (flow) {
      const state = stateAt >= 0 ? row[stateAt].trim() : '';
      const parsed = current && countersOk ? parseFlow(flow, current, state === '' ? null : state, bytesIn ?? null, bytesOut ?? null) : null;
      if (!parsed) {
        result.skipped++;
        continue;
      }
      result.flows.push(parsed);
      continue;
    }
    // A process row that cannot be read ends the previous process: its flows must not inherit that pid.
    const proc = PROCESS.exec(label);
    if (!proc || !countersOk || Number(proc[2]) > 0x7fffffff) {
      current = null;
      result.skipped++;
      continue;
    }
    current = { pid: Number(proc[2]), name: proc[1], bytesIn: bytesIn ?? null, bytesOut: bytesOut ?? null };
    result.processes.push(current);
  }
  return result;
}

const FLOW = /^(tcp|udp|quic)([46]) (\S+)<->(\S+)$/;
const PROCESS = /^(.*)\.(\d{1,10})$/s;

function isHeader(record: string[]): boolean {
  if (!record.some((c) => c.includes('bytes_in'))) return false;
  const cells = record.map((c) => c.trim());
  return cells.includes('bytes_in') && cells.includes('bytes_out') && cells.includes('');
}

/**
 * A row has as many cells as the header. nettop does not quote, so a process name with commas
 * splits into extra cells: glue them back into the name cell. Fewer cells than the header is malformed.
 */
function alignRow(record: string[], width: number, nameAt: number): string[] | null {
  const extra = record.length - width;
  if (extra < 0) return null;
  if (extra === 0) return record;
  const name = record.slice(nameAt, nameAt + extra + 1).join(',');
  return [...record.slice(0, nameAt), name, ...record.slice(nameAt + extra + 1)];
}

/** Raw counter cell: digits, or empty (listeners print no counters) → null; anything else → undefined. */
function counter(cell: string | undefined): number | null | undefined {
  if (cell === undefined) return undefined;
  const text = cell.trim();
  if (text === '') return null;
  if (!/^\d{1,16}$/.test(text)) return undefined;
  return Number(text);
}

function parseFlow(
  m: RegExpExecArray,
  owner: NettopProcess,
  state: string | null,
  bytesIn: number | null,
  bytesOut: number | null,
): NettopFlow | null {
  const proto: Proto = m[1] === 'tcp' ? 'tcp' : 'udp'; // QUIC flows are UDP sockets
  const family: Family = m[2] === '6' ? 6 : 4;
  const local = parseEndpoint(m[3], family);
  const remote = parseEndpoint(m[4], family);
  if (!local || !remote) return null;
  const hasPeer = remote.address !== null && remote.port !== null;
  if (!hasPeer && (remote.address !== null || remote.port !== null)) return null;
  // A wildcard local side takes the peer's family (a mapped peer on a tcp6 row is IPv4).
  const localFamily = local.address !== null ? local.family : hasPeer ? remote.family : family;
  if (hasPeer && remote.family !== localFamily) return null;
  const resolvedFamily = localFamily;
  return {
    pid: owner.pid,
    processName: owner.name,
    proto,
    family: resolvedFamily,
    local: local.address ?? (resolvedFamily === 6 ? '::' : '0.0.0.0'),
    lport: local.port,
    remote: hasPeer ? remote.address : null,
    rport: hasPeer ? remote.port : null,
    state,
    bytesIn,
    bytesOut,
  };
}

interface Endpoint {
  /** null for `*`. */
  address: string | null;
  family: Family;
  port: number | null;
}

/** IPv4 `addr:port`; IPv6 `addr.port` (or `[addr]:port`); either part may be `*`. */
function parseEndpoint(text: string, family: Family): Endpoint | null {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return null;
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const sep = family === 6 ? text.lastIndexOf('.') : text.lastIndexOf(':');
    // `*:*` on a v6 row and `*.*` on a v4 row both occur in real output.
    const alt = family === 6 ? text.lastIndexOf(':') : text.lastIndexOf('.');
    const at = text.startsWith('*') && sep < 0 ? alt : sep;
    if (at <= 0) return null;
    host = text.slice(0, at);
    portText = text.slice(at + 1);
  }
  let port: number | null;
  if (portText === '*') port = null;
  else if (/^\d{1,5}$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
  else return null;
  if (host === '*') return { address: null, family, port };
  const canon = canonicalAddress(host);
  if (!canon) return null;
  return { address: canon.address, family: canon.family, port };
}

/** RFC 4180 records: quoted cells may hold commas, quotes ("") and newlines. */
export function splitCsv(text: string): string[][] {
  // nettop output almost never holds a quote: split plainly, and scan character by character only then.
  if (!text.includes('"')) {
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.map((line) => line.split(','));
  }
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let atCellStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
      continue;
    }
    if (ch === '"' && atCellStart && closesCell(text, i + 1)) {
      quoted = true;
      atCellStart = false;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
      atCellStart = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      records.push(cells);
      cells = [];
      cell = '';
      atCellStart = true;
    } else {
      cell += ch;
      if (ch !== ' ') atCellStart = false;
    }
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    records.push(cells);
  }
  return records;
}

/** Longest quoted cell we accept: names are short, and an unbalanced quote must not swallow the rows after it. */
const MAX_QUOTED = 1024;

/** Whether a quote opened at `from - 1` is closed by a `"` followed by a delimiter, within reach. */
function closesCell(text: string, from: number): boolean {
  const end = Math.min(text.length, from + MAX_QUOTED);
  for (let i = from; i < end; i++) {
    if (text[i] !== '"') continue;
    if (text[i + 1] === '"') {
      i++;
      continue;
    }
    const after = text[i + 1];
    return after === undefined || after === ',' || after === '\n' || after === '\r';
  }
  return false;
}
