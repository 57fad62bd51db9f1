import { describe, expect, it } from 'vitest';
import { buildDocument, DEFAULT_POWERSHELL, encodeDocument, powershellArgv, WINDOWS_FIREWALL_SCRIPT } from '../../electron/firewall/windows-script';
import type { WindowsRuleSpec } from '../../electron/firewall/windows-rules';

const hostileProgram = "C:\\Users\\x\\';Remove-NetFirewallRule -All;'\\$(Stop-Computer)\\a`b;c\\evil.exe";
const spec: WindowsRuleSpec = {
  id: 9,
  name: 'Outflow-9-0123456789ab',
  displayName: 'Outflow #9',
  action: 'Block',
  remoteAddress: ['198.18.0.1', '2001:db8::/32'],
  protocol: 'TCP',
  remotePort: '443',
  program: hostileProgram,
};

describe('PowerShell invocation', () => {
  it('is one fixed argv: no value ever reaches the command line', () => {
    expect(DEFAULT_POWERSHELL).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(powershellArgv()).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WINDOWS_FIREWALL_SCRIPT]);
    expect(powershellArgv()).toEqual(powershellArgv());
    expect(powershellArgv().join('\n')).not.toContain('Outflow-9');
  });

  it('the script is a constant with nothing that could splice or evaluate text', () => {
    const s = WINDOWS_FIREWALL_SCRIPT;
    expect(s).not.toContain('"'); // Node wraps -Command in quotes once; no inner quotes to escape
    expect(s).not.toContain('${');
    expect(s).not.toMatch(/Invoke-Expression|\biex\b|\[scriptblock\]|Add-Type|-EncodedCommand|Start-Process/i);
    expect(s).not.toMatch(/&\s*\$/); // no call operator on a variable
    expect(s.startsWith("$ErrorActionPreference = 'Stop'")).toBe(true);
  });

  it('the script only removes rules it got from group Outflow, and only creates rules in it', () => {
    const lines = WINDOWS_FIREWALL_SCRIPT.split('\n');
    const removes = lines.filter((l) => l.includes('Remove-NetFirewallRule'));
    expect(removes).toHaveLength(2);
    for (const l of removes) expect(l).toMatch(/(\$e|\$have\[\$name\]) \| Remove-NetFirewallRule/);
    const sources = lines.filter((l) => l.includes('Get-NetFirewallRule'));
    for (const l of sources) expect(l).toMatch(/Get-NetFirewallRule -Group \$group -PolicyStore (PersistentStore|ActiveStore)/);
    expect(WINDOWS_FIREWALL_SCRIPT).toContain("$group = 'Outflow'");
    expect(WINDOWS_FIREWALL_SCRIPT).toContain("Group = $group; Direction = 'Outbound'");
    expect(WINDOWS_FIREWALL_SCRIPT).toContain('New-NetFirewallRule @p');
  });

  it('values travel only inside the stdin document (base64 JSON), intact', () => {
    const stdin = encodeDocument(buildDocument('apply', [spec], ['Outflow-3-aaaaaaaaaaaa']));
    expect(stdin).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const doc = JSON.parse(Buffer.from(stdin, 'base64').toString('utf8'));
    expect(doc).toEqual({
      version: 1,
      mode: 'apply',
      rules: [{ name: 'Outflow-9-0123456789ab', displayName: 'Outflow #9', action: 'Block', remoteAddress: ['198.18.0.1', '2001:db8::/32'], protocol: 'TCP', remotePort: '443', program: hostileProgram }],
      replace: ['Outflow-3-aaaaaaaaaaaa'],
    });
    expect(WINDOWS_FIREWALL_SCRIPT).not.toContain('Stop-Computer');
  });

  it('non-ASCII paths survive the trip (UTF-8 inside base64, immune to the console code page)', () => {
    const s = { ...spec, program: 'D:\\Jörg\\Программы\\app.exe' };
    const doc = JSON.parse(Buffer.from(encodeDocument(buildDocument('apply', [s])), 'base64').toString('utf8'));
    expect(doc.rules[0].program).toBe('D:\\Jörg\\Программы\\app.exe');
  });

  it('read and clear documents carry no rules', () => {
    expect(buildDocument('read', [spec])).toEqual({ version: 1, mode: 'read', rules: [], replace: [] });
    expect(buildDocument('clear', [spec])).toEqual({ version: 1, mode: 'clear', rules: [], replace: [] });
  });
});
