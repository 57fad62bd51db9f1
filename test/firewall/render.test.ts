// The nftables and iptables renderers: pure output checks, plus random desired states checked by the
// real `nft -c` (check mode: parsed and validated by the kernel, never committed) in a bare namespace.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredRule } from '../../electron/engine/ports';
import { parseDesiredState, type TimedDesiredRule } from '../../electron/firewall/desired-state-schema';
import { renderIptables } from '../../electron/firewall/iptables-render';
import { renderNftables } from '../../electron/firewall/nft-render';
import { createBareNs } from '../helpers/netns';
import { missing } from '../helpers/requires';

const NOW = 1_800_000_000_000;
const base = (over: Partial<TimedDesiredRule>): TimedDesiredRule => ({
  id: 1,
  action: 'block',
  addresses: ['198.18.0.1'],
  any: false,
  proto: null,
  portLo: null,
  portHi: null,
  appPath: null,
  cgroup: null,
  ...over,
});
const state = (rules: TimedDesiredRule[], defaultDeny = false) => ({ version: 1 as const, defaultDeny, rules });

describe('nft renderer', () => {
  it('is one transaction that recreates only table inet outflow', () => {
    const { script } = renderNftables(state([base({})]), { now: NOW });
    const lines = script.split('\n');
    expect(lines.slice(0, 3)).toEqual(['table inet outflow {}', 'delete table inet outflow', 'table inet outflow {']);
    expect(script.match(/^table /gm)).toHaveLength(2);
    expect(script).not.toMatch(/flush ruleset|delete table (?!inet outflow)/);
    expect(script).toContain('type filter hook output priority 0; policy accept;');
  });

  it('renders per-rule counters, interval+timeout sets and verdicts in precedence order', () => {
    const { script, expect: exp } = renderNftables(
      state([
        base({ id: 5, addresses: ['198.18.0.0/16', '2001:db8::/32'] }),
        base({ id: 6, addresses: ['198.18.3.4'], action: 'allow', proto: 'tcp', portLo: 443, portHi: 443 }),
        base({ id: 7, addresses: [], any: true, proto: 'udp', portLo: 5000, portHi: 5100 }),
      ]),
      { now: NOW, counters: new Map([['r5', { packets: 12, bytes: 720 }]]) },
    );
    expect(script).toContain('counter r5 { packets 12 bytes 720 }');
    expect(script).toContain('counter r6 { packets 0 bytes 0 }');
    expect(script).toContain('set r5_4 { type ipv4_addr; flags interval, timeout; elements = { 198.18.0.0/16 }; }');
    expect(script).toContain('set r5_6 { type ipv6_addr; flags interval, timeout; elements = { 2001:db8::/32 }; }');
    expect(script).toContain('set r7_4 { type ipv4_addr; flags interval, timeout; elements = { 0.0.0.0/0 }; }');
    const chain = script.slice(script.indexOf('chain output'));
    // Within each family, the precedence order (v4 and v6 packets never meet, so families interleave freely).
    const order = (family: 'ip' | 'ip6') =>
      [...chain.matchAll(new RegExp(`^\\t\\t${family} daddr .*counter name "(r\\d+)" (reject with [a-z -]+|accept)$`, 'gm'))].map((m) => `${m[1]} ${m[2]}`);
    expect(order('ip')).toEqual([
      'r6 accept', // /32
      'r5 reject with tcp reset', // /16
      'r5 reject with icmpx admin-prohibited',
      'r7 reject with icmpx admin-prohibited', // /0
    ]);
    expect(order('ip6')).toEqual(['r5 reject with tcp reset', 'r5 reject with icmpx admin-prohibited', 'r7 reject with icmpx admin-prohibited']);
    expect(chain).toContain('ip daddr @r6_4 meta l4proto tcp th dport 443 counter name "r6" accept');
    expect(chain).toContain('ip daddr @r7_4 meta l4proto udp th dport 5000-5100 counter name "r7" reject with icmpx admin-prohibited');
    expect(chain.split('\n')[2]).toContain('oif "lo" accept');
    expect(exp.chainRules).toBe(10);
    expect(exp.perRule.get(5)).toEqual({ chainRules: 4, sets: expect.arrayContaining(['r5_4', 'r5_6']), elements: 2 });
  });

  it('starts with a fast path: packets to addresses no rule names leave after one merged-set lookup', () => {
    const { script, expect: exp } = renderNftables(
      state([
        base({ id: 1, addresses: ['198.18.0.1', '198.18.0.2'] }),
        base({ id: 2, addresses: ['198.18.0.0/30'], action: 'allow', portLo: 80, portHi: 80 }),
        base({ id: 3, addresses: ['10.0.0.1', '2001:db8::1'], expiresAt: NOW + 5000 }),
        base({ id: 4, addresses: ['10.0.0.9'], expiresAt: NOW - 1 }),
      ]),
      { now: NOW },
    );
    expect(script).toContain('set all_4 { type ipv4_addr; flags interval; elements = { 10.0.0.1, 198.18.0.0-198.18.0.3 }; }');
    expect(script).toContain('set all_6 { type ipv6_addr; flags interval; elements = { 2001:db8::1 }; }');
    const chain = script.slice(script.indexOf('chain output')).split('\n');
    expect(chain.slice(2, 5)).toEqual(['\t\toif "lo" accept', '\t\tip daddr != @all_4 accept', '\t\tip6 daddr != @all_6 accept']);
    expect(exp.sets.find((x) => x.name === 'all_4')).toEqual({ name: 'all_4', minElements: 2, maxElements: 2 });
    expect(renderNftables(state([base({})], true), { now: NOW }).script).not.toContain('all_4');
  });

  it('turns deadlines into kernel timeouts and leaves out what has expired', () => {
    const { script, expect: exp } = renderNftables(
      state([
        base({ id: 1, addresses: ['198.18.0.1', '198.18.0.2', '2001:db8::1'], addressExpiresAt: [NOW + 90_000, NOW - 1, null], expiresAt: NOW + 3_600_000 }),
        base({ id: 2, addresses: [], any: true, portLo: 25, portHi: 25, expiresAt: NOW + 1000 }),
      ]),
      { now: NOW },
    );
    expect(script).toContain('elements = { 198.18.0.1 timeout 90000ms }');
    expect(script).not.toContain('198.18.0.2');
    expect(script).toContain('elements = { 2001:db8::1 timeout 3600000ms }');
    expect(script).toContain('0.0.0.0/0 timeout 1000ms');
    expect(exp.sets.find((s) => s.name === 'r2_4')).toEqual({ name: 'r2_4', minElements: 0, maxElements: 1 });
  });

  it('scopes app rules to their cgroup and fails closed for unenforceable app allows', () => {
    const { script } = renderNftables(
      state([
        base({ id: 1, appPath: '/usr/bin/firefox', cgroup: 'user.slice/user-1000.slice/app-firefox-1.scope' }),
        base({ id: 2, appPath: '/usr/bin/curl', cgroup: null }),
        base({ id: 3, appPath: '/usr/bin/curl', cgroup: null, action: 'allow', addresses: ['198.18.9.9'] }),
      ]),
      { now: NOW },
    );
    expect(script).toContain('socket cgroupv2 level 3 "user.slice/user-1000.slice/app-firefox-1.scope" ip daddr @r1_4');
    expect(script).toMatch(/^\t\tip daddr @r2_4 meta l4proto tcp/m);
    expect(script).not.toContain('@r3_4');
  });

  it('default-deny ends the chain with a counted reject', () => {
    const { script, expect: exp } = renderNftables(state([base({ action: 'allow' })], true), { now: NOW });
    expect(script).toContain('counter default_deny');
    expect(script.trim().split('\n').slice(-4, -2)).toEqual([
      '\t\tmeta l4proto tcp counter name "default_deny" reject with tcp reset',
      '\t\tcounter name "default_deny" reject with icmpx admin-prohibited',
    ]);
    expect(exp.chainRules).toBe(4);
  });

  it('refuses to write anything non-canonical even when handed an unvalidated state', () => {
    expect(() => renderNftables(state([base({ addresses: ['example.org'] })]), { now: NOW })).toThrow(/not canonical/);
    expect(() => renderNftables(state([base({ addresses: ['1.2.3.4 }; flush ruleset; {'] })]), { now: NOW })).toThrow(/not canonical/);
    expect(() => renderNftables(state([base({ appPath: '/x', cgroup: 'a"b' })]), { now: NOW })).toThrow(/unsafe cgroup/);
    expect(() => renderIptables(state([base({ addresses: ['$(id)'] })]), 4, { now: NOW, haveJump: true })).toThrow(/not canonical/);
  });
});

