// Domain types shared by the engine, the CLI, both transports and the renderer.
// Plain data only (JSON-safe): every value here crosses IPC, HTTP and WebSocket unchanged.
// Times are milliseconds since the Unix epoch (UTC). Byte counts are `null` where the OS does not
// tell us — never 0 for "unknown".

export type Proto = 'tcp' | 'udp';
export type Family = 4 | 6;

/** Where an address lives, so loopback/LAN traffic can be hidden and zero-rated for cost. */
export type AddressScope = 'internet' | 'lan' | 'loopback' | 'linklocal' | 'multicast' | 'unspecified';

/** How bytes are being counted right now; the UI always shows it. */
export type CollectorMode = 'precise' | 'polling' | 'unsupported';

export interface CollectorStatus {
  mode: CollectorMode;
  platform: string;
  /** Human sentences: what works, what does not and how to fix it. */
  notes: string[];
  /** Whether destroyed sockets are reported (Linux `ss -E`), so short-lived connections are counted. */
  seesClosedSockets: boolean;
  /** Whether UDP byte counts are available (conntrack accounting or precise mode). */
  udpBytes: boolean;
  lastTickAt: number | null;
  lastTickMs: number | null;
  lastError: string | null;
  intervalMs: number;
  paused: boolean;
  /** Samples the engine could not keep (burst protection); shown, never hidden. */
  droppedSamples: number;
}

export type FirewallBackendName = 'nftables' | 'iptables' | 'pf' | 'windows' | 'noop';
export type EnforcementState = 'enforcing' | 'degraded' | 'not-enforcing';

export interface FirewallStatus {
  backend: FirewallBackendName;
  state: EnforcementState;
  /** Why the state is not `enforcing`; null when it is. */
  reason: string | null;
  /** Rules the kernel holds for us right now (after the last reconcile). */
  ruleCount: number;
  lastReconcileAt: number | null;
  /** Whether per-app rules can be enforced on this machine; when false, app-scoped rules apply to all apps. */
  appScope: boolean;
  appScopeNote: string | null;
  /** The last drift the reconcile loop found (someone flushed the ruleset…) and whether it was repaired. */
  lastRepair?: { at: number; problems: string[]; repaired: boolean } | null;
}

export interface StoreStatus {
  path: string;
  sizeBytes: number;
  /** Set when the file was found corrupt at start and moved aside. */
  recoveredFrom: string | null;
  lastWriteError: string | null;
}

export interface EngineStatus {
  version: string;
  startedAt: number;
  collector: CollectorStatus;
  firewall: FirewallStatus;
  store: StoreStatus;
}

export interface HostInfo {
  /** Reverse-DNS or resolver-observed name; null while unknown. */
  host: string | null;
  /** ISO 3166-1 alpha-2, or null (private ranges have none). */
  country: string | null;
  asn: number | null;
  org: string | null;
  scope: AddressScope;
}

export interface LiveFlow extends HostInfo {
  /** Stable for the socket's life (Linux socket cookie; elsewhere the 5-tuple). */
  key: string;
  flowId: number | null;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  state: string;
  pid: number | null;
  uid: number | null;
  bytesOut: number | null;
  bytesIn: number | null;
  /** Bytes per second over the last tick; null when bytes are unknown. */
  rateOut: number | null;
  rateIn: number | null;
  openedAt: number;
  /** Id of the enabled rule that covers this destination, if any. */
  blockedBy: number | null;
}

export interface LiveApp {
  /** Stable grouping key: the app id, or `uid:<n>` for traffic no process could be found for. */
  key: string;
  appId: number | null;
  path: string | null;
  name: string;
  attributed: boolean;
  pids: number[];
  rateOut: number;
  rateIn: number;
  bytesOut: number;
  bytesIn: number;
  flows: LiveFlow[];
}

export interface MachineRates {
  /** All interfaces except loopback, bytes per second, from interface counters. */
  txRate: number;
  rxRate: number;
}

export interface LiveSnapshot {
  at: number;
  seq: number;
  mode: CollectorMode;
  intervalMs: number;
  paused: boolean;
  apps: LiveApp[];
  machine: MachineRates | null;
}

