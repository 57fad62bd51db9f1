// macOS collector: polls lsof (sockets, owning pid, uid, TCP state) and nettop (per-flow cumulative
// bytes, and flows of processes lsof may not inspect) once per tick, joins them on protocol, 5-tuple
// and pid, and reads executables with ps for pids not seen before. There is no socket cookie and no
// destroyed-socket feed on macOS: a flow opened and closed between two ticks is not seen.
import type { Clock, Collector, CollectorCapabilities, InterfaceTotals, ProcessInfo, Snapshot, SocketSample } from '../engine/ports';
import { systemClock } from '../engine/ports';
import { ExecError, execRunner, type ExecResult, type ExecRunner } from './exec-runner';
import { isUnspecified } from './parse/darwin-win-address';
import { netstatArgv, parseNetstat } from './parse/darwin-netstat';
import { PS_BATCH, PS_ENV, parsePs, psArgv, type PsProcess } from './parse/darwin-ps';
import { ssStateName, tupleKey } from './parse/darwin-win-socket';
import { lsofArgv, parseLsof, type LsofSocket } from './parse/lsof';
import { nettopArgv, parseNettop, type NettopFlow } from './parse/nettop';

export interface DarwinCollectorOptions {
  exec?: ExecRunner;
  clock?: Clock;
  /** Per-command timeout; a command that takes longer makes the snapshot fail. Default 5 s. */
  timeoutMs?: number;
  /** Effective uid, for the notes (tests inject it). Default: process.getuid(). */
  uid?: number | null;
}

export interface CollectorParseStats {
  /** Output lines/rows that could not be read and were skipped, cumulative. */
  skippedLines: number;
}

export interface DarwinCollector extends Collector {
  stats(): CollectorParseStats;
}

interface Tools {
  lsof: boolean;
  nettop: boolean;
  ps: boolean;
  netstat: boolean;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export function createDarwinCollector(options: DarwinCollectorOptions = {}): DarwinCollector {
  const exec = options.exec ?? execRunner;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const uid = options.uid !== undefined ? options.uid : (process.getuid?.() ?? null);
  let tools: Tools | null = null;
  let pending = false;
  let skippedLines = 0;
  /**
   * Process metadata read by ps, by pid, kept while the pid owns sockets tick after tick. A pid that
   * owns no socket for one tick is forgotten, so a reused pid is read again (see the fixtures README).
   */
  let cache = new Map<number, ProcessInfo>();

  const run = (cmd: string, argv: string[], env?: Record<string, string>): Promise<ExecResult> =>
    exec(cmd, argv, { timeoutMs, env });

  /** Runs the command once as a tick would; null when it works, else the note saying what is lost. */
  async function probe(cmd: string, argv: string[], lost: string): Promise<string | null> {
    try {
      const result = await run(cmd, argv, cmd === 'ps' ? PS_ENV : undefined);
      if (result.code !== 0 && !(cmd === 'lsof' && result.code === 1 && result.stderr.trim() === '')) {
        return `${cmd} is present but failed (exit ${result.code}: ${firstLine(result.stderr)}); ${lost}`;
      }
      return null;
    } catch (error) {
      if (error instanceof ExecError && error.kind === 'missing') return `${cmd} not found; ${lost}`;
      return `${cmd} could not run (${(error as Error).message}); ${lost}`;
    }
  }

  async function start(): Promise<CollectorCapabilities> {
    const problems = await Promise.all([
      probe('lsof', lsofArgv(), 'socket owners, uids and TCP states come from nettop alone.'),
      probe('nettop', nettopArgv(), 'byte counts are unknown.'),
      probe('ps', psArgv([process.pid]), 'executable paths are unknown (apps are shown by name).'),
      probe('netstat', netstatArgv(), 'machine-wide interface totals are not shown.'),
    ]);
    const notes = problems.filter((p): p is string => p !== null);
    const [lsof, nettop, ps, netstat] = problems.map((p) => p === null);
    tools = { lsof, nettop, ps, netstat };
    const usable = lsof || nettop;
    if (usable) {
      notes.push(
        'Polling lsof and nettop each tick: a connection opened and closed between two ticks is not seen, ' +
          'and bytes a flow moves after the last tick before it closes are not counted.',
      );
    }
    if (usable && uid !== 0) {
      notes.push(
        'Not running as root: lsof shows only your own processes; other users\u2019 flows come from nettop, ' +
          'and their executables are shown by name only.',
      );
    }
    if (!usable) notes.push('Neither lsof nor nettop can run here, so no connections can be listed.');
    return {
      mode: usable ? 'polling' : 'unsupported',
      platform: 'darwin',
      notes,
      seesClosedSockets: false,
      udpBytes: nettop,
    };
  }

  async function snapshot(): Promise<Snapshot> {
    if (!tools) throw new Error('darwin collector: snapshot() before start()');
    if (pending) throw new Error('darwin collector: snapshot() while the previous one is pending');
    pending = true;
    try {
      return await takeSnapshot(tools);
    } finally {
      pending = false;
    }
  }

  async function takeSnapshot(have: Tools): Promise<Snapshot> {
    // allSettled: when one command fails, wait for the others too, so no child outlives the tick.
    const settled = await Promise.allSettled([
      have.lsof ? run('lsof', lsofArgv()) : null,
      have.nettop ? run('nettop', nettopArgv()) : null,
      have.netstat ? readMachineTotals() : null,
    ] as const);
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    const [lsofOut, nettopOut, machine] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
      ExecResult | null,
      ExecResult | null,
      InterfaceTotals | null,
    ];
    let lsofSockets: LsofSocket[] = [];
    if (lsofOut) {
      // lsof exits 1 when one of its selectors (-iTCP, -iUDP) matched nothing; that is not a failure.
      if (lsofOut.code !== 0 && !(lsofOut.code === 1 && lsofOut.stderr.trim() === '')) {
        throw new Error(`lsof failed (exit ${lsofOut.code}): ${firstLine(lsofOut.stderr)}`);
      }
      const parsed = parseLsof(lsofOut.stdout);
      skippedLines += parsed.skipped;
      lsofSockets = parsed.sockets.filter(isConnectedLsof);
    }
    let flows: NettopFlow[] = [];
    if (nettopOut) {
      if (nettopOut.code !== 0) throw new Error(`nettop failed (exit ${nettopOut.code}): ${firstLine(nettopOut.stderr)}`);
      const parsed = parseNettop(nettopOut.stdout);
      if (!parsed.sampled) throw new Error(`nettop printed no sample header (${parsed.skipped} lines skipped)`);
      skippedLines += parsed.skipped;
      flows = parsed.flows.filter(isConnectedFlow);
    }
    const joined = join(lsofSockets, flows, have.nettop);
    const owners = await resolveProcesses(joined, have.ps);
    const sockets: SocketSample[] = joined.map((j) => {
      const process = owners.get(j.pid) ?? null;
      return { ...j.sample, uid: j.sample.uid ?? process?.uid ?? null, process };
    });
    return { at: clock.now(), sockets, closed: [], precise: null, machine, dropped: 0 };
  }

