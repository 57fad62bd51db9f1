// Who a (pid, start) was, even after it exited.
// 1. /proc while it lives (checked against the start time, so a reused pid is never confused).
// 2. Else the exec the kernel reported for it: the filename, made canonical with realpath; a relative
//    filename is read from /proc/<pid>/exe when the exec arrives, or left unknown — never reported
//    as a relative path.
// 3. Else (no usable exec: a forked child, a process started before tracing, a relative exec path)
//    the executable file the kernel reported, (device, inode), matched against files seen in other
//    execs or /proc reads, or against the parent's executable. A match is the same file, not a guess.
// 4. Else the executable is unknown (exe null) and the name is the kernel's comm.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import type { ProcessInfo } from '../../engine/ports';
import { cString, type ProcessEvent } from './records';
import { readProcInfo } from './proc-info';

export type IdentitySource = 'proc' | 'exec' | 'inode' | 'exit' | 'none';

export interface ResolvedProcess {
  info: ProcessInfo;
  /** Where `info.exe` came from; 'exit' and 'none' mean the executable is unknown. */
  source: IdentitySource;
}

type FileId = ProcessEvent['file'];

/** The exec filename as printed in chunks, shared by the exec record it belongs to. */
interface Filename {
  chunks: Buffer[];
  /** /proc/<pid>/exe read when a relative filename arrived (it cannot be made absolute later). */
  procExe: string | null;
}

interface ExecSeen {
  ev: ProcessEvent;
  name: Filename;
}

interface ExitSeen {
  ev: ProcessEvent;
  at: number;
}

export interface RegistryOptions {
  /** Nanoseconds per /proc clock tick (1e9 / CLK_TCK). */
  nsPerTick: bigint;
  procRoot?: string;
  /** Entries kept at most per table; the oldest go first (counted in `evictions`). */
  maxEntries?: number;
  /** How long an exited process's records are kept for its bytes still in flight, ms. */
  keepExitedMs?: number;
  now?: () => number;
}

function keyOf(pid: number, startNs: bigint): string {
  return `${pid}:${startNs}`;
}

function fileKey(file: FileId): string | null {
  return file ? `${file.dev}:${file.ino}` : null;
}

/** (dev, ino) of a path as stat reports them; null when it cannot be read. */
function fileOfPath(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true });
    return `${Number(st.dev)}:${st.ino}`;
  } catch {
    return null;
  }
}

export class ProcessRegistry {
  private readonly execs = new Map<string, ExecSeen>();
  private readonly filenames = new Map<string, Filename>();
  private readonly exits = new Map<string, ExitSeen>();
  private readonly cache = new Map<string, ResolvedProcess>();
  /** (pid, start) pairs /proc no longer has: such a process never comes back, so never read again. */
  private readonly gone = new Map<string, true>();
  /** (dev:ino) → the exec record or resolved path that names that file. */
  private readonly files = new Map<string, ExecSeen | string>();
  private readonly nsPerTick: bigint;
  private readonly procRoot: string;
  private readonly maxEntries: number;
  private readonly keepExitedMs: number;
  private readonly now: () => number;
  evictions = 0;

