import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNewDestinationDetector } from '../../electron/engine/alerts/new-destination';
import { detectNewApps } from '../../electron/engine/alerts/new-app';
import { registrableDomain } from '../../electron/engine/alerts/registrable-domain';
import { destinationKey, networkOf } from '../../electron/engine/alerts/destination-key';
import { all, app, flow, openFixture, outcome, remote, service, settingsWith, type Fixture } from './alerts-fixture';

const MIN = 60_000;
const T0 = 1_800_000_000_000;
const settings = settingsWith({ coalesceMinutes: 10 });

let f: Fixture;
beforeEach(() => {
  f = openFixture();
});
afterEach(() => f.close());

describe('registrable domain and destination key', () => {
  it('groups names by registrable domain with the multi-label suffix rules', () => {
    expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('www.example.com')).toBe('example.com');
    expect(registrableDomain('EXAMPLE.com.')).toBe('example.com');
    expect(registrableDomain('api.shop.com.au')).toBe('shop.com.au');
    expect(registrableDomain('x.y.co.jp')).toBe('y.co.jp');
    expect(registrableDomain('alice.github.io')).toBe('alice.github.io');
    expect(registrableDomain('server-1-2-3-4.fra56.r.cloudfront.net')).toBe('cloudfront.net');
    expect(registrableDomain('nas')).toBe('nas');
    expect(registrableDomain('co.uk')).toBeNull();
    expect(registrableDomain('bad name.com')).toBeNull();
    expect(registrableDomain('<script>.com')).toBeNull();
    expect(registrableDomain('1.2.3.4')).toBeNull();
  });

  it('falls back to the network owner, then to the /24 or /48', () => {
    expect(destinationKey({ addr: '198.51.100.7', host: 'edge.example.org', asn: 64500, scope: 'internet' })).toEqual({ key: 'example.org', kind: 'domain' });
    expect(destinationKey({ addr: '198.51.100.7', host: null, asn: 64500, scope: 'internet' })).toEqual({ key: 'AS64500', kind: 'asn' });
    expect(destinationKey({ addr: '198.18.7.9', host: null, asn: null, scope: 'lan' })).toEqual({ key: '198.18.7.0/24', kind: 'network' });
    expect(destinationKey({ addr: '127.0.0.1', host: 'localhost', asn: null, scope: 'loopback' })).toBeNull();
    expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
    expect(networkOf('2001:db8::1')).toBe('2001:db8::/48');
    expect(networkOf('::ffff:198.18.3.4')).toBe('198.18.3.0/24');
  });
});