describe('iptables renderer', () => {
  it('renders the OUTFLOW chain for one family, adding the jump only when missing', () => {
    const st = state([
      base({ id: 3, addresses: ['198.18.0.1', '2001:db8::1'], proto: 'tcp', portLo: 80, portHi: 90 }),
      base({ id: 4, addresses: ['198.18.0.0/24'], action: 'allow' }),
    ]);
    const v4 = renderIptables(st, 4, { now: NOW, haveJump: false, counters: new Map([[3, { packets: 7, bytes: 420 }]]) });
    expect(v4.text.split('\n')).toEqual([
      '*filter',
      ':OUTFLOW - [0:0]',
      '[0:0] -A OUTFLOW -o lo -j RETURN',
      '[7:420] -A OUTFLOW -d 198.18.0.1/32 -p tcp -m tcp --dport 80:90 -m comment --comment outflow:3 -j REJECT --reject-with tcp-reset',
      '[0:0] -A OUTFLOW -d 198.18.0.0/24 -m comment --comment outflow:4 -j RETURN',
      '-I OUTPUT 1 -j OUTFLOW',
      'COMMIT',
      '',
    ]);
    const v6 = renderIptables(st, 6, { now: NOW, haveJump: true });
    expect(v6.text).toContain('-A OUTFLOW -d 2001:db8::1/128 -p tcp -m tcp --dport 80:90 -m comment --comment outflow:3 -j REJECT --reject-with tcp-reset');
    expect(v6.text).not.toContain('-I OUTPUT');
    expect(v6.expect.perRule.get(4)).toBe(0);
  });

  it('uses the family\'s ICMP reject for non-TCP and splits a port rule without protocol into tcp+udp', () => {
    const st = state([base({ id: 8, addresses: ['2001:db8::5'], portLo: 53, portHi: 53 })]);
    const v6 = renderIptables(st, 6, { now: NOW, haveJump: true }).text;
    expect(v6).toContain('-p tcp -m tcp --dport 53 -m comment --comment outflow:8 -j REJECT --reject-with tcp-reset');
    expect(v6).toContain('-p udp -m udp --dport 53 -m comment --comment outflow:8 -j REJECT --reject-with icmp6-adm-prohibited');
  });
});

