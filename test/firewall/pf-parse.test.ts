import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../electron/engine/ports';
import { hitsByRule } from '../../electron/firewall/pf-diff';
import {
  hasAnchorHook,
  parseAnchorRules,
  parseEnableToken,
  parsePfEnabled,
  parseRuleLine,
  parseTableList,
  parseTableShow,
} from '../../electron/firewall/pf-parse';
import { renderAnchor, ruleKey } from '../../electron/firewall/pf-render';
import { normalizeForPf } from '../../electron/firewall/pf-validate';

const FIX = join(__dirname, '../fixtures/pf');
const fx = (name: string): string => readFileSync(join(FIX, name), 'utf8');
const desired = normalizeForPf(JSON.parse(fx('desired-state.json')) as DesiredState);

describe('pfctl -a com.outflow -sr -v', () => {
  it('reads every rule with its counters, and they are exactly the rules we render', () => {
    const rules = parseAnchorRules(fx('sr-v.enforcing.txt'));
    expect(rules).toHaveLength(10);
    expect(rules.every((r) => r.line !== null)).toBe(true);
    expect(rules.map((r) => ruleKey(r.line!))).toEqual(renderAnchor(desired).lines.map(ruleKey));
    expect(rules[5]).toMatchObject({ evaluations: 4980, packets: 37, bytes: 2220 });
    expect(rules[1]?.line).toEqual({ action: 'pass', quick: false, af: 'inet6', proto: 'tcp', on: '! lo0', to: '<outflow_4_6>', port: null, label: 'outflow:4', tag: 'OUTFLOW_ALLOW', notTagged: null });
    expect(rules[8]?.line).toEqual({ action: 'block', quick: true, af: 'inet', proto: 'udp', on: '! lo0', to: 'any', port: '5000:5010', label: 'outflow:3', tag: null, notTagged: 'OUTFLOW_ALLOW' });
  });

  it('-vv output (rule numbers, table counts) reads the same', () => {
    const v = parseAnchorRules(fx('sr-v.enforcing.txt')).map((r) => ruleKey(r.line!));
    const vv = parseAnchorRules(fx('sr-vv.enforcing.txt')).map((r) => ruleKey(r.line!));
    expect(vv).toEqual(v);
  });

  it('sums blocked packets per rule id over its v4/v6 and tcp/udp lines; allow rules count nothing', () => {
    const hits = hitsByRule(parseAnchorRules(fx('sr-v.enforcing.txt')));
    expect([...hits.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [1, 40],
      [2, 12],
      [3, 0],
      [5, 5],
    ]);
  });

  it('keeps foreign rules as unparsed lines (they are drift, not noise)', () => {
    const rules = parseAnchorRules(fx('sr-v.drift.txt'));
    const foreign = rules.filter((r) => r.line === null);
    expect(foreign.map((r) => r.text)).toEqual(['block drop out quick inet proto tcp from any to 198.18.7.7 port = 22']);
    expect(foreign[0]?.packets).toBe(0);
  });

  it('ignores the ALTQ notices pfctl -v prints', () => {
    expect(parseAnchorRules(fx('sr-v.stderr.txt'))).toEqual([]);
    expect(parseAnchorRules('')).toEqual([]);
  });

  it('does not mistake similar but different rules for ours', () => {
    expect(parseRuleLine('block drop out quick inet from any to <outflow_1_4> label "outflow:1"')).toBeNull();
    expect(parseRuleLine('block return out quick inet from any to <outflow_1_4> label "outflow:1" tagged OUTFLOW_ALLOW')).toBeNull();
    expect(parseRuleLine('block return out quick inet from any to <outflow_1_4> label "outflow:1" rtable 2')).toBeNull();
    expect(parseRuleLine('block return in quick inet from any to <outflow_1_4> label "outflow:1"')).toBeNull();
    expect(parseRuleLine('block return out quick inet from any to <outflow_1_4>')).toBeNull();
    expect(parseRuleLine('block return out quick inet proto icmp from any to <outflow_1_4> label "outflow:1"')).toBeNull();
    expect(parseRuleLine('block return out quick inet from 198.18.0.1 to <outflow_1_4> label "outflow:1"')).toBeNull();
    expect(parseRuleLine('pass out quick on lo0 all flags S/SA keep state label "outflow:loopback"')).toEqual({
      action: 'pass',
      quick: true,
      tag: null,
      notTagged: null,
      af: null,
      proto: null,
      on: 'lo0',
      to: 'any',
      port: null,
      label: 'outflow:loopback',
    });
  });
});

describe('pfctl -T show / -s Tables', () => {
  it('reads table contents canonically', () => {
    expect(parseTableShow(fx('T-show.outflow_1_4.txt'))).toEqual(['198.18.0.1', '198.18.1.0/24']);
    expect(parseTableShow(fx('T-show.outflow_5_6.txt'))).toEqual(['2001:db8::/32']);
    expect(parseTableShow('   2001:DB8:0::1\n   garbage\n')).toEqual(['2001:db8::1', 'garbage']);
  });
  it('lists the anchor tables', () => {
    expect(parseTableList(fx('s-Tables.txt'))).toEqual(['outflow_1_4', 'outflow_1_6', 'outflow_2_4', 'outflow_4_6', 'outflow_5_4', 'outflow_5_6']);
  });
});

describe('pfctl -s info / -sr / -E', () => {
  it('reads whether pf is enabled', () => {
    expect(parsePfEnabled(fx('s-info.enabled.txt'))).toBe(true);
    expect(parsePfEnabled(fx('s-info.disabled.txt'))).toBe(false);
    expect(parsePfEnabled('pfctl: /dev/pf: Permission denied\n')).toBeNull();
  });
  it('sees whether the main ruleset evaluates our anchor', () => {
    expect(hasAnchorHook(fx('sr.main.hooked.txt'))).toBe(true);
    expect(hasAnchorHook(fx('sr.main.unhooked.txt'))).toBe(false);
    expect(hasAnchorHook('anchor "com.outflow.evil" all\n')).toBe(false);
  });
  it('takes the enable token from -E output', () => {
    expect(parseEnableToken(fx('E.stderr.txt'))).toBe('18446743525445205896');
    expect(parseEnableToken('pf enabled\n')).toBeNull();
    expect(parseEnableToken('Token : 12; rm -rf /\n')).toBeNull();
  });
});