export interface AppSummary {
  id: number;
  path: string;
  name: string;
  sha256: string | null;
  bytesOut: number;
  bytesIn: number;
  flows: number;
  firstSeen: number;
  lastSeen: number;
  /** False for the synthetic per-user rows that hold traffic no process could be found for. */
  attributed: boolean;
  /** Egress cost of bytesOut to internet destinations, in the configured currency. */
  cost: number;
}

export interface DestinationSummary extends HostInfo {
  remote: string;
  bytesOut: number;
  bytesIn: number;
  flows: number;
  ports: number[];
  firstSeen: number;
  lastSeen: number;
}

export interface FlowRecord extends HostInfo {
  id: number;
  appId: number | null;
  appName: string;
  appPath: string | null;
  attributed: boolean;
  pid: number | null;
  uid: number | null;
  proto: Proto;
  family: Family;
  local: string;
  lport: number;
  remote: string;
  rport: number;
  openedAt: number;
  closedAt: number | null;
  bytesOut: number | null;
  bytesIn: number | null;
}

export interface HistoryTotals {
  count: number;
  bytesOut: number;
  bytesIn: number;
}

export interface HistoryPage {
  rows: FlowRecord[];
  totals: HistoryTotals;
  /**
   * Where individual connections start: older ones were deleted by retention (`retentionDays`) and
   * survive only in the totals by app and destination. Absent while none has been deleted.
   */
  detailFrom?: number;
}

export type Bucket = 'minute' | 'hour';

export interface SeriesPoint {
  t: number;
  bytesOut: number;
  bytesIn: number;
}

export interface Series {
  bucket: Bucket;
  points: SeriesPoint[];
}

export type RuleAction = 'block' | 'allow';
export type RuleTargetKind = 'ip' | 'cidr' | 'host' | 'any';

export interface Rule {
  id: number;
  /** Canonical form: `198.18.0.1`, `2001:db8::/32`, `example.org` (IDNA ASCII), or `any`. */
  target: string;
  kind: RuleTargetKind;
  proto: Proto | null;
  /** Inclusive port range; a single port has lo === hi. */
  portLo: number | null;
  portHi: number | null;
  /** Executable path the rule is scoped to; null = all apps. */
  appPath: string | null;
  action: RuleAction;
  createdAt: number;
  /** Wall-clock deadline; null = no time limit. */
  expiresAt: number | null;
  /** Lifted when the engine restarts. */
  untilRestart: boolean;
  enabled: boolean;
  note: string;
  /** Blocked attempts counted by the firewall since the rule was applied; null when the backend cannot count. */
  hits: number | null;
  /** Addresses a hostname rule currently resolves to. */
  resolved: string[];
  /** Whether the app scope is enforced here; false means it applies to every app (and the UI says so). */
  appScopeEnforced: boolean;
  /** Whether the kernel holds this rule right now. */
  enforced?: boolean;
  /** Why not, or how it is enforced differently (e.g. "applies to all apps"). */
  enforcementNote?: string | null;
}

export type AlertKind =
  | 'new-app'
  | 'new-destination'
  | 'spike'
  | 'blocked'
  | 'changed-binary'
  | 'enforcement-lost'
  | 'summary';

export interface Alert {
  id: number;
  at: number;
  kind: AlertKind;
  appId: number | null;
  appName: string | null;
  title: string;
  detail: string;
  /** How many events this alert coalesces. */
  count: number;
  seen: boolean;
  /** False when recorded but not shown (learning period, mute, quiet hours, cap). */
  notified: boolean;
}

export interface Overview {
  at: number;
  rateOut: number;
  rateIn: number;
  todayOut: number;
  todayIn: number;
  /** Interface-counter totals for the machine, for honest coverage; null where unavailable. */
  machine: MachineRates | null;
  machineTodayOut: number | null;
  /** attributed bytes / machine bytes over today, 0..1; null when unknown. */
  coverage: number | null;
  costToday: number;
  costMonth: number;
  costProjectedMonth: number;
  currency: string;
}

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when not ok. */
  fix: string | null;
}