const skip = missing(['root', 'netns', 'nft']);

describe.skipIf(skip !== null)('rendered scripts are accepted by nft -c (random valid states)', () => {
  let ns: { ns: string; destroy(): void };
  let dir: string;
  beforeAll(() => {
    ns = createBareNs('rnd');
    dir = mkdtempSync(join(tmpdir(), 'outflow-render-'));
  });
  afterAll(() => {
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const v4net = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, len]) => {
    const n = a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const masked = len === 0 ? 0 : Math.floor(n / 2 ** (32 - len)) * 2 ** (32 - len);
    const text = [24, 16, 8, 0].map((s) => Math.floor(masked / 2 ** s) % 256).join('.');
    return len === 32 ? text : `${text}/${len}`;
  });
  const v6addr = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => {
    const text = g.map((x) => x.toString(16)).join(':');
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  });
  const ruleArb: fc.Arbitrary<DesiredRule & { expiresAt?: number | null }> = fc
    .record({
      action: fc.constantFrom('block' as const, 'allow' as const),
      addresses: fc.uniqueArray(fc.oneof(v4net, v6addr), { maxLength: 4 }),
      any: fc.boolean(),
      proto: fc.constantFrom('tcp' as const, 'udp' as const, null),
      ports: fc.option(fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 100 }))),
      scoped: fc.constantFrom(0, 1, 2),
      expires: fc.option(fc.integer({ min: 1, max: 10_000_000 })),
    })
    .map((r) => ({
      id: 0,
      action: r.action,
      addresses: r.any ? [] : r.addresses.filter((a) => !a.includes('::ffff:')),
      any: r.any,
      proto: r.proto,
      portLo: r.ports ? r.ports[0] : null,
      portHi: r.ports ? Math.min(65535, r.ports[0] + r.ports[1]) : null,
      appPath: r.scoped ? '/usr/bin/app' : null,
      // A cgroup only where it exists in this namespace's view: the root one has no name, so scoped
      // rules here use none (the cgroup path form is covered by app-scope.test.ts).
      cgroup: null,
      expiresAt: r.expires === null ? null : NOW + r.expires,
    }));

  it('nft -c accepts every rendering', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(ruleArb, { maxLength: 12 }), fc.boolean(), (rules, defaultDeny) => {
        let doc;
        try {
          doc = parseDesiredState({ version: 1, defaultDeny, rules: rules.map((r, i) => ({ ...r, id: i + 1 })) });
        } catch (err) {
          // Overlapping networks inside one rule are refused up front (an interval set cannot hold them).
          expect(String(err)).toMatch(/overlap within one rule/);
          return;
        }
        const { script } = renderNftables(doc, { now: NOW });
        checked++;
        const file = join(dir, `s${checked}.nft`);
        writeFileSync(file, script, { mode: 0o600 });
        try {
          execFileSync('ip', ['netns', 'exec', ns.ns, 'nft', '-c', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (err) {
          throw new Error(`nft -c refused:\n${script}\n${String((err as { stderr?: Buffer }).stderr ?? err)}`);
        }
      }),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(20);
    // Check mode commits nothing.
    expect(execFileSync('ip', ['netns', 'exec', ns.ns, 'nft', 'list', 'ruleset'], { encoding: 'utf8' })).toBe('');
  });
});
