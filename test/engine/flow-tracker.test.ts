import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Db } from '../../electron/store/db';
import { AppsTable } from '../../electron/store/queries/apps';
import { FlowsTable } from '../../electron/store/queries/flows';
import { ProcessesTable } from '../../electron/store/queries/processes';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { TrafficTable } from '../../electron/store/queries/traffic';
import { appSummaries, historyPage } from '../../electron/store/queries/reports';
import { FlowTracker } from '../../electron/engine/flow-tracker';
import type { ClosedSocket, Geo, PreciseDelta, ProcessInfo, Resolver, Snapshot, SocketSample } from '../../electron/engine/ports';

// The tracker's arithmetic on scripted snapshots, against a real database on disk.

const geo: Geo = { lookup: (a) => ({ scope: a.startsWith('127.') ? 'loopback' : 'internet', country: null, asn: null, org: null }) };
const resolver: Resolver = { peek: () => null, resolve: async () => [], onResolved: () => {}, close: () => {} };
const proc: ProcessInfo = { pid: 4242, startTime: 99, exe: '/opt/app/uploader', name: 'uploader', cmdline: ['uploader'], uid: 1000, ppid: 1, cgroup: null };

function sock(key: string, out: number | null, inn: number | null, extra: Partial<SocketSample> = {}): SocketSample {
  return { key, proto: 'tcp', family: 4, state: 'ESTAB', local: '198.18.0.1', lport: 40000, remote: '198.18.0.2', rport: 7001, uid: 1000, inode: 1, bytesOut: out, bytesIn: inn, process: proc, ...extra };
}
const snap = (at: number, sockets: SocketSample[], closed: ClosedSocket[] = [], precise: PreciseDelta[] | null = null): Snapshot => ({ at, sockets, closed, precise, machine: null, dropped: 0 });
const delta = (out: number, inn: number, extra: Partial<PreciseDelta> = {}): PreciseDelta => ({
  pid: 4242, process: proc, proto: 'tcp', family: 4, local: '198.18.0.1', lport: 40000, remote: '198.18.0.2', rport: 7001, bytesOut: out, bytesIn: inn, ...extra,
});

