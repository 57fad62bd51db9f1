import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../electron/engine/ports';
import { DesiredStateError, validateDesiredState } from '../../electron/firewall/pf-validate';
import { idFromRuleName, skippedAllowIds, windowsAppPath, windowsRuleSpecs } from '../../electron/firewall/windows-rules';

const FIX = join(__dirname, '../fixtures/windows-firewall');
const desired = (): DesiredState => JSON.parse(readFileSync(join(FIX, 'desired-state.json'), 'utf8')) as DesiredState;
const specsOf = (s: DesiredState) => windowsRuleSpecs(validateDesiredState(s, windowsAppPath));

describe('windowsRuleSpecs', () => {
  it('maps each desired rule to New-NetFirewallRule values', () => {
    expect(specsOf(desired())).toEqual([
      { id: 1, name: 'Outflow-1-5e259c37c49f', displayName: 'Outflow #1', action: 'Block', remoteAddress: ['198.18.0.1', '198.18.1.0/24', '2001:db8::1'], protocol: null, remotePort: null, program: null },
      { id: 2, name: 'Outflow-2-c8423caeacc4', displayName: 'Outflow #2', action: 'Block', remoteAddress: ['198.18.0.9'], protocol: 'TCP', remotePort: '443', program: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe' },
      { id: 3, name: 'Outflow-3-fd5532bf41e9', displayName: 'Outflow #3', action: 'Block', remoteAddress: null, protocol: 'UDP', remotePort: '5000-5010', program: null },
      { id: 5, name: 'Outflow-5-f02a2ae53a60', displayName: 'Outflow #5', action: 'Block', remoteAddress: ['198.19.0.0/16'], protocol: 'TCP', remotePort: '53', program: null },
      { id: 5, name: 'Outflow-5-6b212f6d45a2', displayName: 'Outflow #5', action: 'Block', remoteAddress: ['198.19.0.0/16'], protocol: 'UDP', remotePort: '53', program: null },
    ]);
  });

  it('creates no Allow rules (a Windows block always wins, and an allow could open an admin policy)', () => {
    expect(specsOf(desired()).some((x) => x.action !== 'Block')).toBe(false);
    expect(skippedAllowIds(validateDesiredState(desired(), windowsAppPath))).toEqual([4]);
  });

  it('a changed address gives the rule a new Name (so apply replaces, never edits in place)', () => {
    const a = specsOf(desired())[0]!.name;
    const s = desired();
    s.rules[0]!.addresses = ['198.18.0.2'];
    const b = specsOf(s)[0]!.name;
    expect(b).not.toBe(a);
    expect(idFromRuleName(b)).toBe(1);
  });

  it('a rule that resolved to no address yields no Windows rule (never an all-addresses block)', () => {
    const s = desired();
    s.rules = [{ ...s.rules[0]!, addresses: [] }];
    expect(specsOf(s)).toEqual([]);
  });

  it('names map back to ids; foreign names do not', () => {
    expect(idFromRuleName('Outflow-12-0123456789ab')).toBe(12);
    expect(idFromRuleName('Outflow-12-0123456789ab-x')).toBeNull();
    expect(idFromRuleName('CoreNet-DNS-Out-UDP')).toBeNull();
  });
});

describe('windowsAppPath', () => {
  it('accepts drive and UNC paths with characters Windows allows', () => {
    for (const p of ['C:\\Program Files\\Mozilla Firefox\\firefox.exe', "C:\\Users\\o'brien\\app (1).exe", 'C:\\a;b\\$(x)\\`y`.exe', '\\\\fileserver\\apps\\tool.exe', 'D:\\Ünïcødé\\app.exe']) {
      expect(windowsAppPath(p)).toBeNull();
    }
  });
  it('refuses relative, quoted, wildcard, env-var, ADS and multi-line paths', () => {
    for (const p of ['firefox.exe', '\\Windows\\x.exe', 'C:\\a"b.exe', 'C:\\a\nb.exe', 'C:\\*.exe', 'C:\\%SystemRoot%\\x.exe', 'C:\\a.exe:stream', 'C:/Program Files/x.exe', 'C:\\dir\\', '']) {
      expect(windowsAppPath(p)).not.toBeNull();
    }
  });
  it('a hostile path refuses the whole document', () => {
    const s = desired();
    s.rules[1]!.appPath = 'C:\\x.exe"; Remove-NetFirewallRule -All; "';
    expect(() => specsOf(s)).toThrow(DesiredStateError);
  });
});
