import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { HOUR, MINUTE, TrafficTable } from '../../electron/store/queries/traffic';
import { appSummaries, series } from '../../electron/store/queries/reports';
import { minuteHorizon, pruneBatch, rollUpHours } from '../../electron/store/queries/retention';

const DAY = 24 * HOUR;
let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-reports-'));
  db = openStore({ path: join(dir, 'r.db') }).db;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reports over minutes and hourly roll-ups', () => {
  it('counts every byte once across roll-up and pruning, and keeps recent minutes exact', () => {
    const apps = new AppsTable(db);
    const remotes = new RemotesTable(db);
    const traffic = new TrafficTable(db);
    const start = Date.UTC(2026, 9, 1);
    const { app } = apps.ensure('/usr/bin/uploader', 'uploader', true, start);
    const remote = remotes.ensure('203.0.113.9', 4, { scope: 'internet', country: 'NL', asn: 64500, org: 'Example' }, null);
    // 40 days, one write every 30 minutes of 1000 bytes out.
    for (let t = start; t < start + 40 * DAY; t += 30 * MINUTE) {
      traffic.add(t, { appId: app.id, remoteId: remote.id, rport: 443, proto: 'tcp', bytesOut: 1000, bytesIn: 10, flows: 1 });
    }
    const now = start + 40 * DAY;
    const total = 40 * 48 * 1000;
    const ctx = () => ({ now, costPerGb: 0.09, minuteHorizon: minuteHorizon(db) });
    expect(appSummaries(db, ctx(), {})[0]!.bytesOut).toBe(total);
    while (rollUpHours(db, now, 100) > 0);
    expect(appSummaries(db, ctx(), {})[0]!.bytesOut).toBe(total);
    for (let i = 0; i < 200; i++) {
      const r = pruneBatch(db, now, { retentionDays: 30, hourlyRetentionDays: 365, dailyRetentionDays: 730 });
      if (r.minutes === 0) break;
    }
    expect(minuteHorizon(db)).toBeGreaterThanOrEqual(now - 30 * DAY - HOUR);
    expect(appSummaries(db, ctx(), {})[0]!.bytesOut).toBe(total);
    // The last hour at minute precision.
    expect(appSummaries(db, ctx(), { since: now - 61 * MINUTE })[0]!.bytesOut).toBe(2000);
    const hours = series(db, ctx(), { bucket: 'hour', since: start, until: now });
    expect(hours.points.reduce((a, p) => a + p.bytesOut, 0)).toBe(total);
    expect(appSummaries(db, ctx(), {})[0]!.cost).toBeCloseTo((total / 1e9) * 0.09, 12);
  });
});