  constructor(opts: RegistryOptions) {
    this.nsPerTick = opts.nsPerTick;
    this.procRoot = opts.procRoot ?? '/proc';
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.keepExitedMs = opts.keepExitedMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  ticksOf(startNs: bigint): number {
    return Number(startNs / this.nsPerTick);
  }

  /** An exec; its filename follows as chunks (the F records come right after, from the same CPU). */
  onExec(ev: ProcessEvent): void {
    const key = keyOf(ev.pid, ev.startNs);
    const name: Filename = { chunks: [], procExe: null };
    this.put(this.filenames, key, name);
    const rec: ExecSeen = { ev, name };
    this.put(this.execs, key, rec);
    this.cache.delete(key);
    // A file already named stays named; a new one points at this exec until a path is confirmed.
    const fk = fileKey(ev.file);
    if (fk && !this.files.has(fk)) this.put(this.files, fk, rec);
  }

  onFileChunk(pid: number, startNs: bigint, index: number, chunk: Buffer): void {
    const key = keyOf(pid, startNs);
    let name = this.filenames.get(key);
    if (!name || (index === 0 && name.chunks.length > 0)) {
      // Its exec record was lost: keep the name apart so it is never joined to another exec.
      name = { chunks: [], procExe: null };
      this.put(this.filenames, key, name);
    }
    if (index !== name.chunks.length) return;
    name.chunks.push(chunk);
    this.cache.delete(key);
    if (index === 0) {
      // A relative filename cannot be made absolute later (the cwd is unknown once the process is
      // gone): ask /proc now, while it most likely still runs.
      const first = cString(chunk);
      if (first !== '' && !first.startsWith('/')) name.procExe = readProcInfo(pid, this.ticksOf(startNs), this.procRoot)?.exe ?? null;
    }
  }

  onExit(ev: ProcessEvent): void {
    this.put(this.exits, keyOf(ev.pid, ev.startNs), { ev, at: this.now() });
  }

  /** Identity of the process that moved bytes. Final answers (from /proc, or for exited processes) are cached. */
  resolve(pid: number, startNs: bigint, depth = 0): ResolvedProcess {
    const key = keyOf(pid, startNs);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const startTime = this.ticksOf(startNs);
    const exec = this.execs.get(key);
    const exit = this.exits.get(key);
    const live = exit || this.gone.has(key) ? null : readProcInfo(pid, startTime, this.procRoot);
    if (!live && !exit && !this.gone.has(key)) this.put(this.gone, key, true);
    if (live && live.exe !== null) {
      this.learn(live.exe);
      return this.remember(key, { info: live, source: 'proc' });
    }
    const ev = exit?.ev ?? exec?.ev;
    const info: ProcessInfo = live ?? {
      pid,
      startTime,
      exe: null,
      name: ev?.comm ?? `pid ${pid}`,
      cmdline: null,
      uid: ev?.uid ?? null,
      ppid: ev?.ppid ?? null,
      cgroup: null,
    };
    let result: ResolvedProcess;
    const fromExec = exec ? this.exeFromExec(exec) : null;
    if (fromExec !== null) {
      result = { info: { ...info, exe: fromExec }, source: 'exec' };
      const fk = fileKey(exec!.ev.file);
      if (fk && typeof this.files.get(fk) !== 'string' && fileOfPath(fromExec) === fk) this.put(this.files, fk, fromExec);
    } else {
      // The file identity settles it whether or not an exec was seen (a relative exec path, a fork).
      const byFile = ev ? this.exeByFile(ev, depth) : null;
      result = byFile !== null ? { info: { ...info, exe: byFile }, source: 'inode' } : { info, source: exit ? 'exit' : 'none' };
    }
    // A live process may still be readable from /proc next time; a gone one is final.
    return exit ? this.remember(key, result) : result;
  }

  /** Forget processes that exited long enough ago that none of their bytes can still arrive. */
  prune(): void {
    const cutoff = this.now() - this.keepExitedMs;
    for (const [key, x] of this.exits) {
      if (x.at > cutoff) break;
      this.exits.delete(key);
      this.execs.delete(key);
      this.filenames.delete(key);
      this.cache.delete(key);
      this.gone.delete(key);
    }
  }

  size(): { execs: number; exits: number; cache: number; files: number } {
    return { execs: this.execs.size, exits: this.exits.size, cache: this.cache.size, files: this.files.size };
  }

  private exeFromExec(exec: ExecSeen): string | null {
    if (exec.name.procExe !== null) return exec.name.procExe;
    const bytes = Buffer.concat(exec.name.chunks);
    // No NUL in what was printed: the path is longer than the program reports (or its tail was
    // lost); a cut path would name another file, so it stays unknown.
    if (bytes.indexOf(0) < 0) return null;
    const filename = cString(bytes);
    if (filename === '' || !isAbsolute(filename)) return null;
    let path: string;
    try {
      path = realpathSync(filename);
    } catch {
      path = normalize(filename);
    }
    return path;
  }

  /** The executable of a process never seen exec'ing, by the identity of its file. */
  private exeByFile(ev: ProcessEvent, depth: number): string | null {
    const fk = fileKey(ev.file);
    if (fk === null) return null;
    const known = this.files.get(fk);
    if (typeof known === 'string') return known;
    if (known) {
      const exe = this.exeFromExec(known);
      if (exe !== null && fileOfPath(exe) === fk) return exe;
    }
    if (depth > 8) return null;
    const parent = this.resolve(ev.ppid, ev.parentStartNs, depth + 1).info.exe;
    if (parent !== null && fileOfPath(parent) === fk) {
      this.put(this.files, fk, parent);
      return parent;
    }
    return null;
  }

  private learn(path: string): void {
    const fk = fileOfPath(path);
    if (fk && this.files.get(fk) !== path) this.put(this.files, fk, path);
  }

  private remember(key: string, r: ResolvedProcess): ResolvedProcess {
    this.put(this.cache, key, r);
    return r;
  }

  private put<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (map.size > this.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
      this.evictions++;
    }
  }
}