describe('new-destination detector', () => {
  it('fires once per destination, groups a CDN’s addresses, skips loopback and remembers across restarts', () => {
    const a = app(f, '/usr/bin/curl', T0);
    const at = T0 + 60 * MIN;
    let s = service(f, { settings, tick: [createNewDestinationDetector(f.db, { deferMs: 0 })] });
    s.port.onTick(
      outcome({
        newFlows: [
          flow(a, remote(f, '198.51.100.1', { host: 'a.b.example.co.uk' })),
          flow(a, remote(f, '198.51.100.2', { host: 'cdn.example.co.uk' })),
          flow(a, remote(f, '127.0.0.1', { scope: 'loopback', host: 'localhost' })),
          flow(a, remote(f, '198.18.7.9', { scope: 'lan' })),
          flow(a, remote(f, '198.18.7.10', { scope: 'lan' })),
        ],
      }),
      at,
    );
    const list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'new-destination', appId: a.id, count: 2 });
    expect(list[0]!.detail).toMatch(/^198\.18\.7\.0\/24: 198\.18\.7\.9 port 443; also example\.co\.uk$/);
    expect(s.notified).toHaveLength(1);
    const stored = f.db.prepare('SELECT dest FROM app_destinations WHERE app_id = ? ORDER BY dest').all(a.id) as { dest: string }[];
    expect(stored.map((r) => r.dest)).toEqual(['198.18.7.0/24', 'example.co.uk', 'ip:198.18.7.10', 'ip:198.18.7.9']);

    // The same destinations again, after the window and after a restart: nothing new.
    f.reopen();
    const a2 = f.apps.get('/usr/bin/curl')!;
    s = service(f, { settings, tick: [createNewDestinationDetector(f.db, { deferMs: 0 })] });
    s.port.onTick(
      outcome({
        newFlows: [flow(a2, remote(f, '198.51.100.3', { host: 'img.example.co.uk' })), flow(a2, remote(f, '198.18.7.200', { scope: 'lan' }))],
      }),
      at + 30 * MIN,
    );
    expect(all(s.port)).toHaveLength(1);
    expect(s.events).toHaveLength(0);
  });

  it('covers a brand-new app’s first destinations by its new-app alert', () => {
    const s = service(f, { settings, tick: [detectNewApps, createNewDestinationDetector(f.db, { deferMs: 0 })] });
    const a = app(f, '/opt/new/tool', T0);
    s.port.onTick(outcome({ newApps: [a], newFlows: [flow(a, remote(f, '198.51.100.9', { host: 'one.example.net' }))] }), T0);
    s.port.onTick(outcome({ newFlows: [flow(a, remote(f, '198.51.100.10', { host: 'two.example.org' }))] }), T0 + 5 * MIN);
    expect(all(s.port).map((x) => x.kind)).toEqual(['new-app']);
    // After its first window, a destination it never used is news.
    s.port.onTick(outcome({ newFlows: [flow(a, remote(f, '198.51.100.11', { host: 'three.example.com' }))] }), T0 + 11 * MIN);
    const kinds = all(s.port).map((x) => x.kind);
    expect(kinds).toEqual(['new-destination', 'new-app']);
    expect(all(s.port)[0]!.detail).toContain('example.com');
  });

  it('waits briefly for the name, and an address named later is not new a second time', () => {
    const a = app(f, '/usr/bin/wget', T0);
    const det = createNewDestinationDetector(f.db, { deferMs: 3000 });
    const s = service(f, { settings, tick: [det] });
    const r = remote(f, '198.51.100.20', { asn: 64500, org: 'Example Net' });
    const at = T0 + 60 * MIN;
    s.port.onTick(outcome({ newFlows: [flow(a, r)] }), at);
    expect(all(s.port)).toHaveLength(0);
    // The reverse lookup completes before the deferral ends: the alert names the domain.
    r.host = 'files.example.org';
    s.port.onTick(outcome(), at + 1000);
    expect(all(s.port)[0]!.detail).toMatch(/^example\.org: 198\.51\.100\.20 port 443 \(files\.example\.org, Example Net\)$/);

    // A name-less address is judged by its network owner once the deferral is over ...
    const slow = remote(f, '198.51.100.30', { asn: 64501, org: 'Other Net' });
    s.port.onTick(outcome({ newFlows: [flow(a, slow)] }), at + 20 * MIN);
    s.port.onTick(outcome(), at + 20 * MIN + 3000);
    const list = all(s.port);
    expect(list).toHaveLength(2);
    expect(list[0]!.detail).toMatch(/^AS64501 \(Other Net\): 198\.51\.100\.30/);
    // ... and when its name arrives later, the same address under its name is no news (after a restart too).
    f.reopen();
    const s2 = service(f, { settings, tick: [createNewDestinationDetector(f.db, { deferMs: 0 })] });
    const named = remote(f, '198.51.100.30');
    named.host = 'mirror.other.example';
    s2.port.onTick(outcome({ newFlows: [flow(f.apps.get('/usr/bin/wget')!, named)] }), at + 60 * MIN);
    expect(all(s2.port)).toHaveLength(2);
  });

  it('treats IPv6 addresses in one /48 as one destination', () => {
    const a = app(f, '/usr/bin/ssh', T0);
    const s = service(f, { settings, tick: [createNewDestinationDetector(f.db, { deferMs: 0 })] });
    s.port.onTick(outcome({ newFlows: [flow(a, remote(f, '2001:db8:1:2::5', { scope: 'lan' }), 22), flow(a, remote(f, '2001:db8:1:ff::9', { scope: 'lan' }), 22)] }), T0 + 60 * MIN);
    s.port.onTick(outcome({ newFlows: [flow(a, remote(f, '2001:db8:2::1', { scope: 'lan' }), 22)] }), T0 + 61 * MIN);
    const list = all(s.port);
    expect(list).toHaveLength(1);
    expect(list[0]!.count).toBe(2);
    expect(list[0]!.detail).toMatch(/^2001:db8:2::\/48: .*; also 2001:db8:1::\/48$/);
    expect(s.notified).toHaveLength(1);
  });
});
