import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSpikeDetector } from '../../electron/engine/alerts/spike';
import { createBlockedDetector } from '../../electron/engine/alerts/blocked';
import { createEnforcementLostDetector } from '../../electron/engine/alerts/enforcement-lost';
import { createChangedBinaryDetector } from '../../electron/engine/alerts/changed-binary';
import { BinaryHasher } from '../../electron/engine/alerts/binary-hasher';
import type { FirewallStatus, Rule } from '../../electron/shared/types';
import { all, app, flow, localTime, openFixture, outcome, remote, service, settingsWith, type Fixture } from './alerts-fixture';

const MIN = 60_000;
const MB = 1e6;
const T0 = localTime(14, 0);

let f: Fixture;
beforeEach(() => {
  f = openFixture();
});
afterEach(() => f.close());

const sent = (appId: number, bytes: number) => outcome({ perApp: new Map([[appId, { out: bytes, in: 0 }]]), moved: true });

describe('spike detector', () => {
  const settings = settingsWith({ spikeMb: 100, spikeMinutes: 5, spikeFactor: 10, coalesceMinutes: 10 });

  it('fires once when an app sends more than spikeMb within spikeMinutes, re-arms below it, and coalesces repeats', () => {
    const a = app(f, '/usr/bin/rsync', T0);
    const s = service(f, { settings, tick: [createSpikeDetector(f.db)] });
    // 30 MB per minute: 120 MB after the 4th minute crosses 100 MB within 5 minutes.
    for (let m = 0; m < 8; m++) s.port.onTick(sent(a.id, 30 * MB), T0 + m * MIN);
    let list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'spike', appId: a.id, count: 1, title: 'rsync: unusual upload' });
    expect(list[0]!.detail).toMatch(/^120\.0 MB in the last 5 min \(threshold 100 MB\)$/);
    // Quiet for a while: the window drains and the detector re-arms; a new burst within the
    // coalescing window raises the count of the same alert and does not notify again.
    s.port.onTick(outcome(), T0 + 12.5 * MIN);
    s.port.onTick(sent(a.id, 150 * MB), T0 + 12.9 * MIN);
    list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]!.count).toBe(2);
    expect(s.notified).toHaveLength(1);
    // Below the threshold nothing fires.
    const b = app(f, '/usr/bin/small', T0);
    for (let m = 0; m < 10; m++) s.port.onTick(sent(b.id, 10 * MB), T0 + 30 * MIN + m * MIN);
    expect(all(s.port).filter((x) => x.appId === b.id)).toHaveLength(0);
  });

  it('fires at spikeFactor × the usual rate for this hour of day, only with at least 7 days of history', () => {
    const a = app(f, '/usr/bin/backup', T0 - 30 * 86_400_000);
    // The per-app hourly roll-up, as rollUpHours writes it: loopback and the rest in rows of their own.
    const history = f.db.prepare('INSERT INTO app_hour (hour, app_id, loopback, bytes_out, bytes_in, flows, billable_out) VALUES (?, ?, ?, ?, 0, 1, 0)');
    // 1 MB per hour at 14:00 on six previous days (one of them split between loopback and the
    // rest, as the live per-app deltas include both), and a busy other hour that must not count.
    for (let d = 2; d <= 6; d++) history.run(localTime(14, 0, 10 - d), a.id, 0, MB);
    history.run(localTime(14, 0, 9), a.id, 0, 0.4 * MB);
    history.run(localTime(14, 0, 9), a.id, 1, 0.6 * MB);
    history.run(localTime(3, 0, 9), a.id, 0, 500 * MB);
    const burst = (det: ReturnType<typeof createSpikeDetector>, at: number) => {
      const s = service(f, { settings, tick: [det] });
      // 2 MB a minute: at 6 MB (the first reading above the 5 MB floor) the 5-minute window's rate is
      // 72 MB/h, over 10 × 1 MB/h and far under the 100 MB absolute threshold.
      for (let m = 0; m < 5; m++) s.port.onTick(sent(a.id, 2 * MB), at + m * MIN);
      return s;
    };
    expect(all(burst(createSpikeDetector(f.db), localTime(14, 10)).port)).toHaveLength(0);
    history.run(localTime(14, 0, 3), a.id, 0, MB);
    const s = burst(createSpikeDetector(f.db), localTime(14, 30));
    const list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]!.detail).toBe('6.0 MB in the last 5 min, over 10× its usual 1.0 MB per hour at this time of day');
  });
});

