import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asList, normalizeWindowsAddress, parseReadback, WindowsParseError } from '../../electron/firewall/windows-parse';

const FIX = join(__dirname, '../fixtures/windows-firewall');
const fx = (name: string): string => readFileSync(join(FIX, name), 'utf8');

describe('ActiveStore read-back JSON', () => {
  it('parses every rule with its filters, normalising Windows spellings', () => {
    const r = parseReadback(fx('readback.enforcing.json'));
    expect(r.profiles).toEqual([
      { name: 'Domain', enabled: true, defaultOutboundAction: 'Allow' },
      { name: 'Private', enabled: true, defaultOutboundAction: 'Allow' },
      { name: 'Public', enabled: true, defaultOutboundAction: 'Allow' },
    ]);
    expect(r.rules).toHaveLength(5);
    expect(r.rules[0]).toEqual({
      name: 'Outflow-1-5e259c37c49f',
      displayName: 'Outflow #1',
      group: 'Outflow',
      enabled: true,
      direction: 'Outbound',
      action: 'Block',
      remoteAddress: ['198.18.0.1', '198.18.1.0/24', '2001:db8::1'],
      protocol: null,
      remotePort: null,
      program: null,
    });
    expect(r.rules[1]).toMatchObject({ remoteAddress: ['198.18.0.9'], protocol: 'TCP', remotePort: ['443'], program: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe' });
    expect(r.rules[2]).toMatchObject({ remoteAddress: null, protocol: 'UDP', remotePort: ['5000-5010'] });
    expect(r.rules[3]).toMatchObject({ remoteAddress: ['198.19.0.0/16'], protocol: 'TCP', remotePort: ['53'] });
  });

  it('the single-object quirk: one rule is an object, one address a string', () => {
    const raw = JSON.parse(fx('readback.single.json'));
    expect(Array.isArray(raw.rules)).toBe(false);
    expect(typeof raw.rules.RemoteAddress).toBe('string');
    const r = parseReadback(fx('readback.single.json'));
    expect(r.rules).toHaveLength(1);
    expect(r.rules[0]).toMatchObject({ name: 'Outflow-2-c8423caeacc4', remoteAddress: ['198.18.0.9'], remotePort: ['443'] });
  });

  it('no rules at all is null', () => {
    expect(JSON.parse(fx('readback.empty.json')).rules).toBeNull();
    expect(parseReadback(fx('readback.empty.json')).rules).toEqual([]);
  });

  it("decodes PowerShell's \\u0027 escapes in paths", () => {
    const r = parseReadback(fx('readback.drift.json'));
    expect(r.rules.find((x) => x.name.startsWith('Outflow-9-'))?.program).toBe("C:\\Users\\o'brien\\AppData\\Local\\app.exe");
  });

  it('reads profile switches', () => {
    expect(parseReadback(fx('readback.public-off.json')).profiles.map((p) => p.enabled)).toEqual([true, true, false]);
  });

  it('refuses output that is not the read-back', () => {
    expect(() => parseReadback('')).toThrow(WindowsParseError);
    expect(() => parseReadback('Access is denied.')).toThrow(WindowsParseError);
    expect(() => parseReadback('[1,2]')).toThrow(WindowsParseError);
    expect(() => parseReadback('{"profiles":[],"rules":[42]}')).toThrow(WindowsParseError);
    expect(parseReadback('\uFEFF{"profiles":null,"rules":null}')).toEqual({ profiles: [], rules: [] });
  });

  it('normalises addresses the way Windows prints them', () => {
    expect(normalizeWindowsAddress('198.18.1.0/255.255.255.0')).toBe('198.18.1.0/24');
    expect(normalizeWindowsAddress('198.18.1.9/255.255.255.0')).toBe('198.18.1.0/24');
    expect(normalizeWindowsAddress('2001:DB8::/32')).toBe('2001:db8::/32');
    expect(normalizeWindowsAddress('198.18.0.1-198.18.0.9')).toBe('198.18.0.1-198.18.0.9');
    expect(normalizeWindowsAddress('LocalSubnet')).toBe('LocalSubnet');
    expect(normalizeWindowsAddress('198.18.1.0/255.0.255.0')).toBe('198.18.1.0/255.0.255.0');
    expect(asList(undefined)).toEqual([]);
  });
});
