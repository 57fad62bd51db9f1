// Socket → process, by inode. Walking /proc/*/fd is what makes `ss -p` 2.5× slower than `ss`, so
// it happens only for sockets (cookies) never seen before, stops as soon as every wanted inode is
// found, and visits the pids that owned recent sockets first (busy apps open sockets repeatedly).
import { readdirSync, readlinkSync } from 'node:fs';
import type { ProcessInfo, SocketSample } from '../engine/ports';
import type { SsSocket } from './parse/ss';
import { readProcessInfo, readStat } from './proc';

/** Walks /proc/<pid>/fd for socket inodes. */
export class InodeWalker {
  walks = 0;
  fdsRead = 0;
  /** Pids whose fd table could not be read in the last walk (other users' processes without root). */
  deniedPids = 0;
  private hints: number[] = [];

  constructor(private readonly procRoot = '/proc') {}

  /** inode → pid for as many of `wanted` as can be found. */
  find(wanted: ReadonlySet<number>): Map<number, number> {
    const found = new Map<number, number>();
    if (wanted.size === 0) return found;
    this.walks++;
    this.deniedPids = 0;
    const visited = new Set<number>();
    const visit = (pid: number): boolean => {
      visited.add(pid);
      this.scanPid(pid, wanted, found);
      return found.size === wanted.size;
    };
    for (const pid of this.hints) if (visit(pid)) return this.remember(found);
    let entries: string[];
    try {
      entries = readdirSync(this.procRoot);
    } catch {
      return this.remember(found);
    }
    const pids: number[] = [];
    for (const name of entries) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (!visited.has(pid) && Number.isSafeInteger(pid)) pids.push(pid);
    }
    // New sockets mostly belong to new processes: newest pids first (until pids wrap around).
    pids.sort((a, b) => b - a);
    for (const pid of pids) if (visit(pid)) break;
    return this.remember(found);
  }

  private scanPid(pid: number, wanted: ReadonlySet<number>, found: Map<number, number>): void {
    const dir = `${this.procRoot}/${pid}/fd`;
    let fds: string[];
    try {
      fds = readdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EACCES') this.deniedPids++;
      return;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`${dir}/${fd}`);
      } catch {
        continue;
      }
      this.fdsRead++;
      // "socket:[12345]"
      if (target.charCodeAt(0) !== 115 || !target.startsWith('socket:[')) continue;
      const inode = Number(target.slice(8, -1));
      if (wanted.has(inode) && !found.has(inode)) found.set(inode, pid);
    }
  }

  private remember(found: Map<number, number>): Map<number, number> {
    const recent = [...new Set(found.values())];
    this.hints = [...recent, ...this.hints.filter((p) => !recent.includes(p))].slice(0, 32);
    return found;
  }
}

/** ProcessInfo read once per (pid, startTime); a reused pid is noticed through the start time. */
export class ProcessCache {
  private readonly byPid = new Map<number, ProcessInfo>();

  constructor(private readonly procRoot = '/proc') {}

  get(pid: number): ProcessInfo | null {
    const stat = readStat(pid, this.procRoot);
    if (!stat) return null;
    const cached = this.byPid.get(pid);
    if (cached && cached.startTime === stat.startTime) return cached;
    const info = readProcessInfo(pid, this.procRoot, stat);
    if (info) this.byPid.set(pid, info);
    else this.byPid.delete(pid);
    return info;
  }

  /** Drop processes no live socket refers to any more. */
  retain(pids: ReadonlySet<number>): void {
    for (const pid of this.byPid.keys()) if (!pids.has(pid)) this.byPid.delete(pid);
  }

  get size(): number {
    return this.byPid.size;
  }
}

export interface OwnerEntry {
  process: ProcessInfo | null;
  /** uid from the listing; `ss -E` lines carry none, so closed sockets take it from here. */
  uid: number | null;
  inode: number | null;
  /** Walks that looked for this socket without finding it; resolution stops at MAX_ATTEMPTS. */
  attempts: number;
  /** Last tick the socket was listed; entries not listed in the current tick are swept. */
  tick: number;
  /** The socket's key in snapshots (`sk:<cookie>`), built once. */
  key: string;
  /** The socket as parsed in the latest listing; its addresses are reused by the next parse. */
  last: SsSocket | null;
  /** The snapshot sample last built from `last`, handed on again while nothing in it moved. */
  sample: SocketSample | null;
}

