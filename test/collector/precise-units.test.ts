// Pure parts of precise mode: address and key decoding, %r strings, records, bpftrace's JSON lines,
// the generation ledger and process identity (against a /proc laid out in a temp dir).
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoints, formatIpv6, ipv4FromWord, portFromWire } from '../../electron/collector/precise/address';
import { parseBpftraceLine, lostEventsInText } from '../../electron/collector/precise/bpftrace-output';
import { decodeFlowKey, flowId } from '../../electron/collector/precise/flow-key';
import { ProcessRegistry } from '../../electron/collector/precise/identity';
import { GenerationLedger } from '../../electron/collector/precise/ledger';
import { parseProcStat } from '../../electron/collector/precise/proc-info';
import { buildPreciseProgram } from '../../electron/collector/precise/program';
import { cString, decodeEscapedBytes, parseRecord, userDev, type ProcessEvent } from '../../electron/collector/precise/records';

/** The key the kernel program builds, for one direction of a flow (see program.ts `account`). */
function key(o: { pid: number; st: bigint; dir: 1 | 2; proto: number; fam: number; lport: number; rportWire: number; l: [bigint, bigint]; r: [bigint, bigint] }): string {
  const meta = BigInt(o.dir) | (BigInt(o.proto) << 8n) | (BigInt(o.fam) << 16n) | (BigInt(wire(o.lport)) << 24n) | (BigInt(o.rportWire) << 40n);
  return [o.pid, o.st, meta, o.l[0], o.l[1], o.r[0], o.r[1]].join(',');
}

/** A u32 word as the kernel's little-endian load of the address bytes a.b.c.d. */
function word(a: number, b: number, c: number, d: number): bigint {
  return BigInt(a) | (BigInt(b) << 8n) | (BigInt(c) << 16n) | (BigInt(d) << 24n);
}

const wire = (port: number): number => ((port & 0xff) << 8) | (port >> 8);

describe('addresses', () => {
  it('decodes IPv4 words and wire-order ports', () => {
    expect(ipv4FromWord(16777343n)).toBe('127.0.0.1');
    expect(ipv4FromWord(word(198, 18, 40, 2))).toBe('198.18.40.2');
    expect(portFromWire(3623)).toBe(9998);
    expect(portFromWire(wire(7003))).toBe(7003);
  });

  it('formats IPv6 per RFC 5952', () => {
    const b = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
    expect(formatIpv6(b('00000000000000000000000000000001'))).toBe('::1');
    expect(formatIpv6(b('20010db8002800000000000000000002'))).toBe('2001:db8:28::2');
    expect(formatIpv6(b('20010db8000000010000000000000001'))).toBe('2001:db8:0:1::1');
    expect(formatIpv6(b('20010db8000100010001000100010001'))).toBe('2001:db8:1:1:1:1:1:1');
    expect(formatIpv6(b('00000000000000000000000000000000'))).toBe('::');
    expect(formatIpv6(b('fe800000000000000000000000000000'))).toBe('fe80::');
  });

  it('reports v4-mapped peers of AF_INET6 sockets as IPv4', () => {
    const mapped = (a: number, b: number, c: number, d: number): [bigint, bigint] => [0n, (0xffff0000n << 32n) | word(a, b, c, d)];
    expect(endpoints(10, 0n, 0n, ...mapped(198, 18, 41, 2))).toEqual({ family: 4, local: '0.0.0.0', remote: '198.18.41.2' });
    expect(endpoints(10, ...mapped(198, 18, 41, 1), ...mapped(198, 18, 41, 2))).toEqual({ family: 4, local: '198.18.41.1', remote: '198.18.41.2' });
    expect(endpoints(10, 0n, 16777216n, 0n, 16777216n)).toEqual({ family: 6, local: '::1', remote: '::1' });
    expect(endpoints(1, 0n, 0n, 0n, 0n)).toBeNull();
  });
});

