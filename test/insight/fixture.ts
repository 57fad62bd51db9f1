// A real database on disk with traffic written through the same tables the flow tracker uses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { RemotesTable, type RemoteRow } from '../../electron/store/queries/remotes';
import { TrafficTable } from '../../electron/store/queries/traffic';
import { pruneBatch, rollUpHours } from '../../electron/store/queries/retention';
import type { AddressScope } from '../../electron/shared/types';

export interface TrafficDb {
  dir: string;
  path: string;
  db: Db;
  app(path: string, attributed?: boolean): number;
  remote(addr: string, info?: { host?: string | null; country?: string | null; asn?: number | null; org?: string | null; scope?: AddressScope }): RemoteRow;
  send(at: number, appId: number, r: RemoteRow, bytesOut: number, bytesIn?: number, rport?: number): void;
  /** Roll every completed hour and day up and prune past retention, as the engine does (hours and days kept 10 years unless given). */
  maintain(now: number, retentionDays: number, hourlyRetentionDays?: number): void;
  close(): void;
}

export function trafficDb(): TrafficDb {
  const dir = mkdtempSync(join(tmpdir(), 'outflow-insight-'));
  const path = join(dir, 'o.db');
  const db = openStore({ path }).db;
  const apps = new AppsTable(db);
  const remotes = new RemotesTable(db);
  const traffic = new TrafficTable(db);
  return {
    dir,
    path,
    db,
    app: (p, attributed = true) => apps.ensure(p, p.split('/').pop()!, attributed, 0).app.id,
    remote: (addr, info = {}) =>
      remotes.ensure(addr, addr.includes(':') ? 6 : 4, { scope: info.scope ?? 'internet', country: info.country ?? null, asn: info.asn ?? null, org: info.org ?? null }, info.host ?? null),
    send: (at, appId, r, bytesOut, bytesIn = 0, rport = 443) => traffic.add(at, { appId, remoteId: r.id, rport, proto: 'tcp', bytesOut, bytesIn, flows: 1 }),
    maintain(now, retentionDays, hourlyRetentionDays = 3650) {
      while (rollUpHours(db, now, 1000) > 0);
      for (;;) {
        const r = pruneBatch(db, now, { retentionDays, hourlyRetentionDays, dailyRetentionDays: 3650 });
        if (r.minutes + r.flows + r.hours + r.days + r.alerts === 0) break;
      }
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
