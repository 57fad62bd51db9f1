import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectNewApps } from '../../electron/engine/alerts/new-app';
import { createDetectors } from '../../electron/engine/alerts/detectors';
import type { TickDetector } from '../../electron/engine/alerts/service';
import { FlowTracker } from '../../electron/engine/flow-tracker';
import type { Geo, ProcessInfo, Resolver, Snapshot, SocketSample } from '../../electron/engine/ports';
import { AppsTable } from '../../electron/store/queries/apps';
import { FlowsTable } from '../../electron/store/queries/flows';
import { ProcessesTable } from '../../electron/store/queries/processes';
import { RemotesTable } from '../../electron/store/queries/remotes';
import { TrafficTable } from '../../electron/store/queries/traffic';
import { all, app, localTime, openFixture, outcome, service, settingsWith, type Fixture } from './alerts-fixture';

// The alerts service end to end on a real database: coalescing, and the gate (learning period, mute,
// quiet hours, per-kind switches, the per-minute cap with one summary), and restarts.

const MIN = 60_000;
const T0 = localTime(12, 0);

let f: Fixture;
beforeEach(() => {
  f = openFixture();
});
afterEach(() => f.close());

/** A detector that returns whatever the test queued for the next tick. */
function scripted(): { det: TickDetector; push(...d: ReturnType<TickDetector>): void } {
  const queue: ReturnType<TickDetector> = [];
  return { det: () => queue.splice(0, queue.length), push: (...d) => queue.push(...d) };
}

