// Windows collector: one PowerShell run per tick (Get-NetTCPConnection, Get-NetUDPEndpoint,
// Get-Process for the owning pids, Get-NetAdapterStatistics), parsed from JSON.
// These cmdlets expose no per-connection byte counters, so bytes are null (unknown), never 0. The
// path to real counts is ETW (Microsoft-Windows-Kernel-Network) or GetPerTcpConnectionEStats with
// TcpConnectionEstatsData enabled per connection (needs elevation); neither is built.
import type { Clock, Collector, CollectorCapabilities, ProcessInfo, Snapshot, SocketSample } from '../engine/ports';
import { systemClock } from '../engine/ports';
import { ExecError, execRunner, type ExecRunner } from './exec-runner';
import { tupleKey } from './parse/darwin-win-socket';
import { powershellPath, winCommandArgv } from './parse/win-command';
import { parseWinConnections, type WinParse, type WinProcess } from './parse/win-connections';

export interface Win32CollectorOptions {
  exec?: ExecRunner;
  clock?: Clock;
  /** PowerShell start-up alone takes a few hundred ms; default 15 s. */
  timeoutMs?: number;
  /** %SystemRoot%, to run powershell.exe by absolute path. Default: process.env.SystemRoot. */
  systemRoot?: string;
}

export interface Win32Collector extends Collector {
  /** Rows of the script's output that could not be read and were skipped, cumulative. */
  stats(): { skippedLines: number };
}

const DEFAULT_TIMEOUT_MS = 15_000;

export function createWin32Collector(options: Win32CollectorOptions = {}): Win32Collector {
  const exec = options.exec ?? execRunner;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const command = powershellPath(options.systemRoot ?? process.env.SystemRoot);
  let started = false;
  let usable = false;
  let pending = false;
  let skippedLines = 0;

  async function runScript(): Promise<WinParse> {
    const result = await exec(command, winCommandArgv(), { timeoutMs });
    if (result.code !== 0) {
      throw new Error(`PowerShell collector script failed (exit ${result.code}): ${firstLine(result.stderr)}`);
    }
    const parsed = parseWinConnections(result.stdout);
    skippedLines += parsed.skipped;
    return parsed;
  }

  async function start(): Promise<CollectorCapabilities> {
    const notes: string[] = [];
    try {
      await runScript();
      usable = true;
      notes.push(
        'Windows does not report bytes per connection through Get-NetTCPConnection, so byte counts are unknown ' +
          '(ETW or GetPerTcpConnectionEStats would provide them; not built).',
        'Windows reports UDP endpoints without a remote address, so UDP flows are not listed.',
        'Polling once per tick: a connection opened and closed between two ticks is not seen.',
        'Without administrator rights, executables of other users\u2019 and protected processes are unknown.',
      );
    } catch (error) {
      usable = false;
      if (error instanceof ExecError && error.kind === 'missing') {
        notes.push(`${command} not found: Windows PowerShell 5.1 is required to list connections.`);
      } else {
        notes.push(
          `Listing connections failed: ${(error as Error).message}. Get-NetTCPConnection needs Windows 8 / Server 2012 or later.`,
        );
      }
    }
    started = true;
    return { mode: usable ? 'polling' : 'unsupported', platform: 'win32', notes, seesClosedSockets: false, udpBytes: false };
  }

  async function snapshot(): Promise<Snapshot> {
    if (!started) throw new Error('win32 collector: snapshot() before start()');
    if (pending) throw new Error('win32 collector: snapshot() while the previous one is pending');
    pending = true;
    try {
      const parsed = await runScript();
      usable = true;
      return { at: clock.now(), sockets: toSockets(parsed), closed: [], precise: null, machine: parsed.totals, dropped: 0 };
    } finally {
      pending = false;
    }
  }

  return {
    start,
    snapshot,
    stop: async () => {
      started = false;
    },
    stats: () => ({ skippedLines }),
  };
}

function toSockets(parsed: WinParse): SocketSample[] {
  const infos = new Map<number, ProcessInfo>();
  const sockets: SocketSample[] = [];
  const seen = new Set<string>();
  for (const c of parsed.tcp) {
    // pid 0 is the Idle process, which Windows charges with TIME_WAIT sockets: no real owner.
    const pid = c.pid > 0 ? c.pid : null;
    const key = tupleKey('tcp', c.local, c.lport, c.remote, c.rport, pid);
    if (seen.has(key)) continue;
    seen.add(key);
    let process: ProcessInfo | null = null;
    if (pid !== null) {
      process = infos.get(pid) ?? toProcessInfo(pid, parsed.processes.get(pid));
      infos.set(pid, process);
    }
    sockets.push({
      key,
      proto: 'tcp',
      family: c.family,
      state: c.state,
      local: c.local,
      lport: c.lport,
      remote: c.remote,
      rport: c.rport,
      uid: null,
      inode: null,
      bytesOut: null,
      bytesIn: null,
      process,
    });
  }
  return sockets;
}

function toProcessInfo(pid: number, p: WinProcess | undefined): ProcessInfo {
  return {
    pid,
    // startTime 0 = unknown (the process exited before Get-Process, or access was denied).
    startTime: p?.startTime ?? 0,
    exe: p?.exe ?? null,
    name: p?.name ?? `pid ${pid}`,
    cmdline: null,
    uid: null,
    ppid: null,
    cgroup: null,
  };
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line ? line.trim().slice(0, 300) : 'no message';
}