  async function readMachineTotals(): Promise<InterfaceTotals | null> {
    // Interface totals are a reference figure; a failed read leaves them out rather than failing the tick.
    try {
      const result = await run('netstat', netstatArgv());
      if (result.code !== 0) return null;
      const parsed = parseNetstat(result.stdout);
      skippedLines += parsed.skipped;
      return parsed.totals;
    } catch {
      return null;
    }
  }

  /** Read ps for pids new to this tick; forget pids that no longer own sockets. */
  async function resolveProcesses(joined: Joined[], havePs: boolean): Promise<Map<number, ProcessInfo>> {
    const owners = new Map<number, Joined>();
    for (const j of joined) if (!owners.has(j.pid)) owners.set(j.pid, j);
    const unknown = [...owners.keys()].filter((pid) => !cache.has(pid));
    const read = new Map<number, PsProcess>();
    if (havePs) {
      for (let i = 0; i < unknown.length; i += PS_BATCH) {
        const batch = unknown.slice(i, i + PS_BATCH);
        const result = await run('ps', psArgv(batch), PS_ENV);
        // ps exits 1 when none of the pids still exists; rows it did print are still good.
        if (result.code !== 0 && result.code !== 1) {
          throw new Error(`ps failed (exit ${result.code}): ${firstLine(result.stderr)}`);
        }
        const parsed = parsePs(result.stdout, batch);
        skippedLines += parsed.skipped;
        for (const [pid, p] of parsed.processes) read.set(pid, p);
      }
    }
    const nextCache = new Map<number, ProcessInfo>();
    const resolved = new Map<number, ProcessInfo>();
    for (const [pid, j] of owners) {
      const cached = cache.get(pid);
      const p = read.get(pid);
      let info: ProcessInfo;
      if (cached) info = cached;
      else if (p) {
        const exe = p.exe !== null && sameProgram(p.exe, j.name) ? p.exe : null;
        if (p.exe !== null && exe === null) skippedLines++;
        const name = exe !== null ? p.name : j.name || p.name;
        info = { pid, startTime: p.startTime, exe, name, cmdline: null, uid: p.uid, ppid: p.ppid, cgroup: null };
      } else {
        // Gone before ps looked, or ps unavailable: what lsof/nettop said; not cached, so retried next tick.
        // startTime 0 means unknown.
        resolved.set(pid, { pid, startTime: 0, exe: null, name: j.name, cmdline: null, uid: j.sample.uid, ppid: j.ppid, cgroup: null });
        continue;
      }
      nextCache.set(pid, info);
      resolved.set(pid, info);
    }
    cache = nextCache;
    return resolved;
  }

