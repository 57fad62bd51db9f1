// Reads what /proc says about one process. The parsers are pure so hostile names can be tested
// without processes; readProcessInfo does the file reads.
import { readFileSync, readlinkSync } from 'node:fs';
import type { ProcessInfo } from '../engine/ports';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: clock ticks since boot at which the process started. With pid it keys a process. */
  startTime: number;
}

/**
 * `/proc/<pid>/stat`: `pid (comm) state ppid … starttime …`. comm is chosen by the process and may
 * contain spaces, `)`, newlines and anything else but NUL, so split at the LAST `)`.
 */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = Number(text.slice(0, open));
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const rest = text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!state || !/^[A-Za-z]$/.test(state) || !Number.isSafeInteger(ppid) || !Number.isSafeInteger(startTime)) return null;
  return { pid, comm: text.slice(open + 2, close), state, ppid, startTime };
}

/** Real uid from the `Uid:` line of /proc/<pid>/status (the kernel escapes Name, so lines are safe). */
export function parseStatusUid(text: string): number | null {
  const m = /(?:^|\n)Uid:\s+(\d+)/.exec(text);
  if (!m) return null;
  const uid = Number(m[1]);
  return Number.isSafeInteger(uid) ? uid : null;
}

/** cgroup v2 path from /proc/<pid>/cgroup (`0::/user.slice/…`); null on cgroup v1-only systems. */
export function parseCgroupV2(text: string): string | null {
  for (const line of text.split('\n')) {
    if (line.startsWith('0::')) {
      const path = line.slice(3);
      return path.startsWith('/') ? path : null;
    }
  }
  return null;
}

/** NUL-separated argv; a process may rewrite it, so it is display data only. */
export function parseCmdline(buf: Buffer): string[] | null {
  if (buf.length === 0) return null;
  const text = buf.toString('utf8');
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** /proc/<pid>/comm ends with one newline that is not part of the name (which may itself hold newlines). */
export function parseComm(text: string): string {
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** The stat fields alone: cheap, and enough to tell whether a cached ProcessInfo is still this process. */
export function readStat(pid: number, procRoot = '/proc'): ProcStat | null {
  try {
    const stat = parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    return stat && stat.pid === pid ? stat : null;
  } catch {
    return null;
  }
}

/**
 * Everything about one process, or null when it is gone. Unreadable parts (another user's exe
 * without privileges) are null; the name alone is kept but never used as identity.
 */
export function readProcessInfo(pid: number, procRoot = '/proc', stat: ProcStat | null = readStat(pid, procRoot)): ProcessInfo | null {
  if (!stat) return null;
  const dir = `${procRoot}/${pid}`;
  let exe: string | null = null;
  try {
    exe = readlinkSync(dir + '/exe');
  } catch {
    exe = null;
  }
  let name = stat.comm;
  try {
    name = parseComm(readFileSync(dir + '/comm', 'utf8'));
  } catch {
    /* gone or hidden: stat's copy of comm will do */
  }
  const info: ProcessInfo = {
    pid,
    startTime: stat.startTime,
    exe,
    name,
    cmdline: tryRead(() => parseCmdline(readFileSync(dir + '/cmdline'))),
    uid: tryRead(() => parseStatusUid(readFileSync(dir + '/status', 'utf8'))),
    ppid: stat.ppid,
    cgroup: tryRead(() => parseCgroupV2(readFileSync(dir + '/cgroup', 'utf8'))),
  };
  // If the pid was reused while we read, the fields above may mix two processes: re-check.
  const again = readStat(pid, procRoot);
  if (!again || again.startTime !== stat.startTime) return null;
  return info;
}

function tryRead<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
