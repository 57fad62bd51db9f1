import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

// SHA-256 of executables, off the tick path: requests are queued and hashed by at most `concurrency`
// streamed reads at a time; results are picked up at a later tick with take(). A file is read again
// only when its (size, mtime, inode) changed, and a path is looked at (one stat) at most once per
// `recheckMs`, however many connections the app opens.

export interface HashResult {
  path: string;
  sha256: string;
  size: number;
  mtimeMs: number;
}

export interface BinaryHasherOptions {
  concurrency?: number;
  recheckMs?: number;
  /** Larger files are not hashed (a multi-GB "executable" would tie up the disk). */
  maxBytes?: number;
  now?: () => number;
}

interface Cached {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

export class BinaryHasher {
  private readonly concurrency: number;
  private readonly recheckMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Cached>();
  private readonly lastLook = new Map<string, number>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly done: HashResult[] = [];
  private readonly waiters: (() => void)[] = [];
  private running = 0;
  private closed = false;
  /** Files read and hashed (not cache hits); for tests and the status line. */
  hashed = 0;

  constructor(o: BinaryHasherOptions = {}) {
    this.concurrency = Math.max(1, o.concurrency ?? 2);
    this.recheckMs = o.recheckMs ?? 60_000;
    this.maxBytes = o.maxBytes ?? 1024 ** 3;
    this.now = o.now ?? Date.now;
  }

  /** Ask for `path` to be (re)checked; cheap and non-blocking. */
  request(path: string): void {
    if (this.closed || !isAbsolute(path) || this.queued.has(path)) return;
    const now = this.now();
    const looked = this.lastLook.get(path);
    if (looked !== undefined && now - looked < this.recheckMs) return;
    this.lastLook.set(path, now);
    if (this.lastLook.size > 50_000) this.lastLook.clear();
    this.queued.add(path);
    this.queue.push(path);
    this.pump();
  }

  /** Hashes computed since the last call: first sightings and files whose content changed. */
  take(): HashResult[] {
    return this.done.splice(0, this.done.length);
  }

  /** Resolves when nothing is queued or being hashed. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queued.clear();
    if (this.running === 0) this.settle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const path = this.queue.shift()!;
      this.running++;
      void this.check(path).finally(() => {
        this.running--;
        this.queued.delete(path);
        this.pump();
        if (this.running === 0 && this.queue.length === 0) this.settle();
      });
    }
  }

  private settle(): void {
    for (const w of this.waiters.splice(0, this.waiters.length)) w();
  }

  private async check(path: string): Promise<void> {
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > this.maxBytes) return;
      const c = this.cache.get(path);
      if (c && c.size === st.size && c.mtimeMs === st.mtimeMs && c.ino === st.ino) return;
      const sha256 = await hashFile(path);
      this.hashed++;
      if (this.closed) return;
      // Same content under a new mtime (touch, reinstall of the same build): nothing to report.
      const changed = !c || c.sha256 !== sha256;
      this.cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256 });
      if (changed) this.done.push({ path, sha256, size: st.size, mtimeMs: st.mtimeMs });
    } catch {
      // Gone, unreadable or replaced mid-read: the next request retries after recheckMs.
    }
  }
}

export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path, { highWaterMark: 1024 * 1024 });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', reject);
    s.on('end', () => resolve(h.digest('hex')));
  });
}
