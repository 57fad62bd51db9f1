// A database filled with a deterministic, irregular stream of traffic writes (the way ticks write
// them), with the ground truth kept in memory: the fixture of the tier and retention property tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressScope } from '../../electron/shared/types';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { MINUTE, TrafficTable } from '../../electron/store/queries/traffic';

export interface TrafficRow {
  minute: number;
  app: number;
  remote: number;
  rport: number;
  proto: 'tcp' | 'udp';
  out: number;
  in: number;
  flows: number;
}

export interface SyntheticTrafficOptions {
  prefix: string;
  start: number;
  end: number;
  apps: string[];
  dests: [addr: string, scope: AddressScope, country: string | null][];
  seed: number;
  /** Gap between two writes: min + random × spread (ms). */
  gap: { min: number; spread: number };
  /** Draw ports (443/53) and protocols (tcp/udp); otherwise every write is tcp/443. */
  mixPorts: boolean;
}

export interface SyntheticTraffic {
  db: Db;
  truth: TrafficRow[];
  appIds: number[];
  remoteIds: number[];
  remoteInfo: Map<number, { scope: AddressScope; country: string | null; addr: string }>;
  close(): void;
}

export function writeSyntheticTraffic(o: SyntheticTrafficOptions): SyntheticTraffic {
  const dir = mkdtempSync(join(tmpdir(), o.prefix));
  const db = openStore({ path: join(dir, 'o.db') }).db;
  const apps = new AppsTable(db);
  const remotes = new RemotesTable(db);
  const traffic = new TrafficTable(db);
  const appIds = o.apps.map((name) => apps.ensure(`/usr/bin/${name}`, name, true, o.start).app.id);
  const remoteInfo = new Map<number, { scope: AddressScope; country: string | null; addr: string }>();
  const remoteIds = o.dests.map(([addr, scope, country]) => {
    const r = remotes.ensure(addr, addr.includes(':') ? 6 : 4, { scope, country, asn: null, org: null }, null);
    remoteInfo.set(r.id, { scope, country, addr });
    return r.id;
  });
  let seed = o.seed;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const truth: TrafficRow[] = [];
  db.transaction(() => {
    for (let t = o.start; t < o.end; t += Math.floor(o.gap.min + rand() * o.gap.spread)) {
      const app = appIds[Math.floor(rand() * appIds.length)]!;
      const remote = remoteIds[Math.floor(rand() * remoteIds.length)]!;
      const rport = o.mixPorts && rand() >= 0.7 ? 53 : 443;
      const proto = o.mixPorts && rand() >= 0.8 ? 'udp' : 'tcp';
      const row: TrafficRow = {
        minute: Math.floor(t / MINUTE) * MINUTE,
        app,
        remote,
        rport,
        proto,
        out: Math.floor(rand() * 100_000),
        in: Math.floor(rand() * 10_000),
        flows: rand() < 0.3 ? 1 : 0,
      };
      truth.push(row);
      traffic.add(t, { appId: row.app, remoteId: row.remote, rport: row.rport, proto: row.proto, bytesOut: row.out, bytesIn: row.in, flows: row.flows });
    }
  })();
  return {
    db,
    truth,
    appIds,
    remoteIds,
    remoteInfo,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sumOf = (rows: TrafficRow[], f: (r: TrafficRow) => number): number => rows.reduce((s, r) => s + f(r), 0);

/** An app's summary against its rows of the truth: bytes, connections, and the cost of its internet bytes at 0.09/GB. */
export function expectAppTotals(
  got: { bytesOut: number; bytesIn: number; flows: number; cost: number } | undefined,
  mine: TrafficRow[],
  internet: (r: TrafficRow) => boolean,
): void {
  expect(got?.bytesOut ?? 0).toBe(sumOf(mine, (r) => r.out));
  expect(got?.bytesIn ?? 0).toBe(sumOf(mine, (r) => r.in));
  expect(got?.flows ?? 0).toBe(sumOf(mine, (r) => r.flows));
  expect(got?.cost ?? 0).toBeCloseTo((sumOf(mine.filter(internet), (r) => r.out) / 1e9) * 0.09, 12);
}
