import { describe, expect, it } from 'vitest';
import { methods, parseInput } from '../../electron/shared/contract';
import { normalizeRuleInput, RuleInputError, ruleInputSchema } from '../../electron/shared/rule-input';
import { parseAddress, parsePortSpec, parseTarget, targetContains } from '../../electron/shared/validate-target';

const reject = (target: string): string => {
  const r = parseTarget(target);
  if (r.ok) throw new Error(`accepted ${JSON.stringify(target)} as ${JSON.stringify(r.value)}`);
  return r.error;
};
const accept = (target: string) => {
  const r = parseTarget(target);
  if (!r.ok) throw new Error(`rejected ${JSON.stringify(target)}: ${r.error}`);
  return r.value;
};

describe('parseTarget: accepted forms are canonical', () => {
  it.each([
    ['198.18.0.1', 'ip', '198.18.0.1', 4],
    [' 198.18.0.1 ', 'ip', '198.18.0.1', 4],
    ['2001:DB8:0:0:0:0:0:1', 'ip', '2001:db8::1', 6],
    ['2001:db8:0:0:1:0:0:1', 'ip', '2001:db8::1:0:0:1', 6],
    ['[2001:db8::1]', 'ip', '2001:db8::1', 6],
    ['::ffff:198.18.0.1', 'ip', '198.18.0.1', 4],
    ['198.18.0.0/15', 'cidr', '198.18.0.0/15', 4],
    ['198.18.0.1/32', 'ip', '198.18.0.1', 4],
    ['2001:db8::/32', 'cidr', '2001:db8::/32', 6],
    ['0.0.0.0/0', 'cidr', '0.0.0.0/0', 4],
    ['::/0', 'cidr', '::/0', 6],
    ['Example.ORG.', 'host', 'example.org', null],
    ['BÜCHER.example', 'host', 'xn--bcher-kva.example', null],
    ['例え.テスト', 'host', 'xn--r8jz45g.xn--zckzah', null],
    ['ANY', 'any', 'any', null],
  ])('%s → %s %s', (input, kind, target, family) => {
    const t = accept(input);
    expect(t).toMatchObject({ kind, target, family });
  });
});

describe('parseTarget: every rejected form has one clear message', () => {
  it.each([
    ['1.2.3.4/33', /too long for IPv4/],
    ['::/129', /too long for IPv6/],
    ['1.2.3.4/', /missing the prefix length/],
    ['01.2.3.4', /leading zero/],
    ['1.2.3.04', /leading zero/],
    ['1.2.3.4/08', /invalid prefix length/],
    ['10.1.2.3/8', /host bits set.*10\.0\.0\.0\/8/],
    ['2001:db8::1/32', /host bits set.*2001:db8::\/32/],
    ['fe80::1%eth0', /zone ids/],
    ['1.2.3', /not a valid IPv4 address/],
    ['256.1.1.1', /not a valid IPv4 address/],
    ['1:2:3:4:5:6:7:8:9', /not a valid IPv6/],
    ['1::2::3', /not a valid IPv6/],
    ['a..example', /empty label/],
    ['.example', /empty label/],
    ['-a.example', /letters, digits and inner hyphens/],
    [`${'a'.repeat(64)}.example`, /longer than 63 bytes/],
    [`${'abcdefgh.'.repeat(29)}example`, /longer than 253 bytes/],
    ['foo.123', /must end in a label that starts with a letter/],
    ['0x7f.1', /must end in a label that starts with a letter/],
    ['１２７.０.０.１', /must end in a label that starts with a letter/],
    ['xn--zz.example', /punycode/],
    ['ex%41mple.com', /contains a character none of them use/],
    ['a b.example', /contains a character none of them use/],
    ['$(touch /tmp/x)', /contains a character none of them use/],
    ['`id`.example', /contains a character none of them use/],
    ['a;rm -rf.example', /contains a character none of them use/],
    ['198.18.0.1\u0000', /control or invisible character \(U\+0000\)/],
    ['example.org\n', /U\+000A/],
    ['exa\u202emple.org', /U\+202E/],
    ['', /empty/],
  ])('%j', (input, message) => {
    expect(reject(input)).toMatch(message);
  });
});

