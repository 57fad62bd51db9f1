import { describe, expect, it } from 'vitest';
import './setup';
import { ruleInputSchema } from '../../electron/shared/rule-input';
import { parseSearch } from '../../renderer/src/store/history-search';
import { parseRulesFile, portString, ruleToInput } from '../../renderer/src/store/rule-io';
import { rule } from './fixtures';

describe('history search box', () => {
  it('turns prefixed words into exact filters and the rest into free text', () => {
    expect(parseSearch('app:firefox host:example.org country:de port:443 tcp tracker cdn')).toEqual({
      fields: { app: 'firefox', host: 'example.org', country: 'DE', port: 443, proto: 'tcp', q: 'tracker cdn' },
      problems: [],
    });
  });
  it('accepts quoted values', () => {
    expect(parseSearch('app:"Google Chrome" "two words"').fields).toEqual({ app: 'Google Chrome', q: 'two words' });
  });
  it('reports what it could not use instead of sending it', () => {
    const r = parseSearch('port:99999 country:germany proto:icmp');
    expect(r.fields).toEqual({});
    expect(r.problems).toHaveLength(3);
  });
  it('caps lengths to what the contract accepts', () => {
    expect(parseSearch('x'.repeat(1000)).fields.q).toHaveLength(300);
  });
});

describe('rules files', () => {
  const now = 1_000_000;

  it('converts an exported rule back to an input the engine accepts', () => {
    const input = ruleToInput(rule({ target: 'any', kind: 'any', proto: 'tcp', portLo: 8000, portHi: 8080, appPath: '/usr/bin/x', expiresAt: now + 60_000, note: 'n' }), now)!;
    expect(input).toEqual({ target: 'any', proto: 'tcp', port: '8000-8080', appPath: '/usr/bin/x', action: 'block', forMs: 60_000, untilRestart: false, note: 'n', force: true });
    expect(ruleInputSchema.safeParse(input).success).toBe(true);
    expect(ruleToInput(rule({ expiresAt: now + 10 }), now)).toBeNull();
    expect(portString(443, 443)).toBe('443');
    expect(portString(null, null)).toBeNull();
  });

  it('reads both an export document and a plain array of inputs', () => {
    const doc = parseRulesFile(JSON.stringify({ version: 1, rules: [rule({ id: 1 }), rule({ id: 2, expiresAt: now - 1 }), rule({ id: 3, enabled: false })] }), now);
    expect(doc.rules).toHaveLength(2);
    expect(doc.skippedExpired).toBe(1);
    expect(doc.disabled).toBe(1);
    const arr = parseRulesFile(JSON.stringify([{ target: '198.18.0.1' }, { target: 'example.org', port: '443' }]), now);
    expect(arr.rules).toEqual([{ target: '198.18.0.1' }, { target: 'example.org', port: '443' }]);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['{"foo":1}', /Expected an Outflow rules export/],
    ['[{"target":1}]', /Rule 1/],
    [JSON.stringify([{ target: 'x'.repeat(400) }]), /Rule 1/],
  ])('refuses %s', (text, message) => {
    expect(() => parseRulesFile(text, now)).toThrow(message);
  });

  it('keeps only known fields of exported rules (ids, counters and unknown keys are dropped)', () => {
    const r = parseRulesFile('[{"target":"198.18.0.1","evil":"<img>","id":7,"hits":3}]', now);
    expect(r.rules).toEqual([expect.objectContaining({ target: '198.18.0.1' })]);
    expect(Object.keys(r.rules[0]!)).not.toContain('evil');
    expect(ruleInputSchema.safeParse(r.rules[0]).success).toBe(true);
  });

  it('refuses oversized files before parsing', () => {
    expect(() => parseRulesFile(' '.repeat(6 * 1024 * 1024), now)).toThrow(/5 MB/);
  });
});

describe('app labels', () => {
  it('never passes unattributed traffic off as an app, and does not say it twice', async () => {
    const { summaryLabel } = await import('../../renderer/src/views/apps/labels');
    const base = { id: 1, path: '/x', sha256: null, bytesOut: 0, bytesIn: 0, flows: 0, firstSeen: 0, lastSeen: 0, cost: 0 };
    expect(summaryLabel({ ...base, name: 'firefox', attributed: true })).toBe('firefox');
    expect(summaryLabel({ ...base, name: 'uid 1000', attributed: false })).toBe('Unattributed (uid 1000)');
    expect(summaryLabel({ ...base, name: 'Unattributed', attributed: false })).toBe('Unattributed');
  });
});
