// Real bpftrace 0.17 output of the precise program (recorded by test/fixtures/precise/record-fixture.js
// on Linux 6.18 while known clients ran on loopback), replayed through the reader the source uses.
// Runs anywhere: no root, no bpftrace; /proc is an empty directory, so identity comes from the records.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessRegistry } from '../../electron/collector/precise/identity';
import { PreciseReader, type PreciseRow } from '../../electron/collector/precise/reader';

const FIX = join(__dirname, '../fixtures/precise');
const lines = readFileSync(join(FIX, 'replay.jsonl'), 'utf8').split('\n');
const meta = JSON.parse(readFileSync(join(FIX, 'replay.meta.json'), 'utf8')) as {
  python: { pid: number; udpA: number; udpB: number; tcpClient: number; tcpServer: number };
  forkedChild: { pid: number; sent: number; serverGot: number };
  longNode: { pid: number; exe: string; port: number; datagrams: number; size: number };
};

const emptyProc = mkdtempSync(join(tmpdir(), 'outflow-noproc-'));
afterAll(() => rmSync(emptyProc, { recursive: true, force: true }));

function replay(): { rows: PreciseRow[]; reader: PreciseReader } {
  const reader = new PreciseReader(new ProcessRegistry({ nsPerTick: 10_000_000n, procRoot: emptyProc }));
  let began = false;
  reader.onBegin = () => (began = true);
  for (const l of lines) reader.line(l);
  expect(began).toBe(true);
  return { rows: reader.drain(), reader };
}

function sum(rows: PreciseRow[], f: (r: PreciseRow) => boolean): { out: number; in: number } {
  return rows.filter(f).reduce((a, r) => ({ out: a.out + r.bytesOut, in: a.in + r.bytesIn }), { out: 0, in: 0 });
}

describe('replay of recorded bpftrace output', () => {
  const { rows, reader } = replay();

  it('parses every line and loses nothing', () => {
    expect(reader.counters()).toMatchObject({ parseErrors: 0, lostEvents: 0, droppedBytes: 0, mapOverflows: 0, anomalies: 0 });
    expect(reader.counters().ticks).toBeGreaterThanOrEqual(2);
  });

  it('attributes unconnected IPv6 UDP to the right peer in both directions', () => {
    const { pid, udpA, udpB } = meta.python;
    const aToB = rows.filter((r) => r.pid === pid && r.proto === 'udp' && r.lport === udpA);
    expect(aToB).toHaveLength(1);
    expect(aToB[0]).toMatchObject({ family: 6, local: '::1', remote: '::1', rport: udpB, bytesOut: 10 * 1000, bytesIn: 10 * 500 });
    const bToA = rows.filter((r) => r.pid === pid && r.proto === 'udp' && r.lport === udpB);
    expect(bToA[0]).toMatchObject({ remote: '::1', rport: udpA, bytesOut: 10 * 500, bytesIn: 10 * 1000 });
  });

  it('counts TCP exactly, each socket its own row', () => {
    const { pid, tcpClient, tcpServer } = meta.python;
    const client = rows.find((r) => r.pid === pid && r.proto === 'tcp' && r.lport === tcpClient && r.rport === tcpServer);
    expect(client).toMatchObject({ family: 4, local: '127.0.0.1', remote: '127.0.0.1', bytesOut: 100_000, bytesIn: 7000 });
    // The listening side received the forked child's 50000 bytes on another accepted socket.
    expect(sum(rows, (r) => r.pid === pid && r.proto === 'tcp' && r.lport === tcpServer)).toEqual({ out: 7000, in: 100_000 + meta.forkedChild.serverGot });
  });

  it('identifies the python process from its last exec (the interpreter behind the pyenv shims)', () => {
    const r = rows.find((x) => x.pid === meta.python.pid)!;
    expect(r.identity).toBe('exec');
    expect(r.process?.exe).toMatch(/\/python3(\.\d+)?$/);
    expect(r.process?.exe).not.toContain('shims');
    expect(r.process?.startTime).toBe(Number(r.startNs / 10_000_000n));
  });

  it('attributes the forked child (no exec of its own) to its own pid with its name', () => {
    const child = rows.filter((r) => r.pid === meta.forkedChild.pid);
    expect(sum(child, () => true)).toEqual({ out: meta.forkedChild.sent, in: 0 });
    expect(child[0]!.process?.name).toBe('python3');
    // Its executable is named only when the python binary recorded here exists on this machine with
    // the same (device, inode); never guessed otherwise.
    if (child[0]!.identity === 'inode') expect(child[0]!.process?.exe).toBe(rows.find((x) => x.pid === meta.python.pid)!.process?.exe);
    else expect(child[0]!.process?.exe).toBeNull();
  });

  it('assembles a 400+ byte executable path from its chunks', () => {
    const { pid, exe, datagrams, size } = meta.longNode;
    const r = rows.filter((x) => x.pid === pid);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ proto: 'udp', remote: '127.0.0.1', rport: 9, bytesOut: datagrams * size, bytesIn: 0, identity: 'exec' });
    expect(exe.length).toBeGreaterThan(400);
    expect(r[0]!.process?.exe).toBe(exe);
  });

  it('tolerates garbage between good lines and counts it', () => {
    const reader2 = new PreciseReader(new ProcessRegistry({ nsPerTick: 10_000_000n, procRoot: emptyProc }));
    for (const l of lines.slice(0, 5)) reader2.line(l);
    reader2.line('not json');
    reader2.line('{"type": "printf", "data": "E\\tgarbage\\n"}');
    reader2.line('{"type": "lost_events", "data": {"events": 3}}');
    reader2.stderr('WARNING: something\nLost 2 ev');
    reader2.stderr('ents\nERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace\n');
    expect(reader2.counters()).toMatchObject({ parseErrors: 2, lostEvents: 5 });
    expect(reader2.stderrTail()).toBe('WARNING: something\nLost 2 events');
  });
});
