import { describe, expect, it } from 'vitest';
import { powershellPath, WIN_SCRIPT, winCommandArgv } from '../../electron/collector/parse/win-command';

describe('the Windows collector command', () => {
  it('runs a fixed script without profile, prompts or execution policy', () => {
    expect(winCommandArgv()).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WIN_SCRIPT]);
  });

  it('is one line with no double quote, so Windows argv quoting leaves it intact', () => {
    expect(WIN_SCRIPT).not.toMatch(/["\r\n`]/);
    expect(WIN_SCRIPT.length).toBeLessThan(8000);
  });

  it('asks for exactly the documented data, as compressed JSON with numeric states and epoch-ms dates', () => {
    expect(WIN_SCRIPT).toContain(
      "Get-NetTCPConnection -ErrorAction SilentlyContinue | Select-Object LocalAddress, LocalPort, RemoteAddress, RemotePort, @{n='State';e={[int]$_.State}}, OwningProcess, @{n='CreationTime';e={ms $_.CreationTime}}",
    );
    expect(WIN_SCRIPT).toContain("Get-NetUDPEndpoint -ErrorAction SilentlyContinue | Select-Object LocalAddress, LocalPort, OwningProcess, @{n='CreationTime';e={ms $_.CreationTime}}");
    expect(WIN_SCRIPT).toContain('Get-Process -Id $ids -ErrorAction SilentlyContinue | Select-Object Id, Path, Name, ');
    expect(WIN_SCRIPT).toContain('Get-NetAdapterStatistics -ErrorAction SilentlyContinue | Select-Object Name, SentBytes, ReceivedBytes');
    expect(WIN_SCRIPT).toContain('ConvertTo-Json -InputObject ([ordered]@{ v = 1; tcp = $t; udp = $u; proc = $p; net = $a }) -Compress -Depth 3');
    expect(WIN_SCRIPT).toContain('ToUnixTimeMilliseconds()');
    expect(WIN_SCRIPT).toContain("[regex]::Replace($j, '[^\\x00-\\x7f]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value })");
    expect(WIN_SCRIPT.startsWith('Remove-TypeData System.Array -ErrorAction SilentlyContinue; ')).toBe(true);
  });

  it('keeps its braces, brackets and parentheses balanced outside quotes', () => {
    const depth: Record<string, number> = { '{': 0, '(': 0, '[': 0 };
    const close: Record<string, string> = { '}': '{', ')': '(', ']': '[' };
    let quoted = false;
    for (const ch of WIN_SCRIPT) {
      if (ch === "'") quoted = !quoted;
      if (quoted) continue;
      if (ch in depth) depth[ch]++;
      if (ch in close) {
        depth[close[ch]]--;
        expect(depth[close[ch]]).toBeGreaterThanOrEqual(0);
      }
    }
    expect(quoted).toBe(false);
    expect(depth).toEqual({ '{': 0, '(': 0, '[': 0 });
  });

  it('runs powershell.exe by absolute path when SystemRoot is sane', () => {
    expect(powershellPath('C:\\Windows')).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(powershellPath('D:\\WINNT\\')).toBe('D:\\WINNT\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(powershellPath(undefined)).toBe('powershell.exe');
    expect(powershellPath('relative')).toBe('powershell.exe');
    expect(powershellPath('C:\\Win"dows')).toBe('powershell.exe');
  });
});
