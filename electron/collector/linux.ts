// The Linux collector: one `ss` listing per tick (tcp_info byte counters, inode, cookie), socket →
// process by inode only for sockets never seen before, destroyed sockets from a long-lived `ss -E`,
// machine totals from /proc/net/dev.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { ClosedSocket, Clock, Collector, CollectorCapabilities, InterfaceTotals, Snapshot, SocketSample } from '../engine/ports';
import { systemClock } from '../engine/ports';
import { ConntrackUdp, type ConntrackIndex } from './conntrack';
import { defaultExec, defaultStream, streamFromExec, type ExecFn, type StreamFn } from './linux-exec';
import { MachineTotals } from './machine-totals';
import { SsStreamParser, type SsSocket } from './parse/ss';
import { loadSockDiag, type SockDiag } from './sockdiag';
import { SocketOwners, type OwnerEntry } from './socket-owners';
import { SsEvents, type SsEventsStatus } from './ss-events';

export type { ExecFn, StreamFn } from './linux-exec';

export interface LinuxCollectorOptions {
  clock?: Clock;
  /**
   * Runs ss/conntrack/sysctl (argv only). When given without `stream`, ss output is handed over
   * whole instead of streamed (e.g. a wrapper that runs the tools in another network namespace).
   */
  exec?: ExecFn;
  stream?: StreamFn;
  /** UDP byte counts from conntrack accounting (root + `conntrack` binary + nf_conntrack_acct=1). */
  conntrack?: boolean;
  /** Reuse the last listing when no interface counted a packet since (default: on with the real ss). */
  quietSkip?: boolean;
  /**
   * List sockets through the sock_diag addon instead of forking ss (default: on when the addon is
   * built and no `exec`/`stream` is injected; OUTFLOW_SOCKDIAG=0 turns it off).
   */
  sockdiag?: boolean;
  /** Set false to run without the `ss -E` child (closed sockets then go unseen). Its child runs in our own netns. */
  events?: boolean;
  /** Bound on destroyed sockets buffered between two snapshots. */
  maxPendingClosed?: number;
  procRoot?: string;
}

export interface LinuxCollectorStats {
  /** Wall time of the last snapshot and of its ss listing (parsing overlaps the listing). */
  lastTickMs: number;
  lastSsMs: number;
  liveSockets: number;
  cachedOwners: number;
  cachedProcesses: number;
  inodeWalks: number;
  fdsRead: number;
  /** Lines of ss output that did not parse (a changed ss format shows up here). */
  rejectedLines: number;
  /** Ticks answered without running ss because no packet moved. */
  quietTicks: number;
  /** Where listings come from, and why not from the kernel directly when they are not. */
  listing: 'sock_diag' | 'ss';
  listingNote: string | null;
  events: SsEventsStatus | null;
}

export interface LinuxCollector extends Collector {
  /** Honest notes for the UI; they change when the events child dies or recovers. */
  notes(): string[];
  stats(): LinuxCollectorStats;
}

// Without -a, ss lists connected sockets only: no LISTEN, no unconnected UDP (no destination) and
// no TIME-WAIT/SYN-RECV mini sockets (no counters; a closed connection's bytes come from `ss -E`).
// With conntrack, unconnected UDP sockets are listed too: conntrack names their destinations.
const SS_ARGS = ['-tuineOH'];
const SS_ARGS_ALL = ['-tuanieOH'];
/** Bound on flows derived from conntrack for unconnected UDP sockets (a busy UDP server has many peers). */
const MAX_DERIVED_FLOWS = 4096;

interface UdpFlowBytes {
  bytesOut: number;
  bytesIn: number;
}

/** A flow conntrack names for an unconnected UDP socket; it shares that socket's owner. */
interface DerivedFlow {
  s: SsSocket;
  key: string;
  owner: OwnerEntry;
  udp: UdpFlowBytes;
}