describe('flow keys', () => {
  it('decodes a key as the program packs it', () => {
    // 2001:db8:28::1 → words 0x20010db8 0x00280000 0 1 in wire order.
    const hi = (word(0x20, 0x01, 0x0d, 0xb8) << 32n) | word(0x00, 0x28, 0x00, 0x00);
    const lo = (0n << 32n) | word(0, 0, 0, 1);
    const lo2 = (0n << 32n) | word(0, 0, 0, 2);
    const k = decodeFlowKey(key({ pid: 4242, st: 1192434632637n, dir: 1, proto: 17, fam: 10, lport: 40001, rportWire: wire(7003), l: [hi, lo], r: [hi, lo2] }));
    expect(k).toEqual({
      pid: 4242,
      startNs: 1192434632637n,
      dir: 'out',
      proto: 'udp',
      family: 6,
      local: '2001:db8:28::1',
      lport: 40001,
      remote: '2001:db8:28::2',
      rport: 7003,
    });
    const back = decodeFlowKey(key({ pid: 4242, st: 1192434632637n, dir: 2, proto: 17, fam: 10, lport: 40001, rportWire: wire(7003), l: [hi, lo], r: [hi, lo2] }));
    expect(back?.dir).toBe('in');
    expect(flowId(k!)).toBe(flowId(back!));
  });

  it('handles unsigned 64-bit fields exactly (IPv6 words with the top bit set)', () => {
    // 2001:db8::1: the first word, bytes 20 01 0d b8 loaded little-endian, is 0xb80d0120 (top bit set).
    const hi = 0xb80d0120n << 32n;
    expect(hi > 1n << 63n).toBe(true);
    const k = decodeFlowKey(`1,18446744073709551615,${1n | (6n << 8n) | (10n << 16n)},${hi},${0x01000000n},0,0`);
    expect(k?.startNs).toBe(18446744073709551615n);
    expect(k?.local).toBe('2001:db8::1');
    expect(k?.remote).toBe('::');
    // …and bpftrace prints such a field signed: the same key as it really appears.
    const printed = decodeFlowKey(`1,5,${1n | (6n << 8n) | (10n << 16n)},-5184486359082991616,16777216,0,0`);
    expect(printed?.local).toBe('2001:db8::1');
  });

  it('rejects malformed keys instead of throwing', () => {
    for (const bad of ['', '1,2,3', '1,2,3,4,5,6,x', '0,1,257,0,0,0,0', '1,1,257,-99999999999999999999,0,0,0', `1,1,${1n | (1n << 8n) | (2n << 16n)},0,0,0,0`, '1,1,99999999999999999999999,0,0,0,0', `5,1,${3n | (6n << 8n) | (2n << 16n)},0,0,0,0`]) {
      expect(decodeFlowKey(bad)).toBeNull();
    }
  });
});

describe('%r strings and records', () => {
  it('decodes escapes of non-printable bytes only', () => {
    expect(cString(decodeEscapedBytes('t\\x09ab\\x41\\xc3\\xa9\\x00\\x00junk'))).toBe('t\tab\\x41é');
    expect(cString(decodeEscapedBytes('we"ird\\dir/x\\x00'))).toBe('we"ird\\dir/x');
    expect(cString(decodeEscapedBytes('plain'))).toBe('plain');
  });

  it('parses exec, exit, filename and tick records', () => {
    expect(parseRecord('T\t12\t2')).toEqual({ kind: 'tick', seq: 12, old: 2 });
    expect(parseRecord('U\t12')).toEqual({ kind: 'tickEnd', seq: 12 });
    expect(parseRecord('Z\t1')).toEqual({ kind: 'end', live: 1 });
    expect(parseRecord('B')).toEqual({ kind: 'begin' });
    const e = parseRecord('E\t28709\t1192434632637\t28651\t1189417587585\t0\t266338304\t26723\tpython3\\x00\\x00');
    expect(e).toMatchObject({ kind: 'exec', pid: 28709, startNs: 1192434632637n, ppid: 28651, uid: 0, comm: 'python3', file: { dev: 65024, ino: 26723n } });
    const x = parseRecord('X\t7\t1\t1\t0\t1000\t0\t0\tkworker/0:1\\x00');
    expect(x).toMatchObject({ kind: 'exit', pid: 7, uid: 1000, file: null, comm: 'kworker/0:1' });
    const f = parseRecord('F\t7\t1\t1\tabc\\x00');
    expect(f).toMatchObject({ kind: 'fileChunk', pid: 7, index: 1 });
    for (const bad of ['', 'E\t1', 'T\tx\t1', 'X\t-1\t1\t1\t0\t0\t0\t0\tc', 'Q\t1', 'E\t1\t1\t1\t1\t1\t1\t1\tc\textra']) expect(parseRecord(bad)).toBeNull();
  });

  it('converts kernel dev_t to what stat reports', () => {
    expect(userDev(266338304)).toBe(65024); // 254:0 (a device-mapper disk here)
    expect(userDev((8 << 20) | 1)).toBe(2049); // 8:1 (sda1)
    expect(userDev((259 << 20) | 3)).toBe(66307); // 259:3 (nvme0n1p3)
  });
});

