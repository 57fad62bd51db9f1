import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FleetRecord, SinkName } from './records';

// The on-disk export queue: its own small SQLite file next to the main database (the main schema is
// not touched, and queue churn never competes with the tick's writes). One row per record per sink,
// so each receiver drains at its own pace. Capped per sink: beyond the cap the oldest rows are
// dropped and counted; the count is kept here and exported (see DroppedRecord). Cursors that say how
// far the main database has been read live in the same file, and advance in the same transaction as
// the rows they produced, so a crash neither loses nor duplicates a minute.

export interface QueuedBatch {
  lastId: number;
  records: FleetRecord[];
}

export interface QueueOptions {
  /** Electron passes an Electron-ABI build of better-sqlite3 here. */
  nativeBinding?: string;
}

export class FleetQueue {
  private readonly db: Database.Database;
  private readonly counts = new Map<SinkName, number>();
  private readonly stmt;

  constructor(path: string, o: QueueOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path, o.nativeBinding ? { nativeBinding: o.nativeBinding } : {});
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(QUEUE_SCHEMA);
    this.stmt = {
      insert: this.db.prepare('INSERT INTO queue (sink, body) VALUES (?, ?)'),
      count: this.db.prepare('SELECT count(*) AS n FROM queue WHERE sink = ?'),
      dropOldest: this.db.prepare('DELETE FROM queue WHERE id IN (SELECT id FROM queue WHERE sink = ? ORDER BY id LIMIT ?)'),
      peek: this.db.prepare('SELECT id, body FROM queue WHERE sink = ? ORDER BY id LIMIT ?'),
      ack: this.db.prepare('DELETE FROM queue WHERE sink = ? AND id <= ?'),
      clear: this.db.prepare('DELETE FROM queue WHERE sink = ?'),
      getMeta: this.db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  /** Appends records for `sink`, dropping (and counting) the oldest beyond `max`. Returns how many were dropped. */
  enqueue(sink: SinkName, records: FleetRecord[], max: number): number {
    if (records.length === 0) return 0;
    const before = this.size(sink);
    for (const r of records) this.stmt.insert.run(sink, JSON.stringify(r));
    const n = before + records.length;
    const excess = Math.max(0, n - max);
    if (excess > 0) {
      this.stmt.dropOldest.run(sink, excess);
      this.setNumber(`dropped.${sink}`, this.dropped(sink) + excess);
    }
    this.counts.set(sink, n - excess);
    return excess;
  }

  /** The oldest `limit` records of `sink`, not removed until ack(). */
  peek(sink: SinkName, limit: number): QueuedBatch {
    const rows = this.stmt.peek.all(sink, limit) as { id: number; body: string }[];
    return { lastId: rows.length ? rows[rows.length - 1]!.id : 0, records: rows.map((r) => JSON.parse(r.body) as FleetRecord) };
  }

  /** Removes everything of `sink` up to and including `lastId` (delivered, or refused for good). */
  ack(sink: SinkName, lastId: number): void {
    const removed = this.stmt.ack.run(sink, lastId).changes;
    this.counts.set(sink, Math.max(0, this.size(sink) - removed));
  }

  clear(sink: SinkName): void {
    this.stmt.clear.run(sink);
    this.counts.set(sink, 0);
  }

  size(sink: SinkName): number {
    let n = this.counts.get(sink);
    if (n === undefined) {
      n = (this.stmt.count.get(sink) as { n: number }).n;
      this.counts.set(sink, n);
    }
    return n;
  }

  /** Records dropped from `sink`'s queue since it was created. */
  dropped(sink: SinkName): number {
    return this.getNumber(`dropped.${sink}`) ?? 0;
  }

  getNumber(key: string): number | null {
    const row = this.stmt.getMeta.get(key) as { value: string } | undefined;
    const n = row ? Number(row.value) : NaN;
    return Number.isFinite(n) ? n : null;
  }

  setNumber(key: string, value: number): void {
    this.stmt.setMeta.run(key, String(value));
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }
}

const QUEUE_SCHEMA = `
      CREATE TABLE IF NOT EXISTS queue (id INTEGER PRIMARY KEY AUTOINCREMENT, sink TEXT NOT NULL, body TEXT NOT NULL) STRICT;
      CREATE INDEX IF NOT EXISTS queue_sink ON queue (sink, id);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    `;