export function createLinuxCollector(opts: LinuxCollectorOptions = {}): LinuxCollector {
  const clock = opts.clock ?? systemClock;
  const runTool = opts.exec ?? defaultExec;
  const stream = opts.stream ?? (opts.exec ? streamFromExec(opts.exec) : defaultStream);
  const procRoot = opts.procRoot ?? '/proc';
  const uid = process.getuid?.() ?? null;
  const privileged = uid === 0 || hasCapability(procRoot, CAP_SYS_PTRACE);
  const owners = new SocketOwners({ procRoot, onlyUid: privileged ? null : uid });
  const totals = new MachineTotals();
  let events: SsEvents | null = null;
  let conntrack: ConntrackUdp | null = null;
  const staticNotes: string[] = [];
  let busy = false;
  let started = false;
  let rejectedLines = 0;
  let lastTickMs = 0;
  // A quiet machine needs no `ss` (forking it is most of an idle tick's cost): when no interface
  // counted a packet since the last listing, no socket's counters or state can have changed.
  const netDev = new NetDevReader();
  let lastDev: Buffer | null = null;
  let machine: InterfaceTotals | null = null;
  let lastListing: { sockets: SocketSample[]; at: number } | null = null;
  let quietTicks = 0;
  // Only with the real ss: an injected listing (tests) changes without packets.
  const skipWhenQuiet = opts.quietSkip ?? (opts.exec === undefined && opts.stream === undefined);
  let lastSsMs = 0;
  let liveSockets = 0;
  // Forking ss costs ~1.3 ms of this process's CPU per tick plus ss's own run; sock_diag is one
  // syscall round per family and protocol.
  const injected = opts.exec !== undefined || opts.stream !== undefined;
  const loaded = opts.sockdiag === false ? { diag: null, reason: 'turned off' } : injected ? { diag: null, reason: 'ss is injected' } : loadSockDiag();
  let diag: SockDiag | null = loaded.diag;
  let listingNote = loaded.reason;

  const notes = (): string[] => {
    const out = [...staticNotes];
    if (events) {
      const s = events.status;
      if (!s.running && started) out.push(`Closed connections are not being seen right now: ${s.lastError ?? 'ss -E is not running'}; restarting.`);
      else if (s.restarts > 0) out.push(`ss -E was restarted ${s.restarts} time(s)${s.lastError ? ` (last: ${s.lastError})` : ''}; closes during the gaps were missed.`);
      if (events.dropped > 0) out.push(`${events.dropped} closed sockets were dropped because the buffer was full.`);
    }
    if (conntrack?.lastError) out.push(`UDP byte counts: ${conntrack.lastError}`);
    if (rejectedLines > 0) out.push(`${rejectedLines} lines of ss output could not be read (unexpected ss format).`);
    return out;
  };

  const known = (cookieId: number): SsSocket | undefined => owners.peek(cookieId)?.last ?? undefined;

  /** Reads one listing, calling `onSocket` while ss is still writing. */
  const listSockets = async (args: string[], onSocket: (s: SsSocket) => void): Promise<void> => {
    if (diag) {
      let listed: SsSocket[] | null = null;
      try {
        listed = diag.list({ tcp: true, udp: true, all: args === SS_ARGS_ALL }, known);
      } catch (err) {
        // Never seen; but a failing addon must not stop the listings: ss takes over for good.
        diag = null;
        listingNote = `sock_diag failed (${(err as Error).message}); listing with ss`;
      }
      if (listed) {
        rejectedLines = 0;
        for (const s of listed) onSocket(s);
        return;
      }
    }
    const parser = new SsStreamParser(onSocket, { known });
    await stream('ss', args, (chunk) => parser.push(chunk));
    parser.end();
    rejectedLines = parser.rejected;
  };

  return {
    async start(): Promise<CollectorCapabilities> {
      // Fail early, with the reason, when ss itself does not work. With sock_diag the listings do
      // not need it; only the destroyed-socket events (`ss -E`) do.
      let ssProblem: string | null = null;
      try {
        await runTool('ss', ['-V']);
      } catch (err) {
        ssProblem = `ss (iproute2) is not usable: ${(err as Error).message}`;
        if (!diag) {
          return { mode: 'unsupported', platform: 'linux', notes: [`${ssProblem}. Install iproute2.`], seesClosedSockets: false, udpBytes: false };
        }
        staticNotes.push(`${ssProblem}: sockets are listed, but connections that close between two polls are not counted. Install iproute2.`);
      }
      if (!privileged) {
        staticNotes.push('Not running as root: connections of other users’ processes are shown by user only, without their program.');
      }
      let seesClosedSockets = false;
      if (opts.events !== false && ssProblem === null) {
        events = new SsEvents({ clock, maxPending: opts.maxPendingClosed });
        const status = await events.start();
        seesClosedSockets = status.verified;
        if (!status.verified) {
          staticNotes.push(
            `Connections that close between two polls are not counted: ss -E does not deliver destroyed sockets here (${status.lastError ?? 'unknown reason'}). It needs a kernel with sock_diag destroy events and, on some kernels, CAP_NET_ADMIN.`,
          );
          await events.stop();
          events = null;
        } else if (!status.lineBuffered) {
          staticNotes.push('stdbuf (coreutils) is missing: closed connections are reported late, in batches.');
        }
      } else if (opts.events === false) {
        staticNotes.push('Closed-socket events are turned off: bytes sent after the last poll are not counted.');
      }
      let udpBytes = false;
      if (opts.conntrack) {
        conntrack = new ConntrackUdp({ exec: runTool });
        const ready = await conntrack.check();
        udpBytes = ready.ok;
        if (!ready.ok) {
          staticNotes.push(`UDP byte counts are unknown: ${ready.reason}`);
          conntrack = null;
        }
      } else {
        staticNotes.push('UDP byte counts are unknown (conntrack accounting is off); UDP flows are listed without bytes.');
      }
      started = true;
      return { mode: 'polling', platform: 'linux', notes: notes(), seesClosedSockets, udpBytes };
    },

    async snapshot(): Promise<Snapshot> {
      if (busy) throw new Error('snapshot() called while the previous one is still running');
      busy = true;
      try {
        const t0 = clock.monotonic();
        const at = clock.now();
        // Yield once even on the quiet path, so a tick is never synchronous (callers rely on `busy`).
        await null;
        // Read once a tick: the quiet check and the machine totals both use it, and the totals are
        // parsed only when a counter moved.
        const dev = netDev.read();
        const unchanged = dev !== null && lastDev !== null && dev.equals(lastDev);
        if (!unchanged) {
          machine = totals.read(dev === null ? null : dev.toString('latin1'));
          lastDev = dev === null ? null : Buffer.from(dev);
        }
        if (skipWhenQuiet && unchanged && lastListing && (events?.pendingCount ?? 0) === 0 && at - lastListing.at < QUIET_RELIST_MS) {
          quietTicks++;
          lastTickMs = clock.monotonic() - t0;
          return { at, sockets: lastListing.sockets, closed: [], precise: null, machine, dropped: events?.dropped ?? 0 };
        }
        // Conntrack first, so unconnected UDP sockets can be expanded while the listing streams in.
        const udp = conntrack ? await conntrack.read() : null;
        owners.beginTick();
        const flows: OwnerEntry[] = [];
        const derivedFlows: DerivedFlow[] = [];
        let derived = 0;
        await listSockets(conntrack ? SS_ARGS_ALL : SS_ARGS, (s) => {
          if (isFlow(s)) {
            const owner = owners.touch(idOf(s), s.inode, s.uid, () => keyOf(s));
            owner.last = s;
            flows.push(owner);
          } else if (udp && derived < MAX_DERIVED_FLOWS && isUnconnectedUdp(s)) {
            const found = udp.flowsOf(s.family, s.local.address, s.local.wildcard, s.local.port!);
            if (found.length === 0) return;
            const owner = owners.touch(idOf(s), s.inode, s.uid, () => keyOf(s));
            owner.last = s;
            for (const f of found) {
              if (derived++ >= MAX_DERIVED_FLOWS) break;
              const peer = { address: f.remote, family: s.family, wildcard: false, iface: null, port: f.rport };
              derivedFlows.push({ s: { ...s, peer }, key: `${owner.key}>${f.remote}:${f.rport}`, owner, udp: f });
            }
          }
        });
        lastSsMs = clock.monotonic() - t0;
        owners.resolvePending();

        const closed: ClosedSocket[] = [];
        const closedIds = new Set<string | number>();
        for (const e of events?.drain() ?? []) {
          const id = idOf(e.socket);
          closedIds.add(id);
          const owner = owners.peek(id);
          const sample = toSample(e.socket, keyOf(e.socket), owner?.process ?? null, udpBytesOf(e.socket, udp));
          // ss -E prints neither uid nor inode; a socket seen live keeps what the listing said.
          sample.uid = e.socket.uid ?? owner?.uid ?? owner?.process?.uid ?? null;
          sample.inode = owner?.inode ?? null;
          closed.push({ ...sample, closedAt: e.at });
        }

        // Destroyed while ss was listing: the event carries the final counters, so skip the live row.
        const gone = (owner: OwnerEntry): boolean => closedIds.size > 0 && owner.last !== null && closedIds.has(idOf(owner.last));
        const sockets: SocketSample[] = [];
        for (const owner of flows) {
          if (gone(owner)) continue;
          const s = owner.last!;
          sockets.push(sampleOf(owner, s, udpBytesOf(s, udp)));
        }
        for (const d of derivedFlows) {
          if (!gone(d.owner)) sockets.push(toSample(d.s, d.key, d.owner.process, d.udp));
        }
        owners.sweep();
        for (const id of closedIds) owners.forget(id);
        liveSockets = sockets.length;
        lastListing = { sockets, at };
        const snapshot: Snapshot = { at, sockets, closed, precise: null, machine, dropped: events?.dropped ?? 0 };
        lastTickMs = clock.monotonic() - t0;
        return snapshot;
      } finally {
        busy = false;
      }
    },

    async stop(): Promise<void> {
      started = false;
      netDev.close();
      await events?.stop();
      events = null;
    },

    notes,

    stats(): LinuxCollectorStats {
      return {
        lastTickMs,
        lastSsMs,
        liveSockets,
        cachedOwners: owners.size,
        cachedProcesses: owners.processes.size,
        inodeWalks: owners.walker.walks,
        fdsRead: owners.walker.fdsRead,
        rejectedLines,
        quietTicks,
        listing: diag ? 'sock_diag' : 'ss',
        listingNote,
        events: events ? { ...events.status } : null,
      };
    },
  };
}