describe('ports', () => {
  it.each([
    ['443', 443, 443],
    ['1-65535', 1, 65535],
    ['80-80', 80, 80],
  ])('%s', (s, lo, hi) => expect(parsePortSpec(s)).toEqual({ ok: true, value: { lo, hi } }));
  it.each([
    ['0', /must not be 0/],
    ['65536', /outside 1-65535/],
    ['90-80', /backwards; write 80-90/],
    ['080', /must not be 0 or start with 0/],
    ['80-', /must be a number/],
    ['http', /must be a number/],
    ['1e3', /must be a number/],
  ])('%s is refused', (s, m) => {
    const r = parsePortSpec(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(m);
  });
});

describe('targetContains', () => {
  it('matches networks and mapped addresses', () => {
    const net = accept('198.18.0.0/15');
    expect(targetContains(net, parseAddress('198.19.255.255')!)).toBe(true);
    expect(targetContains(net, parseAddress('::ffff:198.18.3.4')!)).toBe(true);
    expect(targetContains(net, parseAddress('198.20.0.1')!)).toBe(false);
    expect(targetContains(accept('2001:db8::/32'), parseAddress('2001:db8:ffff::1')!)).toBe(true);
    expect(targetContains(accept('2001:db8::/32'), parseAddress('2001:db9::1')!)).toBe(false);
  });
});

describe('ruleInputSchema and normalizeRuleInput', () => {
  it('normalises a full input, deadline from the given clock', () => {
    const n = normalizeRuleInput(
      { target: 'Example.org.', proto: 'tcp', port: '8000-8080', appPath: '/usr/bin/curl', forMs: 60_000, note: 'x; $(rm -rf /) `id` | & > <' },
      1_000_000,
    );
    expect(n).toEqual({
      target: 'example.org',
      kind: 'host',
      family: null,
      prefix: null,
      proto: 'tcp',
      portLo: 8000,
      portHi: 8080,
      appPath: '/usr/bin/curl',
      action: 'block',
      expiresAt: 1_060_000,
      untilRestart: false,
      note: 'x; $(rm -rf /) `id` | & > <',
    });
  });

  it.each([
    [{ target: 'any' }, 'force'],
    [{ target: '0.0.0.0/0' }, 'force'],
    [{ target: '::/0', proto: 'udp' }, 'force'],
    [{ target: '::ffff:0.0.0.0/96' }, 'force'],
  ])('blocking everything needs force: %j', (input, path) => {
    expect(() => normalizeRuleInput(input, 0)).toThrowError(/scope it to an app or port, or set force: true/);
    try {
      normalizeRuleInput(input, 0);
    } catch (err) {
      expect((err as RuleInputError).issues[0]?.path).toBe(path);
    }
  });

  it('blocking everything is accepted with force, or scoped to an app or a port, or as allow', () => {
    expect(normalizeRuleInput({ target: 'any', force: true }, 0).kind).toBe('any');
    expect(normalizeRuleInput({ target: 'any', appPath: '/usr/bin/curl' }, 0).appPath).toBe('/usr/bin/curl');
    expect(normalizeRuleInput({ target: '::/0', port: '25' }, 0).portLo).toBe(25);
    expect(normalizeRuleInput({ target: 'any', action: 'allow' }, 0).action).toBe('allow');
  });

  it.each([
    [{ target: '198.18.0.1', port: '90-80' }, /^port: port range "90-80" is written backwards/],
    [{ target: '198.18.0.1', port: '0' }, /^port: /],
    [{ target: '198.18.0.1', appPath: 'usr/bin/curl' }, /^appPath: app path must be absolute/],
    [{ target: '198.18.0.1', appPath: '/usr/bin/../bin/sh' }, /^appPath: .*"\.\."/],
    [{ target: '198.18.0.1', appPath: '/usr/bin/cu\u0000rl' }, /^appPath: .*U\+0000/],
    [{ target: '198.18.0.1', note: 'line\nbreak' }, /^note: note contains a control or invisible character \(U\+000A\)/],
    [{ target: '198.18.0.1', note: 'tab\there' }, /^note: .*U\+0009/],
    [{ target: '198.18.0.1', note: 'x'.repeat(1001) }, /^note: note is longer than 1000/],
    [{ target: '198.18.0.1', forMs: 10 }, /^forMs: a temporary rule lasts at least 1000 ms/],
    [{ target: '198.18.0.1', extra: 1 }, /Unrecognized key/],
    [{ target: '198.18.0.1', proto: 'icmp' }, /^proto: /],
  ])('%j', (input, message) => {
    expect(() => normalizeRuleInput(input, 0)).toThrowError(message);
  });

  it('the API contract uses the same schema: one message naming the field', () => {
    expect(methods['rules.add']).toBe(ruleInputSchema);
    expect(() => parseInput('rules.add', { target: '1.2.3.4/33' })).toThrowError('rules.add: target: prefix length /33 is too long for IPv4 (at most /32)');
    expect(() => parseInput('rules.import', { rules: [{ target: '198.18.0.1' }, { target: '01.2.3.4' }] })).toThrowError(/rules\.import: rules\.1\.target: .*leading zero/);
  });

  it('a note of 1000 characters with Unicode is kept verbatim', () => {
    const note = '✓ '.repeat(500);
    expect(normalizeRuleInput({ target: '198.18.0.1', note }, 0).note).toBe(note);
  });
});
