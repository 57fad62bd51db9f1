import type { Db } from '../db';
import type { ProcessInfo } from '../../engine/ports';

/** Processes keyed by (pid, start_time): pids are reused, the pair is not. */
export class ProcessesTable {
  private readonly cache = new Map<string, number>();
  private readonly insert;
  private readonly find;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO processes (app_id, pid, start_time, uid, ppid, cmdline, cgroup, first_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (pid, start_time) DO NOTHING RETURNING id`,
    );
    this.find = db.prepare('SELECT id FROM processes WHERE pid = ? AND start_time = ?');
  }

  ensure(appId: number, p: ProcessInfo, now: number): number {
    const key = `${p.pid}:${p.startTime}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const inserted = this.insert.get(
      appId,
      p.pid,
      p.startTime,
      p.uid,
      p.ppid,
      p.cmdline ? JSON.stringify(p.cmdline) : null,
      p.cgroup,
      now,
    ) as { id: number } | undefined;
    const id = inserted?.id ?? (this.find.get(p.pid, p.startTime) as { id: number }).id;
    // Bounded: a process seen once is rarely looked up again after its sockets close.
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, id);
    return id;
  }
}
