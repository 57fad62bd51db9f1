// What /proc says about one live process, checked against the start time the kernel reported with its
// bytes, so a reused pid is never taken for the process that moved them.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessInfo } from '../../engine/ports';

export interface ProcStat {
  name: string;
  ppid: number;
  /** Field 22: clock ticks since boot. */
  startTime: number;
}

/** Parses /proc/<pid>/stat; comm may hold spaces and parentheses, so split after the last `)`. */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!Number.isSafeInteger(ppid) || !Number.isSafeInteger(startTime)) return null;
  return { name: text.slice(open + 1, close), ppid, startTime };
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function statOf(dir: string): ProcStat | null {
  const text = read(join(dir, 'stat'));
  return text === null ? null : parseProcStat(text);
}

/** Executable path; the kernel appends " (deleted)" when the file was replaced or removed. */
function exeOf(dir: string): string | null {
  try {
    const target = readlinkSync(join(dir, 'exe'));
    return target.endsWith(' (deleted)') ? target.slice(0, -' (deleted)'.length) : target;
  } catch {
    return null;
  }
}

function uidOf(dir: string): number | null {
  const m = /^Uid:\s+(\d+)/m.exec(read(join(dir, 'status')) ?? '');
  return m ? Number(m[1]) : null;
}

function cmdlineOf(dir: string): string[] | null {
  const text = read(join(dir, 'cmdline'));
  if (text === null || text === '') return null;
  const parts = text.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function cgroupOf(dir: string): string | null {
  const m = /^0::(\S.*)$/m.exec(read(join(dir, 'cgroup')) ?? '');
  return m ? m[1]! : null;
}

/**
 * ProcessInfo of `pid` if it is alive and still the process that started at `startTime` (ticks);
 * null otherwise. Reads stat before and after the rest, so a pid reused in between is caught.
 */
export function readProcInfo(pid: number, startTime: number, procRoot = '/proc'): ProcessInfo | null {
  const dir = join(procRoot, String(pid));
  const before = statOf(dir);
  if (!before || before.startTime !== startTime) return null;
  const info: ProcessInfo = {
    pid,
    startTime,
    exe: exeOf(dir),
    name: before.name,
    cmdline: cmdlineOf(dir),
    uid: uidOf(dir),
    ppid: before.ppid,
    cgroup: cgroupOf(dir),
  };
  const after = statOf(dir);
  return after && after.startTime === startTime ? info : null;
}
