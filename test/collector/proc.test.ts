// /proc parsing with hostile process names, and real processes read back exactly.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseCgroupV2,
  parseCmdline,
  parseComm,
  parseStat,
  parseStatusUid,
  readProcessInfo,
  readStat,
} from '../../electron/collector/proc';
import { ProcessCache } from '../../electron/collector/socket-owners';
import { namedNode } from '../helpers/named-exe';

// A real stat line from this machine, with the comm swapped for hostile ones.
const REAL_STAT = readFileSync('/proc/self/stat', 'utf8');
const withComm = (comm: string): string => {
  const open = REAL_STAT.indexOf(' (');
  const close = REAL_STAT.lastIndexOf(')');
  return REAL_STAT.slice(0, open + 2) + comm + REAL_STAT.slice(close);
};
const selfFields = REAL_STAT.slice(REAL_STAT.lastIndexOf(')') + 2).split(' ');

describe('parseStat', () => {
  it('reads pid, ppid and starttime (field 22) from a real line', () => {
    const s = parseStat(REAL_STAT)!;
    expect(s.pid).toBe(process.pid);
    expect(s.ppid).toBe(process.ppid);
    expect(s.startTime).toBe(Number(selfFields[19]));
    expect(s.startTime).toBeGreaterThan(0);
  });

  it.each([
    ['a) b'],
    ['x) R 1 2 3 4 5'],
    ['new\nline'],
    ['"quoted", \'q\''],
    ['ünï(cødé)'],
    [')))'],
    ['('],
    [' '],
    [''],
  ])('keeps comm %j intact and still finds the numbers', (comm) => {
    const s = parseStat(withComm(comm))!;
    expect(s).not.toBeNull();
    expect(s.comm).toBe(comm);
    expect(s.pid).toBe(process.pid);
    expect(s.ppid).toBe(process.ppid);
    expect(s.startTime).toBe(Number(selfFields[19]));
  });

  it('rejects garbage', () => {
    expect(parseStat('')).toBeNull();
    expect(parseStat('abc (x) R')).toBeNull();
    expect(parseStat('12 (x) R 1')).toBeNull();
    expect(parseStat('12 x R 1 2 3')).toBeNull();
  });
});

describe('status, cgroup, cmdline, comm', () => {
  it('takes the real uid from Uid:', () => {
    expect(parseStatusUid('Name:\tx\nUmask:\t0022\nState:\tS\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\n')).toBe(1000);
    expect(parseStatusUid(readFileSync('/proc/self/status', 'utf8'))).toBe(process.getuid!());
    // Name is escaped by the kernel, but even a literal "Uid:" inside it is not at a line start.
    expect(parseStatusUid('Name:\tUid:\t7\nUid:\t42\t42\t42\t42\n')).toBe(42);
    expect(parseStatusUid('Name:\tx\n')).toBeNull();
  });

  it('picks the cgroup v2 line', () => {
    expect(parseCgroupV2('12:cpu:/legacy\n0::/user.slice/user-1000.slice/app.scope\n')).toBe('/user.slice/user-1000.slice/app.scope');
    expect(parseCgroupV2('1:name=systemd:/x\n')).toBeNull();
  });

  it('splits argv at NUL and keeps empty arguments', () => {
    expect(parseCmdline(Buffer.from('node\0-e\0\0x y\0'))).toEqual(['node', '-e', '', 'x y']);
    expect(parseCmdline(Buffer.alloc(0))).toBeNull();
  });

  it('strips only the trailing newline of comm', () => {
    expect(parseComm('a\nb\n')).toBe('a\nb');
  });
});

describe('readProcessInfo on real processes', () => {
  const started: ChildProcess[] = [];
  const disposers: Array<() => void> = [];
  afterEach(() => {
    for (const c of started.splice(0)) if (c.pid && c.exitCode === null && c.signalCode === null) process.kill(c.pid, 'SIGKILL');
    for (const d of disposers.splice(0)) d();
  });

  // The kernel lets a process rename only itself (/proc/<other>/comm is EINVAL), so the child sets
  // its own comm from OF_COMM before it says it is up.
  const CHILD = `if (process.env.OF_COMM) require('fs').writeFileSync('/proc/self/comm', process.env.OF_COMM);
process.stdout.write('up\\n'); setTimeout(() => {}, 30000);`;
  const startNamed = async (name: string, args: string[], comm?: string): Promise<{ child: ChildProcess; path: string }> => {
    const exe = namedNode(name);
    disposers.push(exe.dispose);
    const child = spawn(exe.path, ['-e', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: comm === undefined ? process.env : { ...process.env, OF_COMM: comm },
    });
    started.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('error', reject);
    });
    return { child, path: exe.path };
  };

  it('reads the exact executable path of a hard link with quotes, commas, parentheses and spaces', async () => {
    const name = `of "quoted" (paren), it's - x.y`;
    const { child, path } = await startNamed(name, ['arg with space', '']);
    const info = readProcessInfo(child.pid!)!;
    expect(info).not.toBeNull();
    expect(info.exe).toBe(path);
    expect(info.pid).toBe(child.pid);
    expect(info.ppid).toBe(process.pid);
    expect(info.uid).toBe(process.getuid!());
    expect(info.cmdline).toEqual([path, '-e', expect.any(String), 'arg with space', '']);
    expect(info.cgroup).toBe(parseCgroupV2(readFileSync(`/proc/${child.pid}/cgroup`, 'utf8')));
    // The kernel truncates comm to 15 bytes.
    expect(info.name).toBe(name.slice(0, 15));
    expect(info.startTime).toBeGreaterThanOrEqual(Number(selfFields[19]));
    // Cross-check with procps.
    const ps = execFileSync('ps', ['-o', 'ppid=,uid=', '-p', String(child.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    expect(ps).toEqual([info.ppid, info.uid]);
  });

  it('reads a hostile comm (the process renamed itself) exactly', async () => {
    const hostile = ') R 1 (\n"ü",';
    expect(Buffer.byteLength(hostile)).toBeLessThanOrEqual(15);
    const { child, path } = await startNamed('plain', [], hostile);
    const info = readProcessInfo(child.pid!)!;
    expect(info.name).toBe(hostile);
    expect(info.exe).toBe(path);
    expect(info.ppid).toBe(process.pid);
    expect(readStat(child.pid!)!.comm).toBe(hostile);
  });

  it('a process whose exe cannot be read keeps its name with exe null', async () => {
    // `sleep 0` becomes a zombie: its parent execs `sleep` and never reaps it. Zombies have no exe.
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { stdio: 'ignore' });
    started.push(parent);
    let zombie: number | null = null;
    for (let i = 0; i < 50 && zombie === null; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim();
      if (kids && readStat(Number(kids))?.state === 'Z') zombie = Number(kids);
    }
    expect(zombie).not.toBeNull();
    const info = readProcessInfo(zombie!)!;
    expect(info.exe).toBeNull();
    expect(info.name).toBe('sleep');
    expect(info.ppid).toBe(parent.pid);
  });

  it('a process that is gone reads as null', () => {
    expect(readProcessInfo(2 ** 22 + 12345)).toBeNull();
  });

  it('ProcessCache reads once per (pid, starttime)', async () => {
    const { child } = await startNamed('cached', []);
    const cache = new ProcessCache();
    const a = cache.get(child.pid!);
    const b = cache.get(child.pid!);
    expect(a).not.toBeNull();
    expect(b).toBe(a);
    cache.retain(new Set());
    expect(cache.size).toBe(0);
    const c = cache.get(child.pid!);
    expect(c).not.toBe(a);
    expect(c).toEqual(a);
  });
});
