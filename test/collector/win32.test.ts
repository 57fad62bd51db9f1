import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecError, type ExecOptions, type ExecResult, type ExecRunner } from '../../electron/collector/exec-runner';
import { WIN_SCRIPT } from '../../electron/collector/parse/win-command';
import { createWin32Collector } from '../../electron/collector/win32';
import type { Clock } from '../../electron/engine/ports';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/win32', name), 'utf8');
const ok = (stdout: string, code = 0, stderr = ''): ExecResult => ({ stdout, stderr, code });
const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const ARGV = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WIN_SCRIPT];
const clock: Clock = { now: () => 1_795_680_010_000, monotonic: () => 0 };
const t0 = 1795680000000;

function fakePowerShell(reply: () => ExecResult | Error): { exec: ExecRunner; calls: { cmd: string; argv: string[]; opts?: ExecOptions }[] } {
  const calls: { cmd: string; argv: string[]; opts?: ExecOptions }[] = [];
  const exec: ExecRunner = async (cmd, argv, opts) => {
    calls.push({ cmd, argv: [...argv], opts });
    expect(cmd).toBe(PS);
    expect(argv).toEqual(ARGV);
    const answer = reply();
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { exec, calls };
}

describe('win32 collector over recorded-format output', () => {
  it('starts in polling mode with honest notes about bytes and UDP', async () => {
    const { exec, calls } = fakePowerShell(() => ok(fixture('connections.json')));
    const caps = await createWin32Collector({ exec, clock, systemRoot: 'C:\\Windows' }).start();
    expect(caps).toMatchObject({ mode: 'polling', platform: 'win32', seesClosedSockets: false, udpBytes: false });
    expect(caps.notes.join(' ')).toMatch(/byte counts are unknown .*ETW or GetPerTcpConnectionEStats.*not built/);
    expect(caps.notes.join(' ')).toMatch(/UDP flows are not listed/);
    expect(calls[0].opts?.timeoutMs).toBe(15_000);
  });

  it('turns one PowerShell run into sockets with unknown bytes and owning processes', async () => {
    const { exec, calls } = fakePowerShell(() => ok(fixture('connections.json')));
    const collector = createWin32Collector({ exec, clock, systemRoot: 'C:\\Windows' });
    await collector.start();
    const snap = await collector.snapshot();
    expect(calls).toHaveLength(2);
    expect(snap).toMatchObject({ at: 1_795_680_010_000, closed: [], precise: null, dropped: 0 });
    expect(snap.machine).toEqual({ txBytes: 123456789 + 1000, rxBytes: 987654321 + 2000 });
    expect(snap.sockets.map((s) => s.key)).toEqual([
      'tcp|192.168.1.23|50000|198.18.0.5|443|4242',
      'tcp|2001:db8::5|50010|2001:db8::9|443|4242',
      'tcp|192.168.1.23|50001|198.18.0.6|80|-',
      'tcp|192.168.1.23|50020|198.18.0.7|8443|5150',
      'tcp|fe80::1c2a:2eff:fe61:9a2b|50030|fe80::aede:48ff:fe00:1122|8080|6000',
      'tcp|127.0.0.1|50002|127.0.0.1|631|7000',
      'tcp|192.168.1.23|50040|198.18.0.8|22|8000',
    ]);
    expect(snap.sockets[0]).toEqual({
      key: 'tcp|192.168.1.23|50000|198.18.0.5|443|4242',
      proto: 'tcp',
      family: 4,
      state: 'ESTAB',
      local: '192.168.1.23',
      lport: 50000,
      remote: '198.18.0.5',
      rport: 443,
      uid: null,
      inode: null,
      bytesOut: null,
      bytesIn: null,
      process: {
        pid: 4242,
        startTime: t0 - 3600000,
        exe: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
        name: 'chrome',
        cmdline: null,
        uid: null,
        ppid: null,
        cgroup: null,
      },
    });
    expect(snap.sockets[2]).toMatchObject({ state: 'TIME-WAIT', process: null });
    expect(snap.sockets[3]).toMatchObject({ family: 4, state: 'SYN-SENT', process: { exe: 'C:\\Users\\Ana\\AppData\\Local\\We,ird (x) "q"\\naïve 日本.exe', name: 'naïve 日本' } });
    expect(snap.sockets[5].process).toMatchObject({ pid: 7000, exe: null, name: 'svchost', startTime: 0 });
    expect(snap.sockets[6].process).toMatchObject({ pid: 8000, exe: null, name: 'pid 8000', startTime: 0 });
    expect(snap.sockets.every((s) => s.bytesOut === null && s.bytesIn === null)).toBe(true);
    expect(collector.stats().skippedLines).toBe(12); // 6 bad rows, seen at start and at the snapshot
  });

  it('reads the single-object and 5.1 shapes end to end', async () => {
    let file = 'single-objects.json';
    const { exec } = fakePowerShell(() => ok(fixture(file)));
    const collector = createWin32Collector({ exec, clock, systemRoot: 'C:\\Windows' });
    await collector.start();
    expect((await collector.snapshot()).sockets.map((s) => [s.key, s.process?.exe])).toEqual([['tcp|10.0.0.2|50000|198.18.0.1|443|77', 'C:\\Windows\\System32\\curl.exe']]);
    file = 'ps51-value-count.json';
    expect((await collector.snapshot()).sockets.map((s) => [s.lport, s.state, s.process?.name])).toEqual([
      [50001, 'ESTAB', 'wget'],
      [50002, 'TIME-WAIT', 'wget'],
    ]);
  });

  it('rejects the snapshot when PowerShell fails or times out, and recovers after', async () => {
    let answer: () => ExecResult | Error = () => ok(fixture('empty.json'));
    const { exec } = fakePowerShell(() => answer());
    const collector = createWin32Collector({ exec, clock, systemRoot: 'C:\\Windows' });
    await collector.start();
    answer = () => ok('', 1, 'Get-NetTCPConnection : Access denied\r\nAt line:1 char:1');
    await expect(collector.snapshot()).rejects.toThrow('PowerShell collector script failed (exit 1): Get-NetTCPConnection : Access denied');
    answer = () => new ExecError('timeout', PS, `${PS}: no answer within 15000 ms (killed)`);
    await expect(collector.snapshot()).rejects.toThrow('no answer within 15000 ms');
    answer = () => ok('WARNING: something\r\n');
    await expect(collector.snapshot()).rejects.toThrow('PowerShell output is not JSON');
    answer = () => ok(fixture('empty.json'));
    await expect(collector.snapshot()).resolves.toMatchObject({ sockets: [], machine: null });
  });

  it('says what is missing at start', async () => {
    const missing = fakePowerShell(() => new ExecError('missing', PS, `${PS}: command not found`));
    const caps = await createWin32Collector({ exec: missing.exec, clock, systemRoot: 'C:\\Windows' }).start();
    expect(caps.mode).toBe('unsupported');
    expect(caps.notes).toEqual([`${PS} not found: Windows PowerShell 5.1 is required to list connections.`]);

    const old = fakePowerShell(() => ok('', 1, "Get-NetTCPConnection : The term 'Get-NetTCPConnection' is not recognized"));
    const capsOld = await createWin32Collector({ exec: old.exec, clock, systemRoot: 'C:\\Windows' }).start();
    expect(capsOld.mode).toBe('unsupported');
    expect(capsOld.notes[0]).toMatch(/^Listing connections failed: .*not recognized.*Windows 8 \/ Server 2012 or later/);
  });

  it('refuses overlapping snapshots and snapshots before start', async () => {
    const { exec } = fakePowerShell(() => ok(fixture('empty.json')));
    const collector = createWin32Collector({ exec, clock, systemRoot: 'C:\\Windows' });
    await expect(collector.snapshot()).rejects.toThrow('before start');
    await collector.start();
    const first = collector.snapshot();
    await expect(collector.snapshot()).rejects.toThrow('pending');
    await first;
  });
});