/** Even on a quiet machine, list again this often (UDP sockets close without a packet). */
const QUIET_RELIST_MS = 10_000;

/**
 * /proc/net/dev, read through one descriptor kept open (a procfs file regenerates on every read from
 * offset 0): a tick costs one pread instead of open, fstat, read and close.
 */
class NetDevReader {
  private fd: number | null = null;
  private buf = Buffer.alloc(8192);

  /** The file's bytes (a view valid until the next read), or null when it cannot be read. */
  read(): Buffer | null {
    try {
      this.fd ??= openSync('/proc/net/dev', 'r');
      for (;;) {
        const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
        if (n < this.buf.length) return this.buf.subarray(0, n);
        this.buf = Buffer.alloc(this.buf.length * 2);
      }
    } catch {
      this.close();
      return null;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** A socket with a destination and its own counters: not listening, peer known, not a mini socket. */
function isFlow(s: SsSocket): boolean {
  if (s.state === 'LISTEN' || s.state === 'TIME-WAIT' || s.state === 'SYN-RECV') return false;
  return s.peer.port !== null && s.peer.port !== 0 && !s.peer.wildcard;
}

function isUnconnectedUdp(s: SsSocket): boolean {
  return s.proto === 'udp' && (s.peer.wildcard || s.peer.port === null) && s.local.port !== null;
}

function udpBytesOf(s: SsSocket, udp: ConntrackIndex | null): UdpFlowBytes | null {
  if (!udp || s.proto !== 'udp' || s.local.port === null || s.peer.port === null) return null;
  return udp.lookup(s.family, s.local.address, s.local.port, s.peer.address, s.peer.port);
}

/** The socket's key in snapshots. */
function keyOf(s: SsSocket): string {
  return s.cookie ? 'sk:' + s.cookie : tupleOf(s);
}

/** The owner cache's key: the cookie as a number (no string built per socket per tick). */
function idOf(s: SsSocket): string | number {
  return s.cookieId ?? s.cookie ?? tupleOf(s);
}

function tupleOf(s: SsSocket): string {
  return `${s.proto}:${s.local.address}:${s.local.port}>${s.peer.address}:${s.peer.port}`;
}

/**
 * The owner's sample of `s`: the same object as last tick while nothing in it moved (most sockets,
 * most ticks), so an unchanged socket costs no allocation.
 */
function sampleOf(owner: OwnerEntry, s: SsSocket, udp: UdpFlowBytes | null): SocketSample {
  const prev = owner.sample;
  if (
    prev &&
    prev.state === s.state &&
    prev.bytesOut === bytesOutOf(s, udp) &&
    prev.bytesIn === bytesInOf(s, udp) &&
    prev.process === owner.process &&
    prev.uid === s.uid &&
    prev.inode === s.inode
  ) {
    return prev;
  }
  owner.sample = toSample(s, owner.key, owner.process, udp);
  return owner.sample;
}

/** Bytes sent: tcp_info's, without retransmissions; for UDP, conntrack's when it counts them. */
function bytesOutOf(s: SsSocket, udp: UdpFlowBytes | null): number | null {
  if (s.proto === 'tcp') return s.tcpInfo ? Math.max(0, (s.bytesSent ?? 0) - (s.bytesRetrans ?? 0)) : null;
  return udp ? udp.bytesOut : null;
}

function bytesInOf(s: SsSocket, udp: UdpFlowBytes | null): number | null {
  if (s.proto === 'tcp') return s.tcpInfo ? (s.bytesReceived ?? 0) : null;
  return udp ? udp.bytesIn : null;
}

function toSample(s: SsSocket, key: string, process: SocketSample['process'], udp: UdpFlowBytes | null): SocketSample {
  return {
    key,
    proto: s.proto,
    family: s.family,
    state: s.state,
    local: s.local.address,
    lport: s.local.port ?? 0,
    remote: s.peer.address,
    rport: s.peer.port ?? 0,
    uid: s.uid,
    inode: s.inode,
    bytesOut: bytesOutOf(s, udp),
    bytesIn: bytesInOf(s, udp),
    process,
  };
}

const CAP_SYS_PTRACE = 19;

/** Effective capability bit from /proc/self/status (reading other users' /proc/<pid>/fd needs ptrace access). */
function hasCapability(procRoot: string, bit: number): boolean {
  try {
    const m = /(?:^|\n)CapEff:\s*([0-9a-f]+)/.exec(readFileSync(`${procRoot}/self/status`, 'utf8'));
    return !!m && (BigInt(`0x${m[1]}`) & (1n << BigInt(bit))) !== 0n;
  } catch {
    return false;
  }
}