describe('alerts service and notification gate', () => {
  it('coalesces repeats within the window: the count grows, one notification, and repeats do not use up the cap', () => {
    const s1 = scripted();
    const s = service(f, { settings: settingsWith({ coalesceMinutes: 10, maxNotificationsPerMinute: 2 }), tick: [s1.det] });
    const d = (at: number, detail: string) => ({ at, kind: 'spike' as const, appId: null, title: 'x: unusual upload', detail, dedupeKey: 'spike:x' });
    for (let i = 0; i < 5; i++) {
      s1.push(d(T0 + i * 1000, `burst ${i}`));
      s.port.onTick(outcome(), T0 + i * 1000);
    }
    s1.push({ at: T0 + 6000, kind: 'new-app', appId: null, title: 'New app: y', detail: '', dedupeKey: 'new-app:y' });
    s.port.onTick(outcome(), T0 + 6000);
    s.port.onTick(outcome(), T0 + 2 * MIN);
    const list = all(s.port);
    expect(list.map((a) => [a.kind, a.count, a.notified])).toEqual([
      ['new-app', 1, true],
      ['spike', 5, true],
    ]);
    expect(list[1]!.detail).toBe('burst 4');
    expect(s.notified).toHaveLength(2);
    // After the window a repeat is a new alert again.
    s1.push(d(T0 + 11 * MIN, 'later'));
    s.port.onTick(outcome(), T0 + 11 * MIN);
    expect(all(s.port).filter((a) => a.kind === 'spike')).toHaveLength(2);
  });

  it('caps desktop notifications per minute and announces the rest once with a summary', () => {
    const s = service(f, { settings: settingsWith({ maxNotificationsPerMinute: 3 }), tick: [detectNewApps] });
    const apps = Array.from({ length: 10 }, (_, i) => app(f, `/opt/flood/app${i}`, T0));
    s.port.onTick(outcome({ newApps: apps }), T0);
    expect(s.notified).toHaveLength(3);
    expect(all(s.port).filter((a) => a.kind === 'new-app')).toHaveLength(10);
    s.port.onTick(outcome(), T0 + 30_000);
    expect(all(s.port).filter((a) => a.kind === 'summary')).toHaveLength(0);
    // The next minute starts with a new app before the summary is due: it is shown, and the summary
    // still counts the seven held back in the first minute.
    const late = app(f, '/opt/flood/late', T0);
    s.port.onTick(outcome({ newApps: [late] }), T0 + 61_000);
    const summaries = all(s.port).filter((a) => a.kind === 'summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ title: '7 more alerts in the last minute', notified: true });
    expect(s.notified.map((a) => a.kind)).toEqual(['new-app', 'new-app', 'new-app', 'new-app', 'summary']);
    s.port.onTick(outcome(), T0 + 200_000);
    expect(all(s.port).filter((a) => a.kind === 'summary')).toHaveLength(1);
  });

  it('records but does not notify during the learning period', () => {
    const s = service(f, { settings: settingsWith({ learningMinutes: 60 }), installedAt: T0, tick: [detectNewApps] });
    s.port.onTick(outcome({ newApps: [app(f, '/usr/bin/early', T0)] }), T0 + 5 * MIN);
    s.port.onTick(outcome({ newApps: [app(f, '/usr/bin/later', T0)] }), T0 + 61 * MIN);
    expect(all(s.port).map((a) => [a.title, a.notified])).toEqual([
      ['New app: later', true],
      ['New app: early', false],
    ]);
    expect(s.notified).toHaveLength(1);
  });

  it('respects per-app mute, and unmuting takes effect at once', () => {
    const a = app(f, '/usr/bin/noisy', T0);
    const b = app(f, '/usr/bin/noisy2', T0);
    const settings = settingsWith({ mutedAppIds: [a.id, b.id] });
    const s = service(f, { settings, tick: [detectNewApps] });
    s.port.onTick(outcome({ newApps: [a] }), T0);
    s.port.configure({ ...settings, mutedAppIds: [a.id] });
    s.port.onTick(outcome({ newApps: [b] }), T0 + 1000);
    expect(all(s.port).map((x) => [x.appId, x.notified])).toEqual([
      [b.id, true],
      [a.id, false],
    ]);
  });

  it('keeps quiet hours across midnight and honours the per-kind switches', () => {
    const s = service(f, { settings: settingsWith({ quietStart: '22:00', quietEnd: '07:00' }), tick: [detectNewApps] });
    s.port.onTick(outcome({ newApps: [app(f, '/usr/bin/night', T0)] }), localTime(23, 30));
    s.port.onTick(outcome({ newApps: [app(f, '/usr/bin/dawn', T0)] }), localTime(6, 59, 11));
    s.port.onTick(outcome({ newApps: [app(f, '/usr/bin/morning', T0)] }), localTime(7, 0, 11));
    expect(s.notified.map((a) => a.title)).toEqual(['New app: morning']);
    expect(all(s.port)).toHaveLength(3);

    const off = service(f, { settings: settingsWith({ notifyNewApp: false }), tick: [detectNewApps] });
    off.port.onTick(outcome({ newApps: [app(f, '/usr/bin/switched-off', T0)] }), T0);
    expect(off.notified).toHaveLength(0);
    expect(off.events[0]).toMatchObject({ title: 'New app: switched-off', notified: false });
  });
});

describe('alerts on a flow tracker fed scripted snapshots', () => {
  const geo: Geo = { lookup: (a) => ({ scope: a.startsWith('127.') ? 'loopback' : 'lan', country: null, asn: null, org: null }) };
  const resolver: Resolver = { peek: () => null, resolve: async () => [], onResolved: () => {}, close: () => {} };
  const proc: ProcessInfo = { pid: 4242, startTime: 99, exe: '/opt/app/uploader', name: 'uploader', cmdline: ['uploader'], uid: 1000, ppid: 1, cgroup: null };
  const sock = (key: string, remote: string, out: number): SocketSample => ({
    key, proto: 'tcp', family: 4, state: 'ESTAB', local: '198.18.0.1', lport: 40000, remote, rport: 7001, uid: 1000, inode: 1, bytesOut: out, bytesIn: 0, process: proc,
  });
  const snap = (at: number, sockets: SocketSample[]): Snapshot => ({ at, sockets, closed: [], precise: null, machine: null, dropped: 0 });

  function run(settings = settingsWith({ coalesceMinutes: 10 })) {
    const tracker = new FlowTracker(
      { apps: new AppsTable(f.db), processes: new ProcessesTable(f.db), remotes: new RemotesTable(f.db), flows: new FlowsTable(f.db), traffic: new TrafficTable(f.db) },
      geo,
      resolver,
    );
    tracker.restore();
    const detectors = createDetectors(f.db, { newDestination: { deferMs: 0 }, hasher: { recheckMs: 0 } });
    const s = service(f, { settings, tick: detectors.tickDetectors, firewall: detectors.firewallDetectors });
    const tick = (sn: Snapshot) => f.db.transaction(() => s.port.onTick(tracker.ingest(sn, false), sn.at))();
    return { s, tick, detectors };
  }

  it('fires new-app and new-destination once, and not again after the database is reopened', () => {
    let r = run();
    r.tick(snap(T0, [sock('a1', '198.18.5.1', 100), sock('l1', '127.0.0.1', 10)]));
    r.tick(snap(T0 + 1000, [sock('a1', '198.18.5.1', 200)]));
    r.tick(snap(T0 + 20 * MIN, [sock('a2', '198.18.6.1', 100)]));
    r.tick(snap(T0 + 20 * MIN + 1000, [sock('a3', '198.18.6.7', 100)]));
    const kinds = () => all(r.s.port).map((a) => [a.kind, a.count]);
    expect(kinds()).toEqual([
      ['new-destination', 1],
      ['new-app', 1],
    ]);
    expect(all(r.s.port)[0]!.detail).toBe('198.18.6.0/24: 198.18.6.1 port 7001');
    r.detectors.close();

    f.reopen();
    r = run();
    r.tick(snap(T0 + 60 * MIN, [sock('b1', '198.18.5.9', 100), sock('b2', '198.18.6.9', 100)]));
    r.tick(snap(T0 + 60 * MIN + 1000, []));
    expect(kinds()).toEqual([
      ['new-destination', 1],
      ['new-app', 1],
    ]);
    expect(r.s.events).toHaveLength(0);
    r.detectors.close();
  });
});