let dir: string;
let db: Db;
function tracker(): FlowTracker {
  const t = new FlowTracker(
    { apps: new AppsTable(db), processes: new ProcessesTable(db), remotes: new RemotesTable(db), flows: new FlowsTable(db), traffic: new TrafficTable(db) },
    geo,
    resolver,
  );
  t.restore();
  return t;
}
const ctx = { now: 10_000_000, costPerGb: 0.09, minuteHorizon: 0 };
const tick = (t: FlowTracker, s: Snapshot, seesClosed = true) => db.transaction(() => t.ingest(s, seesClosed))();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outflow-tracker-'));
  db = openStore({ path: join(dir, 'o.db') }).db;
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('FlowTracker', () => {
  it('counts a socket from its first byte, adds only deltas, and closes with the final counters', () => {
    const t = tracker();
    const first = tick(t, snap(1000, [sock('c1', 500, 100)]));
    expect(first.newApps.map((a) => a.path)).toEqual(['/opt/app/uploader']);
    tick(t, snap(2000, [sock('c1', 1500, 300)]));
    expect(t.open.get('c1')!.rateOut).toBe(1000);
    tick(t, snap(3000, [], [{ ...sock('c1', 2000, 350), closedAt: 2500 }]));
    expect(t.open.size).toBe(0);
    const [app] = appSummaries(db, ctx, {});
    expect(app).toMatchObject({ path: '/opt/app/uploader', bytesOut: 2000, bytesIn: 350, flows: 1, attributed: true });
    const page = historyPage(db, { limit: 10, offset: 0 }, 10_000);
    expect(page.rows[0]).toMatchObject({ bytesOut: 2000, bytesIn: 350, closedAt: 2500, remote: '198.18.0.2', rport: 7001, pid: 4242 });
  });

  it('keeps the bytes of a socket that opened and closed between two polls, unattributed when no process was seen', () => {
    const t = tracker();
    tick(t, snap(1000, []));
    tick(t, snap(2000, [], [{ ...sock('short', 1_048_576, 10, { process: null, uid: 1000 }), closedAt: 1500 }]));
    const [app] = appSummaries(db, ctx, {});
    expect(app).toMatchObject({ attributed: false, name: 'Unattributed (uid 1000)', bytesOut: 1_048_576, flows: 1 });
  });

  it('records unknown UDP bytes as unknown, never as zero', () => {
    const t = tracker();
    tick(t, snap(1000, [sock('u1', null, null, { proto: 'udp', state: 'ESTAB' })]));
    tick(t, snap(2000, [], [{ ...sock('u1', null, null, { proto: 'udp' }), closedAt: 1900 }]));
    const row = historyPage(db, { limit: 10, offset: 0 }, 10_000).rows[0]!;
    expect(row.bytesOut).toBeNull();
    expect(row.bytesIn).toBeNull();
    expect(row.proto).toBe('udp');
  });

  it('continues after a restart from the persisted counters: nothing lost, nothing counted twice', () => {
    const a = tracker();
    tick(a, snap(1000, [sock('c1', 1000, 0)]));
    tick(a, snap(2000, [sock('c1', 3000, 0)]));
    const b = tracker();
    tick(b, snap(3000, [sock('c1', 3500, 0)]));
    expect(appSummaries(db, ctx, {})[0]!.bytesOut).toBe(3500);
  });

  it('without destroy events, closes a vanished socket at once; with them, waits one tick for the final counters', () => {
    const t = tracker();
    tick(t, snap(1000, [sock('a', 10, 0)]), false);
    tick(t, snap(2000, []), false);
    expect(t.open.size).toBe(0);
    const u = tracker();
    tick(u, snap(1000, [sock('b', 10, 0)]));
    tick(u, snap(2000, []));
    expect(u.open.has('b')).toBe(true);
    tick(u, snap(3000, [], [{ ...sock('b', 50, 0), closedAt: 2100 }]));
    expect(u.open.size).toBe(0);
    const b = historyPage(db, { limit: 10, offset: 0 }, 10_000).rows.find((r) => r.bytesOut === 50);
    expect(b?.closedAt).toBe(2100);
  });

  it('hides loopback from totals unless asked', () => {
    const t = tracker();
    tick(t, snap(1000, [sock('l', 100, 0, { remote: '127.0.0.1', local: '127.0.0.1' })]));
    expect(appSummaries(db, ctx, {})).toHaveLength(0);
    expect(appSummaries(db, ctx, { includeLoopback: true })[0]!.bytesOut).toBe(100);
  });

  describe('precise mode', () => {
    it('takes bytes from the kernel, not the socket counters, for a connection the socket table lists', () => {
      const t = tracker();
      tick(t, snap(1000, [sock('c1', 5000, 0)], [], [delta(100, 10)]));
      tick(t, snap(2000, [sock('c1', 9000, 0)], [], [delta(300, 20)]));
      expect(t.open.size).toBe(1);
      expect(t.open.get('c1')!.rateOut).toBe(300);
      expect(appSummaries(db, ctx, {})[0]).toMatchObject({ bytesOut: 400, bytesIn: 30, flows: 1 });
    });

    it('attributes a process that lived between two polls to its executable, with exact bytes', () => {
      const t = tracker();
      const blink: ProcessInfo = { ...proc, pid: 777, exe: '/opt/blink' };
      tick(t, snap(1000, [], [], [delta(524_288, 0, { pid: 777, process: blink, lport: 41000 })]));
      tick(t, snap(2000, [], [{ ...sock('gone', 524_288, 0, { process: null, lport: 41000 }), closedAt: 1500 }], []));
      expect(t.open.size).toBe(0);
      const apps = appSummaries(db, ctx, {});
      expect(apps).toHaveLength(1);
      expect(apps[0]).toMatchObject({ path: '/opt/blink', attributed: true, bytesOut: 524_288, flows: 1 });
    });

    it('keeps one flow when the socket table finds a connection the tracer reported first', () => {
      const t = tracker();
      tick(t, snap(1000, [], [], [delta(1000, 0)]));
      tick(t, snap(2000, [sock('late', 1500, 0)], [], [delta(500, 0)]));
      expect([...t.open.keys()]).toEqual(['late']);
      expect(historyPage(db, { limit: 10, offset: 0 }, 10_000).rows).toHaveLength(1);
      expect(appSummaries(db, ctx, {})[0]!.bytesOut).toBe(1500);
    });

    it('counts UDP bytes the socket table cannot', () => {
      const t = tracker();
      tick(t, snap(1000, [], [], [delta(8000, 4000, { proto: 'udp', rport: 7003 })]));
      const row = historyPage(db, { limit: 10, offset: 0 }, 10_000).rows[0]!;
      expect(row).toMatchObject({ proto: 'udp', bytesOut: 8000, bytesIn: 4000 });
    });
  });
});
