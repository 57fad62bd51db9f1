import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DesiredRule, DesiredState } from '../../electron/engine/ports';
import { canonicalCidr, prefixFromV4Mask } from '../../electron/firewall/pf-address';
import { formatRuleLine, idFromLabel, renderAnchor, renderTableFile } from '../../electron/firewall/pf-render';
import { DesiredStateError, normalizeForPf } from '../../electron/firewall/pf-validate';

const FIX = join(__dirname, '../fixtures/pf');
const desired = (): DesiredState => JSON.parse(readFileSync(join(FIX, 'desired-state.json'), 'utf8')) as DesiredState;

function rule(over: Partial<DesiredRule>): DesiredRule {
  return { id: 1, action: 'block', addresses: ['198.18.0.1'], any: false, proto: null, portLo: null, portHi: null, appPath: null, cgroup: null, ...over };
}
const state = (rules: DesiredRule[], defaultDeny = false): DesiredState => ({ version: 1, defaultDeny, rules });

describe('renderAnchor', () => {
  it('renders v4, v6, ports, port ranges, any and allow rules exactly', () => {
    const out = renderAnchor(normalizeForPf(desired()));
    expect(out.text).toBe(readFileSync(join(FIX, 'anchor.expected.conf'), 'utf8'));
    expect([...out.tables.entries()]).toEqual([
      ['outflow_1_6', ['2001:db8::1']],
      ['outflow_4_6', ['2001:db8:ab::/48']],
      ['outflow_2_4', ['198.18.0.9']],
      ['outflow_5_6', ['2001:db8::/32']],
      ['outflow_1_4', ['198.18.0.1', '198.18.1.0/24']],
      ['outflow_5_4', ['198.19.0.0/16']],
    ]);
  });

  it('never writes the app path (pf cannot match executables)', () => {
    const out = renderAnchor(normalizeForPf(desired()));
    expect(out.text).not.toContain('/Applications');
    expect(out.text).not.toContain('firefox');
  });

  it('default-deny: allows are quick passes, everything but loopback is refused last', () => {
    const out = renderAnchor(
      normalizeForPf(state([rule({ id: 7, action: 'allow', addresses: ['198.18.3.4'], proto: 'tcp', portLo: 443, portHi: 443 }), rule({ id: 8, addresses: ['198.18.3.0/24'] })], true)),
    );
    expect(out.text.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual([
      'table <outflow_7_4> persist { 198.18.3.4 }',
      'table <outflow_8_4> persist { 198.18.3.0/24 }',
      'pass out quick on ! lo0 inet proto tcp from any to <outflow_7_4> port = 443 label "outflow:7"',
      'block return out quick on ! lo0 inet from any to <outflow_8_4> label "outflow:8"',
      'block return out quick on ! lo0 all label "outflow:default-deny"',
    ]);
  });

  it('without allows, blocks carry no tagged clause', () => {
    const out = renderAnchor(normalizeForPf(state([rule({ id: 2 })])));
    expect(out.lines.map(formatRuleLine)).toEqual(['block return out quick on ! lo0 inet from any to <outflow_2_4> label "outflow:2"']);
  });

  it('follows the shared precedence: the more specific rule decides, whichever its action', () => {
    const out = renderAnchor(
      normalizeForPf(
        state([
          rule({ id: 1, addresses: ['198.18.0.0/16'] }), // broad block
          rule({ id: 2, action: 'allow', addresses: ['198.18.5.0/24'] }), // hole in it
          rule({ id: 3, addresses: ['198.18.5.5'] }), // narrower block inside the hole
        ]),
      ),
    );
    expect(out.lines.map(formatRuleLine)).toEqual([
      'block return out quick on ! lo0 inet from any to <outflow_3_4> label "outflow:3" ! tagged OUTFLOW_ALLOW',
      'pass out on ! lo0 inet from any to <outflow_2_4> label "outflow:2" tag OUTFLOW_ALLOW',
      'block return out quick on ! lo0 inet from any to <outflow_1_4> label "outflow:1" ! tagged OUTFLOW_ALLOW',
    ]);
  });

  it('app scope: a block applies to every app; an allow is left out (pf cannot scope, fail closed)', () => {
    const out = renderAnchor(
      normalizeForPf(
        state([
          rule({ id: 1, addresses: ['198.18.0.1'], appPath: '/Applications/A.app/Contents/MacOS/a', cgroup: 'app.slice/x.scope' }),
          rule({ id: 2, action: 'allow', addresses: ['198.18.0.2'], appPath: '/Applications/B.app/Contents/MacOS/b' }),
        ]),
      ),
    );
    expect(out.lines.map(formatRuleLine)).toEqual(['block return out quick on ! lo0 inet from any to <outflow_1_4> label "outflow:1"']);
    expect(out.text).not.toContain('app.slice');
  });

  it('an any rule with no port blocks all of each family (the form pfctl prints back)', () => {
    const out = renderAnchor(normalizeForPf(state([rule({ id: 3, addresses: [], any: true })])));
    expect(out.lines.map(formatRuleLine)).toEqual(['block return out quick on ! lo0 inet all label "outflow:3"', 'block return out quick on ! lo0 inet6 all label "outflow:3"']);
  });

  it('a rule that resolved to no address renders nothing rather than blocking everything', () => {
    const out = renderAnchor(normalizeForPf(state([rule({ id: 3, addresses: [] })])));
    expect(out.lines).toEqual([]);
    expect(out.tables.size).toBe(0);
  });

  it('drops rules and addresses whose deadline has passed (pf cannot expire them itself)', () => {
    const now = 1_700_000_000_000;
    const timed = state([
      { ...rule({ id: 1, addresses: ['198.18.0.1', '198.18.0.2', '2001:db8::5'] }), addressExpiresAt: [now - 1, now + 60_000, null] } as DesiredRule,
      { ...rule({ id: 2, addresses: ['198.18.0.3'] }), expiresAt: now } as DesiredRule,
      { ...rule({ id: 3, addresses: ['198.18.0.4'] }), expiresAt: now + 1 } as DesiredRule,
    ]);
    const out = renderAnchor(normalizeForPf(timed, now));
    expect(Object.fromEntries(out.tables)).toEqual({ outflow_1_4: ['198.18.0.2'], outflow_1_6: ['2001:db8::5'], outflow_3_4: ['198.18.0.4'] });
    const bad = { ...rule({}), addressExpiresAt: [now, now] } as DesiredRule;
    expect(() => normalizeForPf(state([bad]), now)).toThrow(/addressExpiresAt/);
    expect(() => normalizeForPf(state([{ ...rule({}), expiresAt: 'soon' } as unknown as DesiredRule]), now)).toThrow(/expiresAt/);
  });

  it('canonicalises and de-duplicates addresses, clearing host bits', () => {
    const out = renderAnchor(normalizeForPf(state([rule({ addresses: ['198.18.1.77/24', '198.18.1.0/24', '2001:DB8:0:0::1', '::ffff:198.18.0.5'] })])));
    expect(out.tables.get('outflow_1_4')).toEqual(['198.18.0.5', '198.18.1.0/24']);
    expect(out.tables.get('outflow_1_6')).toEqual(['2001:db8::1']);
  });

  it('table files hold one address per line', () => {
    expect(renderTableFile(['198.18.0.1', '2001:db8::/32'])).toBe('198.18.0.1\n2001:db8::/32\n');
    expect(renderTableFile([])).toBe('');
  });

  it('labels map back to rule ids; fixed and foreign labels do not', () => {
    expect(idFromLabel('outflow:12')).toBe(12);
    expect(idFromLabel('outflow:default-deny')).toBeNull();
    expect(idFromLabel('outflow:012')).toBeNull();
    expect(idFromLabel('other:12')).toBeNull();
  });
});

describe('desired-state validation (hostile input never reaches a rule file)', () => {
  const hostileAddresses = [
    '198.18.0.1 }\nblock drop all',
    '198.18.0.1"; pass out all #',
    '$(reboot)',
    'example.org',
    '198.18.0.1/33',
    '198.18.0.01',
    'fe80::1%en0',
    '198.18.0.1-198.18.0.9',
    '',
    ' 198.18.0.1',
    '<outflow_1_4>',
  ];
  for (const a of hostileAddresses) {
    it(`refuses address ${JSON.stringify(a)}`, () => {
      expect(() => normalizeForPf(state([rule({ addresses: [a] })]))).toThrow(DesiredStateError);
    });
  }

  it('refuses app paths with newlines, control characters or double quotes, and relative paths', () => {
    for (const p of ['/Applications/A.app\nblock all', '/tmp/a"b', '/tmp/\u0000x', 'relative/path', '']) {
      expect(() => normalizeForPf(state([rule({ appPath: p })]))).toThrow(/appPath/);
    }
  });

  it("accepts paths with ' ; $() (never written anywhere by pf) and keeps them out of the text", () => {
    const p = "/Users/o'brien/bin/$(rm -rf ~); x";
    const out = renderAnchor(normalizeForPf(state([rule({ appPath: p })])));
    expect(out.text).not.toContain('brien');
    expect(out.text).not.toContain('$(');
  });

  it('refuses malformed ids, ports, protocols and shapes', () => {
    const bad: Array<Partial<DesiredRule> | Record<string, unknown>> = [
      { id: 0 },
      { id: 1.5 },
      { id: -3 },
      { portLo: 0, portHi: 10 },
      { portLo: 10, portHi: 65536 },
      { portLo: 20, portHi: 10 },
      { portLo: 10, portHi: null },
      { proto: 'icmp' as never },
      { action: 'reject' as never },
      { any: true, addresses: ['198.18.0.1'] },
      { addresses: 'x' as never },
    ];
    for (const b of bad) expect(() => normalizeForPf(state([rule(b as Partial<DesiredRule>)]))).toThrow(DesiredStateError);
    expect(() => normalizeForPf(state([rule({ id: 4 }), rule({ id: 4 })]))).toThrow(/duplicate/);
    expect(() => normalizeForPf({ version: 2, defaultDeny: false, rules: [] } as unknown as DesiredState)).toThrow(/version/);
  });
});

describe('address helpers', () => {
  it('canonicalCidr', () => {
    expect(canonicalCidr('198.18.0.1/32')).toEqual({ family: 4, text: '198.18.0.1' });
    expect(canonicalCidr('0.0.0.0/0')).toEqual({ family: 4, text: '0.0.0.0/0' });
    expect(canonicalCidr('2001:db8:0:0:0:0:0:1/128')).toEqual({ family: 6, text: '2001:db8::1' });
    expect(canonicalCidr('2001:db8:ffff::/36')).toEqual({ family: 6, text: '2001:db8:f000::/36' });
    expect(canonicalCidr('::ffff:198.18.0.5')).toEqual({ family: 4, text: '198.18.0.5' });
    expect(canonicalCidr('::ffff:198.18.0.5/120')).toBeNull();
    expect(canonicalCidr('::/0')).toEqual({ family: 6, text: '::/0' });
    expect(canonicalCidr('198.18.0.1/024')).toBeNull();
  });
  it('prefixFromV4Mask', () => {
    expect(prefixFromV4Mask('255.255.255.0')).toBe(24);
    expect(prefixFromV4Mask('255.255.0.0')).toBe(16);
    expect(prefixFromV4Mask('255.255.255.255')).toBe(32);
    expect(prefixFromV4Mask('0.0.0.0')).toBe(0);
    expect(prefixFromV4Mask('255.0.255.0')).toBeNull();
  });
});