describe('bpftrace JSON lines', () => {
  it('types every kind of line', () => {
    expect(parseBpftraceLine('{"type": "attached_probes", "data": {"probes": 20}}')).toEqual({ kind: 'attached', probes: 20 });
    expect(parseBpftraceLine('{"type": "printf", "data": "B\\n"}')).toEqual({ kind: 'printf', text: 'B\n' });
    expect(parseBpftraceLine('{"type": "lost_events", "data": {"events": 17}}')).toEqual({ kind: 'lost', events: 17 });
    expect(parseBpftraceLine('{"type": "map", "data": {"@n0": {"2": 5, "1": 7}}}')).toEqual({ kind: 'map', name: '@n0', entries: [['1', 7], ['2', 5]] });
    expect(parseBpftraceLine('{"type": "map", "data": {"@gen": 1}}')).toEqual({ kind: 'scalar', name: '@gen', value: 1 });
    expect(parseBpftraceLine('{"type": "time", "data": "x"}')).toEqual({ kind: 'other', type: 'time' });
    expect(parseBpftraceLine('{"type": "printf", "data": "E\\t1').kind).toBe('invalid');
    expect(parseBpftraceLine('[1]').kind).toBe('invalid');
    expect(parseBpftraceLine('{"type": "map", "data": {"@t0": {"k": -1}}}').kind).toBe('invalid');
    expect(lostEventsInText('Lost 12 events\nLost 3 events')).toBe(15);
  });
});

describe('generation ledger', () => {
  const dirOf = (k: string): 'out' | 'in' | null => (k.startsWith('o') ? 'out' : k.startsWith('i') ? 'in' : null);

  it('reports each byte once across the two prints of a generation', () => {
    const got = new Map<string, number>();
    const l = new GenerationLedger((k, b) => got.set(k, (got.get(k) ?? 0) + b), dirOf);
    l.tick(0);
    l.map('@t0', [['oA', 100], ['iA', 10]]);
    l.map('@n0', [['1', 100], ['2', 10]]);
    l.tickEnd();
    l.tick(1);
    l.map('@t1', [['oA', 5]]);
    // generation 0 printed again because a writer raced the flip: it added 7 to oA and a new key oB
    l.map('@t0', [['oA', 107], ['iA', 10], ['oB', 3]]);
    l.map('@n0', [['1', 110], ['2', 10]]);
    l.tickEnd();
    expect(Object.fromEntries(got)).toEqual({ oA: 112, iA: 10, oB: 3 });
    expect(l.counters).toEqual({ droppedBytes: 0, overflows: 0, anomalies: 0 });
  });

  it('counts bytes a full map refused as dropped', () => {
    const l = new GenerationLedger(() => undefined, dirOf);
    l.tick(0);
    l.map('@t0', [['oA', 100]]);
    l.tickEnd();
    l.tick(1);
    l.map('@t0', [['oA', 100]]);
    l.map('@n0', [['1', 150], ['2', 20]]);
    l.tickEnd();
    expect(l.counters).toEqual({ droppedBytes: 70, overflows: 1, anomalies: 0 });
  });

  it('treats END and the exit dump as final, without blaming the live generation', () => {
    const got: Array<[string, number]> = [];
    const l = new GenerationLedger((k, b) => got.push([k, b]), dirOf);
    l.tick(2);
    l.map('@t2', [['oA', 10]]);
    l.tickEnd();
    l.end(0);
    l.map('@t0', [['oA', 4]]);
    l.map('@n0', [['1', 9]]); // a writer raced the print: not a loss
    l.map('@t2', [['oA', 10]]);
    l.map('@n2', [['1', 10]]);
    l.endDone();
    l.map('@t0', [['oA', 5]]); // bpftrace's exit dump: bytes written after END cleared the map
    expect(got).toEqual([
      ['oA', 10],
      ['oA', 4],
      ['oA', 5],
    ]);
    expect(l.counters.droppedBytes).toBe(0);
  });

  it('ignores maps that are not its own', () => {
    const l = new GenerationLedger(() => undefined, dirOf);
    expect(l.map('@sn', [['1', 2]])).toBe(false);
    expect(l.map('@t7', [['1', 2]])).toBe(false);
  });
});

