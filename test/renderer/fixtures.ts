// Small builders for domain objects; tests override only what they are about.
import type { EngineStatus, FirewallStatus, LiveApp, LiveFlow, LiveSnapshot, Rule } from '../../electron/shared/types';

let n = 0;

export function flow(over: Partial<LiveFlow> = {}): LiveFlow {
  n += 1;
  return {
    key: `sk:${n}`,
    flowId: n,
    proto: 'tcp',
    family: 4,
    local: '192.168.1.5',
    lport: 40000 + n,
    remote: `198.18.0.${n % 250}`,
    rport: 443,
    state: 'ESTAB',
    pid: 100,
    uid: 1000,
    bytesOut: 1000,
    bytesIn: 5000,
    rateOut: 10,
    rateIn: 50,
    openedAt: 1_000_000,
    blockedBy: null,
    host: null,
    country: 'DE',
    asn: 24940,
    org: 'Hetzner Online GmbH',
    scope: 'internet',
    ...over,
  };
}

export function app(over: Partial<LiveApp> & { key: string }): LiveApp {
  const flows = over.flows ?? [];
  const sum = (k: 'rateOut' | 'rateIn' | 'bytesOut' | 'bytesIn') => flows.reduce((a, f) => a + (f[k] ?? 0), 0);
  return {
    appId: Number(over.key) || null,
    path: `/usr/bin/${over.name ?? over.key}`,
    name: over.name ?? over.key,
    attributed: true,
    pids: [100],
    rateOut: sum('rateOut'),
    rateIn: sum('rateIn'),
    bytesOut: sum('bytesOut'),
    bytesIn: sum('bytesIn'),
    ...over,
    flows,
  };
}

export function snapshot(apps: LiveApp[], over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { at: 2_000_000, seq: 1, mode: 'polling', intervalMs: 1000, paused: false, apps, machine: null, ...over };
}

export function firewall(over: Partial<FirewallStatus> = {}): FirewallStatus {
  return { backend: 'nftables', state: 'enforcing', reason: null, ruleCount: 0, lastReconcileAt: null, appScope: true, appScopeNote: null, ...over };
}

export function status(fw: Partial<FirewallStatus> = {}): EngineStatus {
  return {
    version: '0.1.0',
    startedAt: 0,
    collector: { mode: 'polling', platform: 'linux', notes: [], seesClosedSockets: true, udpBytes: false, lastTickAt: null, lastTickMs: null, lastError: null, intervalMs: 1000, paused: false, droppedSamples: 0 },
    firewall: firewall(fw),
    store: { path: '/tmp/x.db', sizeBytes: 0, recoveredFrom: null, lastWriteError: null },
  };
}

export function rule(over: Partial<Rule> = {}): Rule {
  return {
    id: 1,
    target: '198.18.0.1',
    kind: 'ip',
    proto: null,
    portLo: null,
    portHi: null,
    appPath: null,
    action: 'block',
    createdAt: 0,
    expiresAt: null,
    untilRestart: false,
    enabled: true,
    note: '',
    hits: 0,
    resolved: [],
    appScopeEnforced: true,
    ...over,
  };
}