const rule = (id: number, hits: number | null, extra: Partial<Rule> = {}): Rule => ({
  id,
  target: '198.51.100.66',
  kind: 'ip',
  proto: 'tcp',
  portLo: 443,
  portHi: 443,
  appPath: null,
  action: 'block',
  createdAt: T0,
  expiresAt: null,
  untilRestart: false,
  enabled: true,
  note: '',
  hits,
  resolved: [],
  appScopeEnforced: true,
  ...extra,
});
const fw = (state: FirewallStatus['state'], reason: string | null = null): FirewallStatus => ({
  backend: 'nftables',
  state,
  reason,
  ruleCount: 1,
  lastReconcileAt: T0,
  appScope: true,
  appScopeNote: null,
});

describe('blocked-attempt detector', () => {
  it('reports hit increases once per rule per window with the number of attempts, and survives a restart', () => {
    const settings = settingsWith({ coalesceMinutes: 10 });
    const a = app(f, '/usr/bin/telemetry', T0);
    let s = service(f, { settings, firewall: [createBlockedDetector(f.db)] });
    // First reading on this database: the existing totals are the baseline.
    s.port.onFirewall(fw('enforcing'), [rule(1, 40), rule(2, 0, { appPath: '/usr/bin/telemetry', target: 'tracker.example' })], T0);
    expect(all(s.port)).toHaveLength(0);
    s.port.onFirewall(fw('enforcing'), [rule(1, 43), rule(2, 0, { appPath: '/usr/bin/telemetry', target: 'tracker.example' })], T0 + 10_000);
    s.port.onFirewall(fw('enforcing'), [rule(1, 45), rule(2, 1, { appPath: '/usr/bin/telemetry', target: 'tracker.example' })], T0 + 20_000);
    // A reconcile where the firewall could not count (rule not held) changes nothing.
    s.port.onFirewall(fw('not-enforcing'), [rule(1, null), rule(2, null, { appPath: '/usr/bin/telemetry', target: 'tracker.example' })], T0 + 25_000);
    s.port.onFirewall(fw('enforcing'), [rule(1, 45), rule(2, 1, { appPath: '/usr/bin/telemetry', target: 'tracker.example' })], T0 + 30_000);
    let list = all(s.port);
    expect(list).toHaveLength(2);
    const r1 = list.find((x) => x.title.startsWith('Blocked: 198.51.100.66'))!;
    expect(r1).toMatchObject({ kind: 'blocked', count: 2, appId: null, title: 'Blocked: 198.51.100.66 tcp port 443' });
    expect(r1.detail).toMatch(/^5 connection attempts blocked by rule #1 since \d\d:\d\d$/);
    const r2 = list.find((x) => x.appId === a.id)!;
    expect(r2.detail).toMatch(/^1 connection attempt blocked by rule #2/);
    expect(s.notified).toHaveLength(2);

    // Restart: attempts made while stopped are reported once, in a new window.
    f.reopen();
    s = service(f, { settings, firewall: [createBlockedDetector(f.db)] });
    s.port.onFirewall(fw('enforcing'), [rule(1, 52)], T0 + 60 * MIN);
    s.port.onFirewall(fw('enforcing'), [rule(1, 52)], T0 + 61 * MIN);
    list = all(s.port);
    expect(list).toHaveLength(3);
    expect(list[0]!.detail).toMatch(/^7 connection attempts blocked by rule #1/);
  });
});

describe('enforcement-lost detector', () => {
  it('fires once per transition from enforcing, always notified, and remembers the state across restarts', () => {
    // Learning period, quiet hours all day and a cap of one: enforcement-lost is shown regardless.
    const settings = settingsWith({ learningMinutes: 600, quietStart: '00:00', quietEnd: '23:59', maxNotificationsPerMinute: 1 });
    let s = service(f, { settings, installedAt: T0, firewall: [createEnforcementLostDetector(f.db)] });
    s.port.onFirewall(fw('not-enforcing', 'starting'), [], T0);
    expect(all(s.port)).toHaveLength(0);
    s.port.onFirewall(fw('enforcing'), [rule(1, 0)], T0 + 1000);
    s.port.onFirewall(fw('degraded', 'hostname rule x.example is not enforced'), [rule(1, 0)], T0 + 2000);
    s.port.onFirewall(fw('not-enforcing', 'nft failed'), [rule(1, 0)], T0 + 3000);
    s.port.onFirewall(fw('enforcing'), [rule(1, 0)], T0 + 4000);
    s.port.onFirewall(fw('not-enforcing', 'nft failed'), [rule(1, 0), rule(2, 0, { enabled: false })], T0 + 5000);
    const list = all(s.port);
    expect(list.map((x) => x.title)).toEqual(['Firewall not enforcing', 'Firewall enforcement degraded']);
    expect(list[0]!.detail).toBe('nft failed (nftables; 1 enabled rule affected)');
    expect(s.notified).toHaveLength(2);

    s.port.onFirewall(fw('enforcing'), [rule(1, 0)], T0 + 6000);
    f.reopen();
    s = service(f, { settings, installedAt: T0, firewall: [createEnforcementLostDetector(f.db)] });
    s.port.onFirewall(fw('not-enforcing', 'helper missing'), [rule(1, 0)], T0 + 60_000);
    expect(s.notified.map((x) => x.detail)).toEqual(['helper missing (nftables; 1 enabled rule affected)']);
  });
});

describe('changed-binary detector', () => {
  it('hashes off the tick path, stores the first hash silently, alerts when the same path gets new content', async () => {
    const exe = join(f.dir, 'agent');
    writeFileSync(exe, 'build 1\n'.repeat(100_000));
    const sha = (s: string) => createHash('sha256').update(s.repeat(100_000)).digest('hex');
    const settings = settingsWith({});
    let hasher = new BinaryHasher({ recheckMs: 0 });
    let s = service(f, { settings, tick: [createChangedBinaryDetector(f.db, hasher)] });
    const a = app(f, exe, T0);
    const r = remote(f, '198.51.100.7');
    s.port.onTick(outcome({ newApps: [a], newFlows: [flow(a, r)] }), T0);
    await hasher.idle();
    s.port.onTick(outcome(), T0 + 1000);
    const stored = () => (f.db.prepare('SELECT sha256 FROM apps WHERE id = ?').get(a.id) as { sha256: string | null }).sha256;
    expect(stored()).toBe(sha('build 1\n'));
    expect(a.sha256).toBe(sha('build 1\n'));
    // Unchanged file: looked at again, never re-read.
    s.port.onTick(outcome({ newFlows: [flow(a, r)] }), T0 + 2000);
    await hasher.idle();
    s.port.onTick(outcome(), T0 + 3000);
    expect(hasher.hashed).toBe(1);
    expect(all(s.port)).toHaveLength(0);

    writeFileSync(exe, 'build 2\n'.repeat(100_000));
    s.port.onTick(outcome({ newFlows: [flow(a, r)] }), T0 + 4000);
    await hasher.idle();
    s.port.onTick(outcome(), T0 + 5000);
    let list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'changed-binary', appId: a.id, title: 'agent: executable changed' });
    expect(list[0]!.detail).toContain(`now has SHA-256 ${sha('build 2\n')} (was ${sha('build 1\n')})`);
    expect(stored()).toBe(sha('build 2\n'));

    // Replaced while Outflow was stopped: caught at the first connection after the restart.
    hasher.close();
    f.reopen();
    writeFileSync(exe, 'build 3\n'.repeat(100_000));
    hasher = new BinaryHasher({ recheckMs: 0 });
    s = service(f, { settings, tick: [createChangedBinaryDetector(f.db, hasher)] });
    const a2 = f.apps.get(exe)!;
    s.port.onTick(outcome({ newFlows: [flow(a2, remote(f, '198.51.100.7'))] }), T0 + 60 * MIN);
    await hasher.idle();
    s.port.onTick(outcome(), T0 + 60 * MIN + 1000);
    list = all(s.port);
    expect(list).toHaveLength(2);
    expect(list[0]!.detail).toContain(`(was ${sha('build 2\n')})`);
    hasher.close();
  });

  it('does not block the tick: the request returns before the file is read', () => {
    const exe = join(f.dir, 'big');
    writeFileSync(exe, Buffer.alloc(64 * 1024 * 1024, 7));
    const hasher = new BinaryHasher({ recheckMs: 0 });
    const det = createChangedBinaryDetector(f.db, hasher);
    const a = app(f, exe, T0);
    det(outcome({ newFlows: [flow(a, remote(f, '198.51.100.8'))] }), T0, settingsWith({}));
    // The tick returned with nothing read yet; the 64 MB are hashed afterwards.
    expect(hasher.hashed).toBe(0);
    return hasher.idle().then(() => {
      expect(hasher.hashed).toBe(1);
      expect(hasher.take()).toHaveLength(1);
    });
  });
});