  return {
    start,
    snapshot,
    stop: async () => {
      tools = null;
      cache = new Map();
    },
    stats: () => ({ skippedLines }),
  };
}

interface Joined {
  pid: number;
  name: string;
  ppid: number | null;
  sample: Omit<SocketSample, 'process'>;
}

function isConnectedLsof(s: LsofSocket): boolean {
  return (
    s.remote !== null &&
    s.rport !== null &&
    s.rport > 0 &&
    s.lport !== null &&
    !isUnspecified(s.remote) &&
    (s.state === null || ssStateName(s.state) !== 'LISTEN')
  );
}

function isConnectedFlow(f: NettopFlow): boolean {
  return (
    f.remote !== null &&
    f.rport !== null &&
    f.rport > 0 &&
    f.lport !== null &&
    !isUnspecified(f.remote) &&
    (f.state === null || ssStateName(f.state) !== 'LISTEN')
  );
}

/**
 * lsof is authoritative for which pid holds a socket (it walks each process's descriptors); nettop
 * supplies the bytes. A flow matches a socket with the same tuple and pid, else — for a socket shared
 * across a fork, which nettop files under one pid — the only unclaimed flow with that tuple. Each flow
 * is claimed once, so shared sockets are never counted twice. Flows no lsof socket claims (other
 * users' processes when not root) are reported from nettop alone.
 */
function join(lsof: LsofSocket[], flows: NettopFlow[], haveBytes: boolean): Joined[] {
  const byKey = new Map<string, NettopFlow[]>();
  const byTuple = new Map<string, NettopFlow[]>();
  for (const f of flows) {
    push(byKey, tupleKey(f.proto, f.local, f.lport as number, f.remote as string, f.rport as number, f.pid), f);
    push(byTuple, tupleKey(f.proto, f.local, f.lport as number, f.remote as string, f.rport as number, null), f);
  }
  const claimed = new Set<NettopFlow>();
  const seen = new Map<string, { socket: LsofSocket; flow: NettopFlow | null }>();
  for (const s of lsof) {
    const key = tupleKey(s.proto, s.local, s.lport as number, s.remote as string, s.rport as number, s.pid);
    if (seen.has(key)) continue; // the same socket under two descriptors (dup) of one process
    const flow = (byKey.get(key) ?? []).find((f) => !claimed.has(f)) ?? null;
    if (flow) claimed.add(flow);
    seen.set(key, { socket: s, flow });
  }
  for (const entry of seen.values()) {
    if (entry.flow) continue;
    const s = entry.socket;
    const candidates = (byTuple.get(tupleKey(s.proto, s.local, s.lport as number, s.remote as string, s.rport as number, null)) ?? []).filter(
      (f) => !claimed.has(f),
    );
    if (candidates.length === 1) {
      entry.flow = candidates[0];
      claimed.add(candidates[0]);
    }
  }
  const out: Joined[] = [];
  for (const [key, { socket: s, flow }] of seen) {
    out.push({
      pid: s.pid,
      name: s.command || flow?.processName || '',
      ppid: s.ppid,
      sample: {
        key,
        proto: s.proto,
        family: s.family,
        state: s.state !== null ? ssStateName(s.state) : flow?.state ? ssStateName(flow.state) : 'ESTAB',
        local: s.local,
        lport: s.lport as number,
        remote: s.remote as string,
        rport: s.rport as number,
        uid: s.uid,
        inode: null,
        bytesOut: haveBytes && flow ? flow.bytesOut : null,
        bytesIn: haveBytes && flow ? flow.bytesIn : null,
      },
    });
  }
  const nettopOnly = new Set<string>();
  for (const f of flows) {
    if (claimed.has(f)) continue;
    const key = tupleKey(f.proto, f.local, f.lport as number, f.remote as string, f.rport as number, f.pid);
    if (seen.has(key) || nettopOnly.has(key)) continue;
    nettopOnly.add(key);
    out.push({
      pid: f.pid,
      name: f.processName,
      ppid: null,
      sample: {
        key,
        proto: f.proto,
        family: f.family,
        state: f.state ? ssStateName(f.state) : 'ESTAB',
        local: f.local,
        lport: f.lport as number,
        remote: f.remote as string,
        rport: f.rport as number,
        uid: null,
        inode: null,
        bytesOut: f.bytesOut,
        bytesIn: f.bytesIn,
      },
    });
  }
  return out;
}

/**
 * The kernel names a process after its executable's file name, truncated (lsof and nettop print that
 * name). A ps path whose file name does not start with it is not trusted: it may be a line spilled
 * from another process's path that contains a newline.
 */
function sameProgram(exe: string, shortName: string): boolean {
  if (shortName === '') return true;
  return exe.slice(exe.lastIndexOf('/') + 1).startsWith(shortName);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line ? line.trim().slice(0, 300) : 'no message';
}
