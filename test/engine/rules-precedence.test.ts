// Precedence (electron/firewall/precedence.ts) as the engine's live matching applies it. The same order
// is what the backends render; test/firewall/*.test.ts show the kernel agreeing (allow punching a hole,
// app-scoped allow beating a global block).
import { describe, expect, it } from 'vitest';
import type { DesiredRule } from '../../electron/engine/ports';
import { compileMatcher } from '../../electron/engine/rules/live-match';
import { orderedEntries } from '../../electron/firewall/precedence';

let nextId = 1;
const rule = (over: Partial<DesiredRule>): DesiredRule => ({
  id: nextId++,
  action: 'block',
  addresses: [],
  any: false,
  proto: null,
  portLo: null,
  portHi: null,
  appPath: null,
  cgroup: null,
  ...over,
});

const matcher = (rules: DesiredRule[]) => compileMatcher(rules, new Set(rules.map((r) => r.id)));
const APP = '/usr/bin/app';
const OTHER = '/usr/bin/other';

describe('precedence', () => {
  it('app-scoped beats global', () => {
    const global = rule({ addresses: ['198.18.0.1'] });
    const allowApp = rule({ addresses: ['198.18.0.1'], action: 'allow', appPath: APP, cgroup: 'app.scope' });
    const m = matcher([global, allowApp]);
    expect(m(APP, '198.18.0.1', 'tcp', 443)).toBeNull();
    expect(m(OTHER, '198.18.0.1', 'tcp', 443)).toBe(global.id);
    // Even a less specific app rule beats a more specific global one.
    const appBlockNet = rule({ addresses: ['198.18.0.0/15'], appPath: APP, cgroup: 'app.scope' });
    const globalAllowHost = rule({ addresses: ['198.18.0.7'], action: 'allow' });
    const m2 = matcher([appBlockNet, globalAllowHost]);
    expect(m2(APP, '198.18.0.7', 'udp', 53)).toBe(appBlockNet.id);
    expect(m2(OTHER, '198.18.0.7', 'udp', 53)).toBeNull();
  });

  it('app scope that cannot be enforced: a block applies to every app, an allow is left out (fail closed)', () => {
    const block = rule({ addresses: ['198.18.0.1'], appPath: APP });
    expect(matcher([block])(OTHER, '198.18.0.1', 'tcp', 1)).toBe(block.id);
    const global = rule({ addresses: ['198.18.0.2'] });
    const allow = rule({ addresses: ['198.18.0.2'], appPath: APP, action: 'allow' });
    expect(matcher([global, allow])(APP, '198.18.0.2', 'tcp', 1)).toBe(global.id);
    expect(orderedEntries([allow])).toEqual([]);
  });

  it('at equal scope the longer prefix wins, either way round', () => {
    const wide = rule({ addresses: ['198.18.0.0/16'] });
    const hole = rule({ addresses: ['198.18.5.0/24'], action: 'allow' });
    const m = matcher([wide, hole]);
    expect(m(null, '198.18.5.9', 'tcp', 80)).toBeNull();
    expect(m(null, '198.18.6.9', 'tcp', 80)).toBe(wide.id);
    const wideAllow = rule({ addresses: ['2001:db8::/32'], action: 'allow' });
    const narrowBlock = rule({ addresses: ['2001:db8:1::/48'] });
    const m2 = matcher([wideAllow, narrowBlock]);
    expect(m2(null, '2001:db8:1::5', 'tcp', 80)).toBe(narrowBlock.id);
    expect(m2(null, '2001:db8:2::5', 'tcp', 80)).toBeNull();
  });

  it('the target prefix outranks the port', () => {
    const netPort = rule({ addresses: ['10.0.0.0/8'], proto: 'tcp', portLo: 443, portHi: 443 });
    const hostAllow = rule({ addresses: ['10.1.2.3'], action: 'allow' });
    const m = matcher([netPort, hostAllow]);
    expect(m(null, '10.1.2.3', 'tcp', 443)).toBeNull();
    expect(m(null, '10.1.2.4', 'tcp', 443)).toBe(netPort.id);
  });

  it('then the narrower port: single before range before none; then a named protocol', () => {
    const all = rule({ addresses: ['198.18.0.1'] });
    const range = rule({ addresses: ['198.18.0.1'], action: 'allow', portLo: 400, portHi: 500 });
    const single = rule({ addresses: ['198.18.0.1'], portLo: 443, portHi: 443 });
    const m = matcher([all, range, single]);
    expect(m(null, '198.18.0.1', 'tcp', 443)).toBe(single.id);
    expect(m(null, '198.18.0.1', 'udp', 450)).toBeNull();
    expect(m(null, '198.18.0.1', 'tcp', 80)).toBe(all.id);
    const bothProtos = rule({ addresses: ['198.18.0.2'], portLo: 53, portHi: 53 });
    const udpAllow = rule({ addresses: ['198.18.0.2'], portLo: 53, portHi: 53, proto: 'udp', action: 'allow' });
    const m2 = matcher([bothProtos, udpAllow]);
    expect(m2(null, '198.18.0.2', 'udp', 53)).toBeNull();
    expect(m2(null, '198.18.0.2', 'tcp', 53)).toBe(bothProtos.id);
  });

  it('block beats allow at equal specificity', () => {
    const allow = rule({ addresses: ['198.18.0.1'], action: 'allow' });
    const block = rule({ addresses: ['198.18.0.1'] });
    expect(matcher([allow, block])(null, '198.18.0.1', 'tcp', 1)).toBe(block.id);
    expect(matcher([block, allow])(null, '198.18.0.1', 'tcp', 1)).toBe(block.id);
  });

  it('any covers both families; IPv4-mapped remotes match IPv4 rules; rules not held never match', () => {
    const any = rule({ any: true, proto: 'udp', portLo: 53, portHi: 53 });
    const v4 = rule({ addresses: ['198.18.0.1'] });
    const m = matcher([any, v4]);
    expect(m(null, '2001:db8::1', 'udp', 53)).toBe(any.id);
    expect(m(null, '::ffff:198.18.0.1', 'tcp', 80)).toBe(v4.id);
    expect(m(null, 'not-an-address', 'tcp', 80)).toBeNull();
    expect(compileMatcher([any, v4], new Set([any.id]))(null, '198.18.0.1', 'tcp', 80)).toBeNull();
  });
});
