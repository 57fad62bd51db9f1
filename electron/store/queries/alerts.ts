import type { Db } from '../db';
import type { Alert, AlertKind } from '../../shared/types';

export interface AlertDraft {
  at: number;
  kind: AlertKind;
  appId: number | null;
  title: string;
  detail: string;
  notified: boolean;
  /** Same key within the window → the existing alert's count grows instead of a new alert. */
  dedupeKey: string | null;
  windowMs: number;
}

/** Stored alerts; the desktop notification is only a view of a row here. */
export class AlertsTable {
  private readonly findOpen;
  private readonly bump;
  private readonly insert;
  private readonly one;

  constructor(private readonly db: Db) {
    this.findOpen = db.prepare('SELECT id FROM alerts WHERE dedupe_key = ? AND window_end > ? ORDER BY id DESC LIMIT 1');
    this.bump = db.prepare('UPDATE alerts SET count = count + 1, detail = ? WHERE id = ?');
    this.insert = db.prepare(
      `INSERT INTO alerts (at, kind, app_id, title, detail, count, seen, notified, dedupe_key, window_end)
       VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?, ?) RETURNING id`,
    );
    this.one = db.prepare(`${SELECT} WHERE al.id = ?`);
  }

  /** Returns the alert and whether it is new (false = coalesced into an existing one). */
  record(d: AlertDraft): { alert: Alert; created: boolean } {
    if (d.dedupeKey) {
      const open = this.findOpen.get(d.dedupeKey, d.at) as { id: number } | undefined;
      if (open) {
        this.bump.run(d.detail, open.id);
        return { alert: this.get(open.id)!, created: false };
      }
    }
    const { id } = this.insert.get(d.at, d.kind, d.appId, d.title, d.detail, d.notified ? 1 : 0, d.dedupeKey, d.at + d.windowMs) as { id: number };
    return { alert: this.get(id)!, created: true };
  }

  get(id: number): Alert | undefined {
    const r = this.one.get(id) as RawAlert | undefined;
    return r ? toAlert(r) : undefined;
  }

  list(q: { since?: number; until?: number; limit: number; unseenOnly?: boolean }): Alert[] {
    const rows = this.db
      .prepare(`${SELECT} WHERE al.at >= ? AND al.at < ? ${q.unseenOnly ? 'AND al.seen = 0' : ''} ORDER BY al.at DESC, al.id DESC LIMIT ?`)
      .all(q.since ?? 0, q.until ?? Number.MAX_SAFE_INTEGER, q.limit) as RawAlert[];
    return rows.map(toAlert);
  }

  markSeen(q: { ids?: number[]; all?: boolean }): number {
    if (q.all) return this.db.prepare('UPDATE alerts SET seen = 1 WHERE seen = 0').run().changes;
    const stmt = this.db.prepare('UPDATE alerts SET seen = 1 WHERE id = ? AND seen = 0');
    let n = 0;
    this.db.transaction(() => {
      for (const id of q.ids ?? []) n += stmt.run(id).changes;
    })();
    return n;
  }

  unseenCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts WHERE seen = 0').get() as { n: number }).n;
  }
}

const SELECT = `SELECT al.id, al.at, al.kind, al.app_id, a.name AS app_name, al.title, al.detail, al.count, al.seen, al.notified
                  FROM alerts al LEFT JOIN apps a ON a.id = al.app_id`;

interface RawAlert {
  id: number;
  at: number;
  kind: string;
  app_id: number | null;
  app_name: string | null;
  title: string;
  detail: string;
  count: number;
  seen: number;
  notified: number;
}

function toAlert(r: RawAlert): Alert {
  return {
    id: r.id,
    at: r.at,
    kind: r.kind as AlertKind,
    appId: r.app_id,
    appName: r.app_name,
    title: r.title,
    detail: r.detail,
    count: r.count,
    seen: r.seen === 1,
    notified: r.notified === 1,
  };
}
