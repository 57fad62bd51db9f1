import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PS_ENV, parsePs, psArgv } from '../../electron/collector/parse/darwin-ps';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/darwin', name), 'utf8');

describe('psArgv', () => {
  it('asks for pid, ppid, uid, start and executable of the given pids, without headers', () => {
    expect(psArgv([375, 412])).toEqual(['-o', 'pid=', '-o', 'ppid=', '-o', 'uid=', '-o', 'lstart=', '-o', 'comm=', '-p', '375,412']);
    expect(PS_ENV).toEqual({ LC_ALL: 'C', TZ: 'UTC' });
  });

  it.each([[[]], [[-1]], [[1.5]], [[2 ** 31]], [Array.from({ length: 257 }, (_, i) => i + 1)]])('refuses %j', (pids) => {
    expect(() => psArgv(pids)).toThrow(RangeError);
  });
});

describe('parsePs', () => {
  it('reads macOS rows exactly: absolute comm is the executable, a short name is not', () => {
    const parsed = parsePs(fixture('ps-macos.txt'), [375, 412, 913, 2201, 2203]);
    expect(parsed.skipped).toBe(0);
    expect(Object.fromEntries(parsed.processes)).toEqual({
      375: { pid: 375, ppid: 1, uid: 0, startTime: Date.UTC(2026, 10, 26, 8, 1, 2), exe: '/usr/libexec/apsd', name: 'apsd' },
      412: { pid: 412, ppid: 1, uid: 65, startTime: Date.UTC(2026, 10, 26, 8, 0, 58), exe: null, name: 'mDNSResponder' },
      913: {
        pid: 913,
        ppid: 900,
        uid: 501,
        startTime: Date.UTC(2026, 10, 5, 9, 15, 0),
        exe: '/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/141.0.7390.55/Helpers/Google Chrome Helper.app/Contents/MacOS/Google Chrome Helper',
        name: 'Google Chrome Helper',
      },
      2201: { pid: 2201, ppid: 913, uid: 501, startTime: Date.UTC(2026, 10, 25, 23, 59, 59), exe: '/Users/ana/bin/weird,name (x) "q"', name: 'weird,name (x) "q"' },
      2203: { pid: 2203, ppid: 1, uid: 501, startTime: Date.UTC(2026, 10, 26, 10, 0, 0), exe: '/Users/ana/naïve 日本/naïve 日本', name: 'naïve 日本' },
    });
  });

  it('distrusts rows a path with a newline could have cut or imitated', () => {
    const parsed = parsePs(fixture('ps-spoof.txt'), [2300, 2301, 2302, 2303]);
    expect(parsed.skipped).toBe(3);
    expect([...parsed.processes.values()].map((p) => [p.pid, p.exe])).toEqual([
      [2300, null],
      [2301, '/Applications/Safari.app/Contents/MacOS/Safari'],
      [2302, null],
      [2303, '/usr/bin/curl'],
    ]);
  });

  it('keeps a trailing space in a path (a different file)', () => {
    const parsed = parsePs('    7     1   501 Thu Nov 26 10:00:00 2026 /tmp/Safari \n', [7]);
    expect(parsed.processes.get(7)?.exe).toBe('/tmp/Safari ');
  });

  it('rejects rows with a bad date', () => {
    const parsed = parsePs('    7     1   501 Thu Foo 26 10:00:00 2026 /tmp/x\n', [7]);
    expect(parsed.processes.size).toBe(0);
    expect(parsed.skipped).toBe(1);
  });
});

// procps on this Linux prints the same keywords in the same way (lstart under LC_ALL=C is
// `%a %b %e %T %Y`), so the row parser is also checked against a real ps, live. On Linux `comm`
// is the short name, never a path: exe is null, as for another user's process on macOS.
describe('parsePs on live ps output', () => {
  it('reads a real child process', async () => {
    const { spawn } = await import('node:child_process');
    const { execRunner } = await import('../../electron/collector/exec-runner');
    const before = Math.floor(Date.now() / 1000) * 1000;
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      const result = await execRunner('ps', psArgv([pid]), { env: PS_ENV });
      const parsed = parsePs(result.stdout, [pid]);
      const row = parsed.processes.get(pid);
      expect(row).toMatchObject({ pid, ppid: process.pid, uid: process.getuid?.(), exe: null, name: 'node' });
      expect(row?.startTime).toBeGreaterThanOrEqual(before - 2000);
      expect(row?.startTime).toBeLessThanOrEqual(Date.now() + 1000);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
