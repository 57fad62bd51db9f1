// Shared set-up for the alert tests: a real database on disk, real tables, and TickOutcomes built
// from real app/remote rows (the same objects the flow tracker would hand over).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable, type AppRow } from '../../electron/store/queries/apps';
import { RemotesTable, type RemoteRow } from '../../electron/store/queries/remotes';
import { defaultSettings, type Settings } from '../../electron/shared/settings';
import type { TickOutcome, Tracked } from '../../electron/engine/flow-tracker';
import type { AddressScope, Alert } from '../../electron/shared/types';
import { createAlertsService, type FirewallDetector, type TickDetector } from '../../electron/engine/alerts/service';
import type { AlertsPort } from '../../electron/engine/services';

export interface Fixture {
  dir: string;
  path: string;
  db: Db;
  apps: AppsTable;
  remotes: RemotesTable;
  reopen(): void;
  close(): void;
}

export function openFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'outflow-alerts-'));
  const path = join(dir, 'o.db');
  const f: Fixture = {
    dir,
    path,
    db: openStore({ path }).db,
    apps: null as unknown as AppsTable,
    remotes: null as unknown as RemotesTable,
    reopen() {
      f.db.close();
      f.db = openStore({ path }).db;
      f.apps = new AppsTable(f.db);
      f.remotes = new RemotesTable(f.db);
    },
    close() {
      try {
        f.db.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  f.apps = new AppsTable(f.db);
  f.remotes = new RemotesTable(f.db);
  return f;
}

export const settingsWith = (patch: Partial<Settings>): Settings => ({ ...defaultSettings, learningMinutes: 0, ...patch });

export function app(f: Fixture, path: string, at: number, attributed = true): AppRow {
  return f.apps.ensure(path, path.split('/').pop()!, attributed, at).app;
}

export function remote(
  f: Fixture,
  addr: string,
  info: { host?: string | null; asn?: number | null; org?: string | null; country?: string | null; scope?: AddressScope } = {},
): RemoteRow {
  return f.remotes.ensure(
    addr,
    addr.includes(':') ? 6 : 4,
    { scope: info.scope ?? 'internet', country: info.country ?? null, asn: info.asn ?? null, org: info.org ?? null },
    info.host ?? null,
  );
}

let keySeq = 0;
export function flow(a: AppRow, r: RemoteRow, rport = 443): Tracked {
  return {
    key: `k${++keySeq}`,
    flowId: keySeq,
    app: a,
    processId: null,
    pid: 1,
    uid: 1000,
    proto: 'tcp',
    family: r.family,
    local: '198.18.0.1',
    lport: 40000,
    remote: r,
    rport,
    state: 'ESTAB',
    openedAt: 0,
    cumOut: 0,
    cumIn: 0,
    bytesOut: 0,
    bytesIn: 0,
    rateOut: null,
    rateIn: null,
    missing: 0,
    seenTick: 0,
  };
}

export function outcome(parts: Partial<TickOutcome> = {}): TickOutcome {
  return { newApps: [], newFlows: [], closedFlows: [], perApp: new Map(), moved: false, ...parts };
}

/** The alerts service over the fixture's database, with every alert event (and desktop notification) captured. */
export function service(
  f: Fixture,
  o: { settings: Settings; installedAt?: number; tick?: TickDetector[]; firewall?: FirewallDetector[] },
): { port: AlertsPort; events: Alert[]; notified: Alert[] } {
  const port = createAlertsService({
    db: f.db,
    settings: o.settings,
    installedAt: o.installedAt ?? 0,
    tickDetectors: o.tick ?? [],
    firewallDetectors: o.firewall ?? [],
  });
  const events: Alert[] = [];
  const notified: Alert[] = [];
  port.onAlert((a) => {
    events.push(a);
    if (a.notified) notified.push(a);
  });
  return { port, events, notified };
}

export const all = (port: AlertsPort): Alert[] => port.list({ limit: 10_000 });

/** A wall-clock time at a given local hour:minute on a fixed day. */
export function localTime(hour: number, minute = 0, day = 10): number {
  return new Date(2026, 10, day, hour, minute, 0, 0).getTime();
}
