import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDarwinCollector } from '../../electron/collector/darwin';
import { ExecError, type ExecOptions, type ExecResult, type ExecRunner } from '../../electron/collector/exec-runner';
import type { Clock, SocketSample } from '../../electron/engine/ports';

const fixture = (name: string): string => readFileSync(join(__dirname, '../fixtures/darwin', name), 'utf8');
const ok = (stdout: string, code = 0, stderr = ''): ExecResult => ({ stdout, stderr, code });

const LSOF = ['-nP', '-w', '-iTCP', '-iUDP', '-FpcuRftPnT'];
const NETTOP = ['-L', '1', '-n', '-x', '-J', 'state,bytes_in,bytes_out'];
const NETSTAT = ['-ibn'];
const PS_PREFIX = ['-o', 'pid=', '-o', 'ppid=', '-o', 'uid=', '-o', 'lstart=', '-o', 'comm=', '-p'];

type Reply = ExecResult | Error | ((argv: readonly string[]) => ExecResult | Error | Promise<ExecResult | Error>);

interface Call {
  cmd: string;
  argv: readonly string[];
  opts: ExecOptions | undefined;
}

/** Answers only the exact argv the collector is meant to build; anything else fails the test. */
function fakeOs(replies: Partial<Record<'lsof' | 'nettop' | 'netstat' | 'ps', Reply>>): { exec: ExecRunner; calls: Call[] } {
  const calls: Call[] = [];
  const expected: Record<string, string[]> = { lsof: LSOF, nettop: NETTOP, netstat: NETSTAT };
  const exec: ExecRunner = async (cmd, argv, opts) => {
    calls.push({ cmd, argv: [...argv], opts });
    if (cmd === 'ps') expect(argv.slice(0, -1)).toEqual(PS_PREFIX);
    else expect(argv).toEqual(expected[cmd]);
    const reply = replies[cmd as keyof typeof replies];
    if (reply === undefined) throw new ExecError('missing', cmd, `${cmd}: command not found`);
    const answer = typeof reply === 'function' ? await reply(argv) : reply;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { exec, calls };
}

/** ps as the real tool behaves: rows for the requested pids that exist, exit 1 when none does. */
function psFrom(text: string): (argv: readonly string[]) => ExecResult {
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  return (argv) => {
    const wanted = new Set(argv[argv.length - 1].split(',').map(Number));
    const lines = rows.filter((l) => wanted.has(Number(l.trim().split(/\s+/)[0])) || wanted.has(process.pid));
    return ok(lines.map((l) => `${l}\n`).join(''), lines.length > 0 ? 0 : 1);
  };
}

const clock: Clock = { now: () => 1_790_000_000_000, monotonic: () => 0 };
const macos = {
  lsof: ok(fixture('lsof-macos.txt'), 1),
  nettop: ok(fixture('nettop-macos.txt')),
  netstat: ok(fixture('netstat-ibn.txt')),
  ps: psFrom(fixture('ps-macos.txt')),
};

function byKey(sockets: SocketSample[]): Map<string, SocketSample> {
  return new Map(sockets.map((s) => [s.key, s]));
}

describe('darwin collector over recorded-format output', () => {
  it('starts in polling mode and says what it cannot see', async () => {
    const { exec } = fakeOs(macos);
    const caps = await createDarwinCollector({ exec, clock, uid: 501 }).start();
    expect(caps.mode).toBe('polling');
    expect(caps.platform).toBe('darwin');
    expect(caps.seesClosedSockets).toBe(false);
    expect(caps.udpBytes).toBe(true);
    expect(caps.notes.join(' ')).toMatch(/opened and closed between two ticks is not seen/);
    expect(caps.notes.join(' ')).toMatch(/Not running as root/);
  });

  it('joins lsof sockets with nettop bytes and ps executables', async () => {
    const { exec, calls } = fakeOs(macos);
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    calls.length = 0;
    const snap = await collector.snapshot();
    expect(snap.at).toBe(1_790_000_000_000);
    expect(snap.closed).toEqual([]);
    expect(snap.precise).toBeNull();
    expect(snap.machine).toEqual({ rxBytes: 9876543210 + 2560, txBytes: 543210987 + 2900 });
    expect(snap.sockets).toHaveLength(13);

    const sockets = byKey(snap.sockets);
    expect(sockets.get('tcp|192.168.1.23|61151|17.57.144.246|5223|375')).toEqual({
      key: 'tcp|192.168.1.23|61151|17.57.144.246|5223|375',
      proto: 'tcp',
      family: 4,
      state: 'ESTAB',
      local: '192.168.1.23',
      lport: 61151,
      remote: '17.57.144.246',
      rport: 5223,
      uid: 0,
      inode: null,
      bytesOut: 449441,
      bytesIn: 87292,
      process: { pid: 375, startTime: Date.UTC(2026, 10, 26, 8, 1, 2), exe: '/usr/libexec/apsd', name: 'apsd', cmdline: null, uid: 0, ppid: 1, cgroup: null },
    });
    // Connected UDP on a link-local address (KAME scope stripped on both sides), bytes from nettop.
    expect(sockets.get('udp|fe80::aede:48ff:fe00:1122|5353|fe80::1c2a:2eff:fe61:9a2b|5353|412')).toMatchObject({
      family: 6,
      state: 'ESTAB',
      uid: 65,
      bytesOut: 800,
      bytesIn: 1200,
      process: { exe: null, name: 'mDNSResponder' },
    });
    // The IPv4-mapped SYN_SENT socket matches nettop's mapped tcp6 row as IPv4.
    expect(sockets.get('tcp|192.168.1.23|52001|198.18.0.7|8443|913')).toMatchObject({ family: 4, state: 'SYN-SENT', bytesOut: 0, bytesIn: 0 });
    expect(sockets.get('udp|192.168.1.23|53993|17.248.245.233|443|913')).toMatchObject({ bytesOut: 5321, bytesIn: 5413 });
    // fd 31 and its dup fd 36 are one socket, and it keeps nettop's bytes.
    expect(sockets.get('tcp|192.168.1.23|49565|52.26.44.205|443|913')).toMatchObject({ state: 'ESTAB', bytesOut: 2194, bytesIn: 4653 });
    expect(sockets.get('tcp|2001:db8::1|52000|2606:4700::6810:84e5|443|913')?.process?.exe).toBe(
      '/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/141.0.7390.55/Helpers/Google Chrome Helper.app/Contents/MacOS/Google Chrome Helper',
    );
    // Hostile names survive the whole path.
    expect(sockets.get('tcp|192.168.1.23|50100|198.18.0.9|443|2201')).toMatchObject({
      bytesOut: 70000,
      process: { exe: '/Users/ana/bin/weird,name (x) "q"', name: 'weird,name (x) "q"', ppid: 913 },
    });
    expect(sockets.get('tcp|192.168.1.23|50101|198.18.0.9|443|2202')).toMatchObject({
      state: 'FIN-WAIT-2',
      bytesOut: 20,
      process: { pid: 2202, startTime: 0, exe: null, name: 'a\nb\\c\tü\u{1F40D}' },
    });
    // A socket nettop does not list has unknown bytes, never 0.
    expect(sockets.get('tcp|192.168.1.23|50106|198.18.0.9|443|2204')).toMatchObject({ bytesOut: null, bytesIn: null });
    // Flows only nettop sees (another user's process) are kept, with ps's uid.
    expect(sockets.get('tcp|192.168.1.23|50200|17.1.2.3|443|640')).toMatchObject({ state: 'ESTAB', uid: null, bytesOut: 2000, process: { pid: 640, name: 'syncdefaultsd', exe: null } });
    expect(sockets.get('tcp|192.168.1.23|50300|17.1.2.4|443|650')?.process?.name).toBe('quoted, name');
    // Listeners and unconnected UDP are not flows.
    expect(snap.sockets.some((s) => s.process?.pid === 1 || s.rport === 0 || s.remote === '0.0.0.0')).toBe(false);

    expect(calls.map((c) => c.cmd).sort()).toEqual(['lsof', 'netstat', 'nettop', 'ps']);
    const ps = calls.find((c) => c.cmd === 'ps');
    expect(ps?.argv).toEqual([...PS_PREFIX, '375,412,913,2201,2202,2203,2204,640,650']);
    expect(ps?.opts?.env).toEqual({ LC_ALL: 'C', TZ: 'UTC' });
    expect(calls.every((c) => c.opts?.timeoutMs === 5000)).toBe(true);
  });

  it('counts each nettop flow once: a dup\u2019d descriptor is one socket, a forked one gets the bytes once', async () => {
    const lsof = 'p10\nR1\ncparent\nu501\nf3\ntIPv4\nPTCP\nn10.0.0.2:5000->198.18.0.1:443\nTST=ESTABLISHED\nf4\ntIPv4\nPTCP\nn10.0.0.2:5000->198.18.0.1:443\nTST=ESTABLISHED\np11\nR10\ncchild\nu501\nf3\ntIPv4\nPTCP\nn10.0.0.2:5000->198.18.0.1:443\nTST=ESTABLISHED\n';
    const nettop = ',state,bytes_in,bytes_out,\nchild.11,,7,700,\ntcp4 10.0.0.2:5000<->198.18.0.1:443,Established,7,700,\n';
    const { exec } = fakeOs({ ...macos, lsof: ok(lsof), nettop: ok(nettop), ps: ok('') });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    const snap = await collector.snapshot();
    expect(snap.sockets.map((s) => [s.key, s.bytesOut])).toEqual([
      ['tcp|10.0.0.2|5000|198.18.0.1|443|10', null],
      ['tcp|10.0.0.2|5000|198.18.0.1|443|11', 700],
    ]);
  });

  it('falls back to the tuple when nettop files a shared socket under another pid', async () => {
    const lsof = 'p10\ncparent\nu501\nf3\ntIPv4\nPTCP\nn10.0.0.2:5000->198.18.0.1:443\nTST=ESTABLISHED\n';
    const nettop = ',state,bytes_in,bytes_out,\nhelper.99,,1,2,\ntcp4 10.0.0.2:5000<->198.18.0.1:443,Established,1,2,\n';
    const { exec } = fakeOs({ ...macos, lsof: ok(lsof), nettop: ok(nettop), ps: ok('') });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    const snap = await collector.snapshot();
    expect(snap.sockets.map((s) => [s.key, s.bytesOut, s.bytesIn])).toEqual([['tcp|10.0.0.2|5000|198.18.0.1|443|10', 2, 1]]);
  });

  it('reads ps only for pids it has not seen, and forgets pids that stop owning sockets', async () => {
    const { exec, calls } = fakeOs(macos);
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    await collector.snapshot();
    calls.length = 0;
    await collector.snapshot();
    // Cached: 375, 412, 913, 2201, 2203. Not found by ps last time, so asked again: 2202, 2204, 640, 650.
    expect(calls.filter((c) => c.cmd === 'ps').map((c) => c.argv[c.argv.length - 1])).toEqual(['2202,2204,640,650']);
  });

  it('does not trust a ps path whose file name is not the process\u2019s name', async () => {
    const lsof = 'p2301\nR1\ncevil\nu501\nf3\ntIPv4\nPTCP\nn10.0.0.2:5000->198.18.0.1:443\nTST=ESTABLISHED\n';
    const ps = ok(' 2301     1   501 Thu Nov 26 10:00:00 2026 /Applications/Safari.app/Contents/MacOS/Safari\n');
    const { exec } = fakeOs({ ...macos, lsof: ok(lsof), nettop: ok(',state,bytes_in,bytes_out,\n'), ps });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    const snap = await collector.snapshot();
    expect(snap.sockets[0].process).toMatchObject({ pid: 2301, exe: null, name: 'evil', startTime: Date.UTC(2026, 10, 26, 10, 0, 0) });
    expect(collector.stats().skippedLines).toBe(1);
  });

  it('rejects the snapshot when lsof fails, and says why', async () => {
    let fail = false;
    const { exec } = fakeOs({ ...macos, lsof: () => (fail ? ok('', 2, 'lsof: status error on /dev/fd\n') : macos.lsof) });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    fail = true;
    await expect(collector.snapshot()).rejects.toThrow('lsof failed (exit 2): lsof: status error on /dev/fd');
  });

  it('rejects the snapshot when nettop times out or prints nothing readable', async () => {
    let mode: 'timeout' | 'garbage' | 'ok' = 'ok';
    const nettop = (): ExecResult | Error =>
      mode === 'timeout' ? new ExecError('timeout', 'nettop', 'nettop: no answer within 5000 ms (killed)') : mode === 'garbage' ? ok('nettop: garbage\n') : ok(fixture('nettop-macos.txt'));
    const { exec } = fakeOs({ ...macos, nettop });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    mode = 'timeout';
    await expect(collector.snapshot()).rejects.toThrow('nettop: no answer within 5000 ms (killed)');
    mode = 'garbage';
    await expect(collector.snapshot()).rejects.toThrow('nettop printed no sample header (1 lines skipped)');
    mode = 'ok';
    await expect(collector.snapshot()).resolves.toMatchObject({ sockets: expect.any(Array) });
  });

  it('lets every command of a failed tick finish before rejecting, so ticks never overlap', async () => {
    let failing = false;
    let nettopDone = 0;
    const nettop = async (): Promise<ExecResult> => {
      await new Promise((r) => setTimeout(r, failing ? 80 : 0));
      nettopDone++;
      return macos.nettop;
    };
    const lsof = (): ExecResult | Error => (failing ? new ExecError('timeout', 'lsof', 'lsof: no answer within 5000 ms (killed)') : macos.lsof);
    const { exec } = fakeOs({ ...macos, lsof, nettop });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    failing = true;
    await expect(collector.snapshot()).rejects.toThrow('lsof: no answer within 5000 ms (killed)');
    expect(nettopDone).toBe(2);
  });

  it('keeps the tick when only the interface totals fail', async () => {
    let fail = false;
    const { exec } = fakeOs({ ...macos, netstat: () => (fail ? ok('', 1, 'netstat: sysctl failed') : ok(fixture('netstat-ibn.txt'))) });
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await collector.start();
    fail = true;
    const snap = await collector.snapshot();
    expect(snap.machine).toBeNull();
    expect(snap.sockets).toHaveLength(13);
  });

  it('works from nettop alone without lsof, and from lsof alone without nettop (bytes unknown)', async () => {
    const noLsof = fakeOs({ nettop: macos.nettop, netstat: macos.netstat, ps: macos.ps });
    const a = createDarwinCollector({ exec: noLsof.exec, clock, uid: 0 });
    const capsA = await a.start();
    expect(capsA.mode).toBe('polling');
    expect(capsA.notes).toContain('lsof not found; socket owners, uids and TCP states come from nettop alone.');
    const snapA = await a.snapshot();
    expect(snapA.sockets).toHaveLength(12);
    expect(noLsof.calls.filter((c) => c.cmd === 'lsof')).toHaveLength(1); // the probe at start only

    const noNettop = fakeOs({ lsof: macos.lsof, netstat: macos.netstat, ps: macos.ps });
    const b = createDarwinCollector({ exec: noNettop.exec, clock, uid: 0 });
    const capsB = await b.start();
    expect(capsB.udpBytes).toBe(false);
    expect(capsB.notes).toContain('nettop not found; byte counts are unknown.');
    const snapB = await b.snapshot();
    expect(snapB.sockets).toHaveLength(11);
    expect(snapB.sockets.every((s) => s.bytesOut === null && s.bytesIn === null)).toBe(true);
  });

  it('is unsupported when neither lsof nor nettop exists', async () => {
    const { exec } = fakeOs({ ps: macos.ps });
    const caps = await createDarwinCollector({ exec, clock, uid: 501 }).start();
    expect(caps.mode).toBe('unsupported');
    expect(caps.notes).toEqual([
      'lsof not found; socket owners, uids and TCP states come from nettop alone.',
      'nettop not found; byte counts are unknown.',
      'netstat not found; machine-wide interface totals are not shown.',
      'Neither lsof nor nettop can run here, so no connections can be listed.',
    ]);
  });

  it('refuses overlapping snapshots and snapshots before start', async () => {
    const { exec } = fakeOs(macos);
    const collector = createDarwinCollector({ exec, clock, uid: 0 });
    await expect(collector.snapshot()).rejects.toThrow('before start');
    await collector.start();
    const first = collector.snapshot();
    await expect(collector.snapshot()).rejects.toThrow('while the previous one is pending');
    await first;
    await collector.stop();
    await expect(collector.snapshot()).rejects.toThrow('before start');
  });
});