const MAX_ATTEMPTS = 3;

export interface SocketOwnersOptions {
  procRoot?: string;
  /**
   * Without root, other users' /proc/<pid>/fd cannot be read: looking for their sockets would walk
   * /proc on every new socket for nothing. Set to our uid to only resolve our own; null = all.
   */
  onlyUid?: number | null;
}

/**
 * The owning process per socket key (cookie), resolved once and cached for the socket's life.
 * Per tick: beginTick(), touch() every listed socket, resolvePending(), then sweep().
 */
export class SocketOwners {
  private readonly byKey = new Map<string | number, OwnerEntry>();
  readonly walker: InodeWalker;
  readonly processes: ProcessCache;
  private readonly onlyUid: number | null;
  private tick = 0;
  private fresh: OwnerEntry[] = [];
  private retry: OwnerEntry[] = [];

  constructor(opts: SocketOwnersOptions = {}) {
    this.walker = new InodeWalker(opts.procRoot);
    this.processes = new ProcessCache(opts.procRoot);
    this.onlyUid = opts.onlyUid ?? null;
  }

  beginTick(): void {
    this.tick++;
    this.fresh = [];
    this.retry = [];
  }

  /**
   * Marks a socket as listed in this tick and returns its entry (new sockets are queued for
   * resolution). `id` is the cache key (the numeric cookie), `sampleKey` the key snapshots use.
   */
  touch(id: string | number, inode: number | null, uid: number | null, sampleKey: () => string): OwnerEntry {
    let entry = this.byKey.get(id);
    if (!entry) {
      const resolvable = inode !== null && (this.onlyUid === null || uid === this.onlyUid);
      entry = { process: null, uid, inode, attempts: resolvable ? 0 : MAX_ATTEMPTS, tick: this.tick, key: sampleKey(), last: null, sample: null };
      this.byKey.set(id, entry);
      if (resolvable) this.fresh.push(entry);
      return entry;
    }
    if (entry.tick !== this.tick) {
      entry.tick = this.tick;
      if (entry.process === null && entry.attempts < MAX_ATTEMPTS) this.retry.push(entry);
    }
    if (uid !== null) entry.uid = uid;
    return entry;
  }

  /** Walks /proc for sockets new in this tick (retrying recent misses while it walks anyway). */
  resolvePending(): void {
    if (this.fresh.length === 0) return;
    const wanted = new Map<number, OwnerEntry[]>();
    for (const entry of [...this.fresh, ...this.retry]) {
      const list = wanted.get(entry.inode!);
      if (list) list.push(entry);
      else wanted.set(entry.inode!, [entry]);
    }
    const owners = this.walker.find(new Set(wanted.keys()));
    for (const [inode, entries] of wanted) {
      const pid = owners.get(inode);
      const process = pid === undefined ? null : this.processes.get(pid);
      for (const entry of entries) {
        entry.process = process;
        entry.attempts = process ? MAX_ATTEMPTS : entry.attempts + 1;
      }
    }
    this.fresh = [];
    this.retry = [];
  }

  /** The entry of a socket listed in this or an earlier tick (still cached), else undefined. */
  peek(id: string | number): OwnerEntry | undefined {
    return this.byKey.get(id);
  }

  /** Forget sockets not listed in this tick; cached processes follow. */
  sweep(): void {
    const pids = new Set<number>();
    for (const [key, entry] of this.byKey) {
      if (entry.tick !== this.tick) this.byKey.delete(key);
      else if (entry.process) pids.add(entry.process.pid);
    }
    this.processes.retain(pids);
  }

  /** Drop one socket now (it was reported destroyed). */
  forget(id: string | number): void {
    this.byKey.delete(id);
  }

  get size(): number {
    return this.byKey.size;
  }
}