describe('process identity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outflow-precise-id-'));
  const proc = join(dir, 'proc');
  const bin = join(dir, 'bin');
  mkdirSync(proc);
  mkdirSync(bin);
  const exe = join(bin, 'my app');
  copyFileSync('/bin/true', exe);
  const exeStat = statSync(exe, { bigint: true });
  const file = { dev: Number(exeStat.dev), ino: exeStat.ino };
  const nsPerTick = 10_000_000n;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fakeProc(pid: number, startTicks: number, target: string, comm = 'my app'): void {
    const d = join(proc, String(pid));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'stat'), `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${startTicks} 0 0`);
    writeFileSync(join(d, 'status'), 'Name:\tx\nUid:\t1000\t1000\t1000\t1000\n');
    writeFileSync(join(d, 'cmdline'), `${target}\0--flag\0`);
    writeFileSync(join(d, 'cgroup'), '0::/user.slice/app.scope\n');
    symlinkSync(target, join(d, 'exe'));
  }

  const ev = (pid: number, startNs: bigint, over: Partial<ProcessEvent> = {}): ProcessEvent => ({
    pid,
    startNs,
    ppid: 1,
    parentStartNs: 0n,
    uid: 1000,
    file,
    comm: 'my app',
    ...over,
  });

  it('parses /proc stat with spaces and parentheses in comm', () => {
    expect(parseProcStat('12 (a) b) c) S 7 12 12 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0')).toEqual({ name: 'a) b) c', ppid: 7, startTime: 4242 });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('prefers /proc for a live process with the same start time, never a reused pid', () => {
    fakeProc(100, 500, exe);
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc });
    const live = reg.resolve(100, 500n * nsPerTick + 3n);
    expect(live.source).toBe('proc');
    expect(live.info).toMatchObject({ pid: 100, startTime: 500, exe, cmdline: [exe, '--flag'], uid: 1000, ppid: 1, cgroup: '/user.slice/app.scope' });
    // Same pid, other start time: that is another process, not this one.
    const other = reg.resolve(100, 499n * nsPerTick);
    expect(other.source).toBe('none');
    expect(other.info.exe).toBeNull();
    expect(other.info.startTime).toBe(499);
  });

  it('names an exited process from its exec filename (absolute, canonical)', () => {
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc });
    reg.onExec(ev(200, 700n * nsPerTick));
    reg.onFileChunk(200, 700n * nsPerTick, 0, Buffer.from(`${bin}/../bin/my app\0stale`));
    reg.onExit(ev(200, 700n * nsPerTick, { comm: 'renamed' }));
    const r = reg.resolve(200, 700n * nsPerTick);
    expect(r.source).toBe('exec');
    expect(r.info).toMatchObject({ exe, name: 'renamed', startTime: 700, uid: 1000 });
  });

  it('assembles long filenames from chunks and refuses a cut one', () => {
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc });
    const long = `/nonexistent/${'d'.repeat(250)}/${'e'.repeat(150)}/tool`;
    const bytes = Buffer.concat([Buffer.from(long), Buffer.from([0])]);
    reg.onExec(ev(300, 1n));
    for (let i = 0; i * 200 < bytes.length; i++) reg.onFileChunk(300, 1n, i, bytes.subarray(i * 200, i * 200 + 200));
    reg.onExit(ev(300, 1n));
    expect(reg.resolve(300, 1n).info.exe).toBe(long);
    // Only the first 200 bytes arrived (no NUL): unknown, not a truncated path.
    reg.onExec(ev(301, 1n));
    reg.onFileChunk(301, 1n, 0, bytes.subarray(0, 200));
    reg.onExit(ev(301, 1n, { file: null }));
    expect(reg.resolve(301, 1n)).toMatchObject({ source: 'exit', info: { exe: null, name: 'my app' } });
  });

  it('never reports a relative filename as the executable', () => {
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc });
    reg.onExec(ev(400, 9n, { file: null }));
    reg.onFileChunk(400, 9n, 0, Buffer.from('./my app\0'));
    reg.onExit(ev(400, 9n, { file: null }));
    expect(reg.resolve(400, 9n).info.exe).toBeNull();
    // While it ran, /proc named it: that is kept.
    fakeProc(401, 11, exe);
    reg.onExec(ev(401, 11n * nsPerTick));
    reg.onFileChunk(401, 11n * nsPerTick, 0, Buffer.from('./my app\0'));
    rmSync(join(proc, '401'), { recursive: true });
    reg.onExit(ev(401, 11n * nsPerTick));
    expect(reg.resolve(401, 11n * nsPerTick)).toMatchObject({ source: 'exec', info: { exe } });
    // A relative exec of a file already named elsewhere is named by that file's identity.
    reg.onExec(ev(402, 12n));
    reg.onFileChunk(402, 12n, 0, Buffer.from('./my app\0'));
    reg.onExit(ev(402, 12n));
    expect(reg.resolve(402, 12n)).toMatchObject({ source: 'inode', info: { exe } });
  });

  it('names a forked child that never exec’d by its executable file', () => {
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc });
    reg.onExec(ev(500, 50n));
    reg.onFileChunk(500, 50n, 0, Buffer.from(`${exe}\0`));
    reg.onExit(ev(501, 60n, { ppid: 500, parentStartNs: 50n }));
    expect(reg.resolve(501, 60n)).toMatchObject({ source: 'inode', info: { exe, pid: 501 } });
    // A different file (inode) is not the parent's: unknown.
    reg.onExit(ev(502, 61n, { ppid: 500, parentStartNs: 50n, file: { dev: file.dev, ino: file.ino + 1n } }));
    expect(reg.resolve(502, 61n)).toMatchObject({ source: 'exit', info: { exe: null } });
  });

  it('forgets exited processes after the keep time and bounds its tables', () => {
    let now = 0;
    const reg = new ProcessRegistry({ nsPerTick, procRoot: proc, keepExitedMs: 1000, maxEntries: 10, now: () => now });
    for (let pid = 1000; pid < 1020; pid++) reg.onExit(ev(pid, 1n));
    expect(reg.size().exits).toBe(10);
    expect(reg.evictions).toBe(10);
    now = 5000;
    reg.prune();
    expect(reg.size().exits).toBe(0);
  });
});

describe('program', () => {
  it('validates the interval and rotates three generations', () => {
    expect(() => buildPreciseProgram({ intervalMs: 50 })).toThrow(RangeError);
    expect(() => buildPreciseProgram({ intervalMs: 1.5 })).toThrow(RangeError);
    const p = buildPreciseProgram({ intervalMs: 750 });
    expect(p).toContain('interval:ms:750');
    for (const m of ['@t0', '@t1', '@t2', '@n0', '@n1', '@n2']) expect(p).toContain(`clear(${m})`);
    expect(p).toContain('tracepoint:sock:sock_send_length');
    expect(p).toContain('tracepoint:syscalls:sys_enter_sendmmsg');
    expect(p).not.toContain('kprobe:');
  });
});
