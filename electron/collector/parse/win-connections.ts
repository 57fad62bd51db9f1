// Parser for the JSON the Windows collector's PowerShell script prints (see win-command.ts).
// TCP states are the MSFT_NetTCPConnection `State` enum (Closed 1 … DeleteTCB 12, Bound 100), which
// matches MIB_TCP_STATE; listeners, bound-only sockets and wildcard peers carry no destination and are
// left out. Every row is validated on its own: a bad row is skipped and counted, never fatal.
import type { InterfaceTotals } from '../../engine/ports';
import type { Family } from '../../shared/types';
import { canonicalAddress, isUnspecified } from './darwin-win-address';
import { ssStateName } from './darwin-win-socket';

export interface WinTcpConnection {
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  /** ss's spelling (ESTAB, TIME-WAIT, …). */
  state: string;
  /** The MSFT_NetTCPConnection enum value as Windows reported it. */
  stateCode: number;
  /** 0 for sockets without an owner (TIME_WAIT is charged to the Idle process). */
  pid: number;
  createdAt: number | null;
}

export interface WinUdpEndpoint {
  family: Family;
  local: string;
  lport: number;
  pid: number;
  createdAt: number | null;
}

export interface WinProcess {
  pid: number;
  /** Absolute path, or null when Windows would not tell (another user's or a protected process). */
  exe: string | null;
  name: string;
  /** ms since the epoch, or null when access was denied. */
  startTime: number | null;
}

export interface WinParse {
  tcp: WinTcpConnection[];
  /** UDP endpoints bound to a specific address (wildcard binds left out). Windows gives no UDP peer. */
  udp: WinUdpEndpoint[];
  processes: Map<number, WinProcess>;
  /** Sum over network adapters, or null when the adapter list was empty or unreadable. */
  totals: InterfaceTotals | null;
  skipped: number;
}

/** MSFT_NetTCPConnection.State (and MIB_TCP_STATE, same numbers up to 12). */
export const TCP_STATES: Readonly<Record<number, string>> = {
  1: 'Closed',
  2: 'Listen',
  3: 'SynSent',
  4: 'SynReceived',
  5: 'Established',
  6: 'FinWait1',
  7: 'FinWait2',
  8: 'CloseWait',
  9: 'Closing',
  10: 'LastAck',
  11: 'TimeWait',
  12: 'DeleteTCB',
  100: 'Bound',
};
const STATE_CODES = new Map(Object.entries(TCP_STATES).map(([code, name]) => [name.toLowerCase(), Number(code)]));
const NO_DESTINATION = new Set([1, 2, 12, 100]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Throws only when the text is not the script's JSON document at all. */
export function parseWinConnections(text: string): WinParse {
  let doc: Json;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, '').trim()) as Json;
  } catch (error) {
    throw new Error(`PowerShell output is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(doc) || doc.v !== 1) throw new Error('PowerShell output is not the collector document (v: 1)');
  const out: WinParse = { tcp: [], udp: [], processes: new Map(), totals: null, skipped: 0 };

  for (const row of list(doc.tcp)) {
    const parsed = tcpRow(row);
    if (parsed === 'skip') out.skipped++;
    else if (parsed) out.tcp.push(parsed);
  }
  for (const row of list(doc.udp)) {
    const parsed = udpRow(row);
    if (parsed === 'skip') out.skipped++;
    else if (parsed) out.udp.push(parsed);
  }
  for (const row of list(doc.proc)) {
    const parsed = processRow(row);
    if (!parsed) out.skipped++;
    else out.processes.set(parsed.pid, parsed);
  }
  let txBytes = 0;
  let rxBytes = 0;
  let adapters = 0;
  for (const row of list(doc.net)) {
    if (!isObject(row) || !isCount(row.SentBytes) || !isCount(row.ReceivedBytes)) {
      out.skipped++;
      continue;
    }
    txBytes += row.SentBytes;
    rxBytes += row.ReceivedBytes;
    adapters++;
  }
  if (adapters > 0) out.totals = { txBytes, rxBytes };
  return out;
}

/** An array, a lone object (ConvertTo-Json's single-item quirk), { value, Count } (5.1), or nothing. */
function list(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.value) && typeof value.Count === 'number') return value.value;
  return [value];
}

function tcpRow(row: Json): WinTcpConnection | 'skip' | null {
  if (!isObject(row)) return 'skip';
  const stateCode = stateOf(row.State);
  const local = address(row.LocalAddress);
  const remote = address(row.RemoteAddress);
  if (stateCode === null || !local || !remote || !isPort(row.LocalPort) || !isPort(row.RemotePort) || !isPid(row.OwningProcess)) {
    return 'skip';
  }
  if (NO_DESTINATION.has(stateCode) || isUnspecified(remote.address) || row.RemotePort === 0) return null;
  if (local.family !== remote.family) return 'skip';
  return {
    family: remote.family,
    local: local.address,
    lport: row.LocalPort,
    remote: remote.address,
    rport: row.RemotePort,
    state: ssStateName(TCP_STATES[stateCode] ?? String(stateCode)),
    stateCode,
    pid: row.OwningProcess,
    createdAt: time(row.CreationTime),
  };
}

function udpRow(row: Json): WinUdpEndpoint | 'skip' | null {
  if (!isObject(row)) return 'skip';
  const local = address(row.LocalAddress);
  if (!local || !isPort(row.LocalPort) || !isPid(row.OwningProcess)) return 'skip';
  if (isUnspecified(local.address)) return null;
  return { family: local.family, local: local.address, lport: row.LocalPort, pid: row.OwningProcess, createdAt: time(row.CreationTime) };
}

function processRow(row: Json): WinProcess | null {
  if (!isObject(row) || !isPid(row.Id) || typeof row.Name !== 'string') return null;
  const path = typeof row.Path === 'string' && isAbsoluteWindowsPath(row.Path) ? row.Path : null;
  return { pid: row.Id, exe: path, name: row.Name, startTime: time(row.StartTime) };
}

function stateOf(value: Json | undefined): number | null {
  if (typeof value === 'number' && Number.isInteger(value) && value in TCP_STATES) return value;
  if (typeof value === 'string') return STATE_CODES.get(value.toLowerCase()) ?? null;
  return null;
}

function address(value: Json | undefined): { address: string; family: Family } | null {
  return typeof value === 'string' ? canonicalAddress(value) : null;
}

/** Epoch ms from the script (number), or the raw 5.1 "/Date(ms)/" and 7.x ISO forms if ever passed through. */
function time(value: Json | undefined): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return Math.trunc(value);
  if (typeof value !== 'string') return null;
  const legacy = /^\/Date\((\d{1,15})([+-]\d{4})?\)\/$/.exec(value);
  if (legacy) return Number(legacy[1]);
  if (/^\d{4}-\d\d-\d\dT/.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

function isAbsoluteWindowsPath(path: string): boolean {
  // Drive-absolute (C:\…) or UNC/device (\\server\share, \\?\C:\…); no control characters.
  return /^(?:[A-Za-z]:\\|\\\\)/.test(path) && !/[\u0000-\u001f]/.test(path) && path.length <= 32_767;
}

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPort(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

function isPid(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function isCount(value: Json | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
