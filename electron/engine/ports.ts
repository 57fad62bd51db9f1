// The engine's injected dependencies. One interface here, one implementation per environment
// (Linux/macOS/Windows collectors, nftables/pf/Windows/noop firewalls, Electron/console notifiers),
// so the engine itself is plain Node and runs under the tests.

import type { EngineEvent, Method, MethodResults } from '../shared/contract';
import type {
  Alert,
  DoctorCheck,
  CollectorMode,
  Family,
  FirewallBackendName,
  FirewallStatus,
  HostInfo,
  Proto,
  Rule,
} from '../shared/types';

/** What /proc (or the OS) tells about one process, read once per (pid, startTime). */
export interface ProcessInfo {
  pid: number;
  /** OS-specific start time (Linux: clock ticks since boot from /proc/<pid>/stat field 22). With pid it keys a process. */
  startTime: number;
  /** Absolute executable path; null when unreadable (another user's process without privileges, kernel thread). */
  exe: string | null;
  /** Short name (comm); never trusted for identity. */
  name: string;
  cmdline: string[] | null;
  uid: number | null;
  ppid: number | null;
  /** cgroup v2 path (Linux), for per-app firewall scope; null when unknown. */
  cgroup: string | null;
}

/** One socket as the OS reports it at one instant. Byte counters are cumulative for the socket's life. */
export interface SocketSample {
  /** Stable identity for the socket's life: Linux socket cookie (`sk:` in ss), else proto+5-tuple. */
  key: string;
  proto: Proto;
  family: Family;
  /** Kernel state name as ss prints it (ESTAB, SYN-SENT, UNCONN, …). */
  state: string;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  uid: number | null;
  inode: number | null;
  /** Application bytes sent / received so far (Linux: bytes_sent - bytes_retrans, bytes_received); null = unknown. */
  bytesOut: number | null;
  bytesIn: number | null;
  /** The owning process, when the collector resolved it (cached per socket). */
  process: ProcessInfo | null;
}

/** A socket reported as destroyed since the previous tick, with its final counters. */
export interface ClosedSocket extends SocketSample {
  closedAt: number;
}

/** Precise-mode byte deltas attributed by the kernel, one row per (process, destination) per tick. */
export interface PreciseDelta {
  pid: number;
  process: ProcessInfo | null;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  bytesOut: number;
  bytesIn: number;
}

export interface InterfaceTotals {
  /** Sum over non-loopback interfaces since boot. */
  txBytes: number;
  rxBytes: number;
}

export interface Snapshot {
  at: number;
  /** Live sockets, listening sockets excluded. */
  sockets: SocketSample[];
  /** Destroyed since the previous snapshot (may include sockets never seen live). */
  closed: ClosedSocket[];
  /** Present in precise mode only. */
  precise: PreciseDelta[] | null;
  machine: InterfaceTotals | null;
  /** Events the collector had to drop (buffer limits); cumulative. */
  dropped: number;
  /** Set when the mode changed since start (e.g. precise mode's tracer died and polling took over). */
  mode?: CollectorMode;
  /** Human notes that changed with the mode. */
  notes?: string[];
}

export interface CollectorCapabilities {
  mode: CollectorMode;
  platform: string;
  notes: string[];
  seesClosedSockets: boolean;
  udpBytes: boolean;
}

export interface Collector {
  start(): Promise<CollectorCapabilities>;
  /** Current notes, when they change while running (events child restarted, events dropped…). */
  notes?(): string[];
  /** One consistent reading. Must not be called while the previous call is pending. */
  snapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
}

/** Desired state handed to a firewall backend: the whole rule set, already validated and resolved. */
export interface DesiredRule {
  id: number;
  action: 'block' | 'allow';
  /** Addresses/CIDRs in canonical form; hostnames are resolved before they get here. */
  addresses: string[];
  /** True for target `any` (all addresses). */
  any: boolean;
  proto: Proto | null;
  portLo: number | null;
  portHi: number | null;
  appPath: string | null;
  /** cgroup v2 path the app runs in, when per-app scope is enforceable; else null. */
  cgroup: string | null;
  /** Wall-clock end of a temporary rule, so the kernel can lift it (nft element timeouts) on its own. */
  expiresAt?: number | null;
  /** Per-address end (hostname rules: TTL + grace), parallel to `addresses`. */
  addressExpiresAt?: (number | null)[];
}

export interface DesiredState {
  version: 1;
  /** When true, anything not allowed is blocked (default-deny mode). */
  defaultDeny: boolean;
  rules: DesiredRule[];
}

export interface AppliedState {
  status: FirewallStatus;
  /** Blocked-attempt counters by rule id, where the backend counts. */
  hits: Map<number, number>;
}

export interface FirewallBackend {
  readonly name: FirewallBackendName;
  /** Render and apply the whole desired state atomically; returns what the kernel now holds. */
  apply(state: DesiredState): Promise<AppliedState>;
  /** Read the kernel's state and compare with `state`; repairs drift when `repair` is set. */
  reconcile(state: DesiredState, repair: boolean): Promise<AppliedState>;
  /** Remove only Outflow's own table/anchor/rule group. */
  clear(): Promise<void>;
  /** Whether per-app scope can be enforced for this executable right now, and the cgroup to match. */
  appScope(appPath: string, pids: number[]): Promise<{ enforceable: boolean; cgroup: string | null; note: string | null }>;
}

export interface Notifier {
  notify(alert: Alert): void;
}

export interface Clock {
  /** Wall-clock ms (may jump). */
  now(): number;
  /** Monotonic ms (never jumps); for deadlines and cadence. */
  monotonic(): number;
}

export interface Resolver {
  /** Cached answer, or null while unknown; never waits. Triggers a bounded background lookup. */
  peek(address: string): string | null;
  /** Resolve forward (for hostname rules): addresses with their TTL in seconds. */
  resolve(host: string): Promise<{ address: string; family: Family; ttl: number }[]>;
  /** Called when a reverse lookup completes, so the engine can store it. */
  onResolved(listener: (address: string, host: string | null) => void): void;
  close(): void;
}

export interface Geo {
  /** Offline lookup; never blocks on the network. */
  lookup(address: string): Omit<HostInfo, 'host'>;
}

/** What works on this machine (ss, /proc, privileges, nft, conntrack, bpftrace…), each with its fix. */
export interface DoctorProbe {
  run(): Promise<DoctorCheck[]>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export type { Rule };

/** What `createEngine` returns: the composition roots (main.ts, cli.ts) and transports use only this. */
export interface EngineHandle {
  /** Validate `input` against the contract and run the method; throws ApiError on bad input. */
  call<M extends Method>(method: M, input: unknown): Promise<MethodResults[M]>;
  /**
   * `wants` says which event types the listener takes now; the engine skips building events nobody
   * wants (the live view, every tick). Without it, every event is delivered.
   */
  subscribe(listener: (event: EngineEvent) => void, wants?: (type: EngineEvent['type']) => boolean): () => void;
  start(): Promise<void>;
  /** Stops polling, flushes, closes the store; the firewall is left in its reconciled state. */
  stop(): Promise<void>;
}
